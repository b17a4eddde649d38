//! Watched threads at scale (issue "Conversations"): 10,000 watched threads of 10 pages each on 100
//! loopback hosts (one forum section per host listing its 100 threads), one watch cycle after every
//! thread is known, with a tenth of the threads gaining a post since.
//!
//! Printed for the cycle: requests made and bytes fetched against a naive re-crawl of every thread's
//! pages (what a tool without thread cursors does: 10 pages × 10,000 threads, plus the sections),
//! counted by the servers in the same run; wall time against the politeness lower bound (the busiest
//! host's requests × `per_host_delay`, one request at a time per host); peak memory of the process.
//! The crawl is the real one: `Ingest::crawl_source` of each section (`concurrency` at a time, as the
//! scheduler runs them), which reads the listing's changed threads and then the section's due
//! watched threads (`[threads] max_per_crawl = 100`), on SQLite.
//!
//! Run: `cargo bench --bench threads` (`LYSSNA_BENCH_THREADS` — a multiple of 100 — changes the size).
#![allow(clippy::disallowed_methods)]

#[path = "common/env.rs"]
mod env;
use env::*;

use axum::extract::State;
use lyssna::app::App;
use lyssna::config::Config;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const HOSTS: usize = 100;
const PAGES: usize = 10;
const POSTS_PER_PAGE: usize = 20;
const DELAY_MS: u64 = 20;

/// What every host serves and counts.
struct Forum {
    threads_per_host: usize,
    /// Threads `t < changed` have one post more on their last page.
    changed: AtomicUsize,
    requests: AtomicUsize,
    /// Requests for a thread's last page, the rest being sections and earlier pages.
    last_pages: AtomicUsize,
    bytes: AtomicUsize,
}

const SECTION_RECIPE: &str = r#"name = "bench-section"
kind = "html"
item = "tr.thread"
[follow]
link          = { select = "a.title", attr = "href" }
title         = "a.title"
replies       = ".replies"
thread_recipe = "bench-thread"
max_threads   = 100
"#;

const THREAD_RECIPE: &str = r#"name = "bench-thread"
kind = "html"
item = "div.post"
[fields]
id     = { attr = "id" }
link   = { select = "a.permalink", attr = "href" }
title  = { select = "h1", scope = "page" }
author = ".user"
body   = ".text"
date   = { select = ".date", format = "%Y-%m-%d %H:%M", timezone = "UTC" }
[pagination]
prev = { select = "a.prev", attr = "href" }
last = { select = "a.last", attr = "href" }
max_pages = 5
"#;

impl Forum {
    fn replies(&self, thread: usize) -> usize {
        PAGES * POSTS_PER_PAGE + usize::from(thread < self.changed.load(Ordering::Relaxed))
    }

    fn section(&self, host: usize) -> String {
        let rows: String = (0..self.threads_per_host)
            .map(|i| {
                let t = host * self.threads_per_host + i;
                format!(
                    "<tr class=\"thread\"><td><a class=\"title\" href=\"/threads/trad.{t}/\">Tråd {t}</a></td>\
                     <td class=\"replies\">{}</td></tr>",
                    self.replies(t)
                )
            })
            .collect();
        format!("<html><body><table>{rows}</table></body></html>")
    }

    fn page(&self, thread: usize, page: usize) -> String {
        let mut posts = String::new();
        let extra = usize::from(page == PAGES && thread < self.changed.load(Ordering::Relaxed));
        for n in 0..POSTS_PER_PAGE + extra {
            let number = (page - 1) * POSTS_PER_PAGE + n;
            let minute = number % 60;
            let hour = 8 + (number / 60) % 12;
            // One post a thread names the brand: the last post of the last page as first read.
            let text = if page == PAGES && n == POSTS_PER_PAGE - 1 {
                "GoMonday har inte svarat på min reklamation på tre veckor, usel service."
            } else {
                "Jag håller med om det mesta här, men det beror på vilken app man jämför med och vad man behöver."
            };
            posts += &format!(
                "<div class=\"post\" id=\"p{thread}-{number}\"><a class=\"permalink\" href=\"/threads/trad.{thread}/#p{number}\">#</a>\
                 <span class=\"user\">medlem{}</span><span class=\"date\">2026-11-{:02} {hour:02}:{minute:02}</span>\
                 <div class=\"text\">{text}</div></div>",
                number % 37,
                1 + (number / 720) % 28
            );
        }
        let link = |p: usize| {
            if p == 1 {
                format!("/threads/trad.{thread}/")
            } else {
                format!("/threads/trad.{thread}/page-{p}")
            }
        };
        let prev = if page > 1 {
            format!("<a class=\"prev\" href=\"{}\">‹</a>", link(page - 1))
        } else {
            String::new()
        };
        let pages: String = (1..=PAGES)
            .map(|p| format!("<a href=\"{}\">{p}</a>", link(p)))
            .collect();
        format!(
            "<html><head><title>Tråd {thread}</title></head><body><h1>Tråd {thread}</h1>\
             <nav>{prev}{pages}<a class=\"last\" href=\"{}\">»</a></nav>{posts}</body></html>",
            link(PAGES)
        )
    }

    fn answer(&self, host: usize, path: &str) -> String {
        if path == "/section" {
            return self.section(host);
        }
        let Some(rest) = path.strip_prefix("/threads/trad.") else {
            return String::new();
        };
        let (id, page) = rest.split_once('/').unwrap_or((rest, ""));
        let thread: usize = id.parse().unwrap_or(0);
        let page = page
            .strip_prefix("page-")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        self.page(thread, page)
    }
}

async fn serve(ip: String, host: usize, forum: Arc<Forum>) -> SocketAddr {
    let app = axum::Router::new()
        .fallback(
            move |State(forum): State<Arc<Forum>>, uri: axum::http::Uri| async move {
                let body = forum.answer(host, uri.path());
                forum.requests.fetch_add(1, Ordering::Relaxed);
                if uri.path().ends_with(&format!("/page-{PAGES}")) {
                    forum.last_pages.fetch_add(1, Ordering::Relaxed);
                }
                if std::env::var_os("LYSSNA_BENCH_TRACE").is_some() {
                    eprintln!("{host} {}", uri.path());
                }
                forum.bytes.fetch_add(body.len(), Ordering::Relaxed);
                ([("content-type", "text/html; charset=utf-8")], body)
            },
        )
        .with_state(forum);
    let listener = tokio::net::TcpListener::bind((ip.as_str(), 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn config(db: &str, hosts: &[SocketAddr], concurrency: usize) -> String {
    let mut text = format!(
        "database_url = \"{db}\"\n[crawler]\nper_host_delay = \"{DELAY_MS}ms\"\nrespect_robots = false\n\
         concurrency = {concurrency}\n\n[threads]\nmax_per_crawl = 100\n\n[[brands]]\nname = \"GoMonday\"\n\
         query = 'gomonday'\nthread_context = false\n"
    );
    for (n, addr) in hosts.iter().enumerate() {
        text += &format!(
            "\n[[sources]]\nname = \"section{n}\"\nkind = \"html\"\nurl = \"http://{addr}/section\"\n\
             recipe = \"bench-section\"\nallow_private = true\nevery = \"30m\"\n"
        );
    }
    text
}

/// Crawls every section once, `concurrency` at a time, as of `now`.
async fn cycle(
    app: &App,
    now: chrono::DateTime<chrono::Utc>,
    concurrency: usize,
) -> (usize, usize) {
    let gate = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for source in app.config.sources.clone() {
        let app = app.clone();
        let gate = gate.clone();
        tasks.spawn(async move {
            let _slot = gate.acquire().await.unwrap();
            let rec = app
                .store
                .source_by_name(&source.name)
                .await
                .unwrap()
                .unwrap();
            app.ingest
                .crawl_source(&source, &rec, now, &|_| {})
                .await
                .unwrap()
        });
    }
    let (mut checked, mut mentions) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        let r = r.unwrap();
        checked += r.threads_checked;
        mentions += r.new_mentions;
    }
    (checked, mentions)
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let threads = env_usize("LYSSNA_BENCH_THREADS", 10_000).max(HOSTS);
    let concurrency = env_usize("LYSSNA_BENCH_CONCURRENCY", 16);
    let forum = Arc::new(Forum {
        threads_per_host: threads / HOSTS,
        changed: AtomicUsize::new(0),
        requests: AtomicUsize::new(0),
        last_pages: AtomicUsize::new(0),
        bytes: AtomicUsize::new(0),
    });
    let threads = forum.threads_per_host * HOSTS;
    let mut hosts = Vec::new();
    for h in 0..HOSTS {
        hosts.push(serve(format!("127.0.10.{}", h + 1), h, forum.clone()).await);
    }
    let dir = tempfile::tempdir().unwrap();
    // Recipe names are looked up in `recipes/` beside the configuration.
    std::fs::create_dir_all(dir.path().join("recipes")).unwrap();
    std::fs::write(
        dir.path().join("recipes/bench-section.toml"),
        SECTION_RECIPE,
    )
    .unwrap();
    std::fs::write(dir.path().join("recipes/bench-thread.toml"), THREAD_RECIPE).unwrap();
    let db = format!("sqlite://{}", dir.path().join("threads.db").display());
    let text = config(&db, &hosts, concurrency);
    let path = dir.path().join("lyssna.toml");
    std::fs::write(&path, &text).unwrap();
    let config = Config::parse_str("lyssna.toml", &text, Some(&path)).unwrap();
    let app = App::build(config, true).await.unwrap();

    // Every thread found and read once: its critic's post becomes a mention, the thread watched.
    let t0 = chrono::Utc::now();
    let start = Instant::now();
    let (_, mentions) = cycle(&app, t0, concurrency).await;
    let first = start.elapsed();
    let first_requests = forum.requests.swap(0, Ordering::Relaxed);
    forum.last_pages.store(0, Ordering::Relaxed);
    forum.bytes.store(0, Ordering::Relaxed);
    let watched = app.store.watched_threads(None).await.unwrap().len();

    // A tenth gain a post; every watched thread is due (an open mention: every 30 minutes).
    forum.changed.store(threads / 10, Ordering::Relaxed);
    let start = Instant::now();
    // Due: half an hour after the last section's first read finished.
    let due =
        t0 + chrono::Duration::from_std(first).unwrap_or_default() + chrono::Duration::minutes(31);
    let (checked, _) = cycle(&app, due, concurrency).await;
    let wall = start.elapsed();
    let requests = forum.requests.load(Ordering::Relaxed);
    let bytes = forum.bytes.load(Ordering::Relaxed);

    // The naive re-crawl of the same cycle: every section and every page of every thread.
    let naive_requests = HOSTS + threads * PAGES;
    let page_bytes = forum.page(0, 2).len();
    let naive_bytes = HOSTS * forum.section(0).len() + threads * PAGES * page_bytes;
    let busiest = requests.div_ceil(HOSTS);
    let bound = Duration::from_millis(DELAY_MS * busiest as u64);

    println!(
        "watched threads: {threads} threads × {PAGES} pages of {POSTS_PER_PAGE} posts on {HOSTS} loopback hosts, \
         per_host_delay {DELAY_MS} ms, concurrency {concurrency}, SQLite"
    );
    println!(
        "  first read: {first_requests} requests, {mentions} mentions, {watched} threads watched, {:.1} s",
        first.as_secs_f64()
    );
    println!(
        "  watch cycle ({} changed): {checked} watched threads checked, {requests} requests ({} of them last pages), {:.1} MB",
        threads / 10,
        forum.last_pages.load(Ordering::Relaxed),
        bytes as f64 / 1e6
    );
    println!(
        "  naive re-crawl of every page: {naive_requests} requests, {:.1} MB → requests {:.3}×, bytes {:.3}×",
        naive_bytes as f64 / 1e6,
        requests as f64 / naive_requests as f64,
        bytes as f64 / naive_bytes as f64
    );
    println!(
        "  wall {:.2} s against the politeness bound {:.2} s ({busiest} requests on each host × {DELAY_MS} ms): {:.2}×",
        wall.as_secs_f64(),
        bound.as_secs_f64(),
        wall.as_secs_f64() / bound.as_secs_f64()
    );
    println!("  peak RSS {:.0} MiB", peak_rss_mib());
}
