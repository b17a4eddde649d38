//! Turning stored values into what a page shows: escaped text with the brand highlighted (from the
//! stored byte spans), links only for http(s), times in the leader's time zone.

use crate::domain::query::{Field, MatchedBrand};
use crate::store::MentionRecord;
use crate::web::i18n::{Lang, relative};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use crate::render::escape::escape;

/// The link target for a stored URL, only when it is http or https (never `javascript:`, `data:`…).
pub fn safe_href(u: Option<&str>) -> Option<String> {
    let parsed = url::Url::parse(u?.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// Spans that fit `text` and fall on char boundaries, sorted and merged.
fn valid_spans(text: &str, spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut v: Vec<(usize, usize)> = spans
        .iter()
        .copied()
        .filter(|&(a, b)| {
            a < b && b <= text.len() && text.is_char_boundary(a) && text.is_char_boundary(b)
        })
        .collect();
    v.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// `text[from..to]` escaped, with the spans inside it wrapped in `<mark>`.
fn highlight_range(text: &str, spans: &[(usize, usize)], from: usize, to: usize) -> String {
    let mut out = String::new();
    let mut pos = from;
    for &(a, b) in spans {
        let (a, b) = (a.max(from), b.min(to));
        if a >= b || a < pos {
            continue;
        }
        out.push_str(&escape(&text[pos..a]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[a..b]));
        out.push_str("</mark>");
        pos = b;
    }
    if pos < to {
        out.push_str(&escape(&text[pos..to]));
    }
    out
}

/// The whole text, escaped, with the matches marked. Safe to insert as HTML.
pub fn highlight(text: &str, spans: &[(usize, usize)]) -> String {
    let spans = valid_spans(text, spans);
    highlight_range(text, &spans, 0, text.len())
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// About `width` bytes of `text` around its first match, escaped, matches marked, with ellipses.
pub fn snippet(text: &str, spans: &[(usize, usize)], width: usize) -> String {
    let spans = valid_spans(text, spans);
    let centre = spans.first().map(|s| s.0).unwrap_or(0);
    let start = floor_boundary(text, centre.saturating_sub(width / 3));
    let end = ceil_boundary(text, start + width);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(&highlight_range(text, &spans, start, end));
    if end < text.len() {
        out.push('…');
    }
    out
}

/// A time for display: relative text and the absolute local time (for the hover title).
#[derive(Debug, Clone)]
pub struct When {
    pub relative: String,
    pub absolute: String,
    pub iso: String,
}

pub fn when(t: DateTime<Utc>, now: DateTime<Utc>, tz: Tz, lang: Lang) -> When {
    When {
        relative: relative((now - t).num_seconds(), lang),
        absolute: t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string(),
        iso: t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// One inbox row.
#[derive(Debug, Clone)]
pub struct RowView {
    pub id: String,
    pub source: String,
    pub author: String,
    pub title: String,
    /// Escaped HTML with `<mark>`s.
    pub snippet: String,
    pub href: Option<String>,
    pub sentiment: String,
    pub status: String,
    /// New or snoozed: still waiting for the leader.
    pub open: bool,
    pub found: When,
    pub brands: String,
}

impl RowView {
    pub fn new(m: &MentionRecord, now: DateTime<Utc>, tz: Tz, lang: Lang) -> RowView {
        let body_spans = MatchedBrand::spans_in(&m.matches, Field::Body);
        let title = m.title.clone().unwrap_or_default();
        let snippet = if body_spans.is_empty() && !title.is_empty() {
            let t = highlight(&title, &MatchedBrand::spans_in(&m.matches, Field::Title));
            format!("{t} — {}", snippet(&m.body, &[], 220))
        } else {
            snippet(&m.body, &body_spans, 220)
        };
        RowView {
            id: m.id.clone(),
            source: m.source.clone(),
            author: m.author.clone().unwrap_or_default(),
            title,
            snippet,
            href: safe_href(m.url.as_deref()),
            sentiment: m.effective_sentiment().to_string(),
            status: m.status.as_str().to_string(),
            open: m.status.is_open(),
            found: when(m.published_at.unwrap_or(m.found_at), now, tz, lang),
            brands: m.brands.join(", "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_are_escaped_and_safe_on_char_boundaries() {
        let text = "Åsa: <b>GoMonday</b> är bäst";
        let a = text.find("GoMonday").unwrap();
        let h = highlight(text, &[(a, a + 8)]);
        assert_eq!(h, "Åsa: &lt;b&gt;<mark>GoMonday</mark>&lt;/b&gt; är bäst");
        // Offsets inside a multi-byte char, beyond the end, or reversed are ignored, not a panic.
        assert_eq!(highlight("åäö", &[(1, 2), (0, 99), (2, 1)]), "åäö");
        // Overlapping spans merge.
        assert_eq!(
            highlight("abcdef", &[(0, 3), (2, 5)]),
            "<mark>abcde</mark>f"
        );
    }

    #[test]
    fn snippets_cut_on_char_boundaries() {
        let text = "ö".repeat(300) + "GoMonday" + &"ä".repeat(300);
        let a = text.find("GoMonday").unwrap();
        let s = snippet(&text, &[(a, a + 8)], 100);
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert!(s.contains("<mark>GoMonday</mark>"));
    }

    #[test]
    fn only_http_links() {
        assert_eq!(
            safe_href(Some("https://example.org/a?b=1")).as_deref(),
            Some("https://example.org/a?b=1")
        );
        assert_eq!(safe_href(Some("javascript:alert(1)")), None);
        assert_eq!(safe_href(Some(" JaVaScRiPt:alert(1)")), None);
        assert_eq!(safe_href(Some("data:text/html,x")), None);
        assert_eq!(safe_href(None), None);
    }
}
