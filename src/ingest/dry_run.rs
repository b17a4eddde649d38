//! `match --stored`: what a changed brand query would do to the stored mentions, without changing
//! anything.

use crate::config::Config;
use crate::domain::query::{Document, Matcher};
use crate::domain::sentiment::detect_language;
use crate::store::{Store, StoreError};
use serde_json::json;

/// What the dry run found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DryRunSummary {
    pub scanned: u64,
    pub kept: u64,
    pub added: u64,
    pub removed: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DryRunError {
    /// An unknown brand or a query that does not parse.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

/// Brand `brand` from the configuration with query `query`, run over every stored mention. `emit` gets
/// one JSON line per mention that had the brand (`before`) or matches now (`after`): `{id, brand,
/// before, after, change}` with change `kept`, `added` or `removed`. Nothing is written to the store.
pub async fn match_stored(
    store: &Store,
    config: &Config,
    brand: &str,
    query: &str,
    mut emit: impl FnMut(String) -> std::io::Result<()>,
) -> Result<DryRunSummary, DryRunError> {
    let Some(spec) = config.brands.iter().find(|b| b.name == brand) else {
        return Err(DryRunError::Invalid(format!(
            "no brand named '{brand}' in the configuration (brands: {})",
            config
                .brands
                .iter()
                .map(|b| b.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let mut spec = spec.clone();
    spec.query = query.to_string();
    let matcher = Matcher::compile(std::slice::from_ref(&spec))
        .map_err(|e| DryRunError::Invalid(e.to_string()))?;
    let mut summary = DryRunSummary::default();
    let mut after_id = String::new();
    loop {
        let page = store.stored_texts(&after_id, 2000).await?;
        let Some(last) = page.last() else { break };
        after_id = last.id.clone();
        for m in &page {
            summary.scanned += 1;
            let title = m.title.as_deref().unwrap_or("");
            let detected;
            let lang = match m.lang.as_deref() {
                Some(l) => l,
                None => {
                    detected = detect_language(&format!("{title}\n{}", m.body));
                    detected
                }
            };
            let doc = Document {
                title,
                body: &m.body,
                author: m.author.as_deref().unwrap_or(""),
                url: m.url.as_deref().unwrap_or(""),
                lang: Some(lang),
            };
            let before = m.brands.iter().any(|b| b == brand);
            let after = !matcher.match_document(&doc).is_empty();
            let change = match (before, after) {
                (true, true) => "kept",
                (false, true) => "added",
                (true, false) => "removed",
                (false, false) => continue,
            };
            match change {
                "kept" => summary.kept += 1,
                "added" => summary.added += 1,
                _ => summary.removed += 1,
            }
            emit(
                json!({"id": m.id, "brand": brand, "before": before, "after": after, "change": change})
                    .to_string(),
            )?;
        }
    }
    Ok(summary)
}
