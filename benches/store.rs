//! The store under a big crawl (issue 14's goal): p99 of an API status change ≤ 1 s while one source
//! of 270,000 items is crawled, on SQLite and PostgreSQL.
//!
//! The real app (`App::build`, its API served on 127.0.0.1:0, a bearer token) and a loopback feed of
//! `LYSSNA_BENCH_ITEMS` (270,000) RSS items, every one mentioning the brand, read with
//! `crawler.max_items` raised above it. The crawl goes the real ingest path (`Ingest::crawl_source`:
//! fetch, parse, match, classify, dedup, store) in one task while the bench changes statuses of
//! mentions added through the API (`POST /api/mentions/{id}/status`, no_reply_needed and back to
//! new, one after the other). Baseline in the same run: the same status changes on the idle server.
//!
//! PostgreSQL runs when `LYSSNA_BENCH_POSTGRES_URL` (or `LYSSNA_TEST_POSTGRES_URL`) names a server:
//! the bench creates a database of its own there.
//!
//! `cargo bench --bench store`
#![allow(clippy::disallowed_methods)]

use chrono::Utc;
use lyssna::app::App;
use lyssna::config::Config;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SEEDED: usize = 20;
const BASELINE_CHANGES: usize = 200;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

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

/// A fresh database on the PostgreSQL server named by the environment, if any.
async fn postgres_db() -> Option<String> {
    use sqlx::Connection;
    let admin = std::env::var("LYSSNA_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("LYSSNA_TEST_POSTGRES_URL"))
        .ok()?;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&admin).await.expect("connect");
    let name = format!("lyssna_bench_store_{}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .expect("create bench database");
    }
    conn.close().await.ok();
    let mut url = url::Url::parse(&admin).expect("a URL");
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
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

/// The seeded mentions in turn, each flipped between no_reply_needed and new.
struct Turns {
    ids: Vec<String>,
    flipped: Vec<bool>,
    k: usize,
}

impl Turns {
    /// The next mention and whether it goes back to new.
    fn next(&mut self) -> (String, bool) {
        let i = self.k % self.ids.len();
        self.k += 1;
        self.flipped[i] = !self.flipped[i];
        (self.ids[i].clone(), !self.flipped[i])
    }
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
    let mut turns = Turns {
        ids,
        flipped: vec![false; SEEDED],
        k: 0,
    };
    let mut idle = Vec::new();
    for _ in 0..BASELINE_CHANGES {
        let (id, to_new) = turns.next();
        let (d, ok) = api.change(&id, to_new).await;
        assert!(ok, "a status change on the idle server failed");
        idle.push(d);
    }

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
    let (mut during, mut failed) = (Vec::new(), 0);
    while !crawl.is_finished() {
        let (id, to_new) = turns.next();
        let (d, ok) = api.change(&id, to_new).await;
        during.push(d);
        failed += usize::from(!ok);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (report, took) = crawl.await.expect("crawl task");
    let report = report.expect("crawl");
    let stored = app.store.mention_count().await.expect("count") as usize - SEEDED;

    let (b50, b99, bmax) = quantiles(&mut idle);
    println!(
        "{label:<10} baseline, idle server: {BASELINE_CHANGES} status changes, p50 {b50:.1} ms, p99 {b99:.1} ms, max {bmax:.1} ms"
    );
    let (d50, d99, dmax) = quantiles(&mut during);
    println!(
        "{label:<10} during the crawl of {items} items ({:.1} s, {} new mentions, {stored} stored): \
         {} status changes, p50 {d50:.1} ms, p99 {d99:.1} ms, max {dmax:.1} ms, {failed} failed — goal p99 ≤ 1,000 ms: {}",
        took.as_secs_f64(),
        report.new_mentions,
        during.len(),
        if d99 <= 1_000.0 && failed == 0 {
            "met"
        } else {
            "NOT met"
        }
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
