//! Names never carry sentiment by their spelling: "Best Buy" is a shop, not "best"; "Excel" a
//! spreadsheet; "Trygg-Hansa" an insurer; the brand the leader watches is neither praise nor criticism
//! of itself.
//!
//! Two sources of names: the caller's [`Names`] (the configured brands and the leader's identity
//! handles), matched as token sequences with their Swedish and English possessive forms; and a rule for
//! the names nobody configured, read from how the text is capitalised.

use super::fasthash::FastMap;

use super::tokenize::{Kind, Token, tokenize};

/// Names the classifier must not score: brand names, product names, identity handles. Matching is
/// case-insensitive on whole tokens; a name's last word also matches its possessive
/// (`GoMondays`, `GoMonday's`, `GoMonday:s`), and a hyphenated compound keeps the name apart
/// (`GoMonday-appen`).
#[derive(Clone, Debug, Default)]
pub struct Names {
    /// Token sequences by their first token (for a one-word name also its possessive forms).
    by_first: FastMap<String, Vec<Vec<String>>>,
}

impl Names {
    /// Names from any list of strings; a leading `@` (a handle) is ignored, empty strings are skipped.
    pub fn new<I, S>(names: I) -> Names
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut n = Names::default();
        for name in names {
            n.push(name.as_ref());
        }
        n
    }

    /// Adds one name.
    pub fn push(&mut self, name: &str) {
        let name = name.trim().trim_start_matches('@');
        let mut tokens = Vec::new();
        tokenize(name, &[], &mut tokens);
        let words: Vec<String> = tokens
            .iter()
            .filter(|t| t.kind == Kind::Word)
            .map(|t| t.text.to_string())
            .collect();
        let Some(first) = words.first().cloned() else {
            return;
        };
        let mut keys = vec![first.clone()];
        if words.len() == 1 {
            keys.extend(possessives(&first));
        }
        for key in keys {
            let list = self.by_first.entry(key).or_default();
            if !list.contains(&words) {
                list.push(words.clone());
                // Longest first, so "Erik Andersson" wins over "Erik".
                list.sort_by_key(|w| std::cmp::Reverse(w.len()));
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_first.is_empty()
    }

    /// Marks the tokens that spell one of the names (`name` and `brand`), returning whether any did.
    pub(crate) fn mark(&self, tokens: &mut [Token<'_>]) -> bool {
        if self.is_empty() {
            return false;
        }
        let mut any = false;
        let mut i = 0;
        while i < tokens.len() {
            let matched = (tokens[i].kind == Kind::Word)
                .then(|| self.by_first.get(tokens[i].text.as_ref()))
                .flatten()
                .and_then(|cands| cands.iter().find_map(|c| match_at(tokens, i, c)));
            match matched {
                Some(end) => {
                    for t in &mut tokens[i..end] {
                        t.name = true;
                        t.brand = true;
                    }
                    any = true;
                    i = end;
                }
                None => i += 1,
            }
        }
        any
    }
}

fn possessives(w: &str) -> [String; 3] {
    [format!("{w}s"), format!("{w}'s"), format!("{w}:s")]
}

/// The end of `name` matched at `tokens[i..]` (consecutive words), if it matches.
fn match_at(tokens: &[Token<'_>], i: usize, name: &[String]) -> Option<usize> {
    let end = i + name.len();
    let span = tokens.get(i..end)?;
    let last = name.len() - 1;
    span.iter()
        .zip(name)
        .enumerate()
        .all(|(k, (t, n))| {
            t.kind == Kind::Word
                && (t.text == n.as_str()
                    || (k == last && possessives(n).iter().any(|p| t.text == p.as_str())))
        })
        .then_some(end)
}

/// The English first-person pronoun in its forms: a capital that says nothing about names.
fn is_i_form(raw: &str) -> bool {
    matches!(
        raw,
        "I" | "I'm" | "I’m" | "I've" | "I’ve" | "I'll" | "I’ll" | "I'd" | "I’d"
    )
}

/// Marks names that nobody configured, by capitalisation:
///
/// - a word with an upper-case letter after a lower-case one (`iPhone`, `PayPal`, `GoMonday`) is a
///   name wherever it stands;
/// - a capitalised word that does not begin its sentence is a name (`at Best Buy`, `Microsoft
///   Excel`, `har Trygg-Hansa`) — in Swedish and English alike, ordinary words are not capitalised
///   mid-sentence — unless the sentence is in title case ("Worst Customer Service Ever", a review
///   title), where capitals say nothing.
///
/// Hashtags are left alone: `#EpicFail` is written in capitals to show its words.
pub(crate) fn mark_capitalised_names(tokens: &mut [Token<'_>]) {
    let mut start = 0;
    while start < tokens.len() {
        let end = tokens[start..]
            .iter()
            .position(|t| matches!(t.kind, Kind::Stop { .. }))
            .map_or(tokens.len(), |p| start + p);
        let sentence = &mut tokens[start..end];
        // Title case is judged on the words after the first: most of them capitalised.
        let (mut words, mut capitals) = (0usize, 0usize);
        for t in sentence
            .iter()
            .filter(|t| t.kind == Kind::Word && !t.hashtag && !t.start && !is_i_form(t.raw))
        {
            words += 1;
            capitals += usize::from(t.initial_cap || t.caps);
        }
        let title_case = words >= 2 && capitals * 10 >= words * 6;
        for t in sentence
            .iter_mut()
            .filter(|t| t.kind == Kind::Word && !t.hashtag)
        {
            let capitalised_mid = t.initial_cap
                && !t.start
                && !title_case
                && t.raw.chars().count() > 1
                && !is_i_form(t.raw);
            if t.inner_cap || capitalised_mid {
                t.name = true;
            }
        }
        start = end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str, names: &Names) -> Vec<String> {
        let mut tokens = Vec::new();
        tokenize(text, &[], &mut tokens);
        names.mark(&mut tokens);
        mark_capitalised_names(&mut tokens);
        tokens
            .iter()
            .filter(|t| t.name)
            .map(|t| t.text.to_string())
            .collect()
    }

    #[test]
    fn configured_names_match_with_possessives_and_compounds() {
        let names = Names::new([
            "GoMonday",
            "Erik Andersson",
            "@ErikA_GoMonday",
            "",
            "trygg-hansa",
        ]);
        assert_eq!(
            marked("gomondays app, GOMONDAY:s vd och gomonday-appen", &names),
            ["gomondays", "gomonday:s", "gomonday"]
        );
        assert_eq!(
            marked("tack erik anderssons team och erika_gomonday", &names),
            ["erik", "anderssons", "erika", "gomonday"]
        );
        assert_eq!(marked("trygg-hansa var trygg", &names), ["trygg", "hansa"]);
        assert!(Names::new([" ", "@"]).is_empty());
    }

    #[test]
    fn capitals_mid_sentence_and_inner_capitals_are_names() {
        let none = Names::default();
        assert_eq!(marked("Heading to Best Buy today", &none), ["best", "buy"]);
        assert_eq!(marked("I love Excel, and I'm happy", &none), ["excel"]);
        assert_eq!(marked("Best phone ever. Great iPhone", &none), ["iphone"]);
        assert_eq!(
            marked("Köpte en Happy Socks igår", &none),
            ["happy", "socks"]
        );
        // A title-case line (a review title) has no names by capitals; a hashtag is never one.
        assert!(marked("Worst Customer Service Ever", &none).is_empty());
        assert!(marked("nere igen #EpicFail", &none).is_empty());
        // After a quote or an emoji a capital begins a sentence.
        assert!(marked("hon sa \"Great job\" 😍 Love it", &none).is_empty());
    }
}
