//! Quotes inside a post (PRODUCT §3.3b): each quote block the recipe's `[quotes]` names is taken out of
//! the post's text and kept as a `Quote` with the quoted author where the block names one, so that a
//! reply quoting a complaint is not matched or classified as the complaint again.

use scraper::ElementRef;

use super::QuoteSpec;
use crate::crawl::text::{element_text, element_text_except};
use crate::domain::item::Quote;

/// The post's own text and its quotes, in the order they appear.
pub(super) fn split(body: ElementRef, spec: &QuoteSpec) -> (String, Vec<Quote>) {
    let all: Vec<ElementRef> = body.select(&spec.select.0).collect();
    // A quote inside a quote belongs to the outer one.
    let outer: Vec<ElementRef> = all
        .iter()
        .copied()
        .filter(|q| {
            !q.ancestors()
                .filter_map(ElementRef::wrap)
                .take_while(|a| *a != body)
                .any(|a| all.contains(&a))
        })
        .collect();
    if outer.is_empty() {
        return (element_text(body), Vec::new());
    }
    let quotes = outer.iter().map(|q| quote_of(*q, spec)).collect();
    (element_text_except(body, &outer), quotes)
}

fn quote_of(el: ElementRef, spec: &QuoteSpec) -> Quote {
    let full = element_text(el);
    let named = spec.author.as_ref().and_then(|a| {
        let target = match &a.select {
            Some((sel, _)) => el.select(sel).next()?,
            None => el,
        };
        let raw = if a.attr.is_empty() {
            element_text(target)
        } else {
            a.attr_of(target.value())?.to_string()
        };
        let raw = collapse(&raw);
        Some(attribution(&raw).unwrap_or(raw)).filter(|s| !s.is_empty())
    });
    let author = named.or_else(|| full.lines().take(3).find_map(|l| attribution(l.trim())));
    let text = match spec.text.as_ref().and_then(|t| match &t.select {
        Some((sel, _)) => el.select(sel).next(),
        None => Some(el),
    }) {
        Some(t) => element_text(t),
        None => without_header(&full, author.as_deref()),
    };
    Quote {
        author,
        text: text.trim().to_string(),
    }
}

/// The quoted author a quote's header line names: `Ursprungligen postat av X`, `Originally Posted by
/// X`, `Quote from X`, `Zitat von X`, `X skrev:`, `X wrote:`, `X said:`, `X schrieb:`, `X posted:`.
pub(crate) fn attribution(line: &str) -> Option<String> {
    let line = collapse(line);
    let lower = line.to_lowercase();
    for prefix in [
        "ursprungligen postat av ",
        "originally posted by ",
        "quote from ",
        "quote from: ",
        "zitat von ",
        "citat från ",
    ] {
        if lower.starts_with(prefix) {
            let name = line
                .get(prefix.len()..)
                .unwrap_or("")
                .trim()
                .trim_end_matches(':')
                .trim();
            return (!name.is_empty()).then(|| name.to_string());
        }
    }
    for suffix in [
        " skrev:",
        " wrote:",
        " said:",
        " schrieb:",
        " posted:",
        " skrev",
        " wrote",
    ] {
        if lower.ends_with(suffix) && line.len() > suffix.len() {
            let name = line.get(..line.len() - suffix.len()).unwrap_or("").trim();
            // A sentence ending in "wrote" is not a header: names are short.
            if !name.is_empty() && name.split_whitespace().count() <= 4 {
                return Some(name.to_string());
            }
        }
    }
    None
}

/// A quote's text without its label (`Citat:`, `Quote:`), its attribution line and XenForo's "Click to
/// expand...".
fn without_header(full: &str, author: Option<&str>) -> String {
    let mut lines: Vec<&str> = full.lines().collect();
    while let Some(first) = lines.first() {
        let t = first.trim();
        let label = matches!(
            t.to_lowercase().trim_end_matches(':'),
            "" | "citat" | "quote" | "zitat" | "citation" | "lainaus"
        );
        if label || (author.is_some() && attribution(t).is_some()) {
            lines.remove(0);
        } else {
            break;
        }
    }
    while let Some(last) = lines.last() {
        let t = last.trim().to_lowercase();
        if t.is_empty()
            || t.starts_with("click to expand")
            || t.starts_with("klicka för att expandera")
        {
            lines.pop();
        } else {
            break;
        }
    }
    lines.join("\n")
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
