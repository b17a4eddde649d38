//! HTML character references in text that reached the classifier undecoded.
//!
//! Feeds and APIs often hand over text with `&gt;`, `&amp;` or `&#39;` still in it (tweets escape `<`, `>`
//! and `&`; some feeds escape twice). Read as text, `&gt;` is the word "gt", which a lexicon of chat
//! acronyms scores. Decoding first makes `&lt;3` a heart and `&gt;` a harmless symbol.

use std::borrow::Cow;

/// The named references people's text actually carries; anything else is left as written.
const NAMED: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", ' '),
    ("hellip", '…'),
    ("ndash", '–'),
    ("mdash", '—'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("aring", 'å'),
    ("auml", 'ä'),
    ("ouml", 'ö'),
    ("Aring", 'Å'),
    ("Auml", 'Ä'),
    ("Ouml", 'Ö'),
    ("eacute", 'é'),
    ("euro", '€'),
];

/// Decodes character references; borrows when there are none (the common case costs one scan).
/// Decoding repeats while references remain (`&amp;gt;` → `&gt;` → `>`), at most three rounds.
pub(crate) fn decode(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for _ in 0..3 {
        match decode_once(&out) {
            Some(next) => out = Cow::Owned(next),
            None => break,
        }
    }
    out
}

/// One decoding pass, or `None` when the text holds no reference.
fn decode_once(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut changed = false;
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        let after = &rest[amp + 1..];
        if let Some((c, len)) = reference(after) {
            if !changed {
                out.reserve(text.len());
                changed = true;
            }
            out.push_str(&rest[..amp]);
            out.push(c);
            rest = &after[len..];
        } else {
            out.push_str(&rest[..=amp]);
            rest = after;
        }
    }
    if !changed {
        return None;
    }
    out.push_str(rest);
    Some(out)
}

/// The character a reference at the start of `s` (just after `&`) stands for, and its length
/// including the `;`.
fn reference(s: &str) -> Option<(char, usize)> {
    // References are short; a `;` further on belongs to the text.
    let semi = s.bytes().take(12).position(|b| b == b';')?;
    let name = &s[..semi];
    let c = if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        // C1 controls in references are windows-1252 punctuation in practice (`&#146;` is ’).
        match code {
            0x91 => '‘',
            0x92 => '’',
            0x93 => '“',
            0x94 => '”',
            0x96 => '–',
            0x97 => '—',
            _ => char::from_u32(code).filter(|c| !c.is_control() || c.is_whitespace())?,
        }
    } else {
        NAMED.iter().find(|(n, _)| *n == name)?.1
    };
    Some((c, semi + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_and_numeric_references_decode() {
        assert_eq!(
            decode("iPhone &gt; Galaxy &amp; more"),
            "iPhone > Galaxy & more"
        );
        assert_eq!(
            decode("&lt;3 it&#39;s &#x1F600; &quot;ok&quot;"),
            "<3 it's 😀 \"ok\""
        );
        assert_eq!(decode("don&#146;t"), "don’t");
        assert_eq!(decode("r&auml;ksm&ouml;rg&aring;s"), "räksmörgås");
    }

    #[test]
    fn double_escaping_is_undone() {
        assert_eq!(decode("a &amp;gt; b"), "a > b");
    }

    #[test]
    fn text_without_references_is_borrowed_and_stray_ampersands_stay() {
        assert!(matches!(decode("Bra & billigt"), Cow::Borrowed(_)));
        assert_eq!(decode("AT&T &unknown; &#xZZ; &"), "AT&T &unknown; &#xZZ; &");
        assert_eq!(decode("&#0; &#1114112;"), "&#0; &#1114112;");
    }
}
