//! Ingest: one crawl of one source, end to end — harvest the pages, run the pipeline, decide the
//! source's next state, store it all in one transaction — and the manual mention, which takes the same
//! pipeline. Nothing here parses bytes (that is `crawl`) or writes SQL (that is `store`).

pub mod dry_run;
mod group;
pub mod harvest;
pub mod learning;
mod listing;
pub mod manual;
pub mod threads;
mod watch;

use crate::config::{Config, SourceConfig};
use crate::crawl::extract::Reader;
use crate::domain::conversation::ReplyScope;
use crate::domain::health::{self, CrawlOutcome, Expectations, Harvested, Health};
use crate::domain::pipeline::{Pipeline, Processed};
use crate::net::Fetcher;
use crate::store::{CrawlRecord, SourceRecord, Store, StoreResult};
use chrono::{DateTime, Utc};
use harvest::{Harvest, Target};
use serde::Serialize;
use std::sync::Arc;

/// What crawls need, built once per process and shared.
#[derive(Clone)]
pub struct Ingest {
    pub config: Arc<Config>,
    pub store: Store,
    pub fetcher: Fetcher,
    pub pipeline: Arc<Pipeline>,
    /// Pipeline runs at a time: one per core. Matching and classifying are CPU work; with more
    /// crawls than cores processing at once they only take turns on the cores, each crawl's
    /// transaction waits longer, and memory holds every crawl's items at the same time.
    pub cpu: Arc<tokio::sync::Semaphore>,
    /// Unchanged crawls share their commits.
    unchanged: Arc<group::GroupCommit>,
}

impl Ingest {
    pub fn new(
        config: Arc<Config>,
        store: Store,
        fetcher: Fetcher,
        pipeline: Arc<Pipeline>,
    ) -> Ingest {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ingest {
            config,
            store,
            fetcher,
            pipeline,
            cpu: Arc::new(tokio::sync::Semaphore::new(cores)),
            unchanged: Arc::default(),
        }
    }
}

/// The summary of one crawl, for the `crawl` command's table and the logs.
#[derive(Debug, Clone, Serialize)]
pub struct CrawlReport {
    pub source: String,
    pub outcome: CrawlOutcome,
    pub health: Health,
    pub pages: usize,
    pub unchanged: usize,
    pub items: usize,
    pub new_mentions: usize,
    pub updated_mentions: usize,
    pub replies_detected: usize,
    /// Watched threads read after the source's own pages (their requests count in `pages`).
    pub threads_checked: usize,
    pub errors: Vec<String>,
    pub next_check_at: DateTime<Utc>,
    #[serde(skip)]
    pub new_mention_ids: Vec<String>,
}

/// A crawl's harvest as the store and the health decision see it.
struct Gathered {
    record: CrawlRecord,
    harvested: Harvested,
    errors: Vec<String>,
}

impl Ingest {
    /// Crawls `source` now and stores the outcome. Errors of the site become the source's health; only
    /// a database error is returned as `Err`.
    pub async fn crawl_source(
        &self,
        source: &SourceConfig,
        rec: &SourceRecord,
        now: DateTime<Utc>,
        progress: &(dyn Fn(usize) + Sync),
    ) -> StoreResult<CrawlReport> {
        let Some(url) = source.url.as_ref() else {
            return Ok(CrawlReport::nothing(&source.name, now));
        };
        let reader = Reader {
            kind: source.kind,
            recipe: source.recipe.as_deref(),
            timezone: self.config.timezone,
        };
        let credentials = match source.auth.as_ref().map(|a| a.resolve(url)).transpose() {
            Ok(c) => c,
            Err(message) => {
                // A missing secret is the source's problem, said in words; nothing is fetched.
                let failure = harvest::CrawlFailure::Parse(message.clone());
                let finished_at = Utc::now().max(now);
                let gathered = Gathered::failed(rec.id, now, finished_at, &failure, message);
                return self.store_crawl(source, rec, gathered, finished_at).await;
            }
        };
        let target = Target {
            credentials: credentials.as_ref(),
            url,
            etag: rec.etag.as_deref(),
            last_modified: rec.last_modified.as_deref(),
            ignore_robots: source.ignore_robots,
            allow_private: source.allow_private,
            max_pages: source.recipe.as_ref().map_or(1, |r| r.max_pages().max(1)),
            max_items: self.config.crawler.max_items,
        };
        let mut result = listing::harvest_each_query(
            &self.fetcher,
            &reader,
            &target,
            &self.config.brands,
            now,
            progress,
        )
        .await;
        let followed = match &mut result {
            Ok(h) if h.unchanged == 0 && source.thread_recipe.is_some() => {
                self.follow_listing(source, h, credentials.as_ref(), now)
                    .await?
            }
            _ => Vec::new(),
        };
        let finished_at = Utc::now().max(now);
        let gathered = match result {
            Err(e) => {
                let message = e.to_string();
                tracing::warn!(source = %source.name, error = %message, "crawl failed");
                Gathered::failed(rec.id, now, finished_at, &e, message)
            }
            Ok(mut h) => {
                let items = std::mem::take(&mut h.items);
                let item_count = items.len();
                let processed = if h.unchanged > 0 {
                    None
                } else {
                    self.process(source, rec, items, &h.first_url, now).await
                };
                Gathered::loaded(rec.id, now, finished_at, h, item_count, processed)
            }
        };
        let mut report = self.store_crawl(source, rec, gathered, finished_at).await?;
        self.record_followed(rec, &followed, finished_at).await?;
        self.watch_new_threads(source, &report.new_mention_ids, finished_at)
            .await?;
        let read_now: Vec<&str> = followed.iter().map(|f| f.url()).collect();
        let round = self
            .check_watched(source, rec, credentials.as_ref(), now, &read_now)
            .await?;
        report.add_watched(round);
        Ok(report)
    }

    /// Runs the pipeline on a harvest's items. Matching and classifying are CPU work: they run off the
    /// async workers.
    async fn process(
        &self,
        source: &SourceConfig,
        rec: &SourceRecord,
        items: Vec<crate::domain::item::Item>,
        first_url: &url::Url,
        now: DateTime<Utc>,
    ) -> Option<Processed> {
        let pipeline = self.pipeline.clone();
        let scope = rec.id.to_string();
        let first_url = first_url.clone();
        let thread_is_page = source.kind == crate::domain::source::SourceKind::Html;
        let context = self.source_context(source, rec, &items).await;
        // The semaphore is never closed, so acquiring cannot fail.
        let _core = self.cpu.acquire().await.ok();
        let done = tokio::task::spawn_blocking(move || {
            pipeline.process_in(&scope, items, &first_url, thread_is_page, now, &context)
        })
        .await;
        match done {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::error!(source = %source.name, error = %e, "processing items failed");
                None
            }
        }
    }

    /// What the source says about its items beyond their text: the brands it is `about`, whether
    /// thread context applies, and the stored mentions its posts answer (a reply to a mention is
    /// about the mention's brands). A failed lookup only loses that last part, logged.
    async fn source_context(
        &self,
        source: &SourceConfig,
        rec: &SourceRecord,
        items: &[crate::domain::item::Item],
    ) -> crate::domain::pipeline::SourceContext {
        let mut parents: Vec<String> = items.iter().filter_map(|i| i.reply_to.clone()).collect();
        parents.sort_unstable();
        parents.dedup();
        let answered = match self.store.brands_of_posts(rec.id, &parents).await {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(source = %source.name, error = %e, "cannot look up the posts replied to");
                Default::default()
            }
        };
        crate::domain::pipeline::SourceContext {
            about: source.about.clone(),
            thread_context: source.thread_context,
            answered,
            articles_are_threads: source.kind == crate::domain::source::SourceKind::Feed,
        }
    }

    /// Decides the source's next state from what the crawl gathered and stores both.
    async fn store_crawl(
        &self,
        source: &SourceConfig,
        rec: &SourceRecord,
        gathered: Gathered,
        finished_at: DateTime<Utc>,
    ) -> StoreResult<CrawlReport> {
        let regular_next = source
            .schedule
            .next_after(finished_at, self.config.timezone)
            + chrono::Duration::from_std(health::jitter(
                &source.name,
                source.schedule.nominal_interval(),
            ))
            .unwrap_or_default();
        let memory = rec.memory();
        let expect = Expectations {
            expected_quiet: source.expected_quiet,
            recipe: source.recipe.as_ref().map(|r| r.name()),
        };
        let Gathered {
            mut record,
            mut harvested,
            errors,
        } = gathered;
        record.reply_scope = source.reply_scope;
        record.brand_reply_scopes = self.config.brand_reply_scopes.clone();
        if matches!(harvested, Harvested::Unchanged) {
            let state = health::next_state(&memory, &harvested, expect, finished_at, regular_next);
            let report = CrawlReport::stored(source, &record, state.clone(), errors);
            self.unchanged.record(&self.store, record, state).await?;
            return Ok(report);
        }
        let (summary, state) = self
            .store
            .record_crawl(&record, |plan| {
                if let Harvested::Loaded { new_mentions, .. } = &mut harvested {
                    *new_mentions = plan.new.len();
                }
                health::next_state(&memory, &harvested, expect, finished_at, regular_next)
            })
            .await?;
        Ok(CrawlReport {
            new_mentions: summary.new_mentions.len(),
            updated_mentions: summary.updated_mentions,
            replies_detected: summary.replies_detected,
            new_mention_ids: summary.new_mentions,
            ..CrawlReport::stored(source, &record, state, errors)
        })
    }
}

impl Gathered {
    fn failed(
        source_id: i64,
        started_at: DateTime<Utc>,
        finished_at: DateTime<Utc>,
        failure: &harvest::CrawlFailure,
        message: String,
    ) -> Gathered {
        let deferred = failure.is_deferred();
        Gathered {
            record: CrawlRecord {
                source_id,
                started_at,
                finished_at,
                outcome: if deferred {
                    CrawlOutcome::Deferred
                } else {
                    CrawlOutcome::Failed
                },
                pages: 0,
                unchanged_pages: 0,
                items: 0,
                error: Some(message.clone()),
                candidates: Vec::new(),
                thread_posts: Vec::new(),
                reply_scope: ReplyScope::Post,
                brand_reply_scopes: Vec::new(),
            },
            errors: vec![message.clone()],
            harvested: Harvested::Failed {
                message,
                blocked: failure.is_blocked(),
                deferred,
                retry_after: failure.retry_after(),
            },
        }
    }

    fn loaded(
        source_id: i64,
        started_at: DateTime<Utc>,
        finished_at: DateTime<Utc>,
        h: Harvest,
        item_count: usize,
        processed: Option<Processed>,
    ) -> Gathered {
        let harvested = if h.unchanged > 0 {
            Harvested::Unchanged
        } else {
            Harvested::Loaded {
                pages_failed: h.pages_failed,
                no_items_matched: h.no_items_matched,
                first_error: h.errors.first().cloned(),
                etag: h.etag.clone(),
                last_modified: h.last_modified.clone(),
                items: item_count,
                fingerprint: processed.as_ref().map(|p| p.fingerprint.clone()),
                new_mentions: 0,
            }
        };
        let p = processed.unwrap_or_default();
        Gathered {
            record: CrawlRecord {
                source_id,
                started_at,
                finished_at,
                outcome: if h.unchanged > 0 {
                    CrawlOutcome::Unchanged
                } else {
                    CrawlOutcome::Ok
                },
                pages: h.pages as i64,
                unchanged_pages: h.unchanged as i64,
                items: item_count as i64,
                error: h.errors.first().cloned(),
                candidates: p.candidates,
                thread_posts: p.thread_posts,
                reply_scope: ReplyScope::Post,
                brand_reply_scopes: Vec::new(),
            },
            harvested,
            errors: h.errors,
        }
    }
}

impl CrawlReport {
    /// The report of a crawl whose result could not be stored (the database refused or was away):
    /// nothing of it was kept, and the source is as it was.
    pub fn store_failed(
        source: &str,
        error: &crate::store::StoreError,
        now: DateTime<Utc>,
    ) -> CrawlReport {
        CrawlReport {
            outcome: CrawlOutcome::Failed,
            health: Health::Failing,
            errors: vec![format!(
                "storing the crawl failed (nothing of it was kept): {error}"
            )],
            ..CrawlReport::nothing(source, now)
        }
    }

    /// Adds what reading the source's watched threads found.
    fn add_watched(&mut self, round: watch::WatchRound) {
        self.threads_checked += round.checked;
        self.pages += round.pages;
        self.items += round.items;
        self.new_mentions += round.new_mention_ids.len();
        self.updated_mentions += round.updated_mentions;
        self.replies_detected += round.replies_detected;
        self.errors.extend(round.errors);
        self.new_mention_ids.extend(round.new_mention_ids);
    }

    /// The report of a stored crawl, before what it found is counted.
    fn stored(
        source: &SourceConfig,
        record: &CrawlRecord,
        state: crate::domain::health::SourceState,
        errors: Vec<String>,
    ) -> CrawlReport {
        CrawlReport {
            source: source.name.clone(),
            outcome: record.outcome,
            health: state.health,
            pages: record.pages as usize,
            unchanged: record.unchanged_pages as usize,
            items: record.items as usize,
            errors,
            ..CrawlReport::nothing(&source.name, state.next_check_at)
        }
    }

    /// The report of a source that has nothing to fetch (a manual source).
    fn nothing(source: &str, now: DateTime<Utc>) -> CrawlReport {
        CrawlReport {
            source: source.to_string(),
            outcome: CrawlOutcome::Ok,
            health: Health::Ok,
            pages: 0,
            unchanged: 0,
            items: 0,
            new_mentions: 0,
            updated_mentions: 0,
            replies_detected: 0,
            threads_checked: 0,
            errors: Vec::new(),
            next_check_at: now,
            new_mention_ids: Vec::new(),
        }
    }
}
