//! The store under a big crawl (issue 14's goal): p99 of an API status change ≤ 1 s while one source
//! of 270,000 items is crawled, on SQLite and PostgreSQL.
//!
//! The real app (`App::build`, its API served on 127.0.0.1:0, a bearer token) and a loopback feed of
//! `LYSSNA_BENCH_ITEMS` (270,000) RSS items, every one mentioning the brand, read with
//! `crawler.max_items` raised above it. The crawl goes the real ingest path (`Ingest::crawl_source`:
//! fetch, parse, match, classify, dedup, store) in one task while the bench changes statuses of
//! mentions added through the API (`POST /api/mentions/{id}/status`, no_reply_needed and back to
//! new), one started every 40 ms whether the previous ones have answered or not (open loop, so a
//! stretch where writers are locked out counts as the many changes it holds up). Baseline in the
//! same run: the same status changes at the same rate on the idle server.
//!
//! PostgreSQL runs when `LYSSNA_BENCH_POSTGRES_URL` (or `LYSSNA_TEST_POSTGRES_URL`) names a server:
//! the bench creates a database of its own there.
//!
//! `cargo bench --bench store`
#![allow(clippy::disallowed_methods)]

#[path = "common/env.rs"]
mod env;
use env::*;

#[path = "common/mod.rs"]
mod common;

use chrono::Utc;
use lyssna::app::App;
use lyssna::config::Config;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Mentions whose status the bench changes, enough that 15 s of changes (a stretch blocked by the
/// busy timeout and then some) never run out of one to change.
const SEEDED: usize = 400;
/// One status change started this often, during the crawl and in the baseline.
const EVERY: Duration = Duration::from_millis(40);
const BASELINE_CHANGES: usize = 200;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn feed(items: usize) -> String {
    let mut s = String::with_capacity(items * 150 + 300);
    s.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Stort flöde</title>\
         <link>http://feed.example/</link><description>d</description>",
    );
    for i in 0..items {
        s.push_str(&format!(
            "<item><title>Inlägg {i}</title><guid>big-{i}</guid><link>http://feed.example/p/{i}</link>\
             <description>GoMonday svarar inte på mejl om order {i}</description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s
}

async fn feed_site(items: usize) -> SocketAddr {
    let body = Arc::new(feed(items));
    let app = axum::Router::new().fallback(move || {
        let body = body.clone();
        async move { ([("content-type", "application/rss+xml")], (*body).clone()) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// A fresh database on the PostgreSQL server named by the environment, if any. One name for every
/// run: each run drops the last one's, so the server keeps one such database, not one per run.
async fn postgres_db() -> Option<String> {
    let admin = std::env::var("LYSSNA_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("LYSSNA_TEST_POSTGRES_URL"))
        .ok()?;
    Some(common::recreate_postgres_database(&admin, "lyssna_bench_store").await)
}

struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    /// One status change; its latency and whether it succeeded.
    async fn change(&self, id: &str, to_new: bool) -> (Duration, bool) {
        let body = if to_new {
            serde_json::json!({"status": "new"})
        } else {
            serde_json::json!({"status": "no_reply_needed", "reason": "spam"})
        };
        let start = Instant::now();
        let r = self
            .http
            .post(format!("{}/api/mentions/{id}/status", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await;
        let ok = matches!(&r, Ok(r) if r.status().is_success());
        (start.elapsed(), ok)
    }

    async fn add(&self, i: usize) -> String {
        let r = self
            .http
            .post(format!("{}/api/mentions", self.base))
            .bearer_auth(&self.token)
            .json(&serde_json::json!({"text": format!("GoMonday ringde om faktura {i}"), "source": "Telefon"}))
            .send()
            .await
            .expect("add");
        assert!(r.status().is_success(), "add: {}", r.status());
        let v: serde_json::Value = r.json().await.expect("json");
        v["id"].as_str().expect("id").to_string()
    }
}

/// The seeded mentions not being changed right now, each with whether it is `new`.
type Free = Arc<Mutex<VecDeque<(String, bool)>>>;

/// What one stretch of status changes measured.
#[derive(Default)]
struct Sampled {
    latencies: Vec<Duration>,
    failed: usize,
    /// Ticks with no mention free to change (every seeded one was still in flight).
    skipped: usize,
}

/// Starts one status change every [`EVERY`] (open loop: a change that waits does not delay the
/// next one, so a blocked stretch shows up as many slow changes, not one) while `go()` says so,
/// or `ticks` times; then waits for those in flight.
async fn sample(
    api: &Arc<Api>,
    free: &Free,
    ticks: Option<usize>,
    go: impl Fn() -> bool,
) -> Sampled {
    let mut tick = tokio::time::interval(EVERY);
    let mut set = tokio::task::JoinSet::new();
    let mut out = Sampled::default();
    let mut n = 0;
    while go() && ticks.is_none_or(|t| n < t) {
        tick.tick().await;
        n += 1;
        let Some((id, is_new)) = free.lock().unwrap().pop_front() else {
            out.skipped += 1;
            continue;
        };
        let (api, free) = (api.clone(), free.clone());
        set.spawn(async move {
            let (d, ok) = api.change(&id, !is_new).await;
            free.lock().unwrap().push_back((id, is_new != ok));
            (d, ok)
        });
    }
    while let Some(r) = set.join_next().await {
        let (d, ok) = r.expect("a status change task");
        out.latencies.push(d);
        out.failed += usize::from(!ok);
    }
    out
}

/// p50, p99, max (milliseconds) of `d`, sorted in place.
fn quantiles(d: &mut [Duration]) -> (f64, f64, f64) {
    d.sort();
    let at = |q: f64| ms(d[((d.len() as f64 * q).ceil() as usize).clamp(1, d.len()) - 1]);
    (at(0.50), at(0.99), ms(*d.last().expect("samples")))
}

async fn run(label: &str, db: &str, items: usize, feed: SocketAddr) {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = format!(
        "database_url = \"{db}\"\n[crawler]\nper_host_delay = \"0ms\"\nrespect_robots = false\n\
         max_items = {}\nmax_body = \"200MiB\"\ntimeout = \"300s\"\n\n\
         [[brands]]\nname = \"GoMonday\"\nquery = 'gomonday'\n\n\
         [[sources]]\nname = \"Stort flöde\"\nkind = \"feed\"\nurl = \"http://{feed}/feed.xml\"\n\
         allow_private = true\nevery = \"30m\"\n",
        items + 1
    );
    let path = dir.path().join("lyssna.toml");
    std::fs::write(&path, &text).expect("config file");
    let config = Config::parse_str("lyssna.toml", &text, Some(&path)).expect("config");
    let app = App::build(config, true).await.expect("app");
    let token = lyssna::web::auth::random_token();
    app.store
        .upsert_api_token("bench", &lyssna::web::auth::token_hash(&token), Utc::now())
        .await
        .expect("token");
    let (_stop, rx) = tokio::sync::watch::channel(false);
    let (addr, _) = app
        .serve_web("127.0.0.1:0".parse().expect("addr"), rx)
        .await
        .expect("serve");
    let api = Api {
        base: format!("http://{addr}"),
        token,
        http: reqwest::Client::new(),
    };
    let mut ids = Vec::new();
    for i in 0..SEEDED {
        ids.push(api.add(i).await);
    }
    let free: Free = Arc::new(Mutex::new(ids.into_iter().map(|id| (id, true)).collect()));
    let api = Arc::new(api);
    let mut idle = sample(&api, &free, Some(BASELINE_CHANGES), || true).await;
    assert_eq!(idle.failed, 0, "a status change on the idle server failed");

    let source = app.config.sources[0].clone();
    let rec = app
        .store
        .source_by_name(&source.name)
        .await
        .expect("source")
        .expect("source");
    let crawl_started = Instant::now();
    let crawl = {
        let ingest = app.ingest.clone();
        tokio::spawn(async move {
            let report = ingest
                .crawl_source(&source, &rec, Utc::now(), &|_| {})
                .await;
            (report, crawl_started.elapsed())
        })
    };
    let mut during = sample(&api, &free, None, || !crawl.is_finished()).await;
    let (report, took) = crawl.await.expect("crawl task");
    let report = report.expect("crawl");
    let stored = app.store.mention_count().await.expect("count") as usize - SEEDED;

    let (b50, b99, bmax) = quantiles(&mut idle.latencies);
    println!(
        "{label:<10} baseline, idle server: {BASELINE_CHANGES} status changes (one every {} ms), \
         p50 {b50:.1} ms, p99 {b99:.1} ms, max {bmax:.1} ms",
        EVERY.as_millis()
    );
    let (d50, d99, dmax) = quantiles(&mut during.latencies);
    let met = d99 <= 1_000.0 && during.failed == 0 && during.skipped == 0;
    println!(
        "{label:<10} during the crawl of {items} items ({:.1} s, {} new mentions, {stored} stored): \
         {} status changes, p50 {d50:.1} ms, p99 {d99:.1} ms, max {dmax:.1} ms, {} failed, {} not started \
         (all {SEEDED} mentions in flight) — goal p99 ≤ 1,000 ms: {}",
        took.as_secs_f64(),
        report.new_mentions,
        during.latencies.len(),
        during.failed,
        during.skipped,
        if met { "met" } else { "NOT met" }
    );
    app.store.close().await;
}

fn main() {
    let items = env_usize("LYSSNA_BENCH_ITEMS", 270_000);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    println!("store under a big crawl — {threads} CPU(s), release build");
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let feed = feed_site(items).await;
            let dir = tempfile::tempdir().expect("temp dir");
            let sqlite = format!("sqlite://{}", dir.path().join("store.db").display());
            run("SQLite", &sqlite, items, feed).await;
            match postgres_db().await {
                Some(url) => run("PostgreSQL", &url, items, feed).await,
                None => println!(
                    "PostgreSQL skipped (set LYSSNA_BENCH_POSTGRES_URL or LYSSNA_TEST_POSTGRES_URL)"
                ),
            }
        });
}
