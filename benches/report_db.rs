//! The weekly report from the database: `report_facts` + `weekly_report` for the latest complete week over
//! 1,000,000 stored mentions with their events (goal: ≤ 1 s per backend).
//!
//! Baseline in the same run: `SELECT COUNT(*)` over the mentions table, the floor of touching the
//! data at all. SQLite always; PostgreSQL when `LYSSNA_BENCH_POSTGRES_URL` or
//! `LYSSNA_TEST_POSTGRES_URL` names a server (a database `lyssna_bench_report_N` is created there and
//! kept, like the SQLite file under `target/bench-data/`, so later runs skip the slow fill).
//!
//! Run: `cargo bench --bench report_db` (release profile). `LYSSNA_BENCH_N` changes the size.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use lyssna::domain::report::{IsoWeekId, ReportSettings, load_window, weekly_report};
use lyssna::store::Store;
use std::time::{Duration, Instant};

const RUNS: usize = 5;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn bench(label: &str, store: &Store, n: usize, now: DateTime<Utc>) {
    let fill = common::populate(store, n, now).await;
    let count = store.mention_count().await.unwrap();
    println!(
        "{label}: {count} mentions (fill {:.1} s; 0 s means cached)",
        fill.as_secs_f64()
    );
    let settings = ReportSettings::default();
    // The latest complete week, as the scheduled job reports it.
    let week = IsoWeekId::containing(now, settings.timezone).prev();
    let window = load_window(week, settings.timezone);

    let mut baseline = Vec::new();
    let mut load = Vec::new();
    let mut compute = Vec::new();
    let mut total = Vec::new();
    let mut facts_len = 0;
    let mut found = 0;
    // One warm-up run, then RUNS measured ones.
    for i in 0..=RUNS {
        let t0 = Instant::now();
        let c = store.mention_count().await.unwrap();
        let b = t0.elapsed();
        std::hint::black_box(c);
        let t1 = Instant::now();
        let facts = store.report_facts(&window, now).await.unwrap();
        let l = t1.elapsed();
        let t2 = Instant::now();
        let report = weekly_report(&facts, week, now, &settings);
        let w = t2.elapsed();
        facts_len = facts.len();
        found = report.criticism.found;
        if i > 0 {
            baseline.push(b);
            load.push(l);
            compute.push(w);
            total.push(l + w);
        }
    }
    let (b, l, w, t) = (
        median(baseline),
        median(load),
        median(compute),
        median(total),
    );
    println!(
        "{label}: week {week}: {facts_len} facts loaded, {found} criticism in the week\n\
         {label}:   baseline SELECT COUNT(*) {:>8.1} ms\n\
         {label}:   report_facts            {:>8.1} ms\n\
         {label}:   weekly_report           {:>8.1} ms\n\
         {label}:   total                   {:>8.1} ms  ({:.1}× baseline; goal ≤ 1000 ms: {})",
        b.as_secs_f64() * 1e3,
        l.as_secs_f64() * 1e3,
        w.as_secs_f64() * 1e3,
        t.as_secs_f64() * 1e3,
        t.as_secs_f64() / b.as_secs_f64().max(1e-9),
        if t <= Duration::from_secs(1) {
            "met"
        } else {
            "MISSED"
        }
    );
}

async fn postgres_url(n: usize) -> Option<String> {
    use sqlx::Connection;
    let admin = std::env::var("LYSSNA_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("LYSSNA_TEST_POSTGRES_URL"))
        .ok()?;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&admin).await.ok()?;
    let name = format!("lyssna_bench_report_{n}");
    let exists = sqlx::query("SELECT 1 AS x FROM pg_database WHERE datname = $1")
        .bind(name.as_str())
        .fetch_optional(&mut conn)
        .await
        .ok()?
        .is_some();
    if !exists {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .ok()?;
    }
    conn.close().await.ok();
    let mut url = url::Url::parse(&admin).ok()?;
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

fn main() {
    let n: usize = std::env::var("LYSSNA_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    // A fixed "now" so the cached database stays valid between runs.
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target")
            .join("bench-data");
        let dir = std::env::var("CARGO_TARGET_DIR")
            .map(|d| std::path::PathBuf::from(d).join("bench-data"))
            .unwrap_or(dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(format!("report-{n}.db"));
        let store = Store::open_and_migrate(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        bench("sqlite", &store, n, now).await;
        store.close().await;
        match postgres_url(n).await {
            Some(url) => {
                let store = Store::open_and_migrate(&url).await.unwrap();
                bench("postgres", &store, n, now).await;
                store.close().await;
            }
            None => println!(
                "postgres: skipped (set LYSSNA_BENCH_POSTGRES_URL or LYSSNA_TEST_POSTGRES_URL)"
            ),
        }
    });
}
