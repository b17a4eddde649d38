//! The scheduler's start rate: 2,000 due sources on 200 loopback hosts (10 each, one site's feeds
//! listed together), `concurrency` 16, politeness delay 0, crawled by the real scheduler
//! (`Scheduler::run`, as `serve` and `worker` run it) on SQLite.
//!
//! Printed: when the last source's request arrived (the last start), when the last crawl was stored,
//! and the bound `sources / concurrency × fetch time`, with the fetch time measured in the same run
//! (one source crawled alone, end to end: fetch, parse, match, store, 50 times in a row). The
//! scheduler this replaced started at most `concurrency` crawls per 5-second tick: 2,000 / 16 × 5 s
//! = 625 s for the same set.
//!
//! Run: `cargo bench --bench scheduler` (`LYSSNA_BENCH_SOURCES`, `LYSSNA_BENCH_CONCURRENCY` change it).

#[path = "common/env.rs"]
mod env;
use env::*;

use axum::extract::State;
use lyssna::app::App;
use lyssna::config::Config;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const HOSTS: usize = 200;

/// First arrival of each path.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

fn feed(path: &str) -> String {
    let items: String = (0..5)
        .map(|i| {
            format!(
                "<item><title>Inlägg {i}</title><guid>{path}-{i}</guid><link>http://feeds.example{path}/{i}</link>\
                 <description>GoMonday svarar inte {path} {i}</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>t</title>\
         <link>http://feeds.example/</link><description>d</description>{items}</channel></rss>"
    )
}

async fn site(ip: String, arrivals: Arrivals) -> SocketAddr {
    let app = axum::Router::new()
        .fallback(
            |State(arrivals): State<Arrivals>, uri: axum::http::Uri| async move {
                let path = uri.path().to_string();
                arrivals
                    .lock()
                    .unwrap()
                    .entry(path.clone())
                    .or_insert_with(Instant::now);
                ([("content-type", "application/rss+xml")], feed(&path))
            },
        )
        .with_state(arrivals);
    let listener = tokio::net::TcpListener::bind((ip.as_str(), 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn config(db: &str, hosts: &[SocketAddr], sources: usize, concurrency: usize) -> String {
    let mut text = format!(
        "database_url = \"{db}\"\n[crawler]\nper_host_delay = \"0ms\"\nrespect_robots = false\n\
         concurrency = {concurrency}\n\n[[brands]]\nname = \"GoMonday\"\nquery = 'gomonday'\n"
    );
    let per_host = sources.div_ceil(hosts.len());
    for n in 0..sources {
        // One site's feeds listed together: the order that used to idle the slots.
        let addr = hosts[n / per_host];
        text += &format!(
            "\n[[sources]]\nname = \"f{n}\"\nkind = \"feed\"\nurl = \"http://{addr}/f/{n}\"\nallow_private = true\nevery = \"30m\"\n"
        );
    }
    text
}

async fn build(dir: &std::path::Path, text: &str) -> App {
    let path = dir.join("lyssna.toml");
    std::fs::write(&path, text).unwrap();
    let config = Config::parse_str("lyssna.toml", text, Some(&path)).unwrap();
    App::build(config, true).await.unwrap()
}

/// One source crawled alone, end to end, `n` times: the mean.
async fn fetch_time(app: &App, n: usize) -> Duration {
    let source = app.config.sources[0].clone();
    let start = Instant::now();
    for _ in 0..n {
        let rec = app
            .store
            .source_by_name(&source.name)
            .await
            .unwrap()
            .unwrap();
        app.ingest
            .crawl_source(&source, &rec, chrono::Utc::now(), &|_| {})
            .await
            .unwrap();
    }
    start.elapsed() / n as u32
}

#[tokio::main]
async fn main() {
    let sources = env_usize("LYSSNA_BENCH_SOURCES", 2_000);
    let concurrency = env_usize("LYSSNA_BENCH_CONCURRENCY", 16);
    let arrivals: Arrivals = Arc::default();
    let mut hosts = Vec::new();
    for h in 0..HOSTS {
        hosts.push(site(format!("127.0.9.{}", h + 1), arrivals.clone()).await);
    }

    // The bound's fetch time, on a database of its own.
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("alone.db").display());
    let alone = build(dir.path(), &config(&db, &hosts, 1, 1)).await;
    fetch_time(&alone, 5).await;
    let fetch = fetch_time(&alone, 50).await;
    alone.store.close().await;
    arrivals.lock().unwrap().clear();

    let db = format!("sqlite://{}", dir.path().join("scheduler.db").display());
    let app = build(dir.path(), &config(&db, &hosts, sources, concurrency)).await;
    let (tx, rx) = tokio::sync::watch::channel(false);
    let start = Instant::now();
    let scheduler = tokio::spawn(app.scheduler("worker").run(rx));
    let mut stored = 0;
    while stored < sources as i64 && start.elapsed() < Duration::from_secs(900) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let row = sqlx::query("SELECT COUNT(*) AS n FROM crawl_runs")
            .fetch_one(&pool(&db).await)
            .await
            .unwrap();
        stored = sqlx::Row::get(&row, "n");
    }
    let all_stored = start.elapsed();
    let _ = tx.send(true);
    scheduler.await.unwrap();
    let last_start = arrivals
        .lock()
        .unwrap()
        .values()
        .max()
        .map(|t| t.duration_since(start))
        .unwrap_or_default();
    let bound = fetch * (sources as u32) / (concurrency as u32);
    println!(
        "scheduler start rate, {sources} due sources on {HOSTS} loopback hosts, concurrency {concurrency}, delay 0, SQLite"
    );
    println!(
        "  baseline: one source crawled alone (fetch, parse, match, store): {:.1} ms",
        fetch.as_secs_f64() * 1000.0
    );
    println!(
        "  bound sources / concurrency × fetch time: {:.2} s",
        bound.as_secs_f64()
    );
    println!(
        "  last source started after {:.2} s ({:.2}× the bound); all {stored} stored after {:.2} s ({:.0} crawls/s)",
        last_start.as_secs_f64(),
        last_start.as_secs_f64() / bound.as_secs_f64(),
        all_stored.as_secs_f64(),
        stored as f64 / all_stored.as_secs_f64()
    );
}

async fn pool(db: &str) -> sqlx::AnyPool {
    static POOL: tokio::sync::OnceCell<sqlx::AnyPool> = tokio::sync::OnceCell::const_new();
    POOL.get_or_init(|| async {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(db).await.unwrap()
    })
    .await
    .clone()
}
