//! Tokeniser for the classifier: words (lowercased, with how they were capitalised), emoji, emoticons,
//! the punctuation that bounds negation scope and sentences, and placeholders for what must never be
//! scored by its spelling — URLs, e-mail addresses and @handles (`bit.ly` is not the word "ly", and a
//! handle ending in `_xD` is not laughter).
//!
//! It is a single left-to-right pass over the `char`s with no backtracking beyond a URL's or an
//! emoticon's few bytes, so its cost is linear in the text length (a 1 MB post is just more tokens).
//! Words borrow from the input unless they need lowercasing or apostrophe normalisation. HTML
//! character references are decoded before this runs (see `entities`).

use std::borrow::Cow;

/// What a token is; the scorer treats each kind differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Letters/digits (with inner apostrophes), lowercased.
    Word,
    /// One emoji (skin tones, variation selectors and zero-width-joined parts folded into the first).
    Emoji,
    /// A text emoticon such as `:)` or `<3`, as written.
    Emoticon,
    /// A clause break (`,` `(` `)` quotes, dashes): ends a negation scope but not the sentence.
    Clause,
    /// A sentence break (`.` `!` `?` `;` `:` newline); counts the `!` and whether a `?` was in the run.
    Stop { exclaim: u8, question: bool },
    /// A URL, e-mail address or @handle: takes a place (so phrases do not join across it) and nothing
    /// else.
    Skip,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub kind: Kind,
    pub text: Cow<'a, str>,
    /// The word as written (empty for other kinds), for case-sensitive rules such as names.
    pub raw: &'a str,
    /// Written in capitals (≥ 2 letters, all upper case): shouting, or an acronym.
    pub caps: bool,
    /// First letter upper case, the rest not all capitals: `Excel`, `Best`, `Telia`.
    pub initial_cap: bool,
    /// An upper-case letter after a lower-case one: `iPhone`, `GoMonday`, `PayPal` — a name.
    pub inner_cap: bool,
    /// Written after `#`.
    pub hashtag: bool,
    /// The first word of its sentence (or after a quote, dash, bracket or emoji), where a capital
    /// says nothing about names.
    pub start: bool,
    /// Set by the names pass: a brand, handle or product name, never scored.
    pub name: bool,
    /// One of the caller's names (a configured brand or handle), not just capitalised.
    pub brand: bool,
}

impl<'a> Token<'a> {
    fn plain(kind: Kind, text: &'a str) -> Token<'a> {
        Token {
            kind,
            text: Cow::Borrowed(text),
            raw: "",
            caps: false,
            initial_cap: false,
            inner_cap: false,
            hashtag: false,
            start: false,
            name: false,
            brand: false,
        }
    }
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x2B50 | 0x2B55 | 0x2B06 | 0x2B07 | 0x2190..=0x21FF
        | 0x2122 | 0x2139 | 0x203C | 0x2049 | 0x3030 | 0x303D)
        && !is_emoji_modifier(c)
}

/// Characters that only modify the previous emoji; scoring them would count one emoji twice.
fn is_emoji_modifier(c: char) -> bool {
    matches!(
        c as u32,
        0xFE0E | 0xFE0F | 0x200D | 0x1F3FB..=0x1F3FF | 0x20E3 | 0xE0020..=0xE007F
    )
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

/// Top-level domains seen in shared links. Those that are also English words need a `/` after them
/// to count, so that "food.It was good" typed without a space stays words.
const TLDS: &[&str] = &[
    "com", "net", "org", "se", "nu", "io", "co", "uk", "dk", "fi", "eu", "ly", "tv", "gl", "gd",
    "fm", "app", "dev", "info", "biz", "ca", "ai", "gg", "fr", "es", "nl", "ch", "pl", "ru", "au",
    "jp", "xyz", "online", "shop", "site", "ie", "ee", "lt", "lv", "nz", "br", "cc", "ws", "tk",
    "gov", "edu", "int", "mil", "news", "blog", "link", "de",
];
const WORDLIKE_TLDS: &[&str] = &[
    "it", "is", "at", "in", "to", "me", "be", "us", "no", "so", "do", "am",
];

/// The end of a URL starting at `i` with a scheme or `www.`, if one does.
fn scheme_url_end(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i..];
    let b = rest.as_bytes();
    let starts = |p: &[u8]| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p);
    (starts(b"http://") || starts(b"https://") || starts(b"www.")).then(|| i + run_end(rest))
}

/// The length of the non-space run at the start of `s`, without trailing sentence punctuation.
fn run_end(s: &str) -> usize {
    let run = s.find(char::is_whitespace).unwrap_or(s.len());
    s[..run]
        .trim_end_matches([
            '.', ',', ';', ':', '!', '?', ')', ']', '"', '\'', '”', '’', '…',
        ])
        .len()
}

/// The end of an e-mail address starting at `i` (`glad.kund@example.com`), if one does. Only the
/// first 254 bytes are looked at: no address is longer, and a long run without spaces must not be
/// rescanned at every word in it.
fn email_end(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i..];
    let b = rest.as_bytes();
    let run = b
        .iter()
        .take(254)
        .position(|c| c.is_ascii_whitespace())
        .unwrap_or(b.len().min(254));
    let at = b[..run].iter().position(|&c| c == b'@')?;
    let local_ok = b[..at]
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'+') || c >= 0x80);
    let domain = &b[at + 1..run];
    let domain_ok = domain.first().is_some_and(u8::is_ascii_alphanumeric) && domain.contains(&b'.');
    (at > 0 && local_ok && domain_ok).then(|| i + run_end(rest))
}

/// Whether `word` followed by `rest` (which starts with `.`) is a bare domain such as `bit.ly/x` or
/// `gomonday.se`; returns the end of the whole link in `rest`.
fn bare_domain_len(rest: &str) -> Option<usize> {
    let mut pos = 0;
    let mut last_label = "";
    // One or more `.label` parts, lower-case letters, digits or `-`.
    while rest[pos..].starts_with('.') {
        let label_len = rest[pos + 1..]
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .unwrap_or(rest.len() - pos - 1);
        if label_len == 0 {
            break;
        }
        last_label = &rest[pos + 1..pos + 1 + label_len];
        pos += 1 + label_len;
    }
    if last_label.is_empty() || !last_label.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let slash = rest[pos..].starts_with('/');
    let next_is_word = rest[pos..]
        .chars()
        .next()
        .is_some_and(char::is_alphanumeric);
    if next_is_word {
        return None;
    }
    let known = TLDS.contains(&last_label) || (slash && WORDLIKE_TLDS.contains(&last_label));
    known.then(|| pos + if slash { run_end(&rest[pos..]) } else { 0 })
}

/// Scans a word starting at byte `start`; returns its end. Inner apostrophes ("don't") stay, and a
/// colon joins a short Swedish ending or a time (`vd:n`, `GoMonday:s`, `13:00`).
fn word_end(text: &str, start: usize) -> usize {
    let mut end = start;
    for (j, d) in text[start..].char_indices() {
        let at = start + j;
        if d.is_alphanumeric() {
            end = at + d.len_utf8();
            continue;
        }
        let after = &text[at + d.len_utf8()..];
        let joins = if is_apostrophe(d) {
            after.chars().next().is_some_and(char::is_alphanumeric) && end > start
        } else if d == ':' && end > start {
            let tail = after
                .find(|c: char| !c.is_alphanumeric())
                .unwrap_or(after.len());
            (1..=3).contains(&after[..tail].chars().count())
                || (tail > 0 && after[..tail].bytes().all(|b| b.is_ascii_digit()))
        } else {
            false
        };
        if !joins {
            break;
        }
        end = at + d.len_utf8();
    }
    end
}

/// Splits `text` into tokens, appending to `out` (cleared first) so callers can reuse the buffer.
/// `emoticons` must be sorted longest first, so `:-)` wins over `:-`.
pub(crate) fn tokenize<'a>(text: &'a str, emoticons: &[String], out: &mut Vec<Token<'a>>) {
    out.clear();
    let mut i = 0;
    // Whether the previous char was whitespace (or the start): emoticons, handles and hashtags must
    // stand apart, so that `kl.13:00` is not a face and `a@b` not a handle.
    let mut after_space = true;
    // Whether the next word begins a sentence.
    let mut at_start = true;
    let mut hashtag = false;
    while let Some(c) = text[i..].chars().next() {
        let len = c.len_utf8();
        if c.is_alphanumeric() {
            if let Some(end) = scheme_url_end(text, i) {
                out.push(Token::plain(Kind::Skip, ""));
                (i, after_space, hashtag) = (end, false, false);
                continue;
            }
            if let Some(end) = email_end(text, i) {
                out.push(Token::plain(Kind::Skip, ""));
                (i, after_space, hashtag) = (end, false, false);
                continue;
            }
            let end = word_end(text, i);
            let rest = &text[end..];
            if rest.starts_with('.')
                && let Some(n) = bare_domain_len(rest)
            {
                out.push(Token::plain(Kind::Skip, ""));
                (i, after_space, hashtag) = (end + n, false, false);
                continue;
            }
            out.push(word_token(&text[i..end], hashtag, at_start));
            (i, after_space, at_start, hashtag) = (end, false, false, false);
            continue;
        }
        i += len;
        if c.is_whitespace() && c != '\n' {
            after_space = true;
            hashtag = false;
            continue;
        }
        let next_alnum = text[i..]
            .chars()
            .next()
            .is_some_and(|d| d.is_alphanumeric() || d == '_');
        if c == '@' && after_space && next_alnum {
            // A handle: letters, digits and `_`, and a Mastodon `@user@host.social`.
            let n = text[i..]
                .find(|d: char| !(d.is_alphanumeric() || matches!(d, '_' | '@' | '.' | '-')))
                .unwrap_or(text.len() - i);
            i += text[i..i + n].trim_end_matches(['.', '-']).len();
            out.push(Token::plain(Kind::Skip, ""));
            after_space = false;
            continue;
        }
        if c == '#' && after_space && next_alnum {
            hashtag = true;
            continue;
        }
        if is_emoji(c) {
            out.push(Token::plain(Kind::Emoji, &text[i - len..i]));
            // A zero-width-joined sequence (👨‍👩‍👧, 🏃‍♀️) is one emoji: skip its other parts.
            while let Some(d) = text[i..].chars().next() {
                let joined = d == '\u{200D}';
                if is_emoji_modifier(d) {
                    i += d.len_utf8();
                    if joined && let Some(e) = text[i..].chars().next().filter(|&e| is_emoji(e)) {
                        i += e.len_utf8();
                    }
                } else {
                    break;
                }
            }
            (after_space, at_start) = (false, true);
            continue;
        }
        if after_space && let Some(e) = emoticon_at(text, i - len, emoticons) {
            out.push(Token::plain(
                Kind::Emoticon,
                &text[i - len..i - len + e.len()],
            ));
            i += e.len() - len;
            (after_space, at_start) = (false, true);
            continue;
        }
        after_space = c == '\n';
        punctuation(c, out, &mut at_start);
    }
}

/// A word token with its case flags.
fn word_token(raw: &str, hashtag: bool, start: bool) -> Token<'_> {
    let (mut letters, mut upper, mut inner_cap, mut prev_lower) = (0usize, 0usize, false, false);
    let mut needs_owned = false;
    for d in raw.chars() {
        if d.is_alphabetic() {
            letters += 1;
            if d.is_uppercase() {
                upper += 1;
                needs_owned = true;
                inner_cap |= prev_lower;
            }
            prev_lower = d.is_lowercase();
        } else {
            needs_owned |= d == '’';
        }
    }
    let caps = letters >= 2 && upper == letters;
    let first_upper = raw.chars().next().is_some_and(char::is_uppercase);
    Token {
        kind: Kind::Word,
        text: if needs_owned {
            Cow::Owned(raw.to_lowercase().replace('’', "'"))
        } else {
            Cow::Borrowed(raw)
        },
        raw,
        caps,
        initial_cap: first_upper && !caps,
        inner_cap,
        hashtag,
        start,
        name: false,
        brand: false,
    }
}

/// Sentence and clause breaks.
fn punctuation(c: char, out: &mut Vec<Token<'_>>, at_start: &mut bool) {
    match c {
        '.' | '!' | '?' | ';' | ':' | '\n' | '…' => {
            let exclaim = u8::from(c == '!');
            let q = c == '?';
            *at_start = true;
            match out.last_mut() {
                // A run of stops ("!!!", "?!", "...") is one boundary carrying its `!` count.
                Some(Token {
                    kind:
                        Kind::Stop {
                            exclaim: n,
                            question,
                        },
                    ..
                }) => {
                    *n = n.saturating_add(exclaim);
                    *question |= q;
                }
                _ => out.push(Token::plain(
                    Kind::Stop {
                        exclaim,
                        question: q,
                    },
                    "",
                )),
            }
        }
        // One clause break however many marks; none right after a sentence break.
        ',' | '(' | ')' | '"' | '–' | '—' | '”' | '“' | '[' | ']' => {
            // After a quote, bracket or dash a capital may begin a quoted sentence; after a comma not.
            *at_start |= c != ',' && c != ')' && c != ']';
            if !matches!(
                out.last().map(|t| t.kind),
                Some(Kind::Clause | Kind::Stop { .. })
            ) {
                out.push(Token::plain(Kind::Clause, ""));
            }
        }
        _ => {}
    }
}

/// The emoticon starting at byte `i`, if one does and it ends at a word boundary.
fn emoticon_at<'e>(text: &str, i: usize, emoticons: &'e [String]) -> Option<&'e str> {
    let rest = &text[i..];
    emoticons.iter().map(String::as_str).find(|e| {
        rest.starts_with(e)
            && !rest[e.len()..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<String> {
        let emoticons = vec![
            ":-)".to_string(),
            ":)".to_string(),
            ":(".to_string(),
            "<3".to_string(),
        ];
        let mut out = Vec::new();
        tokenize(text, &emoticons, &mut out);
        out.iter()
            .map(|t| match t.kind {
                Kind::Word if t.hashtag => format!("#{}", t.text),
                Kind::Word | Kind::Emoji | Kind::Emoticon => t.text.to_string(),
                Kind::Clause => ",".into(),
                Kind::Stop { exclaim, question } => {
                    format!(".{exclaim}{}", if question { "?" } else { "" })
                }
                Kind::Skip => "_".into(),
            })
            .collect()
    }

    #[test]
    fn words_are_lowercased_and_keep_inner_apostrophes() {
        assert_eq!(
            toks("Don’t BUY it, 'ok'"),
            ["don't", "buy", "it", ",", "ok"]
        );
    }

    #[test]
    fn stops_merge_and_count_exclamations_and_questions() {
        assert_eq!(toks("Usel!!! Bra?!"), ["usel", ".3", "bra", ".1?"]);
    }

    #[test]
    fn emoji_fold_modifiers_and_joined_sequences() {
        assert_eq!(toks("Bra 👍🏽 :) <3"), ["bra", "👍", ":)", "<3"]);
        assert_eq!(toks("❤️❤︎ 👨‍👩‍👧 🏃🏽‍♀️ ok"), ["❤", "❤", "👨", "🏃", "ok"]);
    }

    #[test]
    fn urls_and_bare_domains_are_skipped_whole() {
        assert_eq!(toks("se https://x.se/a?b=1:)"), ["se", "_", ".0"]);
        assert_eq!(toks("kolla www.example.com/sida."), ["kolla", "_", ".0"]);
        assert_eq!(toks("läs bit.ly/3xYz nu"), ["läs", "_", "nu"]);
        assert_eq!(toks("på gomonday.se idag"), ["på", "_", "idag"]);
        assert_eq!(toks("news.bbc.co.uk says"), ["_", "says"]);
        // Words run together without a space are not links.
        assert_eq!(toks("the food.It was"), ["the", "food", ".0", "it", "was"]);
        assert_eq!(toks("kl.13:00 idag"), ["kl", ".0", "13:00", "idag"]);
    }

    #[test]
    fn emails_and_handles_are_skipped() {
        assert_eq!(toks("mejla erik@gomonday.se nu"), ["mejla", "_", "nu"]);
        assert_eq!(toks("@Amazon @cool_xD hej"), ["_", "_", "hej"]);
        assert_eq!(toks("RT @user: great"), ["rt", "_", ".0", "great"]);
        assert_eq!(toks("@anna@mastodon.social tack"), ["_", "tack"]);
    }

    #[test]
    fn hashtags_are_words_with_a_mark() {
        assert_eq!(
            toks("Nere igen #fail #SuperBra"),
            ["nere", "igen", "#fail", "#superbra"]
        );
        // `#` inside a word is not a hashtag.
        assert_eq!(toks("C# rocks"), ["c", "rocks"]);
    }

    #[test]
    fn swedish_colon_endings_join_the_word() {
        assert_eq!(
            toks("vd:n och GoMonday:s app"),
            ["vd:n", "och", "gomonday:s", "app"]
        );
        assert_eq!(toks("Note:this"), ["note", ".0", "this"]);
    }

    #[test]
    fn case_flags_and_sentence_starts() {
        let mut out = Vec::new();
        tokenize("VERY bad I. Excel och iPhone 😀 Best", &[], &mut out);
        let flags: Vec<(bool, bool, bool, bool)> = out
            .iter()
            .filter(|t| t.kind == Kind::Word)
            .map(|t| (t.caps, t.initial_cap, t.inner_cap, t.start))
            .collect();
        assert_eq!(
            flags,
            [
                (true, false, false, true),
                (false, false, false, false),
                (false, true, false, false),
                (false, true, false, true),
                (false, false, false, false),
                (false, false, true, false),
                (false, true, false, true),
            ]
        );
    }
}
