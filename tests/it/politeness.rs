//! Politeness across processes: two `lyssna worker`s on one PostgreSQL database crawl six sources
//! of one host, one at a time each (so both crawl that host at once). The host logs when each request starts and ends; no two may overlap, and none may
//! start sooner than the per-host delay after the one before, whichever worker sent them.

use axum::extract::State;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DELAY_MS: u64 = 300;
const SOURCES: usize = 6;

/// (path, started, ended) of every request, on the server's clock.
type Log = Arc<Mutex<Vec<(String, Instant, Instant)>>>;

async fn logging_site(log: Log) -> std::net::SocketAddr {
    let app = axum::Router::new()
        .fallback(|State(log): State<Log>, uri: axum::http::Uri| async move {
            let start = Instant::now();
            // Long enough that requests sent at once would overlap.
            tokio::time::sleep(Duration::from_millis(80)).await;
            let path = uri.path().to_string();
            let body = if path == "/robots.txt" {
                "User-agent: *\nAllow: /\n".to_string()
            } else {
                format!(
                    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
                     <item><title>GoMonday {path}</title><guid>{path}</guid><description>GoMonday</description></item>\
                     </channel></rss>"
                )
            };
            log.lock().unwrap().push((path, start, Instant::now()));
            ([("content-type", "application/rss+xml")], body)
        })
        .with_state(log);
    let listener = tokio::net::TcpListener::bind(("127.0.7.1", 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn lyssna(dir: &std::path::Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lyssna"));
    c.current_dir(dir)
        .args(args)
        .env_remove("LYSSNA_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_postgresql_never_send_to_one_host_at_once_or_too_soon() {
    let Some(db) = crate::support::postgres_url("politeness").await else {
        eprintln!("skipped: politeness across workers (set LYSSNA_TEST_POSTGRES_URL to run it)");
        return;
    };
    let log: Log = Arc::default();
    let addr = logging_site(log.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!(
        "database_url = \"{db}\"\n[crawler]\nper_host_delay = \"{DELAY_MS}ms\"\nconcurrency = 1\n\n\
         [[brands]]\nname = \"GoMonday\"\nquery = 'gomonday'\n"
    );
    for n in 0..SOURCES {
        text += &format!(
            "\n[[sources]]\nname = \"s{n}\"\nkind = \"feed\"\nurl = \"http://{addr}/feed/{n}\"\nallow_private = true\n"
        );
    }
    std::fs::write(dir.path().join("lyssna.toml"), text).unwrap();
    assert!(lyssna(dir.path(), &["migrate"]).status().unwrap().success());
    let mut workers: Vec<_> = (0..2)
        .map(|_| lyssna(dir.path(), &["worker"]).spawn().unwrap())
        .collect();
    // Both workers fetch robots.txt and then share the six feeds.
    let deadline = Instant::now() + Duration::from_secs(60);
    while log.lock().unwrap().len() < SOURCES + 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for w in &mut workers {
        let _ = w.kill();
        let _ = w.wait();
    }
    let mut log = log.lock().unwrap().clone();
    log.sort_by_key(|(_, start, _)| *start);
    let feeds = log
        .iter()
        .filter(|(p, _, _)| p.starts_with("/feed/"))
        .count();
    assert_eq!(feeds, SOURCES, "every source crawled once: {log:?}");
    let robots = log.iter().filter(|(p, _, _)| p == "/robots.txt").count();
    assert_eq!(robots, 2, "both workers crawled: {log:?}");
    for pair in log.windows(2) {
        let ((a, _, a_end), (b, b_start, _)) = (&pair[0], &pair[1]);
        let gap = b_start.checked_duration_since(*a_end);
        assert!(
            gap.is_some(),
            "{b} started while {a} was still being answered"
        );
        assert!(
            gap.unwrap() >= Duration::from_millis(DELAY_MS - 20),
            "{b} started {:?} after {a} ended (delay {DELAY_MS} ms)",
            gap.unwrap()
        );
    }
}
