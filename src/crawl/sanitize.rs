//! Repairs for hostile or broken input, so that one bad item costs that item's bad bytes, not the
//! whole response:
//! - (text fields lose NUL and other control characters in `domain::item::Item::clean`, for every
//!   item however it came in);
//! - XML loses characters and character references XML 1.0 forbids (`&#0;`, raw control bytes,
//!   lone surrogates), which make feed parsers reject the entire document;
//! - JSON loses lone UTF-16 surrogate escapes (`"\ud800"`), which serde_json refuses;
//! - documents that are not what the source expects (binary data for a feed, a web page for a JSON
//!   API) are named as such, instead of a parser's message about broken syntax.

/// Whether XML 1.0 allows this character in a document.
fn xml_char(c: u32) -> bool {
    matches!(c, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// XML text without the characters and character references XML 1.0 forbids, and a note per item
/// that had some (counted by `<item` / `<entry` openings before the spot). `None` when the text
/// needs no repair.
pub fn repair_xml(text: &str) -> Option<(String, Vec<String>)> {
    let raw_bad = text.chars().any(|c| !xml_char(c as u32));
    if !raw_bad && !text.contains("&#") {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut bad_at = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '&'
            && let Some((code, len)) = char_ref(rest)
        {
            if xml_char(code) {
                out.push_str(&rest[..len]);
            } else {
                bad_at.push(out.len());
            }
            rest = &rest[len..];
            continue;
        }
        if xml_char(c as u32) {
            out.push(c);
        } else {
            bad_at.push(out.len());
        }
        rest = &rest[c.len_utf8()..];
    }
    if bad_at.is_empty() {
        return None;
    }
    let notes = items_with_bad_characters(&out, &bad_at);
    Some((out, notes))
}

/// `&#123;` or `&#x7B;` at the start of `s`: the code point and the reference's length.
fn char_ref(s: &str) -> Option<(u32, usize)> {
    let body = s.strip_prefix("&#")?;
    let (digits, radix, skip) = match body.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16, 3),
        None => (body, 10, 2),
    };
    let n = digits
        .bytes()
        .take_while(|b| {
            if radix == 16 {
                b.is_ascii_hexdigit()
            } else {
                b.is_ascii_digit()
            }
        })
        .count();
    if n == 0 || digits.as_bytes().get(n) != Some(&b';') {
        return None;
    }
    // Too many digits for any code point: out of range, whatever the value.
    let value = if n > 8 {
        u32::MAX
    } else {
        u32::from_str_radix(&digits[..n], radix).ok()?
    };
    Some((value, skip + n + 1))
}

/// "item 3: …" for each item holding a removed character (or "the feed" outside items).
fn items_with_bad_characters(text: &str, offsets: &[usize]) -> Vec<String> {
    let mut notes: Vec<String> = Vec::new();
    for &at in offsets {
        let before = &text[..at];
        let n = before.matches("<item").count() + before.matches("<entry").count();
        let place = if n == 0 {
            "The feed".to_string()
        } else {
            format!("Item {n} of the feed")
        };
        let note = format!(
            "{place} held a character XML does not allow (such as &#0; or a control byte); it was removed and the rest was read."
        );
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    notes.truncate(5);
    notes
}

/// JSON text with every lone UTF-16 surrogate escape (`\ud800` not followed by its low half, or a
/// low half alone) replaced by `\ufffd`, and how many were replaced. `None` when there are none.
pub fn repair_json_surrogates(text: &str) -> Option<(String, usize)> {
    if !text.contains("\\u") && !text.contains("\\U") {
        return None;
    }
    let b = text.as_bytes();
    let hex4 = |i: usize| {
        b.get(i..i + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u16::from_str_radix(h, 16).ok())
    };
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied, mut fixed) = (0usize, 0usize, 0usize);
    let mut in_string = false;
    while i < b.len() {
        match b[i] {
            b'"' => in_string = !in_string,
            b'\\' if in_string => {
                if b.get(i + 1) == Some(&b'u')
                    && let Some(unit) = hex4(i + 2)
                {
                    let high = (0xD800..0xDC00).contains(&unit);
                    let low = (0xDC00..0xE000).contains(&unit);
                    let paired = high
                        && b.get(i + 6) == Some(&b'\\')
                        && b.get(i + 7) == Some(&b'u')
                        && hex4(i + 8).is_some_and(|u| (0xDC00..0xE000).contains(&u));
                    if paired {
                        i += 12;
                        continue;
                    }
                    if high || low {
                        out.push_str(&text[copied..i]);
                        out.push_str("\\ufffd");
                        fixed += 1;
                        i += 6;
                        copied = i;
                        continue;
                    }
                }
                // Any other escape: skip the escaped character (it may be a quote).
                i += 2;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if fixed == 0 {
        return None;
    }
    out.push_str(&text[copied.min(text.len())..]);
    Some((out, fixed))
}

/// Why a JSON API's answer cannot be read as JSON at all, in words for the dashboard; `None` when
/// it is a JSON document.
pub fn json_document_problem(text: &str) -> Option<String> {
    let t = text.trim_start_matches('\u{FEFF}').trim_start();
    if t.is_empty() {
        return Some(
            "The API answered with an empty document instead of JSON; Lyssna will try again later."
                .into(),
        );
    }
    if t.starts_with('<') {
        return Some(
            "The API answered with a web page (HTML) instead of JSON: the address may have moved, need a login, or show an error page; check the source's URL."
                .into(),
        );
    }
    // Parsed into a value, as the recipe does: that is where the nesting limit (128) applies.
    match serde_json::from_str::<serde_json::Value>(t) {
        Ok(_) => None,
        Err(e) => Some(format!(
            "The API's answer is not valid JSON ({e}); if it works in a browser, the API may have changed."
        )),
    }
}

/// Whether a document that should be a feed is binary data (an image, an archive, compressed
/// bytes): known magic numbers, or many control bytes at its start. A stray NUL in a text feed is
/// not enough (that is repaired per item).
pub fn looks_binary(bytes: &[u8]) -> bool {
    const MAGIC: &[&[u8]] = &[
        b"\x1f\x8b",
        b"\x89PNG",
        b"GIF8",
        b"\xff\xd8\xff",
        b"%PDF",
        b"PK\x03\x04",
        b"\x28\xb5\x2f\xfd",
        b"BZh",
    ];
    if MAGIC.iter().any(|m| bytes.starts_with(m)) {
        return true;
    }
    // UTF-16 text has a NUL in every other byte; it starts with a BOM or `<` beside a NUL.
    let utf16 = [&b"\xff\xfe"[..], b"\xfe\xff", b"<\0", b"\0<"];
    if utf16.iter().any(|p| bytes.starts_with(p)) {
        return false;
    }
    let head = &bytes[..bytes.len().min(1024)];
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
        .count();
    !head.is_empty() && control * 10 > head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_forbidden_characters_are_removed_and_located() {
        let xml = "<rss><channel><item>a</item><item>b&#0;c&#x1F;&#65;\u{1}</item></channel></rss>";
        let (fixed, notes) = repair_xml(xml).unwrap();
        assert_eq!(
            fixed,
            "<rss><channel><item>a</item><item>bc&#65;</item></channel></rss>"
        );
        assert_eq!(notes.len(), 1);
        assert!(notes[0].starts_with("Item 2"), "{notes:?}");
        assert!(repair_xml("<rss>&#65; &amp; &#x1F600;</rss>").is_none());
        assert!(repair_xml("&#99999999999999999999;").is_some());
    }

    #[test]
    fn lone_surrogates_are_replaced_and_pairs_kept() {
        let (fixed, n) = repair_json_surrogates(
            r#"{"a": "x\ud800y", "b": "\udc00", "c": "\ud83d\ude00", "d": "\\ud800"}"#,
        )
        .unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            fixed,
            r#"{"a": "x\ufffdy", "b": "\ufffd", "c": "\ud83d\ude00", "d": "\\ud800"}"#
        );
        let v: serde_json::Value = serde_json::from_str(&fixed).unwrap();
        assert_eq!(v["c"], "😀");
        assert!(repair_json_surrogates(r#"{"a": "\u00e5"}"#).is_none());
    }

    #[test]
    fn wrong_documents_are_named() {
        assert!(
            json_document_problem("<!DOCTYPE html><html>")
                .unwrap()
                .contains("HTML")
        );
        assert!(
            json_document_problem("{\"a\": ")
                .unwrap()
                .contains("not valid JSON")
        );
        assert!(json_document_problem(" [1, 2]").is_none());
        assert!(looks_binary(b"\x89PNG\r\n\x1a\n..."));
        assert!(looks_binary(&[1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0]));
        assert!(!looks_binary(b"<?xml version=\"1.0\"?><rss>\0</rss>"));
        assert!(!looks_binary(b"<\0?\0x\0m\0l\0"));
    }
}
