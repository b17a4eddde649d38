//! What the pipeline hands to the store: items that matched a brand (candidates for a mention), and
//! every post of the threads it read (to link replies and notice follow-ups).

use crate::domain::conversation::ThreadPost;
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

/// A post of a thread, as one crawl read it: every post, the leader's included, so that replies are
/// linked to the posts they answer (`domain::conversation`).
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadedPost {
    /// The thread's canonical URL.
    pub thread_url: String,
    pub post: ThreadPost,
    /// The candidate (index into the crawl's candidates) this post became, when it matched a brand.
    pub candidate: Option<usize>,
}
