//! When things happen: due sources are leased from the store and crawled (a bounded number at a
//! time), snoozed mentions wake, and calendar jobs (the weekly report, the digest) run on their cron
//! schedules. Several processes may run this loop against one PostgreSQL database (`lyssna worker`):
//! leases make sure each due source is crawled by one of them.

pub mod registry;
mod turns;

use crate::config::SourceConfig;
use crate::ingest::{CrawlReport, Ingest};
use crate::store::{SourceRecord, StoreResult};
use chrono::Utc;
use registry::{LEASE, Registration};
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

/// Snoozed mentions and calendar jobs are looked at this often; due sources also as soon as a
/// crawl ends or the next one is due.
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
    command: String,
    jobs: Vec<CalendarJob>,
    listeners: Vec<CrawlListener>,
}

/// What the crawls of one run share: the concurrency slots, the sources under way (by id), and
/// the queue of each host, crawled one source after another (one request at a time per host is
/// the rule anyway) so that a crawl waits for its host *before* it takes a slot.
#[derive(Clone)]
struct Lanes {
    ctx: Ingest,
    owner: Arc<str>,
    permits: Arc<Semaphore>,
    queues: Arc<Mutex<HashMap<String, VecDeque<Job>>>>,
    in_flight: Arc<Mutex<HashSet<i64>>>,
}

/// One source to crawl, leased to this process.
struct Job {
    source: SourceConfig,
    rec: SourceRecord,
    done: Box<dyn FnOnce(StoreResult<CrawlReport>) + Send>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The politeness key of a source: its host without port, as the fetcher paces it.
fn host_of(source: &SourceConfig) -> String {
    source
        .url
        .as_ref()
        .and_then(|u| u.host_str())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

impl Lanes {
    fn new(ctx: &Ingest, owner: &str) -> Lanes {
        Lanes {
            ctx: ctx.clone(),
            owner: owner.into(),
            permits: Arc::new(Semaphore::new(ctx.config.crawler.concurrency.max(1))),
            queues: Arc::default(),
            in_flight: Arc::default(),
        }
    }

    /// Hosts with sources queued or under way.
    fn hosts(&self) -> usize {
        lock(&self.queues).len()
    }

    /// Sources leased and not finished yet.
    fn in_flight(&self) -> usize {
        lock(&self.in_flight).len()
    }

    /// Queues a leased source on its host's lane, starting the lane when it was idle. False when
    /// the source is under way already (a crawl that outlived its lease).
    fn push(&self, running: &mut JoinSet<()>, job: Job) -> bool {
        if !lock(&self.in_flight).insert(job.rec.id) {
            return false;
        }
        let host = host_of(&job.source);
        let start = {
            let mut queues = lock(&self.queues);
            let queue = queues.entry(host.clone()).or_default();
            queue.push_back(job);
            queue.len() == 1
        };
        if start {
            let lanes = self.clone();
            running.spawn(async move { lanes.drain(host).await });
        }
        true
    }

    /// Crawls a host's queue in order; each crawl takes a slot only once the host may be contacted.
    /// A host that may be contacted again at once keeps its slot for its next crawl, so the host's
    /// sources are crawled one after another on one connection rather than every queued host's
    /// connection kept open (each holds its read buffer) while the slots go round all of them.
    async fn drain(self, host: String) {
        let mut slot = None;
        loop {
            let Some(job) = lock(&self.queues)
                .get_mut(&host)
                .and_then(|q| q.pop_front())
            else {
                break;
            };
            if let Some(url) = &job.source.url
                && let Some(at) = self.ctx.fetcher.host_ready_at(url).await
            {
                // Politeness makes this host wait: its slot serves another host meanwhile.
                slot = None;
                tokio::time::sleep_until(at).await;
            }
            let permit = match slot.take() {
                Some(permit) => permit,
                None => match self.permits.clone().acquire_owned().await {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            let outcome = self
                .ctx
                .crawl_source(&job.source, &job.rec, Utc::now(), &|_| {})
                .await;
            slot = Some(permit);
            if outcome.is_err() {
                // Not stored: the lease is given back now rather than left to run out.
                let _ = self.ctx.store.release_lease(job.rec.id).await;
            }
            lock(&self.in_flight).remove(&job.rec.id);
            (job.done)(outcome);
            let mut queues = lock(&self.queues);
            if queues.get(&host).is_none_or(VecDeque::is_empty) {
                queues.remove(&host);
                break;
            }
        }
    }
}

impl Scheduler {
    /// A scheduler that registers as `lyssna COMMAND` (`serve`, `worker`, `demo`).
    pub fn new(ctx: Ingest, command: &str) -> Scheduler {
        Scheduler {
            ctx,
            command: command.to_string(),
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
    /// transaction, so stopping between them loses nothing), and then this process leaves the
    /// registry, giving back the leases of sources it had queued but not started.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let registration = loop {
            match Registration::start(&self.ctx.store, &self.command).await {
                Ok(r) => break r,
                Err(e) => {
                    tracing::error!(error = %e, "registering this crawling process failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(TICK) => {}
                        _ = shutdown.changed() => return,
                    }
                }
            }
        };
        turns::share_on_postgres(&self.ctx, registration.id());
        let lanes = Lanes::new(&self.ctx, registration.id());
        let finished = Arc::new(Notify::new());
        let mut running: JoinSet<()> = JoinSet::new();
        let mut last_tick: Option<tokio::time::Instant> = None;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let now = Utc::now();
            if last_tick.is_none_or(|t| t.elapsed() >= TICK) {
                last_tick = Some(tokio::time::Instant::now());
                if let Err(e) = self.ctx.store.wake_snoozed(now).await {
                    tracing::error!(error = %e, "waking snoozed mentions failed");
                }
                for job in &self.jobs {
                    job(now).await;
                }
            }
            self.fill_lanes(&lanes, &mut running, &finished).await;
            while running.try_join_next().is_some() {}
            let next_due = match self.ctx.store.next_due_at().await {
                Ok(Some(at)) => (at - Utc::now()).to_std().unwrap_or_default(),
                Ok(None) => TICK,
                Err(e) => {
                    tracing::error!(error = %e, "looking for the next due source failed");
                    TICK
                }
            };
            // Due sources that are all leased (by us or others) are looked at again when a
            // crawl here ends, else on the tick.
            let wait = if next_due.is_zero() {
                TICK
            } else {
                next_due.min(TICK)
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = finished.notified() => {}
                _ = shutdown.changed() => {}
            }
        }
        // Queued sources not yet started are not crawled: their leases go back with the
        // registration once the crawls under way have finished.
        lock(&lanes.queues).clear();
        while running.join_next().await.is_some() {}
        if let Err(e) = registration.end().await {
            tracing::error!(error = %e, "leaving the registry of crawling processes failed");
        }
    }

    /// Leases due sources until as many hosts have work here as there are slots (so politeness on
    /// one host never idles the slots), in batches of `concurrency` and at most 16 × `concurrency`
    /// sources ahead: other workers on the database get the rest.
    async fn fill_lanes(&self, lanes: &Lanes, running: &mut JoinSet<()>, finished: &Arc<Notify>) {
        let concurrency = self.ctx.config.crawler.concurrency.max(1);
        let cap = concurrency * 16;
        loop {
            let in_flight = lanes.in_flight();
            if in_flight >= cap || lanes.hosts() >= concurrency {
                return;
            }
            let batch = concurrency.min(cap - in_flight) as i64;
            if self.lease_and_queue(lanes, running, finished, batch).await < batch as usize {
                return;
            }
        }
    }

    /// Leases up to `wanted` due sources and queues them; returns how many were leased.
    async fn lease_and_queue(
        &self,
        lanes: &Lanes,
        running: &mut JoinSet<()>,
        finished: &Arc<Notify>,
        wanted: i64,
    ) -> usize {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        let due = match self
            .ctx
            .store
            .lease_due_sources(&lanes.owner, now, until, wanted)
            .await
        {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = %e, "looking for due sources failed");
                return 0;
            }
        };
        let leased = due.len();
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
            let listeners = self.listeners.clone();
            let finished = finished.clone();
            let name = source.name.clone();
            let done = Box::new(move |outcome: StoreResult<CrawlReport>| {
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
                    Err(e) => {
                        tracing::error!(source = %name, error = %e, "storing the crawl failed")
                    }
                }
                finished.notify_one();
            });
            lanes.push(running, Job { source, rec, done });
        }
        leased
    }
}

/// What `crawl_now` did: the reports of the sources crawled (in the order given), the sources
/// skipped with the reason, and whether a shutdown signal cut the run short.
#[derive(Debug, Default)]
pub struct CrawlRun {
    pub reports: Vec<CrawlReport>,
    pub skipped: Vec<(String, String)>,
    pub interrupted: bool,
}

/// Crawls the given sources now, `concurrency` at a time, whatever their schedule (the demo's
/// first crawl). `progress(source, pages, report)` is called as crawls end.
pub async fn crawl_now(
    ctx: &Ingest,
    sources: Vec<SourceConfig>,
    progress: CrawlProgress,
) -> StoreResult<Vec<CrawlReport>> {
    let (_never, rx) = watch::channel(false);
    Ok(crawl_now_until(ctx, sources, progress, rx, "demo")
        .await?
        .reports)
}

/// [`crawl_now`] for the `crawl` command: registered as `lyssna COMMAND`, stopped by `shutdown`
/// (crawls under way are abandoned, which rolls their transactions back, and every lease is given
/// back), and telling who holds the sources it skipped.
pub async fn crawl_now_until(
    ctx: &Ingest,
    sources: Vec<SourceConfig>,
    progress: CrawlProgress,
    mut shutdown: watch::Receiver<bool>,
    command: &str,
) -> StoreResult<CrawlRun> {
    let registration = Registration::start(&ctx.store, command).await?;
    turns::share_on_postgres(ctx, registration.id());
    let lanes = Lanes::new(ctx, registration.id());
    let results: Arc<Mutex<Vec<(usize, CrawlReport)>>> = Arc::default();
    let mut run = CrawlRun::default();
    let mut running = JoinSet::new();
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
    let leases = ctx
        .store
        .lease_sources(&names, registration.id(), now, until)
        .await?;
    for (i, (source, lease)) in sources.into_iter().zip(leases).enumerate() {
        // A source a running `serve` or `worker` is crawling right now is left to it.
        let Some(rec) = lease else {
            let why = match ctx.store.source_by_name(&source.name).await? {
                Some(rec) => ctx.store.lease_refusal(rec.id, now).await?,
                None => None,
            };
            let why = match why {
                Some(r) => r.describe(now),
                None => "another Lyssna process took it a moment ago".to_string(),
            };
            tracing::warn!(source = %source.name, "skipped: {why}");
            run.skipped.push((source.name.clone(), why));
            continue;
        };
        let (results, progress) = (results.clone(), progress.clone());
        let name = source.name.clone();
        let done = Box::new(move |outcome: StoreResult<CrawlReport>| {
            // A database error costs this source's crawl, said in its row; the others go on.
            let report = outcome.unwrap_or_else(|e| CrawlReport::store_failed(&name, &e, now));
            progress(&report.source, report.pages, Some(&report));
            lock(&results).push((i, report));
        });
        lanes.push(&mut running, Job { source, rec, done });
    }
    loop {
        tokio::select! {
            next = running.join_next() => {
                if next.is_none() {
                    break;
                }
            }
            _ = shutdown.changed() => {
                if *shutdown.borrow() {
                    run.interrupted = true;
                    running.shutdown().await;
                    break;
                }
            }
        }
    }
    registration.end().await?;
    let mut reports = std::mem::take(&mut *lock(&results));
    reports.sort_by_key(|(i, _)| *i);
    run.reports = reports.into_iter().map(|(_, r)| r).collect();
    Ok(run)
}
