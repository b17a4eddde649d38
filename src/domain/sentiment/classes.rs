//! Word classes for rules: which tokens are a waiting verb, a negator, a duration unit, a news cue …
//!
//! The classes are data (`config/lexicons/service-rules.tsv` and `context.tsv`), one line per class
//! and forms separated by commas; a form may be several words. [`Classes::marks`] finds, once per
//! text, every class that matches at every token, so a rule asks "is there a duration within four
//! words?" with array lookups instead of string comparisons.

use super::fasthash::FastMap;

use super::lexicon::canonical;

/// The classes the rules and cues use. The names are the class names in the data files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    Wait,
    Take,
    Respond,
    Work,
    Deliver,
    Resolve,
    Absent,
    Neg,
    SvNeg,
    NotNeg,
    Problem,
    Quick,
    Within,
    Late,
    Later,
    Promised,
    Future,
    Ordinal,
    Occasion,
    Times,
    Contact,
    Charge,
    Double,
    Again,
    Number,
    Approx,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Long,
    Report,
    Person,
    Ad,
    Ask,
    Rhetorical,
    Sarcasm,
    Others,
    Function,
    Seek,
    ThirdParty,
}

const ALL: &[(&str, Class)] = &[
    ("wait", Class::Wait),
    ("take", Class::Take),
    ("respond", Class::Respond),
    ("work", Class::Work),
    ("deliver", Class::Deliver),
    ("resolve", Class::Resolve),
    ("absent", Class::Absent),
    ("neg", Class::Neg),
    ("svneg", Class::SvNeg),
    ("notneg", Class::NotNeg),
    ("problem", Class::Problem),
    ("quick", Class::Quick),
    ("within", Class::Within),
    ("late", Class::Late),
    ("later", Class::Later),
    ("promised", Class::Promised),
    ("future", Class::Future),
    ("ordinal", Class::Ordinal),
    ("occasion", Class::Occasion),
    ("times", Class::Times),
    ("contact", Class::Contact),
    ("charge", Class::Charge),
    ("double", Class::Double),
    ("again", Class::Again),
    ("number", Class::Number),
    ("approx", Class::Approx),
    ("minute", Class::Minute),
    ("hour", Class::Hour),
    ("day", Class::Day),
    ("week", Class::Week),
    ("month", Class::Month),
    ("year", Class::Year),
    ("long", Class::Long),
    ("report", Class::Report),
    ("person", Class::Person),
    ("ad", Class::Ad),
    ("ask", Class::Ask),
    ("rhetorical", Class::Rhetorical),
    ("sarcasm", Class::Sarcasm),
    ("others", Class::Others),
    ("function", Class::Function),
    ("seek", Class::Seek),
    ("thirdparty", Class::ThirdParty),
];

impl Class {
    fn bit(self) -> u64 {
        1 << (self as u32)
    }
}

/// A set of classes.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct Mask(u64);

impl Mask {
    pub(crate) fn has(self, c: Class) -> bool {
        self.0 & c.bit() != 0
    }
}

/// Forms that start with one token: the classes of the token alone, and longer forms.
#[derive(Clone, Debug, Default)]
struct Entry {
    single: Mask,
    longer: Vec<(Vec<String>, Mask)>,
}

/// The class lists of one classifier.
#[derive(Clone, Debug, Default)]
pub(crate) struct Classes {
    by_first: FastMap<String, Entry>,
}

impl Classes {
    /// Adds the classes in `text` (`class<TAB>form, form …`). Errors name the line.
    pub(crate) fn add(&mut self, text: &str) -> Result<(), String> {
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((name, forms)) = line.split_once('\t') else {
                return Err(format!("line {}: expected `class<TAB>forms`", n + 1));
            };
            let class = ALL
                .iter()
                .find(|(k, _)| *k == name.trim())
                .map(|&(_, c)| c)
                .ok_or_else(|| format!("line {}: unknown class {:?}", n + 1, name.trim()))?;
            for form in forms.split(',') {
                let tokens: Vec<String> = form
                    .split_whitespace()
                    .map(|t| canonical(&t.to_lowercase()).to_string())
                    .collect();
                let Some((first, rest)) = tokens.split_first() else {
                    continue;
                };
                let entry = self.by_first.entry(first.clone()).or_default();
                if rest.is_empty() {
                    entry.single.0 |= class.bit();
                } else if let Some(e) = entry.longer.iter_mut().find(|(r, _)| r == rest) {
                    e.1.0 |= class.bit();
                } else {
                    entry.longer.push((rest.to_vec(), Mask(class.bit())));
                }
            }
        }
        Ok(())
    }

    /// The classes of a single token written alone.
    pub(crate) fn of(&self, token: &str) -> Mask {
        self.by_first
            .get(canonical(token))
            .map_or(Mask::default(), |e| e.single)
    }

    /// Every class match in `texts` (one entry per token; empty strings never match).
    pub(crate) fn marks(&self, texts: &[&str], out: &mut Marks) {
        out.at.clear();
        out.longer.clear();
        out.at.resize(texts.len(), Mask::default());
        for (k, w) in texts.iter().enumerate() {
            if w.is_empty() {
                continue;
            }
            let Some(e) = self.by_first.get(canonical(w)) else {
                continue;
            };
            out.at[k].0 |= e.single.0;
            for (rest, mask) in &e.longer {
                let fits = texts
                    .get(k + 1..k + 1 + rest.len())
                    .is_some_and(|ws| ws.iter().zip(rest).all(|(a, b)| canonical(a) == b));
                if fits {
                    out.at[k].0 |= mask.0;
                    out.longer.push((k, 1 + rest.len(), *mask));
                }
            }
        }
    }
}

/// Class matches of one text: for each token, the classes of the forms that start there.
#[derive(Debug, Default)]
pub(crate) struct Marks {
    at: Vec<Mask>,
    /// Multi-token matches: (position, length, classes).
    longer: Vec<(usize, usize, Mask)>,
}

impl Marks {
    pub(crate) fn at(&self, k: usize) -> Mask {
        self.at.get(k).copied().unwrap_or_default()
    }

    /// The length of the longest form of class `c` starting at `k`, if one does.
    pub(crate) fn len(&self, k: usize, c: Class) -> Option<usize> {
        if !self.at(k).has(c) {
            return None;
        }
        let longest = self
            .longer
            .iter()
            .filter(|(p, _, m)| *p == k && m.has(c))
            .map(|&(_, n, _)| n)
            .max();
        Some(longest.unwrap_or(1))
    }

    /// The first position in `from..to` where class `c` starts, with its length.
    pub(crate) fn find(&self, from: usize, to: usize, c: Class) -> Option<(usize, usize)> {
        (from..to.min(self.at.len())).find_map(|k| self.len(k, c).map(|n| (k, n)))
    }

    /// Whether any token in `from..to` starts class `c`.
    pub(crate) fn any_in(&self, from: usize, to: usize, c: Class) -> bool {
        self.find(from, to, c).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_and_multi_token_forms_are_marked() {
        let mut c = Classes::default();
        c.add("wait\tväntat, on hold\nneg\tnot, ingen\nrespond\thör av sig\n")
            .expect("parses");
        let texts = [
            "jag", "har", "väntat", "on", "hold", "ingen", "hör", "av", "sig", "don't",
        ];
        let mut m = Marks::default();
        c.marks(&texts, &mut m);
        assert_eq!(m.len(2, Class::Wait), Some(1));
        assert_eq!(m.len(3, Class::Wait), Some(2));
        assert_eq!(m.len(6, Class::Respond), Some(3));
        assert!(m.at(9).has(Class::Neg), "n't forms are `not`");
        assert_eq!(m.find(0, 10, Class::Neg), Some((5, 1)));
        assert!(!m.any_in(0, 5, Class::Respond));
        assert!(c.of("ingen").has(Class::Neg));
    }

    #[test]
    fn bad_lines_are_reported() {
        let mut c = Classes::default();
        assert_eq!(
            c.add("wait väntat"),
            Err("line 1: expected `class<TAB>forms`".into())
        );
        assert!(
            c.add("nosuch\tx")
                .is_err_and(|e| e.contains("unknown class"))
        );
    }

    #[test]
    fn shipped_class_files_parse() {
        let mut c = Classes::default();
        c.add(include_str!("../../../config/lexicons/service-rules.tsv"))
            .expect("service rules parse");
        c.add(include_str!("../../../config/lexicons/context.tsv"))
            .expect("context cues parse");
        assert!(c.of("väntat").has(Class::Wait));
        assert!(c.of("enligt").has(Class::Report));
    }
}
