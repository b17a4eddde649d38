//! An item: one post, review, comment or feed entry as extracted from a source, before matching.
//!
//! Every extractor (feeds, HTML recipes, JSON recipes, manual entry) produces this one shape, so the
//! rest of the pipeline never needs to know where an item came from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A star (or point) rating carried by the source, e.g. 2 of 5.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    pub value: f64,
    /// The best possible value (5 for five stars). Ratings are always read as `value / scale`.
    pub scale: f64,
}

impl Rating {
    /// The rating on a 0..=1 scale, or `None` when the scale makes no sense.
    pub fn normalised(&self) -> Option<f64> {
        (self.scale > 0.0 && self.value.is_finite())
            .then(|| (self.value / self.scale).clamp(0.0, 1.0))
    }
}

/// One extracted item. Text fields are plain text (HTML already turned into text), URLs absolute.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// The source's own stable id (feed GUID, post id), when it has one. Never a generated id.
    pub id: Option<String>,
    /// Permalink of the item itself.
    pub url: Option<String>,
    /// The page (thread, article) the item lives in, re-crawled to detect replies.
    pub thread_url: Option<String>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    /// The post's own text: quoted text from other posts is taken out into `quotes`, so that a reply
    /// quoting a complaint is not matched or classified as the complaint again.
    pub body: String,
    pub rating: Option<Rating>,
    /// The site's own id of the post this item answers, when the site's structure says so (WordPress
    /// `parent`, Discourse `reply_to_post_number`, Reddit `parent_id`, Mastodon `in_reply_to_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// Text this post quotes from others, kept for display and reply linking, never matched again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quotes: Vec<Quote>,
}

/// A block of quoted text inside a post, with the quoted author when the quote names one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub author: Option<String>,
    pub text: String,
}

/// Removes NUL and the other C0 control characters except tab, line feed and carriage return (and
/// DEL): PostgreSQL's TEXT refuses U+0000, and one refused item must not cost the whole crawl (its
/// transaction would abort). True when something was removed.
pub fn clean_text(s: &mut String) -> bool {
    let bad = |c: char| (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}';
    if !s.contains(bad) {
        return false;
    }
    s.retain(|c| !bad(c));
    true
}

/// [`clean_text`] on every text field of an item. True when something was removed.
pub fn clean_item(item: &mut Item) -> bool {
    let mut changed = clean_text(&mut item.body);
    for field in [
        &mut item.id,
        &mut item.url,
        &mut item.thread_url,
        &mut item.title,
        &mut item.author,
        &mut item.reply_to,
    ]
    .into_iter()
    .flatten()
    {
        changed |= clean_text(field);
    }
    for quote in &mut item.quotes {
        changed |= clean_text(&mut quote.text);
        if let Some(author) = &mut quote.author {
            changed |= clean_text(author);
        }
    }
    if let Some(r) = &item.rating
        && !(r.value.is_finite() && r.scale.is_finite())
    {
        item.rating = None;
        changed = true;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_controls_leave_items() {
        let mut item = Item {
            id: Some("a\0b".into()),
            body: "hej\0 då\u{1}\n".into(),
            ..Item::default()
        };
        assert!(clean_item(&mut item));
        assert_eq!(item.id.as_deref(), Some("ab"));
        assert_eq!(item.body, "hej då\n");
        assert!(!clean_item(&mut item));
    }
}
