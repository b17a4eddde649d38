//! Tokeniser for the classifier: words (lowercased), emoji, emoticons and the punctuation that bounds
//! negation scope and sentences.
//!
//! It is a single left-to-right pass over the `char`s with no backtracking beyond an emoticon's few
//! bytes, so its cost is linear in the text length (a 1 MB post is just more tokens). Words borrow from
//! the input unless they need lowercasing or apostrophe normalisation.

use std::borrow::Cow;

/// What a token is; the scorer treats each kind differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Letters/digits (with inner apostrophes), lowercased.
    Word,
    /// One emoji character (skin tones and variation selectors dropped).
    Emoji,
    /// A text emoticon such as `:)` or `<3`, as written.
    Emoticon,
    /// A clause break (`,` `(` `)` quotes, dashes): ends a negation scope but not the sentence.
    Clause,
    /// A sentence break (`.` `!` `?` `;` `:` newline); `exclaim` counts the `!` in the run.
    Stop { exclaim: u8 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub kind: Kind,
    pub text: Cow<'a, str>,
    /// Written in capitals (≥ 2 letters, all upper case): shouting, which VADER found to intensify.
    pub caps: bool,
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x2B50 | 0x2B55 | 0x2B06 | 0x2B07 | 0x2190..=0x21FF)
        && !is_emoji_modifier(c)
}

/// Characters that only modify the previous emoji; scoring them would count one emoji twice.
fn is_emoji_modifier(c: char) -> bool {
    matches!(
        c as u32,
        0xFE0E | 0xFE0F | 0x200D | 0x1F3FB..=0x1F3FF | 0x20E3
    )
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

/// Splits `text` into tokens, appending to `out` (cleared first) so callers can reuse the buffer.
/// `emoticons` must be sorted longest first, so `:-)` wins over `:-`.
pub(crate) fn tokenize<'a>(text: &'a str, emoticons: &[String], out: &mut Vec<Token<'a>>) {
    out.clear();
    let mut iter = text.char_indices().peekable();
    // Whether the previous char was whitespace (or the start): emoticons must stand apart, so that
    // `http://` or `kl.13:00` are not read as faces.
    let mut after_space = true;
    while let Some((i, c)) = iter.next() {
        if c.is_alphanumeric() {
            let start = i;
            let mut end = i + c.len_utf8();
            let mut needs_owned = c.is_uppercase();
            let mut letters = usize::from(c.is_alphabetic());
            let mut upper = usize::from(c.is_uppercase());
            while let Some(&(j, d)) = iter.peek() {
                if d.is_alphanumeric() {
                    needs_owned |= d.is_uppercase();
                    letters += usize::from(d.is_alphabetic());
                    upper += usize::from(d.is_uppercase());
                    end = j + d.len_utf8();
                    iter.next();
                } else if is_apostrophe(d) {
                    // Keep an apostrophe only inside a word ("don't"), not as a quote mark.
                    let next = text[j + d.len_utf8()..].chars().next();
                    if next.is_some_and(char::is_alphanumeric) {
                        needs_owned |= d == '’';
                        end = j + d.len_utf8();
                        iter.next();
                    } else {
                        break;
                    }
                } else {
                    break;
                }
            }
            let raw = &text[start..end];
            let word = if needs_owned {
                Cow::Owned(raw.to_lowercase().replace('’', "'"))
            } else {
                Cow::Borrowed(raw)
            };
            out.push(Token {
                kind: Kind::Word,
                text: word,
                caps: letters >= 2 && upper == letters,
            });
            after_space = false;
            continue;
        }
        if c.is_whitespace() && c != '\n' {
            after_space = true;
            continue;
        }
        if is_emoji(c) {
            out.push(Token {
                kind: Kind::Emoji,
                text: Cow::Borrowed(&text[i..i + c.len_utf8()]),
                caps: false,
            });
            after_space = false;
            continue;
        }
        if after_space && let Some(e) = emoticon_at(text, i, emoticons) {
            let end = i + e.len();
            out.push(Token {
                kind: Kind::Emoticon,
                text: Cow::Borrowed(&text[i..end]),
                caps: false,
            });
            while iter.peek().is_some_and(|&(j, _)| j < end) {
                iter.next();
            }
            after_space = false;
            continue;
        }
        after_space = c == '\n';
        match c {
            '.' | '!' | '?' | ';' | ':' | '\n' | '…' => {
                let exclaim = u8::from(c == '!');
                match out.last_mut() {
                    // A run of stops ("!!!", "?!", "...") is one boundary carrying its `!` count.
                    Some(Token {
                        kind: Kind::Stop { exclaim: n },
                        ..
                    }) => *n = n.saturating_add(exclaim),
                    _ => out.push(Token {
                        kind: Kind::Stop { exclaim },
                        text: Cow::Borrowed(""),
                        caps: false,
                    }),
                }
            }
            // One clause break however many marks; none right after a sentence break.
            ',' | '(' | ')' | '"' | '–' | '—' | '”' | '“' | '[' | ']'
                if !matches!(
                    out.last().map(|t| t.kind),
                    Some(Kind::Clause | Kind::Stop { .. })
                ) =>
            {
                out.push(Token {
                    kind: Kind::Clause,
                    text: Cow::Borrowed(""),
                    caps: false,
                });
            }
            _ => {}
        }
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
                Kind::Word | Kind::Emoji | Kind::Emoticon => t.text.to_string(),
                Kind::Clause => ",".into(),
                Kind::Stop { exclaim } => format!(".{exclaim}"),
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
    fn stops_merge_and_count_exclamations() {
        assert_eq!(toks("Usel!!! Bra?!"), ["usel", ".3", "bra", ".1"]);
    }

    #[test]
    fn emoji_and_emoticons_are_tokens_but_urls_are_not_faces() {
        assert_eq!(toks("Bra 👍🏽 :) <3"), ["bra", "👍", ":)", "<3"]);
        assert_eq!(
            toks("se https://x.se:)"),
            ["se", "https", ".0", "x", ".0", "se", ".0"]
        );
    }

    #[test]
    fn caps_flag_needs_two_letters() {
        let mut out = Vec::new();
        tokenize("VERY bad I", &[], &mut out);
        assert_eq!(
            out.iter().map(|t| t.caps).collect::<Vec<_>>(),
            [true, false, false]
        );
    }
}
