//! Word, phrase and emoji lexicons, and the lookup rules that make a small Swedish lexicon cover its
//! inflected forms.
//!
//! The lists ship in `config/lexicons/` and are compiled in with `include_str!`, so the binary needs no
//! data files at run time; `config/lexicons/NOTICE` says where each list comes from and under which
//! licence. All scores are on VADER's −4…+4 scale.

use super::fasthash::FastMap;

const SV_SPRAKBANKEN: &str = include_str!("../../../config/lexicons/sv-sprakbanken.tsv");
const SV_VADER: &str = include_str!("../../../config/lexicons/sv-vader.tsv");
const SV_CUSTOM: &str = include_str!("../../../config/lexicons/sv-custom.tsv");
const EN_VADER: &str = include_str!("../../../config/lexicons/en-vader.tsv");
const EN_CUSTOM: &str = include_str!("../../../config/lexicons/en-custom.tsv");
const SV_SERVICE: &str = include_str!("../../../config/lexicons/sv-service.tsv");
const EN_SERVICE: &str = include_str!("../../../config/lexicons/en-service.tsv");
const EMOJI_RANKING: &str = include_str!("../../../config/lexicons/emoji-ranking.tsv");
const EMOJI: &str = include_str!("../../../config/lexicons/emoji.tsv");
const AFFECT: &str = include_str!("../../../config/lexicons/affect.tsv");

/// Which lexicon a word list feeds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Lang {
    Sv,
    En,
    /// The user's own words: trusted in every language.
    User,
}

/// A multi-word entry ("svarar inte", "still waiting"), matched token by token.
#[derive(Clone, Debug)]
pub(crate) struct Phrase {
    pub tokens: Vec<String>,
    pub score: f64,
}

/// How a word was found, so the reasons can say why an unlisted form got a score.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Found {
    Exact,
    /// An inflected form: the listed base form.
    Inflected(String),
    /// An intensifying prefix (`jättebra`): the prefix and the listed rest.
    Prefixed(&'static str, String),
}

/// English words that mean something else (or nothing evaluative) in Swedish, and vice versa: their
/// score from the other language's list is ignored when the text is in the other language.
const EN_FALSE_FRIENDS_IN_SV: &[&str] = &[
    "slut", "bad", "sin", "hot", "fart", "full", "lack", "men", "kiss", "rot", "dim", "hell",
    "pest", "bra", "fan", "dom", "art", "bar", "grand", "arm", "glass", "stark", "sale", "bang",
    "lie", "die", "mate", "rang", "hat", "barn", "gift", "kind", "god", "tack", "bitter",
];
const SV_FALSE_FRIENDS_IN_EN: &[&str] = &[
    "fin", "god", "gift", "kind", "hot", "fel", "men", "full", "slut", "bad", "barn", "sky", "sur",
    "tag", "hat", "arg", "lust", "fast", "kiss", "rot", "sin", "art", "bar", "grand", "arm",
    "glass", "stark", "bang", "lie", "die", "mate", "land", "stack", "list", "tom", "plan", "fart",
    "rar", "dum", "ond", "ren", "seg", "dryg", "ball", "go", "elegant", "glad", "prima", "skit",
];

/// Prefixes that intensify a Swedish word written as one (`jättebra`, `skitdålig`, `superenkel`).
const SV_PREFIXES: &[&str] = &[
    "jätte", "super", "skit", "sjukt", "mega", "svin", "kanon", "as",
];
/// Score multiplier for an intensifying prefix.
pub(crate) const PREFIX_FACTOR: f64 = 1.4;

/// The lexicons of one classifier. Cheap to share (`&'static` via `Classifier::builtin`), and cloned
/// only when a user lexicon is added.
#[derive(Clone, Debug, Default)]
pub(crate) struct Lexicon {
    sv: FastMap<String, f64>,
    en: FastMap<String, f64>,
    user: FastMap<String, f64>,
    /// Phrases keyed by their first token (canonical form, see [`canonical`]), longest first.
    phrases: FastMap<String, Vec<Phrase>>,
    /// Emoji and emoticons.
    symbols: FastMap<String, f64>,
    /// Emoticons, longest first, for the tokeniser.
    pub emoticons: Vec<String>,
    /// Laughter and friendly emoji and words (see `affect.tsv`), with a score of their own when the
    /// file gives one.
    affect: FastMap<String, Option<f64>>,
}

/// The form a token takes in phrase matching: every English "not" contraction is `not`, so one
/// phrase "not work" covers "doesn't work", "does not work", "didnt work" and "cannot work".
pub(crate) fn canonical(token: &str) -> &str {
    if is_not_form(token) { "not" } else { token }
}

/// `not`, `cannot` and the n't contractions (with or without the apostrophe, as people type them).
pub(crate) fn is_not_form(token: &str) -> bool {
    const BARE: &[&str] = &[
        "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "wont", "cant", "couldnt",
        "shouldnt", "wouldnt", "hasnt", "havent", "hadnt", "aint", "mustnt", "neednt",
    ];
    token == "not" || token == "cannot" || token.ends_with("n't") || BARE.contains(&token)
}

/// One parsed line of a lexicon file.
enum Entry<'a> {
    Word(&'a str, f64),
    Phrase(Vec<&'a str>, f64),
    Symbol(&'a str, f64),
}

/// Parses `word<TAB>score` lines (`#` comments and blank lines allowed). Errors name the line.
fn parse(text: &str) -> Result<Vec<Entry<'_>>, String> {
    let mut entries = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, score)) = line.rsplit_once('\t') else {
            return Err(format!(
                "line {}: expected `word<TAB>score`, got {line:?}",
                n + 1
            ));
        };
        let key = key.trim();
        let score: f64 = score
            .trim()
            .parse()
            .ok()
            .filter(|s: &f64| s.is_finite() && (-5.0..=5.0).contains(s))
            .ok_or_else(|| {
                format!(
                    "line {}: score must be a number from -5 to 5, got {score:?}",
                    n + 1
                )
            })?;
        if key.is_empty() {
            return Err(format!("line {}: empty word", n + 1));
        }
        let first = key.chars().next().unwrap_or(' ');
        if !first.is_alphanumeric() {
            entries.push(Entry::Symbol(key, score));
        } else if key.contains(char::is_whitespace) {
            entries.push(Entry::Phrase(key.split_whitespace().collect(), score));
        } else {
            entries.push(Entry::Word(key, score));
        }
    }
    Ok(entries)
}

impl Lexicon {
    /// The built-in lexicons. Panics only if a shipped file is malformed, which the unit tests catch.
    pub(crate) fn builtin() -> Lexicon {
        let mut lex = Lexicon::default();
        // Order matters: later lists replace earlier entries (custom corrections come last).
        for (text, lang) in [
            (SV_SPRAKBANKEN, Lang::Sv),
            (SV_VADER, Lang::Sv),
            (SV_CUSTOM, Lang::Sv),
            (SV_SERVICE, Lang::Sv),
            (EN_VADER, Lang::En),
            (EN_CUSTOM, Lang::En),
            (EN_SERVICE, Lang::En),
            (EMOJI_RANKING, Lang::En),
            (EMOJI, Lang::En),
        ] {
            lex.add(text, lang).expect("built-in lexicon files parse");
        }
        for line in AFFECT.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, score) = match line.split_once('\t') {
                Some((k, v)) => (k.trim(), v.trim().parse().ok()),
                None => (line, None),
            };
            lex.affect.insert(key.to_lowercase(), score);
        }
        lex
    }

    /// If `w` (a word, emoji or emoticon) only shows mood, its score: its own from `affect.tsv`, else
    /// the lexicon's. Long laughter ("hahaha", "lolol", "xDDD") is folded to its short form first.
    pub(crate) fn affect(&self, w: &str) -> Option<(f64, &'static str)> {
        let folded = fold_laughter(w);
        let key = folded.unwrap_or(w);
        let own = self.affect.get(key)?;
        let score = own
            .or_else(|| self.symbols.get(key).copied())
            .or_else(|| self.en.get(key).copied())?;
        Some((score, folded.unwrap_or("")))
    }

    /// Adds (or replaces) entries from lexicon text. A score of 0 makes a word neutral.
    pub(crate) fn add(&mut self, text: &str, lang: Lang) -> Result<(), String> {
        for entry in parse(text)? {
            match entry {
                Entry::Word(w, s) => {
                    let w = w.to_lowercase();
                    let map = match lang {
                        Lang::Sv => &mut self.sv,
                        Lang::En => &mut self.en,
                        Lang::User => &mut self.user,
                    };
                    // A 0 is kept, not removed: "this word is neutral" must also stop the other language's
                    // list and the inflection rules from giving it a score (kassa is not kass+a).
                    map.insert(w, s);
                }
                Entry::Phrase(tokens, s) => {
                    let tokens: Vec<String> = tokens
                        .iter()
                        .map(|t| canonical(&t.to_lowercase()).to_string())
                        .collect();
                    let list = self.phrases.entry(tokens[0].clone()).or_default();
                    list.retain(|p| p.tokens != tokens);
                    list.push(Phrase { tokens, score: s });
                    list.sort_by_key(|p| std::cmp::Reverse(p.tokens.len()));
                }
                Entry::Symbol(sym, s) => {
                    let is_emoticon = sym.is_ascii();
                    self.symbols.insert(sym.to_string(), s);
                    if is_emoticon && !self.emoticons.iter().any(|e| e == sym) {
                        self.emoticons.push(sym.to_string());
                        self.emoticons.sort_by_key(|e| std::cmp::Reverse(e.len()));
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether the Swedish list has `w` as written (for language votes).
    pub(crate) fn in_sv(&self, w: &str) -> bool {
        self.sv.contains_key(w)
    }

    /// Whether the English list has `w` as written (for language votes).
    pub(crate) fn in_en(&self, w: &str) -> bool {
        self.en.contains_key(w)
    }

    pub(crate) fn symbol(&self, s: &str) -> Option<f64> {
        self.symbols.get(s).copied()
    }

    /// The score of `w` as written, in the user's list or a language's list, with no inflection or
    /// prefix rules (also used for acronyms in capitals, which are names far more often than
    /// shouted words). The text language's list comes first, then the other one (people mix
    /// languages, "asså worst service ever") unless the word is a false friend there.
    pub(crate) fn exact(&self, w: &str, lang: &str) -> Option<f64> {
        if let Some(&s) = self.user.get(w) {
            return Some(s);
        }
        // In a text of neither language, both lists apply, each without its false friends.
        let (first, first_blocked, second, second_blocked) = match lang {
            "sv" => (
                &self.sv,
                false,
                &self.en,
                EN_FALSE_FRIENDS_IN_SV.contains(&w),
            ),
            "en" => (
                &self.en,
                false,
                &self.sv,
                SV_FALSE_FRIENDS_IN_EN.contains(&w) || w.chars().count() < 3,
            ),
            _ => (
                &self.en,
                EN_FALSE_FRIENDS_IN_SV.contains(&w),
                &self.sv,
                SV_FALSE_FRIENDS_IN_EN.contains(&w),
            ),
        };
        if !first_blocked && let Some(&s) = first.get(w) {
            return Some(s);
        }
        if !second_blocked && let Some(&s) = second.get(w) {
            return Some(s);
        }
        None
    }

    /// A hashtag's score: as a word, else by its words — written in capitals (`#EpicFail`) or run
    /// together (`#epicfail`, `#superbra`), where the longest polar part (four letters or more, or
    /// after an intensifying prefix) decides. Returns the parts for the reasons.
    pub(crate) fn hashtag(
        &self,
        raw: &str,
        w: &str,
        lang: &str,
        scratch: &mut String,
    ) -> Option<(f64, String)> {
        if let Some((s, _)) = self
            .word(w, lang, scratch)
            .or_else(|| self.word(w, "sv", scratch))
        {
            return Some((s, String::new()));
        }
        let camel: Vec<String> = split_camel(raw);
        if camel.len() > 1 {
            let scores: Vec<f64> = camel
                .iter()
                .filter_map(|p| self.word(p, lang, scratch).map(|(s, _)| s))
                .collect();
            return (!scores.is_empty()).then(|| {
                (
                    scores.iter().sum::<f64>(),
                    format!(" (= {})", camel.join("+")),
                )
            });
        }
        let mut best: Option<(usize, f64, String)> = None;
        for (i, _) in w.char_indices().skip(3) {
            let (left, right) = w.split_at(i);
            let (l, r) = (left.chars().count(), right.chars().count());
            if r < 3 {
                break;
            }
            let prefix = SV_PREFIXES.contains(&left) || matches!(left, "epic" | "mega" | "total");
            for (part, len, ok) in [(right, r, r >= 4 || prefix), (left, l, l >= 4)] {
                if ok
                    && best.as_ref().is_none_or(|b| len > b.0)
                    && let Some((s, _)) = self.word(part, lang, scratch).filter(|(s, _)| *s != 0.0)
                {
                    let factor = if prefix && part == right {
                        PREFIX_FACTOR
                    } else {
                        1.0
                    };
                    best = Some((len, s * factor, format!(" (= {left}+{right})")));
                }
            }
        }
        best.map(|(_, s, note)| (s, note))
    }

    /// The longest phrase starting at `tokens[0]`, compared on canonical forms.
    pub(crate) fn phrase<'p>(&'p self, tokens: &[&str]) -> Option<&'p Phrase> {
        let first = canonical(tokens.first()?);
        self.phrases.get(first)?.iter().find(|p| {
            p.tokens.len() <= tokens.len()
                && p.tokens.iter().zip(tokens).all(|(a, b)| a == canonical(b))
        })
    }

    /// The score of a word in a text of language `lang` ("sv", "en" or "other"), and how it was found.
    ///
    /// Order: the user's words, then the text language's list, then the other language's list (people
    /// mix languages, "asså worst service ever") unless the word is a false friend there, then Swedish
    /// inflection and prefix rules. `scratch` is a reusable buffer for candidate forms.
    pub(crate) fn word(&self, w: &str, lang: &str, scratch: &mut String) -> Option<(f64, Found)> {
        if let Some(s) = self.exact(w, lang) {
            return Some((s, Found::Exact));
        }
        // Inflection rules are Swedish; in English text only words with å, ä or ö try them.
        if lang == "en" && !w.contains(['å', 'ä', 'ö']) {
            return None;
        }
        if let Some((s, base)) = self.sv_inflected(w, scratch) {
            return Some((s, Found::Inflected(base)));
        }
        for &prefix in SV_PREFIXES {
            if let Some(rest) = w.strip_prefix(prefix)
                && rest.chars().count() >= 3
            {
                if let Some(&s) = self.sv.get(rest).or_else(|| self.user.get(rest)) {
                    return Some((s * PREFIX_FACTOR, Found::Prefixed(prefix, rest.to_string())));
                }
                if let Some((s, base)) = self.sv_inflected(rest, scratch) {
                    return Some((s * PREFIX_FACTOR, Found::Prefixed(prefix, base)));
                }
            }
        }
        None
    }

    /// Finds a Swedish base form by stripping inflection suffixes: dåligt/dåliga → dålig,
    /// besviket/besvikna → besviken, kasst → kass, nöjt → nöjd, trevligare → trevlig, gott → god,
    /// problemet → problem, rekommenderade → rekommendera. A small rule set instead of a full
    /// morphology: it only ever maps to words already in the lexicon, so a wrong strip finds nothing.
    fn sv_inflected(&self, w: &str, scratch: &mut String) -> Option<(f64, String)> {
        // (suffix, replacements); "+e" means "insert e before the stem's last letter" (vackr → vacker).
        const RULES: &[(&str, &[&str])] = &[
            ("aste", &["", "+e"]),
            ("are", &["", "+e"]),
            ("ast", &["", "+e"]),
            ("ande", &["a"]),
            ("ade", &["a"]),
            ("ad", &["a"]),
            ("at", &["a"]),
            ("ar", &["a", ""]),
            ("et", &["", "en"]),
            ("en", &["", "+e"]),
            ("er", &[""]),
            ("na", &["", "+e"]),
            ("tt", &["d"]),
            ("t", &["", "d"]),
            ("a", &["", "+e"]),
            ("e", &[""]),
            ("n", &[""]),
            ("r", &[""]),
        ];
        if w.chars().count() < 4 {
            return None;
        }
        for (suffix, replacements) in RULES {
            let Some(stem) = w.strip_suffix(suffix) else {
                continue;
            };
            if stem.chars().count() < 2 {
                continue;
            }
            for rep in *replacements {
                scratch.clear();
                if *rep == "+e" {
                    let mut chars = stem.chars();
                    let Some(last) = chars.next_back() else {
                        continue;
                    };
                    if !matches!(last, 'l' | 'r' | 'n') {
                        continue;
                    }
                    scratch.push_str(chars.as_str());
                    scratch.push('e');
                    scratch.push(last);
                } else {
                    scratch.push_str(stem);
                    scratch.push_str(rep);
                }
                if scratch.chars().count() < 3 {
                    continue;
                }
                if let Some(&s) = self.sv.get(scratch.as_str()) {
                    return Some((s, scratch.clone()));
                }
                // Double consonant before the suffix: grymma → grymm → grym.
                let mut chars = scratch.chars();
                if let (Some(a), Some(b)) = (chars.next_back(), chars.next_back())
                    && a == b
                    && !"aeiouyåäö".contains(a)
                {
                    scratch.pop();
                    if let Some(&s) = self.sv.get(scratch.as_str()) {
                        return Some((s, scratch.clone()));
                    }
                }
            }
        }
        None
    }
}

/// Splits a hashtag written in capitals into its lower-cased words: `EpicFail` → epic, fail.
fn split_camel(raw: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut prev_lower = false;
    for c in raw.chars() {
        if c.is_uppercase() && prev_lower || parts.is_empty() {
            parts.push(String::new());
        }
        if let Some(p) = parts.last_mut() {
            p.extend(c.to_lowercase());
        }
        prev_lower = c.is_lowercase();
    }
    parts
}

/// The short form of drawn-out laughter: "hahaha"/"hahah" → haha, "hehehe" → hehe, "lolol"/"loool"
/// → lol, "xdddd" → xd, "lmaooo" → lmao. `None` when `w` is not laughter spelt long.
pub(crate) fn fold_laughter(w: &str) -> Option<&'static str> {
    let b = w.as_bytes();
    if b.len() >= 4 && b[0] == b'h' {
        // h + vowel repeated, optionally ending in h: haha, hahah, hihihi.
        let vowel = b[1];
        let alternates = b
            .iter()
            .enumerate()
            .all(|(i, &c)| if i % 2 == 0 { c == b'h' } else { c == vowel });
        if alternates {
            return match vowel {
                b'a' => Some("haha"),
                b'e' => Some("hehe"),
                b'i' => Some("hihi"),
                _ => None,
            };
        }
    }
    // Only words that could be drawn-out "lol", "xd" or "lmao" are squeezed (this runs for every word).
    if w.len() < 3 || w.len() > 16 || !matches!(b[0], b'l' | b'x') {
        return None;
    }
    let mut squeezed = String::with_capacity(w.len());
    for c in w.chars() {
        if !squeezed.ends_with(c) {
            squeezed.push(c);
        }
    }
    match squeezed.as_str() {
        "lol" | "lolol" | "lololol" | "lolz" if w != "lol" => Some("lol"),
        "xd" if w != "xd" => Some("xd"),
        "lmao" if w != "lmao" => Some("lmao"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sv(lex: &Lexicon, w: &str) -> Option<(f64, Found)> {
        lex.word(w, "sv", &mut String::new())
    }

    #[test]
    fn builtin_lists_parse_and_have_the_expected_sizes() {
        let lex = Lexicon::builtin();
        assert!(lex.sv.len() > 4000, "sv: {}", lex.sv.len());
        assert!(lex.en.len() > 6000, "en: {}", lex.en.len());
        assert!(lex.emoticons.iter().any(|e| e == ":-)"));
        // Emoji come from the Emoji Sentiment Ranking (hundreds), newer ones from Lyssna's own list.
        assert!(lex.symbols.len() > 300, "{}", lex.symbols.len());
        assert_eq!(lex.symbol("😡"), Some(-2.3));
        assert_eq!(lex.symbol("🤬"), Some(-3.5));
    }

    /// A lexicon with base forms only, so the rules (not listed inflections) must find the words.
    fn base_forms() -> Lexicon {
        let mut lex = Lexicon::default();
        lex.add(
            "dålig\t-2.5\nbesviken\t-2\nkass\t-2.5\nnöjd\t2\ntrevlig\t2\ngrym\t2.5\nusel\t-3\n\
                 problem\t-1.5\nvacker\t2\ngod\t2\nrekommendera\t2.5\nkassa\t0\n",
            Lang::Sv,
        )
        .expect("parses");
        lex
    }

    #[test]
    fn swedish_inflections_find_their_base_form() {
        let lex = base_forms();
        let base = |w: &str| match sv(&lex, w) {
            Some((_, Found::Inflected(b))) => b,
            other => panic!("{w}: {other:?}"),
        };
        for (form, lemma) in [
            ("dåligt", "dålig"),
            ("dåliga", "dålig"),
            ("besviket", "besviken"),
            ("besvikna", "besviken"),
            ("kasst", "kass"),
            ("nöjda", "nöjd"),
            ("nöjt", "nöjd"),
            ("trevligare", "trevlig"),
            ("trevligaste", "trevlig"),
            ("grymma", "grym"),
            ("grymt", "grym"),
            ("usla", "usel"),
            ("uselt", "usel"),
            ("problemet", "problem"),
            ("problemen", "problem"),
            ("vackra", "vacker"),
            ("gott", "god"),
            ("rekommenderade", "rekommendera"),
            ("rekommenderar", "rekommendera"),
        ] {
            assert_eq!(base(form), lemma, "{form}");
        }
        // Words that merely end like an inflection find nothing rather than a wrong base form.
        assert_eq!(sv(&lex, "godis"), None);
        // A word listed as neutral blocks the rules: "kassa" (till) is not an inflection of "kass".
        assert_eq!(sv(&lex, "kassa"), Some((0.0, Found::Exact)));
    }

    #[test]
    fn prefixes_intensify() {
        let lex = base_forms();
        let (s, how) = sv(&lex, "jättedåliga").expect("found");
        assert_eq!(how, Found::Prefixed("jätte", "dålig".into()));
        assert!((s - (-2.5 * PREFIX_FACTOR)).abs() < 1e-9);
        assert_eq!(sv(&lex, "superlim"), None);
    }

    #[test]
    fn false_friends_do_not_cross_languages() {
        let lex = Lexicon::builtin();
        let mut b = String::new();
        assert!(lex.word("bad", "en", &mut b).is_some_and(|(s, _)| s < 0.0));
        assert_eq!(lex.word("bad", "sv", &mut b), None);
        assert_eq!(lex.word("slut", "sv", &mut b), None);
        assert!(lex.word("bra", "sv", &mut b).is_some_and(|(s, _)| s > 0.0));
        assert_eq!(lex.word("fin", "en", &mut b), None);
        // Mixed text: an English word in a Swedish sentence still counts.
        assert!(
            lex.word("terrible", "sv", &mut b)
                .is_some_and(|(s, _)| s < 0.0)
        );
    }

    #[test]
    fn phrases_match_canonical_negations() {
        let lex = Lexicon::builtin();
        let p = lex
            .phrase(&["doesn't", "work", "at", "all"])
            .expect("phrase");
        assert_eq!(p.tokens, ["not", "work"]);
        assert!(
            lex.phrase(&["svarar", "inte"])
                .is_some_and(|p| p.score < 0.0)
        );
        assert!(lex.phrase(&["svarar"]).is_none());
    }

    #[test]
    fn bad_lexicon_lines_are_reported_with_their_number() {
        let mut lex = Lexicon::default();
        assert_eq!(
            lex.add("ok\t1\nbroken line", Lang::User),
            Err("line 2: expected `word<TAB>score`, got \"broken line\"".into())
        );
        assert!(
            lex.add("x\tmany", Lang::User)
                .is_err_and(|e| e.starts_with("line 1: score"))
        );
        assert!(lex.add("x\t9", Lang::User).is_err());
    }
}
