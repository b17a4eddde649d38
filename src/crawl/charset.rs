//! Bytes → UTF-8 text: the one place that decides which character encoding a fetched page or feed uses.
//!
//! Swedish sites still serve ISO-8859-1 and windows-1252 pages, feeds lie in their XML declarations and
//! servers send stale `charset=` headers, so decoding is not `String::from_utf8_lossy`. The decision
//! follows the browsers (WHATWG Encoding and HTML "prescan a byte stream") for HTML, and RFC 7303 for XML,
//! with one deliberate, documented extra rule (see [`utf8_overrides`]): bytes that are valid UTF-8 and
//! contain non-ASCII text are read as UTF-8 even when a header or declaration names a legacy encoding,
//! because that combination is almost always a misconfigured server or a copied template, never real
//! ISO-8859-1 text (a Latin-1 `å` followed by ASCII is never valid UTF-8).
//!
//! All decoding goes through `encoding_rs` (malformed sequences become U+FFFD, never a panic); guessing
//! goes through `chardetng`, the detector Firefox uses.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED};

/// How many bytes the HTML `<meta>` prescan looks at, as browsers do (WHATWG: "1024 bytes").
const META_PRESCAN_LIMIT: usize = 1024;

/// How many bytes are handed to `chardetng` when guessing; enough text to decide, bounded cost on huge pages.
const GUESS_LIMIT: usize = 64 * 1024;

/// Decodes an HTML document to UTF-8 text.
///
/// Precedence: byte-order mark, the HTTP `Content-Type` charset, the `<meta charset>` /
/// `<meta http-equiv="Content-Type">` prescan of the first 1024 bytes, then UTF-8 when the bytes are
/// (almost entirely) valid UTF-8, then a `<meta>` found further in (first 64 KiB), then a `chardetng`
/// guess. See [`sniff_encoding_html`]. A leading BOM is removed.
pub fn decode_html(bytes: &[u8], content_type: Option<&str>) -> String {
    let encoding = sniff_encoding_html(bytes, content_type);
    decode_with(encoding, bytes)
}

/// The encoding [`decode_html`] uses for these bytes and this `Content-Type` header value.
pub fn sniff_encoding_html(bytes: &[u8], content_type: Option<&str>) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return encoding;
    }
    let head = &bytes[..bytes.len().min(META_PRESCAN_LIMIT)];
    let wider = &bytes[..bytes.len().min(GUESS_LIMIT)];
    if let Some(declared) = content_type
        .and_then(charset_from_content_type)
        .filter(|d| {
            utf8_claim_holds(d, bytes, || {
                prescan_meta(head).or_else(|| prescan_meta(wider))
            })
        })
    {
        return utf8_overrides(declared, bytes);
    }
    if let Some(declared) = prescan_meta(head).filter(|d| utf8_claim_holds(d, bytes, || None)) {
        return utf8_overrides(declared, bytes);
    }
    if mostly_utf8(bytes) {
        return UTF_8;
    }
    // Not UTF-8 and no early declaration: a `<meta>` after a long comment or inline script still beats a
    // statistical guess (Chrome honours such late declarations too).
    if let Some(declared) = prescan_meta(wider).filter(|d| utf8_claim_holds(d, bytes, || None)) {
        return declared;
    }
    guess(bytes)
}

/// Decodes an XML document (RSS, Atom, sitemap) to UTF-8 text that an XML parser can read as UTF-8.
///
/// Precedence: byte-order mark, the HTTP `Content-Type` charset parameter (for any media type: feeds
/// arrive as `text/xml`, `application/rss+xml`, even `text/plain`), the XML declaration's `encoding=`,
/// else UTF-8, falling back to a `chardetng` guess when the bytes are not valid UTF-8.
///
/// Unlike Python feedparser, a `text/xml` header *without* a charset does not force US-ASCII: RFC 7303
/// (which replaced RFC 3023) dropped that rule because it mangled every UTF-8 feed served as `text/xml`.
///
/// The XML declaration's `encoding` attribute in the returned text is rewritten to `utf-8`, so a parser
/// given the UTF-8 bytes of the result is not told to decode them as something else.
pub fn decode_xml(bytes: &[u8], content_type: Option<&str>) -> String {
    let encoding = sniff_encoding_xml(bytes, content_type);
    let text = decode_with(encoding, bytes);
    rewrite_xml_declaration(text)
}

/// The encoding [`decode_xml`] uses for these bytes and this `Content-Type` header value.
pub fn sniff_encoding_xml(bytes: &[u8], content_type: Option<&str>) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return encoding;
    }
    if let Some(declared) = content_type
        .and_then(charset_from_content_type)
        .filter(|d| utf8_claim_holds(d, bytes, || xml_declared_encoding(bytes)))
    {
        return utf8_overrides(declared, bytes);
    }
    // UTF-16 without a BOM announces itself by the NUL bytes around `<?` (XML 1.0 appendix F).
    if bytes.starts_with(&[b'<', 0, b'?', 0]) {
        return UTF_16LE;
    }
    if bytes.starts_with(&[0, b'<', 0, b'?']) {
        return UTF_16BE;
    }
    if let Some(declared) = xml_declared_encoding(bytes) {
        // An ASCII-compatible document cannot really be UTF-16 (that would have matched above).
        if declared == UTF_16LE
            || declared == UTF_16BE
            || !utf8_claim_holds(&declared, bytes, || None)
        {
            return fallback_utf8_or_guess(bytes);
        }
        return utf8_overrides(declared, bytes);
    }
    fallback_utf8_or_guess(bytes)
}

/// The validity check of the precedence rule. A declaration of UTF-8 (header, `<meta>` or XML
/// declaration) over bytes that are not valid UTF-8 is believed only while nothing contradicts it:
/// it is passed over — and the next source of the order decides — when the document itself
/// (`document`, asked only then) declares a legacy encoding such as ISO-8859-1, or when the bytes
/// are clearly not UTF-8 (more broken sequences than good ones: Latin-1 text is never valid UTF-8).
/// A stale header would otherwise turn every å, ä and ö into U+FFFD for good, while a UTF-8 page
/// with a few stray bytes keeps its UTF-8. Other declarations are checked by [`utf8_overrides`]
/// the other way round.
fn utf8_claim_holds(
    declared: &&'static Encoding,
    bytes: &[u8],
    document: impl FnOnce() -> Option<&'static Encoding>,
) -> bool {
    if *declared != UTF_8 || std::str::from_utf8(bytes).is_ok() {
        return true;
    }
    if document().is_some_and(|d| d != UTF_8 && d != UTF_16LE && d != UTF_16BE) {
        return false;
    }
    let (valid, invalid) = utf8_counts(bytes);
    invalid <= valid
}

/// Decodes with `encoding`, dropping a BOM; malformed input becomes U+FFFD.
fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> String {
    // `decode` also honours a BOM, which agrees with the sniffing above (the BOM always wins).
    let (text, _, _) = encoding.decode(bytes);
    text.into_owned()
}

/// The extra rule: a declared legacy encoding loses to bytes that are valid UTF-8 and not pure ASCII.
///
/// Why: servers and templates that say `ISO-8859-1` around UTF-8 content are common (the Miniflux
/// `utf8-incorrect-prolog.xml` case), while real Latin-1 or windows-1252 text is practically never valid
/// UTF-8 once it contains a non-ASCII letter. Pure-ASCII documents keep the declared encoding (they
/// decode the same either way).
fn utf8_overrides(declared: &'static Encoding, bytes: &[u8]) -> &'static Encoding {
    if declared == UTF_8 || declared == UTF_16LE || declared == UTF_16BE {
        return declared;
    }
    if !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    declared
}

/// UTF-8 when the bytes are (almost entirely) UTF-8, else `chardetng`'s guess.
fn fallback_utf8_or_guess(bytes: &[u8]) -> &'static Encoding {
    if mostly_utf8(bytes) {
        UTF_8
    } else {
        guess(bytes)
    }
}

/// The no-declaration guess: valid (or nearly valid) UTF-8 is UTF-8; otherwise ask `chardetng` with no
/// top-level-domain hint.
fn guess(bytes: &[u8]) -> &'static Encoding {
    if mostly_utf8(bytes) {
        return UTF_8;
    }
    let sample = &bytes[..bytes.len().min(GUESS_LIMIT)];
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(sample, true);
    detector.guess(None, true)
}

/// True for valid UTF-8, and for UTF-8 with a few stray bytes (a truncated or spliced page): at least
/// twenty valid multi-byte sequences per invalid one. A whole page read as windows-1252 because of one
/// bad byte would garble every å and ä on it.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (valid_multibyte, invalid) = utf8_counts(bytes);
    invalid == 0 || valid_multibyte >= invalid.saturating_mul(20)
}

/// How many valid multi-byte UTF-8 sequences and how many broken ones the bytes hold.
fn utf8_counts(bytes: &[u8]) -> (usize, usize) {
    let mut rest = bytes;
    let mut valid_multibyte = 0usize;
    let mut invalid = 0usize;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                valid_multibyte += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let good = e.valid_up_to();
                if let Ok(s) = std::str::from_utf8(&rest[..good]) {
                    valid_multibyte += s.chars().filter(|c| !c.is_ascii()).count();
                }
                invalid += 1;
                // A truncated sequence at the very end has no error_len: count it and stop.
                let skip = match e.error_len() {
                    Some(n) => n,
                    None => break,
                };
                rest = &rest[good + skip..];
            }
        }
    }
    (valid_multibyte, invalid)
}

/// The `charset` parameter of a `Content-Type` header value, as an encoding, if it names a known one.
///
/// Tolerates quotes and spaces (`text/xml;charset = "us-ascii"`); a malformed parameter
/// (`charset:iso-8859-1`) is ignored, as browsers do.
pub fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        Encoding::for_label(value.as_bytes())
    })
}

/// The encoding named by `<?xml … encoding="…"?>` at the start of the document, if any and known.
fn xml_declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(512)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &head[start..];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = find(head, b"?>")?;
    let decl = &head[..end];
    let value = xml_attribute_value(decl, b"encoding")?;
    Encoding::for_label(value)
}

/// The value of `name="…"` (or `'…'`) inside an XML declaration.
fn xml_attribute_value<'a>(decl: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let at = find(decl, name)?;
    let mut pos = at + name.len();
    while decl.get(pos).is_some_and(|b| b.is_ascii_whitespace()) {
        pos += 1;
    }
    if decl.get(pos) != Some(&b'=') {
        return None;
    }
    pos += 1;
    while decl.get(pos).is_some_and(|b| b.is_ascii_whitespace()) {
        pos += 1;
    }
    let quote = *decl.get(pos)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let rest = decl.get(pos + 1..)?;
    let len = rest.iter().position(|&b| b == quote)?;
    Some(&rest[..len])
}

/// Rewrites the declaration's `encoding="…"` to `utf-8`: the text is UTF-8 now.
fn rewrite_xml_declaration(text: String) -> String {
    let trimmed_start = text.len() - text.trim_start().len();
    let head = &text[trimmed_start..];
    if !head.starts_with("<?xml") {
        return text;
    }
    let Some(end) = head.find("?>") else {
        return text;
    };
    let decl = &head[..end];
    let Some(at) = decl.find("encoding") else {
        return text;
    };
    let after = &decl[at + "encoding".len()..];
    let Some(eq) = after.find('=') else {
        return text;
    };
    if !after[..eq].trim().is_empty() {
        return text;
    }
    let value_part = &after[eq + 1..];
    let value_start = value_part.len() - value_part.trim_start().len();
    let Some(quote) = value_part[value_start..].chars().next() else {
        return text;
    };
    if quote != '"' && quote != '\'' {
        return text;
    }
    let inner_start = value_start + 1;
    let Some(inner_len) = value_part[inner_start..].find(quote) else {
        return text;
    };
    // Absolute byte offsets of the attribute value inside `text`.
    let abs_start = trimmed_start + at + "encoding".len() + eq + 1 + inner_start;
    let abs_end = abs_start + inner_len;
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..abs_start]);
    out.push_str("utf-8");
    out.push_str(&text[abs_end..]);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn is_space(b: u8) -> bool {
    matches!(b, 0x09 | 0x0A | 0x0C | 0x0D | 0x20)
}

/// The WHATWG "prescan a byte stream to determine its encoding" algorithm over `bytes`.
///
/// Returns the encoding declared by the first usable `<meta charset>` or `<meta http-equiv=Content-Type
/// content="…charset=…">`, skipping comments and other tags the way the HTML tokenizer would. Running off
/// the end of `bytes` inside a tag means "no answer", as in browsers. UTF-16 labels mean UTF-8 (a page
/// whose `<meta>` is readable as ASCII cannot be UTF-16) and `x-user-defined` means windows-1252.
pub fn prescan_meta(bytes: &[u8]) -> Option<&'static Encoding> {
    let mut pos = 0usize;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        if rest.starts_with(b"<!--") {
            // The `-->` may share its dashes with `<!--` (so `<!-->` is a whole comment).
            let end = find(&rest[2..], b"-->")?;
            pos += 2 + end + 3;
            continue;
        }
        if rest.len() >= 6
            && rest[..5].eq_ignore_ascii_case(b"<meta")
            && (is_space(rest[5]) || rest[5] == b'/')
        {
            pos += 5;
            if let Some(encoding) = meta_element(bytes, &mut pos)? {
                return Some(encoding);
            }
            pos += 1;
            continue;
        }
        let is_tag = rest.len() >= 2
            && rest[0] == b'<'
            && (rest[1].is_ascii_alphabetic()
                || (rest[1] == b'/' && rest.get(2).is_some_and(|b| b.is_ascii_alphabetic())));
        if is_tag {
            while pos < bytes.len() && !is_space(bytes[pos]) && bytes[pos] != b'>' {
                pos += 1;
            }
            while get_attribute(bytes, &mut pos)?.is_some() {}
            pos += 1;
            continue;
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"</") || rest.starts_with(b"<?") {
            let end = rest.iter().position(|&b| b == b'>')?;
            pos += end + 1;
            continue;
        }
        pos += 1;
    }
    None
}

/// Reads the attributes of one `<meta>` element. Outer `None` = ran off the end (abort the prescan);
/// inner `None` = this element declares nothing usable.
fn meta_element(bytes: &[u8], pos: &mut usize) -> Option<Option<&'static Encoding>> {
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut got_pragma = false;
    let mut need_pragma: Option<bool> = None;
    let mut charset: Option<Option<&'static Encoding>> = None;
    while let Some((name, value)) = get_attribute(bytes, pos)? {
        if seen.contains(&name) {
            continue;
        }
        match name.as_slice() {
            b"http-equiv" if value == b"content-type" => got_pragma = true,
            b"content" if charset.is_none() => {
                if let Some(label) = charset_from_meta_content(&value) {
                    charset = Some(Encoding::for_label(label));
                    need_pragma = Some(true);
                }
            }
            b"charset" => {
                charset = Some(Encoding::for_label(&value));
                need_pragma = Some(false);
            }
            _ => {}
        }
        seen.push(name);
    }
    let result = match need_pragma {
        None => None,
        Some(true) if !got_pragma => None,
        _ => match charset.flatten() {
            None => None,
            Some(e) if e == UTF_16LE || e == UTF_16BE => Some(UTF_8),
            Some(e) if e == X_USER_DEFINED => Some(WINDOWS_1252),
            Some(e) => Some(e),
        },
    };
    Some(result)
}

/// WHATWG "get an attribute". Outer `None` = ran off the end; inner `None` = no more attributes.
/// Names and values come back ASCII-lowercased.
#[allow(clippy::type_complexity)]
fn get_attribute(bytes: &[u8], pos: &mut usize) -> Option<Option<(Vec<u8>, Vec<u8>)>> {
    while is_space(*bytes.get(*pos)?) || bytes[*pos] == b'/' {
        *pos += 1;
    }
    if bytes[*pos] == b'>' {
        return Some(None);
    }
    let mut name = Vec::new();
    let mut value = Vec::new();
    // Attribute name.
    loop {
        let b = *bytes.get(*pos)?;
        if b == b'=' && !name.is_empty() {
            *pos += 1;
            return read_value(bytes, pos, name, value);
        }
        if is_space(b) {
            break;
        }
        if b == b'/' || b == b'>' {
            return Some(Some((name, value)));
        }
        name.push(b.to_ascii_lowercase());
        *pos += 1;
    }
    // Spaces between the name and a possible `=`.
    while is_space(*bytes.get(*pos)?) {
        *pos += 1;
    }
    if bytes[*pos] != b'=' {
        return Some(Some((name, value)));
    }
    *pos += 1;
    read_value(bytes, pos, name, std::mem::take(&mut value))
}

#[allow(clippy::type_complexity)]
fn read_value(
    bytes: &[u8],
    pos: &mut usize,
    name: Vec<u8>,
    mut value: Vec<u8>,
) -> Option<Option<(Vec<u8>, Vec<u8>)>> {
    while is_space(*bytes.get(*pos)?) {
        *pos += 1;
    }
    let b = bytes[*pos];
    if b == b'"' || b == b'\'' {
        *pos += 1;
        loop {
            let c = *bytes.get(*pos)?;
            *pos += 1;
            if c == b {
                return Some(Some((name, value)));
            }
            value.push(c.to_ascii_lowercase());
        }
    }
    if b == b'>' {
        return Some(Some((name, value)));
    }
    value.push(b.to_ascii_lowercase());
    *pos += 1;
    loop {
        let c = *bytes.get(*pos)?;
        if is_space(c) || c == b'>' {
            return Some(Some((name, value)));
        }
        value.push(c.to_ascii_lowercase());
        *pos += 1;
    }
}

/// WHATWG "extract a character encoding from a meta element" (the `content` attribute).
fn charset_from_meta_content(content: &[u8]) -> Option<&[u8]> {
    let mut pos = 0usize;
    loop {
        let at = find(&content[pos..], b"charset")?;
        pos += at + "charset".len();
        while content.get(pos).is_some_and(|&b| is_space(b)) {
            pos += 1;
        }
        if content.get(pos) != Some(&b'=') {
            continue;
        }
        pos += 1;
        while content.get(pos).is_some_and(|&b| is_space(b)) {
            pos += 1;
        }
        let first = *content.get(pos)?;
        if first == b'"' || first == b'\'' {
            let rest = &content[pos + 1..];
            let len = rest.iter().position(|&b| b == first)?;
            return Some(&rest[..len]);
        }
        let rest = &content[pos..];
        let len = rest
            .iter()
            .position(|&b| is_space(b) || b == b';')
            .unwrap_or(rest.len());
        return (len > 0).then(|| &rest[..len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses html5lib `.dat` files (bytes: tests1.dat holds Latin-1): `#data` lines, then `#encoding`.
    fn html5lib_cases(text: &[u8]) -> Vec<(Vec<u8>, String)> {
        let mut cases = Vec::new();
        let mut rest = text;
        while let Some(start) = find(rest, b"#data\n") {
            rest = &rest[start + b"#data\n".len()..];
            let Some(mid) = find(rest, b"\n#encoding\n") else {
                break;
            };
            let data = rest[..mid].to_vec();
            let after = &rest[mid + b"\n#encoding\n".len()..];
            let line_end = after
                .iter()
                .position(|&b| b == b'\n')
                .unwrap_or(after.len());
            let expected = String::from_utf8_lossy(&after[..line_end])
                .trim()
                .to_string();
            cases.push((data, expected));
            rest = after;
        }
        cases
    }

    #[test]
    fn a_utf8_header_over_latin1_bytes_yields_to_the_document() {
        // "Blåbärssylt för ökänd" in ISO-8859-1, served as charset=utf-8 (issue 14, item 12).
        let latin1: Vec<u8> = b"Bl\xe5b\xe4rssylt f\xf6r \xf6k\xe4nd".to_vec();
        let xml = [
            &b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><title>"[..],
            &latin1,
            b"</title></rss>",
        ]
        .concat();
        let text = decode_xml(&xml, Some("application/rss+xml; charset=utf-8"));
        assert!(text.contains("Blåbärssylt för ökänd"), "{text}");
        let html = [
            &b"<html><head><meta charset=\"windows-1252\"></head><body>"[..],
            &latin1,
        ]
        .concat();
        let text = decode_html(&html, Some("text/html; charset=UTF-8"));
        assert!(text.contains("Blåbärssylt för ökänd"), "{text}");
        // No declaration at all: the bytes are plainly not UTF-8, so they are guessed.
        let text = decode_html(
            &[&b"<p>"[..], &latin1, b" och m\xe5nga fler \xe5\xe4\xf6"].concat(),
            Some("text/html; charset=utf-8"),
        );
        assert!(text.contains("för ökänd"), "{text}");
        assert!(!text.contains('\u{FFFD}'));
        // Real UTF-8 under a UTF-8 header is untouched.
        let text = decode_html("<p>Blåbär</p>".as_bytes(), Some("text/html; charset=utf-8"));
        assert!(text.contains("Blåbär"));
    }

    #[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
    #[test]
    fn html5lib_meta_prescan_conformance() {
        let root = crate::corpora::corpora();
        let dir = root.join("charset/encoding");
        let mut total = 0;
        let mut failures = Vec::new();
        for file in ["tests1.dat", "tests2.dat", "test-yahoo-jp.dat"] {
            let Ok(text) = std::fs::read(dir.join(file)) else {
                continue;
            };
            for (i, (data, expected)) in html5lib_cases(&text).into_iter().enumerate() {
                total += 1;
                let want = Encoding::for_label(expected.as_bytes()).expect("known label in corpus");
                // The BOM first, then the prescan over the whole case (some cases put the `<meta>` after
                // 2 KiB of comment, as our wider second pass allows); no declaration means the browser
                // default for an unknown locale, windows-1252.
                let got = Encoding::for_bom(&data)
                    .map(|(e, _)| e)
                    .or_else(|| prescan_meta(&data))
                    .unwrap_or(WINDOWS_1252);
                if got != want {
                    failures.push(format!(
                        "{file}#{}: expected {}, got {}",
                        i + 1,
                        want.name(),
                        got.name()
                    ));
                }
            }
        }
        let passed = total - failures.len();
        eprintln!("html5lib meta prescan: {passed}/{total} passed");
        for f in &failures {
            eprintln!("  FAIL {f}");
        }
        assert!(total >= 80, "expected ~82 cases, found {total}");
        assert!(
            passed * 100 >= total * 97,
            "pass rate too low: {passed}/{total}: {failures:#?}"
        );
    }

    #[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
    #[test]
    fn miniflux_encoding_cases_decode_to_cafe_or_euro() {
        let root = crate::corpora::corpora();
        let dir = root.join("feeds/miniflux/encoding");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("skipped: {} missing", dir.display());
            return;
        };
        let mut checked = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let text = if name.ends_with(".html") {
                decode_html(&bytes, None)
            } else if name.ends_with(".xml") {
                decode_xml(&bytes, None)
            } else {
                continue;
            };
            checked += 1;
            if name.starts_with("koi8r") {
                assert!(text.contains("Пример"), "{name}: {text}");
                continue;
            }
            assert!(
                text.contains("Café") || text.contains('€'),
                "{name} decoded to {text:?}"
            );
            assert!(
                !text.contains('\u{FFFD}'),
                "{name} has replacement characters: {text:?}"
            );
        }
        assert!(checked >= 10, "only {checked} files checked");
    }

    const SWEDISH: &str = "Smörgåsbord på Åre – äntligen “bra” för 10 €";

    #[test]
    fn swedish_iso_8859_1_page_with_meta() {
        // A saved Swedish page in ISO-8859-1 with `<meta http-equiv>` (fixture of our own).
        let bytes = include_bytes!("../../tests/fixtures/pages/latin1-meta.html");
        assert!(
            bytes.contains(&0xE4),
            "fixture must really be Latin-1 (ä = 0xE4)"
        );
        assert_eq!(sniff_encoding_html(bytes, None), WINDOWS_1252);
        let text = decode_html(bytes, None);
        assert!(text.contains("Räksmörgås på Öland"), "{text}");
        assert!(text.contains("ÅÄÖ åäö"), "{text}");
    }

    #[test]
    fn swedish_windows_1252_page_without_declaration() {
        // windows-1252 with curly quotes and the euro sign, no header, no meta: the guess must get it.
        let bytes = include_bytes!("../../tests/fixtures/pages/cp1252-nodecl.html");
        assert!(
            bytes.contains(&0x93),
            "fixture must really be windows-1252 (“ = 0x93)"
        );
        let text = decode_html(bytes, None);
        assert!(text.contains("“Väldigt bra kundtjänst” – 199 €"), "{text}");
        assert!(text.contains("två år"), "{text}");
    }

    #[test]
    fn windows_1252_from_header_keeps_quotes_and_euro() {
        let (bytes, _, _) = WINDOWS_1252.encode(SWEDISH);
        assert!(std::str::from_utf8(&bytes).is_err());
        let text = decode_html(&bytes, Some("text/html; charset=ISO-8859-1"));
        assert_eq!(text, SWEDISH);
        let text = decode_html(&bytes, Some("text/html; charset=\"windows-1252\""));
        assert_eq!(text, SWEDISH);
    }

    #[test]
    fn undeclared_latin1_is_guessed() {
        let page = format!(
            "<html><body><p>{SWEDISH}</p><p>Hej där, vi säljer mjölk och smör i år.</p></body></html>"
        );
        let (bytes, _, _) = WINDOWS_1252.encode(&page);
        assert_eq!(decode_html(&bytes, None), page);
        assert_eq!(decode_html(page.as_bytes(), None), page);
    }

    #[test]
    fn header_beats_meta_and_bom_beats_header() {
        let page = "<meta charset=iso-8859-2><p>å</p>";
        assert_eq!(
            sniff_encoding_html(page.as_bytes(), Some("text/html; charset=utf-8")),
            UTF_8
        );
        let (latin, _, _) = WINDOWS_1252.encode("<meta charset=utf-8><p>å</p>");
        assert_eq!(
            sniff_encoding_html(&latin, Some("text/html;charset=latin1")),
            WINDOWS_1252
        );
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("<p>å</p>".as_bytes());
        assert_eq!(
            sniff_encoding_html(&bom, Some("text/html; charset=iso-8859-1")),
            UTF_8
        );
        assert_eq!(decode_html(&bom, None), "<p>å</p>");
    }

    #[test]
    fn utf16_with_bom() {
        let text =
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss><title>Café åäö €</title></rss>";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            le.extend_from_slice(&unit.to_le_bytes());
            be.extend_from_slice(&unit.to_be_bytes());
        }
        let expected = text.replace("UTF-16", "utf-8");
        assert_eq!(decode_xml(&le, None), expected);
        assert_eq!(decode_xml(&be, Some("application/rss+xml")), expected);
        assert_eq!(
            decode_html(&le, Some("text/html; charset=iso-8859-1")),
            text
        );
    }

    #[test]
    fn xml_declaration_is_honoured_and_rewritten() {
        let (bytes, _, _) = WINDOWS_1252.encode(
            "<?xml version='1.0' encoding='ISO-8859-1'?><rss><title>Räka “x” €</title></rss>",
        );
        let text = decode_xml(&bytes, None);
        assert_eq!(
            text,
            "<?xml version='1.0' encoding='utf-8'?><rss><title>Räka “x” €</title></rss>"
        );
        // Header charset wins over the declaration.
        let (bytes, _, _) = encoding_rs::ISO_8859_2
            .encode("<?xml version=\"1.0\" encoding=\"windows-1252\"?><t>Łódź</t>");
        let text = decode_xml(&bytes, Some("application/xml; charset=iso-8859-2"));
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Łódź</t>"
        );
        // text/xml without charset does not force US-ASCII (RFC 7303).
        let text = decode_xml(
            "<?xml version=\"1.0\"?><t>Café</t>".as_bytes(),
            Some("text/xml"),
        );
        assert_eq!(text, "<?xml version=\"1.0\"?><t>Café</t>");
    }

    #[test]
    fn content_type_parsing() {
        assert_eq!(
            charset_from_content_type("text/xml;charset = \"us-ascii\""),
            Some(WINDOWS_1252)
        );
        assert_eq!(
            charset_from_content_type("text/html; charset='gb2312'"),
            Some(encoding_rs::GBK)
        );
        assert_eq!(
            charset_from_content_type("text/xml; charset:iso-8859-1"),
            None
        );
        assert_eq!(charset_from_content_type("text/xml"), None);
        assert_eq!(charset_from_content_type("text/html; charset=bogus"), None);
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            b"<".to_vec(),
            b"<meta".to_vec(),
            b"<meta charset=".to_vec(),
            b"<!--".to_vec(),
            b"<?xml".to_vec(),
            b"<?xml encoding=".to_vec(),
            b"<?xml version=\"1.0\" encoding=\"".to_vec(),
            vec![0xFF; 5000],
            vec![0xC3; 3],
            b"<meta content=\"charset=\"".to_vec(),
            b"<a b='".to_vec(),
        ];
        for bytes in cases {
            let _ = decode_html(&bytes, Some("text/html; charset="));
            let _ = decode_xml(&bytes, None);
            let _ = prescan_meta(&bytes);
        }
    }
}
