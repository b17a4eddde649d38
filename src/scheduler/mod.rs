//! When things happen: due sources are leased from the store and crawled (a bounded number at a
//! time), snoozed mentions wake, and calendar jobs (the weekly report, the digest) run on their cron
//! schedules. Several processes may run this loop against one PostgreSQL database (`lyssna worker`):
//! leases make sure each due source is crawled by one of them.

use crate::config::SourceConfig;
use crate::ingest::{CrawlReport, Ingest};
use crate::store::{SourceRecord, StoreResult};
use chrono::Utc;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// How long a worker may hold a source before another may take it (a crawl has a 30 s timeout per
/// page and at most a few pages, so this is generous).
const LEASE: Duration = Duration::from_secs(10 * 60);
/// The loop looks for due work at least this often.
const TICK: Duration = Duration::from_secs(5);

/// A job run by the scheduler on its own calendar (weekly report, digest, delivery retries).
pub type CalendarJob =
    Arc<dyn Fn(chrono::DateTime<Utc>) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Told about a crawl's progress: the source, pages fetched so far, and the report once it is done.
pub type CrawlProgress = Arc<dyn Fn(&str, usize, Option<&CrawlReport>) + Send + Sync>;

/// Called with each finished crawl (notifications hook in here).
pub type CrawlListener = Arc<dyn Fn(&CrawlReport) + Send + Sync>;

pub struct Scheduler {
    ctx: Ingest,
    owner: String,
    jobs: Vec<CalendarJob>,
    listeners: Vec<CrawlListener>,
}

impl Scheduler {
    pub fn new(ctx: Ingest) -> Scheduler {
        let owner = format!(
            "{}:{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "lyssna".into()),
            std::process::id()
        );
        Scheduler {
            ctx,
            owner,
            jobs: Vec::new(),
            listeners: Vec::new(),
        }
    }

    /// Adds a job that is called on every tick with the current time; it decides itself whether it is
    /// due (so its schedule lives with its logic).
    pub fn add_job(&mut self, job: CalendarJob) {
        self.jobs.push(job);
    }

    pub fn on_crawl(&mut self, listener: CrawlListener) {
        self.listeners.push(listener);
    }

    /// Runs until `shutdown` turns true; crawls under way are finished first (each is one
    /// transaction, so stopping between them loses nothing).
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let limit = self.ctx.config.crawler.concurrency;
        let permits = Arc::new(Semaphore::new(limit));
        let mut running: JoinSet<()> = JoinSet::new();
        let in_flight: Arc<std::sync::Mutex<std::collections::HashSet<i64>>> = Arc::default();
        loop {
            if *shutdown.borrow() {
                break;
            }
            let now = Utc::now();
            if let Err(e) = self.ctx.store.wake_snoozed(now).await {
                tracing::error!(error = %e, "waking snoozed mentions failed");
            }
            for job in &self.jobs {
                job(now).await;
            }
            let free = permits.available_permits() as i64;
            if free > 0 {
                match self
                    .ctx
                    .store
                    .lease_due_sources(
                        &self.owner,
                        now,
                        now + chrono::Duration::from_std(LEASE).unwrap_or_default(),
                        free,
                    )
                    .await
                {
                    Ok(due) => {
                        for rec in due {
                            let Some(source) = self
                                .ctx
                                .config
                                .source(&rec.name)
                                .filter(|s| s.enabled)
                                .cloned()
                            else {
                                let _ = self.ctx.store.release_lease(rec.id).await;
                                continue;
                            };
                            // A crawl that outlived its lease (many pages behind a long Crawl-delay)
                            // is still running here: the source is not started a second time.
                            if !in_flight
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .insert(rec.id)
                            {
                                continue;
                            }
                            let Ok(permit) = permits.clone().acquire_owned().await else {
                                break;
                            };
                            let ctx = self.ctx.clone();
                            let listeners = self.listeners.clone();
                            let in_flight = in_flight.clone();
                            running.spawn(async move {
                                let _permit = permit;
                                let outcome = crawl_one(&ctx, &source, &rec).await;
                                in_flight.lock().unwrap_or_else(|e| e.into_inner()).remove(&rec.id);
                                match outcome {
                                    Ok(report) => {
                                        tracing::info!(
                                            source = %report.source, outcome = %report.outcome, health = report.health.label(),
                                            items = report.items, new = report.new_mentions, "crawled"
                                        );
                                        for l in &listeners {
                                            l(&report);
                                        }
                                    }
                                    Err(e) => tracing::error!(source = %source.name, error = %e, "storing the crawl failed"),
                                }
                            });
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "looking for due sources failed"),
                }
            }
            while running.try_join_next().is_some() {}
            tokio::select! {
                _ = tokio::time::sleep(TICK) => {}
                _ = shutdown.changed() => {}
            }
        }
        while running.join_next().await.is_some() {}
    }
}

async fn crawl_one(
    ctx: &Ingest,
    source: &SourceConfig,
    rec: &SourceRecord,
) -> StoreResult<CrawlReport> {
    ctx.crawl_source(source, rec, Utc::now(), &|_| {}).await
}

/// Crawls the given sources now, `concurrency` at a time, whatever their schedule (the `crawl`
/// command and the demo's first crawl). `progress(source, pages)` is called as pages arrive.
#[allow(clippy::type_complexity)]
pub async fn crawl_now(
    ctx: &Ingest,
    sources: Vec<SourceConfig>,
    progress: CrawlProgress,
) -> StoreResult<Vec<CrawlReport>> {
    let permits = Arc::new(Semaphore::new(ctx.config.crawler.concurrency));
    let mut set = JoinSet::new();
    for (i, source) in sources.into_iter().enumerate() {
        let ctx = ctx.clone();
        let permits = permits.clone();
        let progress = progress.clone();
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let Some(rec) = ctx.store.source_by_name(&source.name).await? else {
                return Err(crate::store::StoreError::SourceNotFound(
                    source.name.clone(),
                ));
            };
            // A source a running `serve` or `worker` is crawling right now is left to it.
            let now = Utc::now();
            let until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
            if !ctx.store.lease_source(rec.id, "lyssna crawl", now, until).await? {
                tracing::warn!(source = %source.name, "skipped: another Lyssna process is crawling it now");
                return Ok(None);
            }
            let name = source.name.clone();
            let p = progress.clone();
            let report = ctx
                .crawl_source(&source, &rec, Utc::now(), &move |pages| p(&name, pages, None))
                .await?;
            progress(&source.name, report.pages, Some(&report));
            Ok(Some((i, report)))
        });
    }
    let mut reports = Vec::new();
    while let Some(done) = set.join_next().await {
        match done {
            Ok(r) => reports.extend(r?),
            Err(e) => tracing::error!(error = %e, "a crawl task failed"),
        }
    }
    reports.sort_by_key(|(i, _)| *i);
    Ok(reports.into_iter().map(|(_, r)| r).collect())
}
