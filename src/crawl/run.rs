//! One crawl of one source: fetch (with pagination and conditional GET) → decode → extract → the
//! pipeline → health → one transaction in the store.

use crate::config::{Config, SourceConfig, SourceKind};
use crate::crawl::http::{FetchError, FetchOutcome, FetchRequest, FetchedPage, Fetcher};
use crate::crawl::pipeline::Pipeline;
use crate::crawl::{charset, feed};
use crate::domain::health::{self, Health, Outcome, Previous};
use crate::domain::item::Item;
use crate::store::{CrawlRecord, IngestSummary, SourceRecord, SourceState, Store, StoreResult};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;
use url::Url;

/// What the crawl needs, built once per process and shared.
#[derive(Clone)]
pub struct CrawlContext {
    pub config: Arc<Config>,
    pub store: Store,
    pub fetcher: Fetcher,
    pub pipeline: Arc<Pipeline>,
}

/// The summary of one crawl, for the `crawl` command's table and the logs.
#[derive(Debug, Clone, Serialize)]
pub struct CrawlReport {
    pub source: String,
    /// `ok`, `unchanged`, `failed`, or `deferred` (not fetched: its host asked for a pause).
    pub outcome: String,
    pub health: Health,
    pub pages: usize,
    pub unchanged: usize,
    pub items: usize,
    pub new_mentions: usize,
    pub updated_mentions: usize,
    pub replies_detected: usize,
    pub errors: Vec<String>,
    pub next_check_at: DateTime<Utc>,
    #[serde(skip)]
    pub new_mention_ids: Vec<String>,
}

/// What fetching and extracting all pages gave.
struct Harvest {
    items: Vec<Item>,
    first_url: Url,
    pages: usize,
    unchanged: usize,
    pages_failed: usize,
    no_items_matched: bool,
    errors: Vec<String>,
    etag: Option<String>,
    last_modified: Option<String>,
}

/// Why a crawl produced nothing: the site (fetch) or its content (parse).
#[derive(Debug, thiserror::Error)]
enum CrawlFailure {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{0}")]
    Parse(String),
}

impl CrawlFailure {
    fn is_blocked(&self) -> bool {
        matches!(self, CrawlFailure::Fetch(e) if e.is_blocked())
    }

    fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            CrawlFailure::Fetch(e) => e.retry_after(),
            CrawlFailure::Parse(_) => None,
        }
    }
}

/// What one page gave: its items, how many elements the item selector matched (recipes only), the
/// next page, and warnings for the user.
struct PageItems {
    items: Vec<Item>,
    item_matches: Option<usize>,
    next: Option<Url>,
    warnings: Vec<String>,
}

/// Extracts the items of one fetched page.
fn extract_page(
    source: &SourceConfig,
    page: &FetchedPage,
    now: DateTime<Utc>,
    config: &Config,
) -> Result<PageItems, String> {
    match source.kind {
        SourceKind::Feed => {
            let parsed = feed::parse_feed(
                &page.body,
                page.content_type.as_deref(),
                &page.final_url,
                now,
            )
            .map_err(|e| e.to_string())?;
            Ok(PageItems {
                items: parsed.items,
                item_matches: None,
                next: None,
                warnings: parsed.warnings,
            })
        }
        SourceKind::Html | SourceKind::Json => {
            let recipe = source
                .recipe
                .as_ref()
                .ok_or_else(|| format!("source '{}' has no recipe", source.name))?;
            let text = charset::decode_html(&page.body, page.content_type.as_deref());
            // An API that answers with a web page or garbage is a failed fetch of JSON, not a
            // recipe that found nothing ("broken recipe" would send the user to the wrong fix).
            if source.kind == SourceKind::Json {
                let repaired = crate::crawl::sanitize::repair_json_surrogates(&text);
                let checked = repaired.as_ref().map_or(text.as_str(), |(t, _)| t.as_str());
                if let Some(problem) = crate::crawl::sanitize::json_document_problem(checked) {
                    return Err(problem);
                }
            }
            let ex = recipe.extract(&text, &page.final_url, now, config.timezone);
            Ok(PageItems {
                items: ex.items,
                item_matches: Some(ex.item_matches),
                next: ex.next_page,
                warnings: ex.warnings,
            })
        }
        SourceKind::Manual => Ok(PageItems {
            items: Vec::new(),
            item_matches: None,
            next: None,
            warnings: Vec::new(),
        }),
    }
}

async fn harvest(
    ctx: &CrawlContext,
    source: &SourceConfig,
    rec: &SourceRecord,
    url: &Url,
    now: DateTime<Utc>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Harvest, CrawlFailure> {
    let first = FetchRequest {
        url,
        etag: rec.etag.as_deref(),
        last_modified: rec.last_modified.as_deref(),
        ignore_robots: source.ignore_robots,
        allow_private: source.allow_private,
    };
    let mut h = Harvest {
        items: Vec::new(),
        first_url: url.clone(),
        pages: 0,
        unchanged: 0,
        pages_failed: 0,
        no_items_matched: false,
        errors: Vec::new(),
        etag: rec.etag.clone(),
        last_modified: rec.last_modified.clone(),
    };
    let page = match ctx.fetcher.fetch(&first).await? {
        FetchOutcome::NotModified => {
            // Unchanged since last time: nothing to parse, nothing new.
            h.unchanged = 1;
            progress(1);
            return Ok(h);
        }
        FetchOutcome::Fetched(p) => p,
    };
    h.pages = 1;
    progress(1);
    h.etag = page.etag.clone();
    h.last_modified = page.last_modified.clone();
    h.first_url = page.final_url.clone();
    let max_pages = source.recipe.as_ref().map_or(1, |r| r.max_pages().max(1));
    let mut current = page;
    let mut seen = vec![current.final_url.clone()];
    loop {
        let next = match extract_page(source, &current, now, &ctx.config) {
            Ok(PageItems {
                items,
                item_matches: matched,
                next,
                warnings,
            }) => {
                if matched == Some(0) && h.pages == 1 {
                    h.no_items_matched = true;
                }
                h.errors.extend(warnings.into_iter().take(5));
                h.items.extend(items);
                cap_items(&mut h, ctx.config.crawler.max_items);
                next
            }
            Err(e) if h.pages == 1 => return Err(CrawlFailure::Parse(e)),
            Err(e) => {
                h.pages_failed += 1;
                h.errors.push(e);
                None
            }
        };
        let Some(next) = next.filter(|n| !seen.contains(n)) else {
            break;
        };
        if h.pages >= max_pages {
            break;
        }
        seen.push(next.clone());
        let req = FetchRequest {
            url: &next,
            etag: None,
            last_modified: None,
            ignore_robots: source.ignore_robots,
            allow_private: source.allow_private,
        };
        match ctx.fetcher.fetch(&req).await {
            Ok(FetchOutcome::Fetched(p)) => {
                h.pages += 1;
                progress(h.pages);
                current = p;
            }
            Ok(FetchOutcome::NotModified) => break,
            Err(e) => {
                // Later pages failing costs those pages only: what the first pages gave is kept.
                h.pages_failed += 1;
                h.errors.push(format!("page {}: {e}", next));
                break;
            }
        }
    }
    Ok(h)
}

/// Keeps at most `max` items (`crawler.max_items`), saying so once: a hostile or runaway response
/// with hundreds of thousands of items would otherwise hold the database and memory for minutes.
fn cap_items(h: &mut Harvest, max: usize) {
    if h.items.len() <= max {
        return;
    }
    let had = h.items.len();
    h.items.truncate(max);
    h.errors.push(format!(
        "The response held {had} items; only the first {max} were read (crawler.max_items)."
    ));
}

/// Crawls `source` now and stores the outcome. Errors of the site become the source's health; only
/// a database error is returned as `Err`.
pub async fn crawl_source(
    ctx: &CrawlContext,
    source: &SourceConfig,
    rec: &SourceRecord,
    now: DateTime<Utc>,
    progress: &(dyn Fn(usize) + Sync),
) -> StoreResult<CrawlReport> {
    let started_at = now;
    let prev = Previous {
        consecutive_failures: rec.consecutive_failures,
        empty_streak: rec.empty_streak,
        last_news_at: rec.last_new_item_at.unwrap_or(rec.created_at),
    };
    let Some(url) = source.url.as_ref() else {
        return Ok(CrawlReport {
            source: source.name.clone(),
            outcome: "ok".into(),
            health: Health::Ok,
            pages: 0,
            unchanged: 0,
            items: 0,
            new_mentions: 0,
            updated_mentions: 0,
            replies_detected: 0,
            errors: Vec::new(),
            next_check_at: now,
            new_mention_ids: Vec::new(),
        });
    };
    let result = harvest(ctx, source, rec, url, now, progress).await;
    let finished_at = Utc::now().max(now);
    let regular_next = source.schedule.next_after(finished_at, ctx.config.timezone)
        + chrono::Duration::from_std(health::jitter(
            &source.name,
            source.schedule.nominal_interval(),
        ))
        .unwrap_or_default();

    let (record, errors) = match result {
        Err(e) => {
            let outcome = Outcome::Failed {
                blocked: e.is_blocked(),
                retry_after: e.retry_after(),
            };
            let mut v = health::judge(prev, &outcome, finished_at, source.expected_quiet);
            let deferred = matches!(&e, CrawlFailure::Fetch(f) if f.is_deferred());
            if deferred {
                // Not fetched because the host asked for a pause on another page: nothing is known
                // about this source, so its health and counters stay, and it waits out the pause.
                v.health = rec.health;
                v.consecutive_failures = rec.consecutive_failures;
                v.backoff = e.retry_after();
            }
            let wait = v.backoff.unwrap_or_default();
            let next = finished_at + chrono::Duration::from_std(wait).unwrap_or_default();
            let msg = e.to_string();
            tracing::warn!(source = %source.name, error = %msg, "crawl failed");
            let record = CrawlRecord {
                source_id: rec.id,
                started_at,
                finished_at,
                outcome: if deferred { "deferred" } else { "failed" }.into(),
                pages: 0,
                unchanged_pages: 0,
                items: 0,
                error: Some(msg.clone()),
                state: SourceState {
                    health: v.health,
                    last_error: Some(msg.clone()),
                    consecutive_failures: v.consecutive_failures,
                    empty_streak: v.empty_streak,
                    last_attempt_at: finished_at,
                    last_success_at: None,
                    last_new_item_at: rec.last_new_item_at,
                    next_check_at: next,
                    // A failed crawl keeps the validators of the last good one.
                    etag: rec.etag.clone(),
                    last_modified: rec.last_modified.clone(),
                    items_found: None,
                    items_fingerprint: None,
                },
                candidates: Vec::new(),
                replies: Vec::new(),
                posts: Vec::new(),
            };
            (record, vec![msg])
        }
        Ok(h) => {
            let item_count = h.items.len();
            let thread_is_page = source.kind == SourceKind::Html;
            let processed = if h.unchanged > 0 {
                None
            } else {
                let pipeline = ctx.pipeline.clone();
                let scope = rec.id.to_string();
                let first_url = h.first_url.clone();
                let items = h.items;
                // Matching and classifying are CPU work: keep them off the async workers.
                let done = tokio::task::spawn_blocking(move || {
                    pipeline.process(&scope, items, &first_url, thread_is_page, now)
                })
                .await;
                match done {
                    Ok(p) => Some(p),
                    Err(e) => {
                        tracing::error!(source = %source.name, error = %e, "processing items failed");
                        None
                    }
                }
            };
            let news = processed.as_ref().is_some_and(|p| {
                Some(&p.fingerprint) != rec.items_fingerprint.as_ref() && item_count > 0
            });
            let outcome = Outcome::Loaded {
                pages_failed: h.pages_failed,
                no_items_matched: h.no_items_matched,
                news,
            };
            let mut v = health::judge(prev, &outcome, finished_at, source.expected_quiet);
            // An unchanged page (304) says nothing new about the recipe or the later pages: a broken
            // or degraded source stays so until the page is parsed again.
            let keep_previous =
                h.unchanged > 0 && matches!(rec.health, Health::BrokenRecipe | Health::Degraded);
            if keep_previous {
                v.health = rec.health;
                v.empty_streak = rec.empty_streak;
            }
            // Validators are kept only from a crawl that was parsed in full: after a broken recipe or a
            // failed page, the next crawl must fetch (and parse) the page again, not get a 304.
            let parsed_in_full = !h.no_items_matched && h.pages_failed == 0 && processed.is_some();
            let (etag, last_modified) = if parsed_in_full || h.unchanged > 0 {
                (h.etag.clone(), h.last_modified.clone())
            } else {
                (None, None)
            };
            let last_error = match v.health {
                _ if keep_previous => rec.last_error.clone(),
                Health::BrokenRecipe => Some(format!(
                    "The page loaded but the recipe '{}' found no items on it ({} times in a row): the site's layout has probably changed; check the recipe with `lyssna source test`.",
                    source.recipe.as_ref().map(|r| r.name()).unwrap_or("?"),
                    v.empty_streak
                )),
                Health::Degraded => h.errors.first().cloned(),
                Health::Silent => Some(format!(
                    "Nothing new since {}; the source may have moved or gone quiet.",
                    prev.last_news_at.format("%Y-%m-%d")
                )),
                _ => None,
            };
            let (candidates, replies, posts, fingerprint) = match processed {
                Some(p) => (p.candidates, p.replies, p.posts, Some(p.fingerprint)),
                None => (Vec::new(), Vec::new(), Vec::new(), None),
            };
            let record = CrawlRecord {
                source_id: rec.id,
                started_at,
                finished_at,
                outcome: if h.unchanged > 0 {
                    "unchanged".into()
                } else {
                    "ok".into()
                },
                pages: h.pages as i64,
                unchanged_pages: h.unchanged as i64,
                items: item_count as i64,
                error: h.errors.first().cloned(),
                state: SourceState {
                    health: v.health,
                    last_error,
                    consecutive_failures: 0,
                    empty_streak: v.empty_streak,
                    last_attempt_at: finished_at,
                    last_success_at: Some(finished_at),
                    last_new_item_at: news.then_some(finished_at),
                    next_check_at: regular_next,
                    etag,
                    last_modified,
                    items_found: (h.unchanged == 0).then_some(item_count as i64),
                    items_fingerprint: fingerprint,
                },
                candidates,
                replies,
                posts,
            };
            (record, h.errors)
        }
    };
    let summary: IngestSummary = ctx.store.record_crawl(&record).await?;
    Ok(CrawlReport {
        source: source.name.clone(),
        outcome: record.outcome.clone(),
        health: record.state.health,
        pages: record.pages as usize,
        unchanged: record.unchanged_pages as usize,
        items: record.items as usize,
        new_mentions: summary.new_mentions.len(),
        updated_mentions: summary.updated_mentions,
        replies_detected: summary.replies_detected,
        errors,
        next_check_at: record.state.next_check_at,
        new_mention_ids: summary.new_mentions,
    })
}
