//! `match --stored` and `brands suggest`: what a changed brand query would do to the stored mentions,
//! without changing anything.

use crate::config::Config;
use crate::domain::query::{BrandSpec, Document, Matcher};
use crate::domain::relevance::suggest::{Suggestion, TermKind};
use crate::domain::relevance::{self, RelevanceModel};
use crate::domain::sentiment::detect_language;
use crate::store::{Store, StoreError, StoredText};
use serde_json::json;

/// What the dry run found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DryRunSummary {
    pub scanned: u64,
    pub kept: u64,
    pub added: u64,
    pub removed: u64,
}

impl DryRunSummary {
    /// Counts one stored mention that had the brand (`before`) and would have it (`after`); `None`
    /// when it has it neither way.
    fn count(&mut self, before: bool, after: bool) -> Option<&'static str> {
        let (change, n) = match (before, after) {
            (true, true) => ("kept", &mut self.kept),
            (false, true) => ("added", &mut self.added),
            (true, false) => ("removed", &mut self.removed),
            (false, false) => return None,
        };
        *n += 1;
        Some(change)
    }
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
/// before, after, change}` with change `kept`, `added` or `removed`, and — once the brand's relevance
/// model has enough of the leader's labels — `relevance` (the score), `held` (below the brand's
/// threshold) and `reasons`. Nothing is written to the store.
pub async fn match_stored(
    store: &Store,
    config: &Config,
    brand: &str,
    query: &str,
    mut emit: impl FnMut(String) -> std::io::Result<()>,
) -> Result<DryRunSummary, DryRunError> {
    let mut spec = brand_spec(config, brand)?.clone();
    spec.query = query.to_string();
    let matcher = compile(&spec)?;
    let model = RelevanceModel::train(&store.relevance_examples().await?);
    let threshold = config
        .brand_relevance
        .iter()
        .find(|b| b.brand == brand)
        .map_or(relevance::DEFAULT_THRESHOLD, |b| b.threshold);
    let mut summary = DryRunSummary::default();
    scan(store, brand, &[matcher], |m, before, after| {
        summary.scanned += 1;
        let Some(change) = summary.count(before, after[0]) else {
            return Ok(());
        };
        let mut line = json!({"id": m.id, "brand": brand, "before": before, "after": after[0], "change": change});
        if let Some(v) = model.score(brand, &relevance_doc(m)) {
            line["relevance"] = json!((v.score * 1000.0).round() / 1000.0);
            line["held"] = json!(v.score < threshold);
            line["reasons"] = json!(v.reasons);
        }
        emit(line.to_string())?;
        Ok(())
    })
    .await?;
    Ok(summary)
}

/// A suggested term with what adopting it would do to the stored mentions.
#[derive(Debug, Clone, PartialEq)]
pub struct CountedSuggestion {
    pub suggestion: Suggestion,
    /// The brand with the term added to its `exclude` (or `context`), over the stored mentions.
    pub counts: DryRunSummary,
}

impl CountedSuggestion {
    /// The line to add to the brand in `lyssna.toml`, e.g. `exclude = ['"max verstappen"']`.
    pub fn toml_line(&self) -> String {
        let key = match self.suggestion.kind {
            TermKind::Exclude => "exclude",
            TermKind::Context => "context",
        };
        let value = toml::Value::String(self.suggestion.term.clone());
        format!("{key} = [{value}]")
    }

    /// One JSON line of `brands suggest`.
    pub fn to_json(&self) -> serde_json::Value {
        let s = &self.suggestion;
        json!({
            "brand": s.brand,
            "kind": s.kind,
            "term": s.term,
            "not_about_us": s.not_about_us,
            "about_us": s.about_us,
            "kept": self.counts.kept,
            "removed": self.counts.removed,
            "added": self.counts.added,
            "toml": self.toml_line(),
        })
    }
}

/// The `exclude` and `context` terms the leader's marks suggest for `brand` (every configured brand
/// when `None`), each with the dry-run counts of the brand with that term added. Reads the labels
/// from the store, so it says what the running server's models know.
pub async fn suggest(
    store: &Store,
    config: &Config,
    brand: Option<&str>,
) -> Result<Vec<CountedSuggestion>, DryRunError> {
    let brands: Vec<&BrandSpec> = match brand {
        Some(b) => vec![brand_spec(config, b)?],
        None => config.brands.iter().collect(),
    };
    let examples = store.relevance_examples().await?;
    let mut out = Vec::new();
    for spec in brands {
        let suggestions: Vec<Suggestion> = relevance::suggest::suggest(&spec.name, &examples)
            .into_iter()
            .filter(|s| !only_query_words(&s.term, &spec.query))
            .collect();
        if suggestions.is_empty() {
            continue;
        }
        let matchers = suggestions
            .iter()
            .map(|s| {
                let mut changed = spec.clone();
                match s.kind {
                    TermKind::Exclude => changed.exclude.push(s.term.clone()),
                    TermKind::Context => changed.context.push(s.term.clone()),
                }
                compile(&changed)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut counts = vec![DryRunSummary::default(); matchers.len()];
        scan(store, &spec.name, &matchers, |_, before, after| {
            for (c, &a) in counts.iter_mut().zip(after) {
                c.scanned += 1;
                c.count(before, a);
            }
            Ok(())
        })
        .await?;
        out.extend(
            suggestions
                .into_iter()
                .zip(counts)
                .map(|(suggestion, counts)| CountedSuggestion { suggestion, counts }),
        );
    }
    Ok(out)
}

/// Is every word of `term` a word of the brand's query? Excluding `monday` from `"go monday"`
/// would remove the brand itself; a word beside the name (`"monday podden"`) is what says why.
fn only_query_words(term: &str, query: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let query = words(query);
    words(term).iter().all(|w| query.contains(w))
}

fn brand_spec<'c>(config: &'c Config, brand: &str) -> Result<&'c BrandSpec, DryRunError> {
    config
        .brands
        .iter()
        .find(|b| b.name == brand)
        .ok_or_else(|| {
            DryRunError::Invalid(format!(
                "no brand named '{brand}' in the configuration (brands: {})",
                config
                    .brands
                    .iter()
                    .map(|b| b.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

fn compile(spec: &BrandSpec) -> Result<Matcher, DryRunError> {
    Matcher::compile(std::slice::from_ref(spec)).map_err(|e| DryRunError::Invalid(e.to_string()))
}

fn relevance_doc(m: &StoredText) -> relevance::Doc<'_> {
    relevance::Doc {
        title: m.title.as_deref().unwrap_or(""),
        body: &m.body,
        author: m.author.as_deref().unwrap_or(""),
        url: m.url.as_deref().unwrap_or(""),
    }
}

/// Every stored mention, in id order and in pages, with whether it has `brand` now and whether each
/// of `matchers` would give it the brand.
async fn scan(
    store: &Store,
    brand: &str,
    matchers: &[Matcher],
    mut visit: impl FnMut(&StoredText, bool, &[bool]) -> Result<(), DryRunError>,
) -> Result<(), DryRunError> {
    let mut after_id = String::new();
    let mut after = vec![false; matchers.len()];
    loop {
        let page = store.stored_texts(&after_id, 2000).await?;
        let Some(last) = page.last() else { break };
        after_id = last.id.clone();
        for m in &page {
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
            for (a, matcher) in after.iter_mut().zip(matchers) {
                *a = !matcher.match_document(&doc).is_empty();
            }
            let before = m.brands.iter().any(|b| b == brand);
            visit(m, before, &after)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::only_query_words;

    #[test]
    fn terms_made_of_the_brands_own_words_are_not_suggested() {
        let q = "\"go monday\" OR gomonday";
        assert!(only_query_words("monday", q));
        assert!(only_query_words("\"go monday\"", q));
        assert!(!only_query_words("\"monday podden\"", q));
        assert!(!only_query_words("podden", q));
    }
}
