//! A mention the leader adds by hand (a phone call, a LinkedIn post): one function for the command
//! line, the API and the dashboard, with the app's already-built pipeline.

use crate::domain::dedup;
use crate::domain::item::Item;
use crate::domain::pipeline::Pipeline;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};

/// What the leader wrote down.
#[derive(Debug, Clone, Default)]
pub struct ManualMention {
    /// The manual source it belongs to (created when missing).
    pub source: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub text: String,
    pub author: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    /// The brand it is about, when the leader picked one; `None` matches the text against the
    /// brands as a crawl would.
    pub brand: Option<String>,
}

/// Why a manual mention was not stored.
#[derive(Debug, thiserror::Error)]
pub enum ManualError {
    /// The input cannot be used, or the mention is already stored: the person can fix it.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(StoreError),
}

/// Stores a manual mention, classified like a crawled one (and matched, to record its brands). Returns
/// its id.
pub async fn add(
    store: &Store,
    pipeline: &Pipeline,
    m: &ManualMention,
    now: DateTime<Utc>,
) -> Result<String, ManualError> {
    if m.text.trim().is_empty() {
        return Err(ManualError::Invalid("a mention needs some text".into()));
    }
    if let Some(b) = m.brand.as_deref()
        && !pipeline.brand_names().contains(&b)
    {
        return Err(ManualError::Invalid(format!(
            "unknown brand '{b}' (configured: {})",
            pipeline.brand_names().join(", ")
        )));
    }
    // A few minutes of clock difference are forgiven; a post from the future is a typo.
    if let Some(p) = m.published_at
        && p > now + chrono::Duration::minutes(5)
    {
        return Err(ManualError::Invalid(
            "the mention's time is in the future".into(),
        ));
    }
    if let Some(u) = m.url.as_deref()
        && dedup::canonical_url(u).is_none()
    {
        return Err(ManualError::Invalid(format!("'{u}' is not an http(s) URL")));
    }
    let item = Item {
        url: m.url.clone(),
        title: m.title.clone(),
        author: m.author.clone(),
        body: m.text.clone(),
        published_at: m.published_at,
        ..Item::default()
    };
    let mut candidate = pipeline.manual_candidate(item, now, m.brand.as_deref());
    if let Some(u) = m.url.as_deref() {
        candidate.keys = vec![format!("url:{}", dedup::url_key(u).unwrap_or_default())];
    }
    store
        .add_manual_mention(&m.source, &candidate, now)
        .await
        .map_err(|e| match e {
            StoreError::Invalid(msg) => ManualError::Invalid(msg),
            other => ManualError::Store(other),
        })
}
