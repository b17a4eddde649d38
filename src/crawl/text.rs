//! HTML → plain text, the way a reader sees it: paragraphs and line breaks kept, markup, scripts and
//! styles gone, entities decoded, runs of whitespace collapsed.
//!
//! Items carry plain text (see `Item`), because the query matcher works on byte offsets in text and the
//! sentiment classifier on words; markup would produce false matches (`class="brand"`) and noise.
//!
//! The tree is walked iteratively (`traverse`), never recursively, so a hostile page with 100,000 nested
//! `<div>`s cannot overflow the stack.

use scraper::node::Node;
use scraper::{ElementRef, Html};

/// Elements whose content is never text a reader sees.
const DROPPED: &[&str] = &[
    "script", "style", "noscript", "template", "head", "iframe", "object", "svg", "math", "select",
    "button",
];

/// Elements that separate paragraphs (a blank line).
const PARAGRAPH: &[&str] = &[
    "p",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "table",
    "ul",
    "ol",
    "dl",
    "figure",
    "hr",
    "address",
];

/// Elements that start a new line.
const LINE: &[&str] = &[
    "div",
    "li",
    "tr",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "nav",
    "main",
    "form",
    "fieldset",
    "figcaption",
    "details",
    "summary",
    "caption",
    "center",
    "legend",
];

/// Table cells: separated by a space on the same line.
const CELL: &[&str] = &["td", "th"];

/// Converts an HTML fragment (a feed description, a JSON `content.rendered`) to plain text.
pub fn html_to_text(html_fragment: &str) -> String {
    // Fast path: no markup and no entities means the string already is text.
    if !html_fragment.contains(['<', '&']) {
        return collapse_plain(html_fragment);
    }
    if nesting_too_deep(html_fragment) {
        return crude_strip(html_fragment);
    }
    let fragment = Html::parse_fragment(html_fragment);
    element_text(fragment.root_element())
}

/// Beyond this estimated element depth a page is treated as hostile. Real pages nest well under 100
/// deep; html5ever's tree builder is quadratic in depth (20,000 nested `<div>`s take seconds).
pub const MAX_NESTING: usize = 3_000;

/// A cheap, linear estimate of how deeply `html` nests elements, to refuse pathological pages before
/// handing them to the parser. Void elements, `/>` and elements that close themselves implicitly
/// (`p`, `li`, `td`, …) are not counted, so legacy markup with unclosed paragraphs is not penalised.
/// A `<` that opens no element is skipped the way the parser skips it: inside `<script>`, `<style>`,
/// `<textarea>` and `<title>` (raw text up to the closing tag: `for(i=0;i<n;i++)` is code, not a tag),
/// comments, CDATA sections, `<!DOCTYPE …>`, and quoted attribute values.
pub fn nesting_too_deep(html: &str) -> bool {
    const UNCOUNTED: &[&str] = &[
        "br", "img", "hr", "input", "meta", "link", "area", "base", "col", "embed", "param",
        "source", "track", "wbr", "p", "li", "td", "th", "tr", "option", "dt", "dd",
    ];
    const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp", "noscript"];
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut i = 0usize;
    while let Some(off) = bytes[i..].iter().position(|&b| b == b'<') {
        i += off + 1;
        let rest = &bytes[i..];
        if let Some(skip) = skip_markup_declaration(rest) {
            i += skip;
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let name_len = bytes[start.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 || !bytes[start].is_ascii_alphabetic() {
            continue;
        }
        let name = html[start..start + name_len].to_ascii_lowercase();
        if closing {
            if !UNCOUNTED.contains(&name.as_str()) {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        let Some(end) = tag_end(bytes, start + name_len) else {
            break;
        };
        if UNCOUNTED.contains(&name.as_str()) {
            i = end + 1;
            continue;
        }
        i = end + 1;
        if end > 0 && bytes[end - 1] == b'/' {
            continue;
        }
        if RAW_TEXT.contains(&name.as_str()) {
            // Raw text: nothing inside is markup until `</name`.
            let close = format!("</{name}");
            i = find_ascii_ci(&bytes[i..], close.as_bytes()).map_or(bytes.len(), |p| i + p);
            continue;
        }
        depth += 1;
        if depth > MAX_NESTING {
            return true;
        }
    }
    false
}

/// After a `<`: the length of a comment, CDATA section, `<!…>` or `<?…>` to skip, if it is one.
fn skip_markup_declaration(rest: &[u8]) -> Option<usize> {
    let find = |pat: &[u8], from: usize| {
        rest.get(from..)
            .and_then(|r| r.windows(pat.len()).position(|w| w == pat))
            .map_or(rest.len(), |p| from + p + pat.len())
    };
    if rest.starts_with(b"!--") {
        return Some(find(b"-->", 3));
    }
    if rest.starts_with(b"![CDATA[") {
        return Some(find(b"]]>", 8));
    }
    if rest.starts_with(b"!") || rest.starts_with(b"?") {
        return Some(find(b">", 1));
    }
    None
}

/// The `>` that ends a tag whose name ends at `from`, skipping quoted attribute values (a `>` or
/// `<` inside `title="a<b>"` is text). As in the HTML tokenizer, a quote opens a value only right
/// after `=`: `x=a"b` is an unquoted value, so a stray quote cannot hide the markup after it.
fn tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    let mut after_equals = false;
    for (k, &b) in bytes.get(from..)?.iter().enumerate() {
        if let Some(q) = quote {
            if b == q {
                quote = None;
            }
            continue;
        }
        match b {
            b'>' => return Some(from + k),
            b'"' | b'\'' if after_equals => quote = Some(b),
            b'=' => after_equals = true,
            b if b.is_ascii_whitespace() => {}
            _ => after_equals = false,
        }
    }
    None
}

/// Case-insensitive search for an ASCII needle.
fn find_ascii_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Fallback for hostile fragments: drop everything between `<` and `>`, keep the rest as text.
fn crude_strip(html: &str) -> String {
    let mut text = String::with_capacity(html.len() / 2);
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    collapse_plain(
        &text
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&nbsp;", " "),
    )
}

/// The text of one element with the rules of [`html_to_text`] (used by recipes for every field).
pub fn element_text(el: ElementRef) -> String {
    element_text_except(el, &[])
}

/// [`element_text`] without the subtrees of `skip` (a post's quote blocks).
pub fn element_text_except(el: ElementRef, skip: &[ElementRef]) -> String {
    let mut out = TextBuilder::default();
    let mut pre_depth = 0usize;
    // An explicit stack of (node, closing?) instead of recursion. (`ElementRef::traverse` would do the
    // same, but its `Edge` type lives in `ego_tree`, which scraper does not re-export.)
    let mut stack = vec![(*el, false)];
    while let Some((node, closing)) = stack.pop() {
        if closing {
            if let Node::Element(e) = node.value() {
                let name = e.name();
                if PARAGRAPH.contains(&name) {
                    out.newline(2);
                } else if LINE.contains(&name) {
                    out.newline(1);
                } else if CELL.contains(&name) {
                    out.space();
                }
                if name == "pre" {
                    pre_depth = pre_depth.saturating_sub(1);
                }
            }
            continue;
        }
        match node.value() {
            Node::Element(e) => {
                let name = e.name();
                if DROPPED.contains(&name)
                    || (!skip.is_empty()
                        && ElementRef::wrap(node).is_some_and(|e| skip.contains(&e)))
                {
                    // Skip the whole subtree (and its closing edge).
                    continue;
                }
                if name == "br" {
                    out.line_break();
                } else if PARAGRAPH.contains(&name) {
                    out.newline(2);
                } else if LINE.contains(&name) {
                    out.newline(1);
                } else if CELL.contains(&name) {
                    out.space();
                }
                if name == "pre" {
                    pre_depth += 1;
                }
            }
            Node::Text(t) => out.text(t, pre_depth > 0),
            _ => {}
        }
        stack.push((node, true));
        stack.extend(node.children().rev().map(|c| (c, false)));
    }
    out.finish()
}

/// Text for one-line fields (titles, author names): tags removed, entities decoded, all whitespace
/// (including line breaks) collapsed to single spaces.
pub fn strip_tags_inline(s: &str) -> String {
    let text = html_to_text(s);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Collapses whitespace in text that has no markup, keeping line breaks (at most one blank line).
fn collapse_plain(s: &str) -> String {
    let mut out = TextBuilder::default();
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.line_break();
        }
        out.text(line, false);
    }
    out.finish()
}

/// Accumulates text with pending separators, so that separators never pile up at the start, the end,
/// or next to each other.
#[derive(Default)]
struct TextBuilder {
    out: String,
    pending_space: bool,
    pending_newlines: usize,
}

impl TextBuilder {
    /// A block boundary: at least `n` line breaks here (boundaries do not add up).
    fn newline(&mut self, n: usize) {
        self.pending_newlines = self.pending_newlines.max(n).min(2);
        self.pending_space = false;
    }

    /// An explicit `<br>` or a newline in `<pre>`: these add up (two make a blank line), capped at two.
    fn line_break(&mut self) {
        self.pending_newlines = (self.pending_newlines + 1).min(2);
        self.pending_space = false;
    }

    fn space(&mut self) {
        if self.pending_newlines == 0 {
            self.pending_space = true;
        }
    }

    fn text(&mut self, t: &str, preformatted: bool) {
        for c in t.chars() {
            if preformatted && c == '\n' {
                self.line_break();
            } else if c.is_whitespace() {
                self.space();
            } else if c.is_control() {
                // Stray control characters (NUL, ESC) from broken pages are not text.
            } else {
                self.flush();
                self.out.push(c);
            }
        }
    }

    fn flush(&mut self) {
        if self.out.is_empty() {
            self.pending_newlines = 0;
            self.pending_space = false;
            return;
        }
        if self.pending_newlines > 0 {
            for _ in 0..self.pending_newlines {
                self.out.push('\n');
            }
        } else if self.pending_space {
            self.out.push(' ');
        }
        self.pending_newlines = 0;
        self.pending_space = false;
    }

    fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_become_line_breaks() {
        let html = "<p>Hej   allihop,</p><p>vi   testar\n Lyssna.</p><div>rad ett<br>rad två</div><ul><li>ett</li><li>två</li></ul>";
        assert_eq!(
            html_to_text(html),
            "Hej allihop,\n\nvi testar Lyssna.\n\nrad ett\nrad två\n\nett\ntvå"
        );
    }

    #[test]
    fn entities_decoded_scripts_dropped() {
        let html = "<p>R&auml;ksm&ouml;rg&aring;s &amp; kaffe &#8364;5 &nbsp;ok</p><script>alert('x')</script><style>p{}</style><noscript>js</noscript>";
        assert_eq!(html_to_text(html), "Räksmörgås & kaffe €5 ok");
    }

    #[test]
    fn inline_elements_do_not_break_words() {
        assert_eq!(
            html_to_text("Bra <b>pris</b>, <a href='x'>länk</a>!"),
            "Bra pris, länk!"
        );
        assert_eq!(html_to_text("a<span>b</span>c"), "abc");
    }

    #[test]
    fn quotes_headings_and_tables() {
        let html = "<h2>Rubrik</h2><blockquote>Citat: <i>dåligt</i></blockquote>Svar<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>";
        assert_eq!(
            html_to_text(html),
            "Rubrik\n\nCitat: dåligt\n\nSvar\n\na b\nc"
        );
    }

    #[test]
    fn br_twice_is_a_blank_line_at_most() {
        assert_eq!(html_to_text("a<br><br><br><br>b"), "a\n\nb");
        assert_eq!(html_to_text("<div>a</div><div>b</div>"), "a\nb");
        assert_eq!(html_to_text("<br><br>a<br>"), "a");
    }

    #[test]
    fn pre_keeps_lines() {
        assert_eq!(html_to_text("<pre>x = 1\ny = 2</pre>"), "x = 1\ny = 2");
    }

    #[test]
    fn plain_text_passes_through_collapsed() {
        assert_eq!(
            html_to_text("  hej \t där \n\n\n nästa  "),
            "hej där\n\nnästa"
        );
        assert_eq!(html_to_text(""), "");
    }

    #[test]
    fn element_text_of_selected_element() {
        let doc =
            Html::parse_document("<div class='m'>Hej<br/>du <script>x()</script><p>nytt</p></div>");
        let sel = scraper::Selector::parse("div.m").expect("valid selector");
        let el = doc.select(&sel).next().expect("present");
        assert_eq!(element_text(el), "Hej\ndu\n\nnytt");
    }

    #[test]
    fn inline_titles() {
        assert_eq!(
            strip_tags_inline("<b>Ny</b> produkt:\n <i>Lyssna</i> &amp; co"),
            "Ny produkt: Lyssna & co"
        );
        assert_eq!(strip_tags_inline("AT&T <3 Lyssna"), "AT&T <3 Lyssna");
    }

    #[test]
    fn less_than_signs_that_open_no_element_do_not_count_as_nesting() {
        // 3,001 loops in an inline script: `i<n` is code, not a tag (issue 14, item 11).
        let script = "for(i=0;i<n;i++){a[i]=b<c;}".repeat(3_001);
        let page = format!("<html><body><script>{script}</script><div>post</div></body></html>");
        assert!(!nesting_too_deep(&page));
        for inert in [
            format!("<style>{}</style>", "a<b{}".repeat(4_000)),
            format!("<!-- {} -->", "<div>".repeat(4_000)),
            format!("<![CDATA[{}]]>", "<div>".repeat(4_000)),
            format!("<p title=\"{}\">x</p>", "<div>".repeat(4_000)),
            format!("<SCRIPT type=x>{}</Script>", "<div>".repeat(4_000)),
        ] {
            assert!(!nesting_too_deep(&inert), "{}", &inert[..40]);
        }
        // A stray quote in an unquoted value does not hide what follows.
        let sneaky = format!("<div x=a\"b>{}\"", "<div>".repeat(4_000));
        assert!(nesting_too_deep(&sneaky));
        // Real nesting after a script still counts.
        let deep = format!("<script>i<n</script>{}", "<div>".repeat(4_000));
        assert!(nesting_too_deep(&deep));
    }

    #[test]
    fn hostile_markup_does_not_panic() {
        // Too deep for the parser (quadratic in depth): the guard answers with a crude strip instead.
        let deep = "<div>".repeat(50_000) + "djup" + &"</div>".repeat(50_000);
        assert!(nesting_too_deep(&deep));
        assert_eq!(html_to_text(&deep), "djup");
        // Deep but plausible: parsed normally, and the iterative walk does not overflow the stack.
        let deep = "<div><span>".repeat(1_000) + "djup" + &"</span></div>".repeat(1_000);
        assert!(!nesting_too_deep(&deep));
        assert_eq!(html_to_text(&deep), "djup");
        let many_p = "<p>stycke".repeat(10_000);
        assert!(!nesting_too_deep(&many_p));
        let huge_attr = format!("<p title=\"{}\">x</p>", "a".repeat(1_000_000));
        assert_eq!(html_to_text(&huge_attr), "x");
        for s in [
            "<",
            "<<<>>>",
            "</p>",
            "<!--",
            "&#xFFFFFF;",
            "&#0;",
            "<p \u{0}>\u{FFFD}</p>",
            "<svg><p>x",
        ] {
            let _ = html_to_text(s);
            let _ = strip_tags_inline(s);
        }
    }
}
