//! The inbox over 1,000,000 mentions with their events, served by the real app on loopback and
//! loaded by a Rust client: N concurrent connections for a fixed time, logged in.
//!
//! Measured per backend (SQLite always; PostgreSQL when `LYSSNA_BENCH_POSTGRES_URL` or
//! `LYSSNA_TEST_POSTGRES_URL` is set):
//! - baseline: `/healthz` (the server's floor: routing, middleware, one `SELECT 1`);
//! - the inbox's first page, and a page 10,000 rows deep (by cursor);
//! - searches in the query language (`/?q=`) through the search index: a rare word, a phrase with a
//!   field, and a word in a sixth of all mentions; and, in the same run, the same rare word's search
//!   done the way the inbox searched before the index (a substring scan of title, text and author
//!   with LIKE, over the open mentions), both called in-process so that only the query differs.
//!
//! Search goals: a rare word at 1 M mentions ≥ 500 requests/s with p99 ≤ 50 ms on both backends.
//!
//! Goals on the project's 2-core machine: ≥ 2,000 requests/s, p99 ≤ 50 ms, and the deep page within
//! 1.5× the first page's latency (keyset pagination on the `mentions_inbox_posted` index: criticism
//! first, then by the post's time, else the found time).
//!
//! Run: `cargo bench --bench inbox`. The populated SQLite file is cached in `target/bench-data/`;
//! `LYSSNA_BENCH_MENTIONS`, `LYSSNA_BENCH_CONCURRENCY` and `LYSSNA_BENCH_SECONDS` change the size.

#[path = "common/env.rs"]
mod env;
use env::*;

#[path = "common/mod.rs"]
mod common;

use chrono::{DateTime, TimeZone, Utc};
use lyssna::app::App;
use lyssna::config::Config;
use lyssna::store::Store;
use std::time::{Duration, Instant};

/// The generator's "now": fixed, so that the cached database stays the same from run to run.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap()
}

struct Stats {
    requests: usize,
    errors: usize,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
}

async fn load(
    client: &reqwest::Client,
    url: &str,
    cookie: &str,
    concurrency: usize,
    seconds: u64,
) -> Stats {
    // Warm up (connections, caches), then measure.
    for _ in 0..20 {
        let _ = client
            .get(url)
            .header("cookie", cookie)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map(|_| ());
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let url = url.to_string();
        let cookie = cookie.to_string();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(100_000);
            let mut errors = 0;
            while Instant::now() < deadline {
                let t = Instant::now();
                match client.get(&url).header("cookie", &cookie).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed().as_micros() as u32);
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    stats(all, errors, started.elapsed().as_secs_f64())
}

async fn explain_sqlite(url: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let rows = sqlx::query(
        "EXPLAIN QUERY PLAN SELECT m.id FROM mentions m JOIN sources s ON s.id = m.source_id \
         WHERE m.status = $1 AND (m.sort_rank, m.posted_at, m.id) > ($2, $3, $4) \
         ORDER BY m.sort_rank, m.posted_at, m.id LIMIT 51",
    )
    .bind("new")
    .bind(0i64)
    .bind(0i64)
    .bind("m_")
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let plan: Vec<String> = rows
        .iter()
        .map(|r| sqlx::Row::try_get::<String, _>(r, "detail").unwrap_or_default())
        .collect();
    println!(
        "  EXPLAIN QUERY PLAN (inbox, with cursor): {}",
        plan.join(" | ")
    );
    assert!(
        plan.iter().any(|p| p.contains("mentions_inbox_posted")),
        "the inbox query does not use the mentions_inbox_posted index"
    );
    assert!(
        !plan.iter().any(|p| p.contains("TEMP B-TREE")),
        "the inbox query sorts instead of walking the index"
    );
}

async fn bench(label: &str, db: &str, n: usize, concurrency: usize, seconds: u64) {
    println!("\n== {label}: {n} mentions ==");
    let mut store = Store::open_and_migrate(db).await.unwrap();
    let have = store.mention_count().await.unwrap();
    if have > 0 && have < n as i64 {
        // A population that was interrupted: start again (import refuses ids it already has).
        println!("  {have} of {n} mentions from an interrupted run: starting over");
        store.close().await;
        reset(db).await;
        store = Store::open_and_migrate(db).await.unwrap();
    }
    let took = common::populate(&store, n, now()).await;
    println!(
        "  data ready in {:.1} s ({} mentions)",
        took.as_secs_f64(),
        store.mention_count().await.unwrap()
    );
    store.close().await;
    if db.starts_with("sqlite:") {
        explain_sqlite(db).await;
    } else {
        analyze_postgres(db).await;
    }

    let text =
        format!("database_url = \"{db}\"\n[[brands]]\nname = \"GoMonday\"\nquery = 'gomonday'\n");
    let config = Config::parse_str("bench.toml", &text, None).unwrap_or_else(|e| panic!("{e}"));
    let app = App::build(config, true).await.unwrap();
    let hash = lyssna::web::auth::hash_password("bench-password").unwrap();
    app.store
        .upsert_user("bench", &hash, Utc::now())
        .await
        .unwrap();
    let token = lyssna::web::auth::random_token();
    app.store
        .upsert_api_token("bench", &lyssna::web::auth::token_hash(&token), Utc::now())
        .await
        .unwrap();
    let (tx, rx) = tokio::sync::watch::channel(false);
    let (addr, server) = app
        .serve_web("127.0.0.1:0".parse().unwrap(), rx)
        .await
        .unwrap();
    let base = format!("http://{addr}");
    // The load generator is a client of the server, not part of the product's outbound HTTP.
    #[allow(clippy::disallowed_methods)]
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();

    // Log in like a browser.
    let resp = client.get(format!("{base}/login")).send().await.unwrap();
    let pre = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("lyssna_login_csrf="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    let resp = client
        .post(format!("{base}/login"))
        .header("cookie", format!("lyssna_login_csrf={pre}"))
        .form(&[
            ("username", "bench"),
            ("password", "bench-password"),
            ("csrf_token", &pre),
        ])
        .send()
        .await
        .unwrap();
    let session = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("lyssna_session="))
        .and_then(|v| v.split(';').next())
        .expect("logged in")
        .to_string();
    let cookie = format!("lyssna_session={session}");

    // A cursor 10,000 rows into the inbox (20 API pages of 500).
    let mut cursor = String::new();
    for _ in 0..20 {
        let url = if cursor.is_empty() {
            format!("{base}/api/mentions?status=new&limit=500")
        } else {
            format!("{base}/api/mentions?status=new&limit=500&cursor={cursor}")
        };
        let v: serde_json::Value = client
            .get(url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        cursor = v["next_cursor"]
            .as_str()
            .expect("at least 10,000 open mentions")
            .to_string();
    }
    let counts = app.store.inbox_counts().await.unwrap();
    println!(
        "  open: {} new ({} criticism), {} snoozed",
        counts.new, counts.new_criticism, counts.snoozed
    );
    let deep = format!(
        "{base}/?cursor={}",
        percent_encoding::utf8_percent_encode(&cursor, percent_encoding::NON_ALPHANUMERIC)
    );

    println!(
        "  {concurrency} connections × {seconds} s each, client and server on the same 2 cores"
    );
    let mut results = Vec::new();
    for (name, url) in [
        ("healthz (baseline)", format!("{base}/healthz")),
        ("inbox, first page", format!("{base}/")),
        ("inbox, 10,000 deep", deep),
    ] {
        let s = load(&client, &url, &cookie, concurrency, seconds).await;
        println!(
            "  {name:<22} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  ({} requests, {} errors)",
            s.rps, s.p50_ms, s.p99_ms, s.requests, s.errors
        );
        results.push(s);
    }
    println!(
        "  deep/first: p50 {:.2}×, p99 {:.2}×; first page vs healthz: {:.0}% of the floor's throughput",
        results[2].p50_ms / results[1].p50_ms,
        results[2].p99_ms / results[1].p99_ms,
        100.0 * results[1].rps / results[0].rps
    );
    search(
        &app.store,
        db,
        &client,
        &base,
        &cookie,
        concurrency,
        seconds,
    )
    .await;
    let _ = tx.send(true);
    let _ = server.await;
    app.store.close().await;
}

/// A word in one generated mention's text (`… (#987654)`), a phrase with a field, and a word in a
/// sixth of them.
const RARE: &str = "987654";
const SEARCHES: [(&str, &str); 3] = [
    ("search, rare word", RARE),
    ("search, phrase+author", "\"nytt kontor\" author:user1234"),
    ("search, common word", "goteborg"),
];

async fn search(
    store: &Store,
    db: &str,
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    concurrency: usize,
    seconds: u64,
) {
    let enc = |q: &str| {
        percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    for (name, q) in SEARCHES {
        let url = format!("{base}/?q={}", enc(q));
        let s = load(client, &url, cookie, concurrency, seconds).await;
        println!(
            "  {name:<22} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  ({} requests, {} errors; HTTP)",
            s.rps, s.p50_ms, s.p99_ms, s.requests, s.errors
        );
    }
    // The same rare word in-process: the index, then the substring scan it replaced.
    let indexed = {
        let store = store.clone();
        load_store(concurrency, seconds, move || {
            let store = store.clone();
            async move {
                let q = lyssna::store::InboxQuery {
                    status: Some(lyssna::domain::mention::Status::New),
                    search: Some(RARE.into()),
                    limit: 50,
                    ..Default::default()
                };
                store.inbox(&q).await.is_ok()
            }
        })
        .await
    };
    // The scan through a pool of its own on the same database, as many connections as the store's.
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(if db.starts_with("sqlite:") { 8 } else { 16 })
        .connect(db)
        .await
        .unwrap();
    let scan = load_store(concurrency, seconds, move || {
        let pool = pool.clone();
        async move { substring_scan(&pool, RARE).await }
    })
    .await;
    for (name, s) in [
        ("rare word, index", &indexed),
        ("rare word, LIKE scan", &scan),
    ] {
        println!(
            "  {name:<22} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  ({} requests, {} errors; in-process)",
            s.rps, s.p50_ms, s.p99_ms, s.requests, s.errors
        );
    }
    println!(
        "  index vs LIKE scan: {:.0}× the throughput",
        indexed.rps / scan.rps
    );
}

/// The inbox's search before the index, as it was written: each word looked for as a substring
/// of text, title and author, lower-cased and as typed in lower, capitalised and upper case.
async fn substring_scan(pool: &sqlx::AnyPool, word: &str) -> bool {
    let forms = [word.to_lowercase(), word.to_string(), word.to_uppercase()];
    let mut any = Vec::new();
    for (i, _) in forms.iter().enumerate() {
        let n = i + 2;
        for col in ["m.body", "COALESCE(m.title, '')", "COALESCE(m.author, '')"] {
            any.push(if i == 0 {
                format!("LOWER({col}) LIKE ${n}")
            } else {
                format!("{col} LIKE ${n}")
            });
        }
    }
    let sql = format!(
        "SELECT m.id FROM mentions m JOIN sources s ON s.id = m.source_id WHERE m.status = $1 AND ({}) \
         ORDER BY m.sort_rank, m.posted_at, m.id LIMIT 51",
        any.join(" OR ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind("new");
    for f in &forms {
        q = q.bind(format!("%{f}%"));
    }
    q.fetch_all(pool).await.is_ok()
}

/// `concurrency` callers of `f` for `seconds`, in this process.
async fn load_store<F, Fut>(concurrency: usize, seconds: u64, f: F) -> Stats
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    for _ in 0..5 {
        f().await;
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            while Instant::now() < deadline {
                let t = Instant::now();
                if f().await {
                    lat.push(t.elapsed().as_micros() as u32);
                } else {
                    errors += 1;
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    stats(all, errors, started.elapsed().as_secs_f64())
}

fn stats(mut all: Vec<u32>, errors: usize, elapsed: f64) -> Stats {
    all.sort_unstable();
    let pct = |p: f64| {
        if all.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * all.len() as f64).ceil() as usize;
        all[rank.clamp(1, all.len()) - 1] as f64 / 1000.0
    };
    Stats {
        requests: all.len(),
        errors,
        rps: all.len() as f64 / elapsed,
        p50_ms: pct(50.0),
        p99_ms: pct(99.0),
    }
}

fn main() {
    let n = env_usize("LYSSNA_BENCH_MENTIONS", 1_000_000);
    let concurrency = env_usize("LYSSNA_BENCH_CONCURRENCY", 16);
    let seconds = env_usize("LYSSNA_BENCH_SECONDS", 10) as u64;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("inbox-{n}.db"));
        bench(
            "SQLite",
            &format!("sqlite://{}", file.display()),
            n,
            concurrency,
            seconds,
        )
        .await;
        let pg = std::env::var("LYSSNA_BENCH_POSTGRES_URL")
            .or_else(|_| std::env::var("LYSSNA_TEST_POSTGRES_URL"))
            .ok();
        match pg {
            Some(admin) => {
                let url = pg_database(&admin, n).await;
                bench("PostgreSQL", &url, n, concurrency, seconds).await;
            }
            None => println!(
                "\nPostgreSQL skipped (set LYSSNA_BENCH_POSTGRES_URL or LYSSNA_TEST_POSTGRES_URL)"
            ),
        }
    });
}

/// Statistics for PostgreSQL's planner. A freshly filled database has none until autovacuum gets
/// to it (minutes later, or never within a run): without them the inbox and event queries were
/// planned as scans, and the first run on a new database measured 3 req/s instead of thousands.
async fn analyze_postgres(db: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(db).await.unwrap();
    sqlx::raw_sql("ANALYZE").execute(&mut conn).await.unwrap();
    conn.close().await.ok();
}

/// Empties a cached benchmark database.
async fn reset(db: &str) {
    if let Some(path) = db.strip_prefix("sqlite://") {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    } else {
        let mut url = url::Url::parse(db).unwrap();
        let name = url.path().trim_start_matches('/').to_string();
        url.set_path("/postgres");
        common::recreate_postgres_database(url.as_str(), &name).await;
    }
}

/// A database named after the size, kept between runs like the SQLite file.
async fn pg_database(admin: &str, n: usize) -> String {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let name = format!("lyssna_bench_inbox_{n}");
    let mut conn = sqlx::AnyConnection::connect(admin).await.unwrap();
    let exists = sqlx::query("SELECT 1 AS one FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut conn)
        .await
        .unwrap()
        .is_some();
    if !exists {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let mut url = url::Url::parse(admin).unwrap();
    url.set_path(&format!("/{name}"));
    url.to_string()
}
