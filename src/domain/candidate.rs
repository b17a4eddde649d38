//! What the pipeline hands to the store: items that matched a brand (candidates for a mention), the
//! leader's own posts (replies), and every dated post (to notice follow-ups).

use crate::domain::query::MatchedBrand;
use crate::domain::sentiment::Label;
use chrono::{DateTime, Utc};

/// An item that matched a brand, ready to be stored (or recognised as already stored).
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Dedup keys, strongest first (see `domain::dedup`).
    pub keys: Vec<String>,
    pub url: Option<String>,
    pub canonical_url: Option<String>,
    pub thread_url: Option<String>,
    pub title: Option<String>,
    pub body: String,
    pub author: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub rating: Option<f64>,
    pub rating_scale: Option<f64>,
    pub brands: Vec<String>,
    /// Why each brand matched, and where (the inbox highlights these spans).
    pub matches: Vec<MatchedBrand>,
    pub lang: Option<String>,
    pub sentiment: Label,
    pub sentiment_score: f64,
    pub sentiment_reasons: Vec<String>,
    pub content_hash: String,
}

impl Candidate {
    /// Every brand's model finds it unlikely to be about the brand: it waits in "Probably not about
    /// us" instead of the inbox.
    pub fn held_back(&self) -> bool {
        held_back(&self.matches)
    }
}

/// Are all of these matches held back (and there is at least one)?
pub fn held_back(matches: &[MatchedBrand]) -> bool {
    !matches.is_empty() && matches.iter().all(|m| m.held)
}

/// A post by one of the leader's identities in a thread: a reply to the open mentions written there
/// before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectedReply {
    pub thread_url: String,
    pub at: DateTime<Utc>,
    pub reply_url: Option<String>,
    pub handle: String,
}

/// A dated post by someone else in a thread: how a follow-up after the leader's reply is noticed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub thread_url: String,
    pub author: String,
    pub at: DateTime<Utc>,
}
