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
    pub body: String,
    pub rating: Option<Rating>,
}
