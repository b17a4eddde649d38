//! `lyssna crawl` killed with SIGKILL over and over, at any point of its run (starting, fetching,
//! committing), against feeds that grow on every request: afterwards one crawl runs to the end and
//! stores every item exactly once, skips nothing because of a dead process's lease, and leaves an
//! intact schema, no lease and no registered process behind.
//!
//! 20 kills per backend in plain `cargo test`; `LYSSNA_LONG_TESTS=1` makes it 100.

use crate::support::databases;
use axum::extract::{Path, State};
use lyssna::store::Store;
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const FEEDS: usize = 20;
const HOSTS: usize = 4;
/// Items a feed gains on every request, up to `MAX_ITEMS`.
const GROWTH: usize = 7;
const MAX_ITEMS: usize = 300;

/// Per feed: requests answered, and the items of the last answer.
type Served = Arc<Mutex<HashMap<usize, (usize, usize)>>>;

fn feed(n: usize, items: usize) -> String {
    let body: String = (0..items)
        .map(|i| {
            format!(
                "<item><title>Flöde {n} inlägg {i}</title><guid>f{n}-{i}</guid>\
                 <link>http://feeds.example/{n}/{i}</link>\
                 <description>GoMonday har inte svarat på ärende {n}-{i}</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>F{n}</title>\
         <link>http://feeds.example/{n}</link><description>d</description>{body}</channel></rss>"
    )
}

async fn serve_feeds(ip: &str, served: Served) -> std::net::SocketAddr {
    let app = axum::Router::new()
        .route(
            "/feed/{n}",
            axum::routing::get(
                |State(served): State<Served>, Path(n): Path<usize>| async move {
                    let items = {
                        let mut s = served.lock().unwrap();
                        let e = s.entry(n).or_insert((0, 0));
                        e.0 += 1;
                        e.1 = (5 + GROWTH * e.0).min(MAX_ITEMS);
                        e.1
                    };
                    ([("content-type", "application/rss+xml")], feed(n, items))
                },
            ),
        )
        .with_state(served);
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn config(db: &str, hosts: &[std::net::SocketAddr]) -> String {
    let mut text = format!(
        "database_url = \"{db}\"\n[crawler]\nper_host_delay = \"0ms\"\nrespect_robots = false\n\
         concurrency = 4\nmax_items = 1000\n\n[[brands]]\nname = \"GoMonday\"\nquery = 'gomonday'\n"
    );
    for n in 0..FEEDS {
        let addr = hosts[n % hosts.len()];
        text += &format!(
            "\n[[sources]]\nname = \"feed {n}\"\nkind = \"feed\"\nurl = \"http://{addr}/feed/{n}\"\n\
             allow_private = true\nevery = \"30m\"\n"
        );
    }
    text
}

fn lyssna(dir: &std::path::Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lyssna"));
    c.current_dir(dir)
        .args(args)
        .env_remove("LYSSNA_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// Kills `lyssna crawl` `kills` times at pseudo-random moments; returns each run's stderr.
fn kill_loop(dir: &std::path::Path, kills: usize) -> Vec<String> {
    let mut seed: u64 = 0x5eed_1e55;
    let mut logs = Vec::new();
    for _ in 0..kills {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // From before the database is opened to well into the commits of the crawl.
        let after = Duration::from_millis(20 + (seed >> 33) % 900);
        let mut child = lyssna(dir, &["crawl"]).spawn().expect("run lyssna crawl");
        std::thread::sleep(after);
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        logs.push(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    logs
}

async fn check_store(backend: &str, db: &str) {
    let store = Store::connect(db).await.unwrap();
    store
        .check_schema()
        .await
        .unwrap_or_else(|e| panic!("{backend}: {e}"));
    let pool = store_pool(db).await;
    let one = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            let row = sqlx::query(sql).fetch_one(&pool).await.unwrap();
            sqlx::Row::get::<i64, _>(&row, 0)
        }
    };
    if backend == "sqlite" {
        let row = sqlx::query("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(sqlx::Row::get::<String, _>(&row, 0), "ok", "{backend}");
    }
    let orphans = one(
        "SELECT COUNT(*) FROM mention_keys k WHERE NOT EXISTS (SELECT 1 FROM mentions m WHERE m.id = k.mention_id)",
    )
    .await;
    assert_eq!(orphans, 0, "{backend}: keys without their mention");
    let unfound = one("SELECT COUNT(*) FROM mentions m WHERE NOT EXISTS \
         (SELECT 1 FROM events e WHERE e.mention_id = m.id AND e.to_value = 'new')")
    .await;
    assert_eq!(unfound, 0, "{backend}: mentions without their 'new' event");
    let leased = one("SELECT COUNT(*) FROM sources WHERE lease_owner IS NOT NULL").await;
    assert_eq!(leased, 0, "{backend}: leases left behind");
    let workers = one("SELECT COUNT(*) FROM workers").await;
    assert_eq!(workers, 0, "{backend}: processes left in the registry");
    pool.close().await;
}

async fn store_pool(db: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(db).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawls_killed_with_sigkill_lose_nothing_duplicate_nothing_and_hold_no_lease() {
    let kills = if std::env::var("LYSSNA_LONG_TESTS").as_deref() == Ok("1") {
        100
    } else {
        20
    };
    let _heavy = crate::support::heavy().await;
    for (backend, db, _dir) in databases("kill9").await {
        let served: Served = Arc::default();
        let mut hosts = Vec::new();
        for h in 0..HOSTS {
            hosts.push(serve_feeds(&format!("127.0.6.{}", h + 1), served.clone()).await);
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lyssna.toml"), config(&db, &hosts)).unwrap();
        let migrate = lyssna(dir.path(), &["migrate"]).output().unwrap();
        assert!(migrate.status.success(), "{backend}: migrate failed");

        let path = dir.path().to_path_buf();
        let logs = tokio::task::spawn_blocking(move || kill_loop(&path, kills))
            .await
            .unwrap();
        for log in &logs {
            assert!(
                !log.contains("skipped"),
                "{backend}: a source was skipped after a kill: {log}"
            );
        }

        let path = dir.path().to_path_buf();
        let last = tokio::task::spawn_blocking(move || lyssna(&path, &["crawl"]).output().unwrap())
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&last.stderr);
        assert!(last.status.success(), "{backend}: {stderr}");
        assert!(!stderr.contains("skipped"), "{backend}: {stderr}");

        let expected: usize = served
            .lock()
            .unwrap()
            .values()
            .map(|(_, items)| items)
            .sum();
        let pool = store_pool(&db).await;
        let row = sqlx::query("SELECT COUNT(*) AS n, COUNT(DISTINCT url) AS urls FROM mentions")
            .fetch_one(&pool)
            .await
            .unwrap();
        let (n, urls): (i64, i64) = (sqlx::Row::get(&row, "n"), sqlx::Row::get(&row, "urls"));
        pool.close().await;
        assert_eq!(
            urls as usize, expected,
            "{backend}: every item served is stored"
        );
        assert_eq!(n, urls, "{backend}: no item is stored twice");
        check_store(&backend, &db).await;
        eprintln!("{backend}: {kills} kills, {expected} items, all stored once");
    }
}

/// A feed of `items` items, every one about the brand.
async fn serve_big_feed(items: usize) -> std::net::SocketAddr {
    let body: String = (0..items)
        .map(|i| {
            format!(
                "<item><title>Stort inlägg {i}</title><guid>big-{i}</guid><link>http://big.example/{i}</link>\
                 <description>GoMonday svarar inte om order {i}</description></item>"
            )
        })
        .collect();
    let feed = Arc::new(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Stort</title>\
         <link>http://big.example/</link><description>d</description>{body}</channel></rss>"
    ));
    let app = axum::Router::new().fallback(move || {
        let feed = feed.clone();
        async move { ([("content-type", "application/rss+xml")], (*feed).clone()) }
    });
    let listener = tokio::net::TcpListener::bind(("127.0.6.9", 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Issue 14 item 7: a big crawl is written in chunks that nobody sees before it is published. Killed
/// with SIGKILL between two chunks, it leaves nothing visible; the next `lyssna crawl` finds its
/// process dead, removes what it staged, and stores every item exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_crawl_killed_between_chunks_leaves_nothing_and_is_stored_once_after_restart() {
    let items = 6 * lyssna::store::STAGE_CHUNK + 3;
    let _heavy = crate::support::heavy().await;
    let feed = serve_big_feed(items).await;
    for (backend, db, _dir) in databases("kill9_big").await {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "database_url = \"{db}\"\n[crawler]\nper_host_delay = \"0ms\"\nrespect_robots = false\n\
             max_items = {}\nmax_body = \"64MiB\"\n\n[[brands]]\nname = \"GoMonday\"\nquery = 'gomonday'\n\n\
             [[sources]]\nname = \"stort\"\nkind = \"feed\"\nurl = \"http://{feed}/feed\"\n\
             allow_private = true\nevery = \"30m\"\n",
            items + 1
        );
        std::fs::write(dir.path().join("lyssna.toml"), text).unwrap();
        let migrate = lyssna(dir.path(), &["migrate"]).output().unwrap();
        assert!(migrate.status.success(), "{backend}: migrate failed");
        let store = Store::connect(&db).await.unwrap();

        let mut child = lyssna(dir.path(), &["crawl"])
            .spawn()
            .expect("run lyssna crawl");
        let staged = loop {
            let pending = store.pending_crawls().await.unwrap();
            if let Some(p) = pending.into_iter().find(|p| p.staged > 0) {
                break p;
            }
            assert!(
                child.try_wait().unwrap().is_none(),
                "{backend}: the crawl ended before it was seen staging"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        child.kill().unwrap();
        child.wait().unwrap();
        assert!((staged.staged as usize) < items, "{backend}: {staged:?}");
        assert_eq!(store.mention_count().await.unwrap(), 0, "{backend}");
        assert_eq!(store.inbox_counts().await.unwrap().new, 0, "{backend}");
        assert!(store.export_all().await.unwrap().is_empty(), "{backend}");

        let path = dir.path().to_path_buf();
        let again =
            tokio::task::spawn_blocking(move || lyssna(&path, &["crawl"]).output().unwrap())
                .await
                .unwrap();
        let stderr = String::from_utf8_lossy(&again.stderr);
        assert!(again.status.success(), "{backend}: {stderr}");
        assert!(
            store.pending_crawls().await.unwrap().is_empty(),
            "{backend}"
        );
        let pool = store_pool(&db).await;
        let row = sqlx::query("SELECT COUNT(*) AS n, COUNT(DISTINCT url) AS urls FROM mentions")
            .fetch_one(&pool)
            .await
            .unwrap();
        let (n, urls): (i64, i64) = (sqlx::Row::get(&row, "n"), sqlx::Row::get(&row, "urls"));
        pool.close().await;
        assert_eq!(urls as usize, items, "{backend}: every item is stored");
        assert_eq!(n, urls, "{backend}: no item is stored twice");
        assert_eq!(
            store.mention_count().await.unwrap(),
            items as i64,
            "{backend}"
        );
        store.close().await;
        check_store(&backend, &db).await;
        eprintln!(
            "{backend}: killed with {} of {items} staged; all stored once after restart",
            staged.staged
        );
    }
}
