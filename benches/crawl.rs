//! A whole crawl cycle as a user runs it (issue 15 item 5): the release `lyssna crawl` binary over
//! 2,000 RSS/Atom feeds (50 items each, `feed_gen`'s realistic ≈ 1.3 KB items, about one in eight
//! mentioning a brand) on 200 loopback hosts (127.10.0.x: the crawler's politeness is per host name,
//! ports do not count), `concurrency` 16, politeness delay 0, a fresh SQLite file. Two cycles: the
//! first fetches and parses every feed, the second is answered 304 Not Modified by every feed (the
//! servers honour `If-None-Match` / `If-Modified-Since`). Each cycle is one `lyssna crawl` process,
//! measured from outside: wall time, peak RSS and bytes written (`/usr/bin/time`: `ru_maxrss`,
//! `ru_oublock`), and the database + WAL growth.
//!
//! Baseline in the same run, against the same servers: a plain Python poller
//! (`benches/crawl_baseline/poller.py`: aiohttp 16 at a time, feedparser, a keyword regex, SQLite
//! `executemany` one transaction per feed, conditional GET with the validators it kept), installed
//! into `target/crawl-baseline-venv` (skipped with a message when pip cannot). Printed: the same-run
//! ratios Lyssna / Python for full-cycle items/s, 304-cycle feeds/s and peak RSS.
//!
//! Then the politeness-bound case: 5 hosts × 10 feeds with a 2 s delay, whose cycle cannot be shorter
//! than 9 gaps of 2 s; the cycle time against the bound `feeds per host × delay`, with the config
//! listing one site's feeds together and interleaved.
//!
//! `cargo bench --bench crawl`. Knobs for a quick run: `LYSSNA_BENCH_FEEDS` (2000),
//! `LYSSNA_BENCH_HOSTS` (200), `LYSSNA_BENCH_ITEMS` (50), `LYSSNA_BENCH_CONCURRENCY` (16),
//! `LYSSNA_BENCH_POLITE_HOSTS` (5), `LYSSNA_BENCH_POLITE_PER_HOST` (10), `LYSSNA_BENCH_POLITE_DELAY_MS`
//! (2000; 0 skips the politeness case), `LYSSNA_BENCH_PYTHON=0` skips the Python poller.

#[path = "common/env.rs"]
mod env;
use env::*;

#[path = "common/feed_gen.rs"]
#[allow(dead_code)]
mod feed_gen;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use feed_gen::{FeedFlavor, GENERATED_BRANDS, GENERATED_HOSTS, generate_realistic_feed};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Every feed's validators: the same for all, since each feed is served once per cycle and never
/// changes between cycles.
const LAST_MODIFIED: &str = "Sun, 01 Nov 2026 12:00:00 GMT";

struct Feed {
    body: bytes::Bytes,
    content_type: &'static str,
    etag: String,
}

/// What the loopback sites serve and what they were asked.
#[derive(Default)]
struct Sites {
    feeds: HashMap<String, Feed>,
    full: AtomicUsize,
    not_modified: AtomicUsize,
    missing: AtomicUsize,
    /// When each request arrived and at which host, for the politeness case's figures.
    arrivals: Mutex<Vec<(String, Instant)>>,
}

impl Sites {
    fn reset(&self) {
        self.full.store(0, Ordering::SeqCst);
        self.not_modified.store(0, Ordering::SeqCst);
        self.missing.store(0, Ordering::SeqCst);
        self.arrivals.lock().unwrap().clear();
    }
    fn counts(&self) -> (usize, usize, usize) {
        (
            self.full.load(Ordering::SeqCst),
            self.not_modified.load(Ordering::SeqCst),
            self.missing.load(Ordering::SeqCst),
        )
    }
    /// The mean and the largest gap (seconds) between two requests to one host, start to start.
    fn gaps(&self) -> (f64, f64) {
        let mut by_host: HashMap<String, Vec<Instant>> = HashMap::new();
        for (h, at) in self.arrivals.lock().unwrap().iter() {
            by_host.entry(h.clone()).or_default().push(*at);
        }
        let mut gaps = Vec::new();
        for times in by_host.values_mut() {
            times.sort();
            gaps.extend(
                times
                    .windows(2)
                    .map(|w| w[1].duration_since(w[0]).as_secs_f64()),
            );
        }
        let mean = gaps.iter().sum::<f64>() / gaps.len().max(1) as f64;
        (mean, gaps.iter().copied().fold(0.0, f64::max))
    }

    /// Seconds from the first request to the last.
    fn span(&self) -> f64 {
        let a = self.arrivals.lock().unwrap();
        match (a.iter().map(|x| x.1).min(), a.iter().map(|x| x.1).max()) {
            (Some(first), Some(last)) => last.duration_since(first).as_secs_f64(),
            _ => 0.0,
        }
    }
}

async fn answer(State(sites): State<Arc<Sites>>, uri: Uri, headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    sites.arrivals.lock().unwrap().push((host, Instant::now()));
    let Some(feed) = sites.feeds.get(uri.path()) else {
        sites.missing.fetch_add(1, Ordering::SeqCst);
        return StatusCode::NOT_FOUND.into_response();
    };
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    // RFC 9110 §13.1.3: If-Modified-Since only counts when If-None-Match is absent.
    let unchanged = match header(header::IF_NONE_MATCH) {
        Some(tags) => tags.split(',').any(|t| t.trim() == feed.etag),
        None => header(header::IF_MODIFIED_SINCE) == Some(LAST_MODIFIED),
    };
    let validators = [
        (header::ETAG, feed.etag.clone()),
        (header::LAST_MODIFIED, LAST_MODIFIED.to_string()),
    ];
    if unchanged {
        sites.not_modified.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::NOT_MODIFIED, validators).into_response();
    }
    sites.full.fetch_add(1, Ordering::SeqCst);
    (
        validators,
        [(header::CONTENT_TYPE, feed.content_type.to_string())],
        feed.body.clone(),
    )
        .into_response()
}

/// The `n`th loopback host of network `net`: 127.`net`.x.y (each a host of its own to the pacer).
fn host_ip(net: u8, n: usize) -> String {
    format!("127.{net}.{}.{}", n / 250, n % 250 + 1)
}

async fn serve(ip: &str, sites: Arc<Sites>) -> SocketAddr {
    let app = axum::Router::new().fallback(answer).with_state(sites);
    let listener = tokio::net::TcpListener::bind((ip, 0))
        .await
        .expect("bind a loopback address");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}

/// Feed `n` at `path`: RSS 2.0, Atom and WordPress comment feeds in turn. Its links name a site of its
/// own (`blogN.example`), so that feeds do not share GUIDs by chance and dedup stays per feed.
fn make_feed(n: usize, items: usize) -> Feed {
    let (flavor, content_type) = match n % 3 {
        0 => (FeedFlavor::Rss2, "application/rss+xml"),
        1 => (FeedFlavor::Atom, "application/atom+xml"),
        _ => (FeedFlavor::WordPressComments, "application/rss+xml"),
    };
    let mut text = generate_realistic_feed(n as u64 + 1, items, flavor);
    for h in GENERATED_HOSTS {
        text = text.replace(h, &format!("blog{n}.example"));
    }
    Feed {
        body: bytes::Bytes::from(text),
        content_type,
        etag: format!("\"feed-{n}-v1\""),
    }
}

/// The feeds as `lyssna.toml` lists them: (source name, URL).
type Listing = Vec<(String, String)>;

fn config(db: &str, sources: &Listing, delay_ms: usize, concurrency: usize) -> String {
    let mut text = format!(
        "database_url = \"{db}\"\n\n[crawler]\nper_host_delay = \"{delay_ms}ms\"\n\
         concurrency = {concurrency}\n\
         # The loopback sites serve feeds only, so robots.txt would be one 404 per host.\n\
         respect_robots = false\n"
    );
    for b in GENERATED_BRANDS {
        text += &format!(
            "\n[[brands]]\nname = \"{b}\"\nquery = '\"{}\"'\n",
            b.to_lowercase()
        );
    }
    for (name, url) in sources {
        text += &format!(
            "\n[[sources]]\nname = \"{name}\"\nkind = \"feed\"\nurl = \"{url}\"\n\
             allow_private = true\nevery = \"30m\"\n"
        );
    }
    text
}

/// One child process as measured from outside.
struct Run {
    wall: f64,
    max_rss_kib: Option<u64>,
    written: Option<u64>,
    stdout: String,
}

/// Runs `cmd` under `/usr/bin/time` (peak RSS, bytes written) when it exists; panics with its stderr
/// when it fails.
fn measured(program: &Path, args: &[&str], work: &Path, what: &str) -> Run {
    let time = Path::new("/usr/bin/time");
    let stats = work.join(format!("{what}.time"));
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        // %M: ru_maxrss in KiB; %O: ru_oublock, bytes handed to the storage layer / 512.
        c.args(["-f", "%M %O", "-o"]).arg(&stats).arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args).current_dir(work).stdin(Stdio::null());
    let started = Instant::now();
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let wall = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let (max_rss_kib, written) = std::fs::read_to_string(&stats)
        .ok()
        .and_then(|s| {
            let mut f = s.split_whitespace().map(|v| v.parse::<u64>().ok());
            let rss = f.next()??;
            let blocks = f.next()??;
            Some((rss, blocks * 512))
        })
        .map_or((None, None), |(m, w)| (Some(m), Some(w)));
    Run {
        wall,
        max_rss_kib,
        written,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// Bytes of a SQLite database with its WAL and shared-memory files.
fn db_size(db: &Path) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
        .map(|m| m.len())
        .sum()
}

/// One cycle's figures.
struct Cycle {
    run: Run,
    feeds: usize,
    items: usize,
    mentions: usize,
    /// What the servers answered: 200s, 304s, 404s.
    served: (usize, usize, usize),
    db_growth: i64,
    /// Anything else the side reported about the cycle.
    note: String,
}

impl Cycle {
    fn line(&self, who: &str, what: &str) -> String {
        let mib = |b: u64| b as f64 / 1_048_576.0;
        format!(
            "{who:<8} {what:<12} {:>7.2} s  {:>8.0} items/s  {:>7.0} feeds/s  peak RSS {:>7}  written {:>9}  \
             db+wal {:>+8.1} MiB  ({} items, {} matched; servers: {} full, {} × 304, {} missing){}",
            self.run.wall,
            self.items as f64 / self.run.wall,
            self.feeds as f64 / self.run.wall,
            self.run
                .max_rss_kib
                .map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0)),
            self.run
                .written
                .map_or("n/a".into(), |b| format!("{:.1} MiB", mib(b))),
            self.db_growth as f64 / 1_048_576.0,
            self.items,
            self.mentions,
            self.served.0,
            self.served.1,
            self.served.2,
            self.note,
        )
    }
}

/// Runs `lyssna crawl` with `config` once: the cycle's figures from the servers' counts, the
/// reports on stdout and the database's growth.
fn lyssna_cycle(sites: &Sites, work: &Path, db: &Path, what: &str) -> Cycle {
    let before = db_size(db);
    sites.reset();
    let run = measured(
        Path::new(env!("CARGO_BIN_EXE_lyssna")),
        &["--config", "lyssna.toml", "crawl"],
        work,
        what,
    );
    let (mut feeds, mut items, mut mentions) = (0, 0, 0);
    for line in run.stdout.lines() {
        let r: serde_json::Value = serde_json::from_str(line).expect("a crawl report line");
        feeds += 1;
        items += r["items"].as_u64().unwrap_or(0) as usize;
        mentions += r["new_mentions"].as_u64().unwrap_or(0) as usize;
    }
    Cycle {
        feeds,
        items,
        mentions,
        served: sites.counts(),
        db_growth: db_size(db) as i64 - before as i64,
        note: String::new(),
        run,
    }
}

fn python_cycle(
    sites: &Sites,
    python: &Path,
    work: &Path,
    db: &Path,
    concurrency: usize,
    what: &str,
) -> Cycle {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/crawl_baseline/poller.py");
    let before = db_size(db);
    sites.reset();
    let brands = GENERATED_BRANDS.join(",");
    let concurrency = concurrency.to_string();
    let run = measured(
        python,
        &[
            script.to_str().expect("a UTF-8 path"),
            "feeds.txt",
            db.to_str().expect("a UTF-8 path"),
            "--brands",
            &brands,
            "--concurrency",
            &concurrency,
        ],
        work,
        what,
    );
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("the poller's JSON");
    let n = |k: &str| v[k].as_u64().unwrap_or(0) as usize;
    assert_eq!(n("failed"), 0, "the Python poller failed some feeds: {v}");
    Cycle {
        feeds: n("fetched") + n("not_modified"),
        items: n("items"),
        mentions: n("matched"),
        served: sites.counts(),
        db_growth: db_size(db) as i64 - before as i64,
        note: format!(
            "; feedparser.parse {:.2} s of it, {} bozo",
            v["parse_seconds"].as_f64().unwrap_or(0.0),
            n("bozo")
        ),
        run,
    }
}

/// A fresh directory for one side's database and config.
fn workdir(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench dir");
    dir
}

fn lyssna_setup(
    root: &Path,
    name: &str,
    listing: &Listing,
    delay_ms: usize,
    conc: usize,
) -> PathBuf {
    let work = workdir(root, name);
    let db = work.join("lyssna.db");
    let url = format!("sqlite://{}", db.display());
    std::fs::write(
        work.join("lyssna.toml"),
        config(&url, listing, delay_ms, conc),
    )
    .expect("config");
    // The schema is made before the first cycle, as `lyssna migrate` does once for a new install.
    measured(
        Path::new(env!("CARGO_BIN_EXE_lyssna")),
        &["--config", "lyssna.toml", "migrate"],
        &work,
        "migrate",
    );
    work
}

fn uptime() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn main() {
    let n_feeds = env_usize("LYSSNA_BENCH_FEEDS", 2_000);
    let n_hosts = env_usize("LYSSNA_BENCH_HOSTS", 200).clamp(1, n_feeds.max(1));
    let items = env_usize("LYSSNA_BENCH_ITEMS", 50);
    let concurrency = env_usize("LYSSNA_BENCH_CONCURRENCY", 16);
    let polite_hosts = env_usize("LYSSNA_BENCH_POLITE_HOSTS", 5);
    let polite_per_host = env_usize("LYSSNA_BENCH_POLITE_PER_HOST", 10);
    let polite_delay = env_usize("LYSSNA_BENCH_POLITE_DELAY_MS", 2_000);
    let with_python = std::env::var("LYSSNA_BENCH_PYTHON").map_or(true, |v| v != "0");

    let mut sites = Sites::default();
    for n in 0..n_feeds {
        sites
            .feeds
            .insert(format!("/f/{n}.xml"), make_feed(n, items));
    }
    for n in 0..polite_hosts * polite_per_host {
        sites
            .feeds
            .insert(format!("/p/{n}.xml"), make_feed(n, items));
    }
    let bytes: usize = (0..n_feeds)
        .map(|n| sites.feeds[&format!("/f/{n}.xml")].body.len())
        .sum();
    let sites = Arc::new(sites);
    // The servers run on this runtime's threads while the main thread waits for the processes.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (hosts, polite) = rt.block_on(async {
        let mut hosts = Vec::new();
        for h in 0..n_hosts {
            hosts.push(serve(&host_ip(10, h), sites.clone()).await);
        }
        let mut polite = Vec::new();
        for h in 0..polite_hosts {
            polite.push(serve(&host_ip(11, h), sites.clone()).await);
        }
        (hosts, polite)
    });

    // One site's feeds listed together (feed n on host n / per host): the order in which a crawler
    // that takes slots before host turns idles them.
    let per_host = n_feeds.div_ceil(n_hosts);
    let listing: Listing = (0..n_feeds)
        .map(|n| {
            (
                format!("feed {n}"),
                format!("http://{}/f/{n}.xml", hosts[n / per_host]),
            )
        })
        .collect();
    let root = target_dir().join("bench-data/crawl");
    std::fs::create_dir_all(&root).expect("bench dir");
    println!(
        "crawl cycle: {n_feeds} feeds × {items} items ({:.1} MB of XML, {:.2} KB an item) on {n_hosts} loopback hosts, \
         concurrency {concurrency}, delay 0, SQLite; {} CPU(s), load average {}",
        bytes as f64 / 1e6,
        bytes as f64 / (n_feeds * items).max(1) as f64 / 1e3,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        uptime()
    );

    let work = lyssna_setup(&root, "lyssna", &listing, 0, concurrency);
    let db = work.join("lyssna.db");
    let l_full = lyssna_cycle(&sites, &work, &db, "full");
    println!("{}", l_full.line("lyssna", "full cycle"));
    let l_304 = lyssna_cycle(&sites, &work, &db, "not-modified");
    println!("{}", l_304.line("lyssna", "304 cycle"));
    println!("  load average after Lyssna's cycles: {}", uptime());

    let python = if with_python {
        python_venv("crawl-baseline-venv", &["aiohttp", "feedparser"])
    } else {
        Err("LYSSNA_BENCH_PYTHON=0".into())
    };
    match python {
        Err(why) => println!("skipped the Python poller: {why}"),
        Ok(python) => {
            let version = Command::new(&python)
                .args([
                    "-c",
                    "import sys, aiohttp, feedparser; print(sys.version.split()[0], aiohttp.__version__, feedparser.__version__)",
                ])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_default();
            println!("python poller: Python, aiohttp, feedparser = {version}");
            let work = workdir(&root, "python");
            let db = work.join("poller.db");
            let urls: String = listing.iter().map(|(_, u)| format!("{u}\n")).collect();
            std::fs::write(work.join("feeds.txt"), urls).expect("feed list");
            let p_full = python_cycle(&sites, &python, &work, &db, concurrency, "full");
            println!("{}", p_full.line("python", "full cycle"));
            let p_304 = python_cycle(&sites, &python, &work, &db, concurrency, "not-modified");
            println!("{}", p_304.line("python", "304 cycle"));
            println!("  load average after the Python cycles: {}", uptime());
            let rate = |c: &Cycle, n: usize| n as f64 / c.run.wall;
            let full = rate(&l_full, l_full.items) / rate(&p_full, p_full.items);
            let not_modified = rate(&l_304, l_304.feeds) / rate(&p_304, p_304.feeds);
            let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
            println!(
                "ratio Lyssna / Python, full cycle items/s: {full:.2}×  (goal ≥ 8×: {})",
                verdict(full >= 8.0)
            );
            println!(
                "ratio Lyssna / Python, 304 cycle feeds/s:  {not_modified:.2}×  (goal ≥ 2×: {})",
                verdict(not_modified >= 2.0)
            );
            let rss = |c: &Cycle| c.run.max_rss_kib.map(|k| k as f64);
            for (what, l, p) in [("full", &l_full, &p_full), ("304", &l_304, &p_304)] {
                match (rss(l), rss(p)) {
                    (Some(l), Some(p)) => println!(
                        "ratio Lyssna / Python, peak RSS, {what} cycle: {:.2}×  (goal ≤ 1.5×: {})",
                        l / p,
                        verdict(l / p <= 1.5)
                    ),
                    _ => println!("peak RSS unknown (/usr/bin/time missing)"),
                }
            }
        }
    }

    if polite_delay == 0 || polite_hosts == 0 || polite_per_host == 0 {
        println!("politeness-bound case skipped");
        return;
    }
    let bound = (polite_per_host * polite_delay) as f64 / 1000.0;
    let floor = ((polite_per_host - 1) * polite_delay) as f64 / 1000.0;
    println!(
        "politeness bound: {polite_hosts} hosts × {polite_per_host} feeds, delay {polite_delay} ms, concurrency \
         {concurrency}: bound feeds per host × delay = {bound:.1} s (no order can beat {floor:.1} s)"
    );
    let n = polite_hosts * polite_per_host;
    let entry = |i: usize| {
        (
            format!("polite {i}"),
            format!("http://{}/p/{i}.xml", polite[i / polite_per_host]),
        )
    };
    let grouped: Listing = (0..n).map(entry).collect();
    // Interleaved: the first feed of every site, then the second of every site, and so on.
    let interleaved: Listing = (0..polite_per_host)
        .flat_map(|k| (0..polite_hosts).map(move |h| h * polite_per_host + k))
        .map(entry)
        .collect();
    for (order, listing) in [("grouped by host", grouped), ("interleaved", interleaved)] {
        let work = lyssna_setup(&root, "polite", &listing, polite_delay, concurrency);
        let db = work.join("lyssna.db");
        let c = lyssna_cycle(&sites, &work, &db, "polite");
        let ratio = c.run.wall / bound;
        let (mean_gap, max_gap) = sites.gaps();
        println!(
            "  {order:<16} cycle {:.2} s (first to last request {:.2} s; a host's requests {mean_gap:.2} s apart \
             on average, {max_gap:.2} s at most) = {ratio:.3}× the bound, {} feeds fetched — goal ≤ 1.1×: {}; \
             load average {}",
            c.run.wall,
            sites.span(),
            c.served.0,
            if ratio <= 1.1 { "met" } else { "NOT met" },
            uptime()
        );
    }
}
