//! The fetcher against real servers on loopback, port 0: axum apps for well-behaved servers, raw
//! TCP for hostile ones. No test sends traffic anywhere but 127.0.0.0/8.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;

use super::*;

const UA: &str = "Lyssna/0.1 (+https://example.org/lyssna-bot)";

// ---------- test servers ----------

#[derive(Debug, Clone)]
struct Hit {
    path: String,
    user_agent: Option<String>,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
    start: Instant,
    end: Instant,
}

#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<Hit>>>);

impl Log {
    /// Hits in arrival order.
    fn hits(&self) -> Vec<Hit> {
        let mut hits = self.0.lock().expect("log lock").clone();
        hits.sort_by_key(|h| h.start);
        hits
    }
    fn count(&self, path: &str) -> usize {
        self.hits().iter().filter(|h| h.path == path).count()
    }
}

async fn record(State(log): State<Log>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    // Extracted in a block: a borrow of the request must not live across the await (the
    // future would not be Send).
    let (path, user_agent, if_none_match, if_modified_since) = {
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let path = req
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        (
            path,
            header("user-agent"),
            header("if-none-match"),
            header("if-modified-since"),
        )
    };
    let response = next.run(req).await;
    log.0.lock().expect("log lock").push(Hit {
        path,
        user_agent,
        if_none_match,
        if_modified_since,
        start,
        end: Instant::now(),
    });
    response
}

struct Server {
    addr: SocketAddr,
    log: Log,
}

impl Server {
    fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{path}", self.addr)).expect("test url")
    }
}

async fn serve_on(ip: &str, app: Router) -> Server {
    let log = Log::default();
    let app = app.layer(middleware::from_fn_with_state(log.clone(), record));
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server { addr, log }
}

async fn serve(app: Router) -> Server {
    serve_on("127.0.0.1", app).await
}

/// A server that answers every connection with `response` verbatim, whatever was asked.
async fn raw_server(response: Vec<u8>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let response = Arc::new(response);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let response = Arc::clone(&response);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = socket.write_all(&response).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    addr
}

/// A fast configuration for tests: no pacing, no robots, short timeouts.
fn config() -> FetcherConfig {
    FetcherConfig {
        per_host_delay: Duration::ZERO,
        respect_robots: false,
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_secs(2),
        user_agent: UA.to_string(),
        max_body: 10 << 20,
        max_redirects: 5,
        robots_ttl: super::ROBOTS_TTL,
        max_retry_wait: super::MAX_RETRY_WAIT,
    }
}

fn fetcher(config: FetcherConfig) -> Fetcher {
    Fetcher::new(config).expect("fetcher builds")
}

/// Loopback servers need `allow_private`.
fn local(url: &Url) -> FetchRequest<'_> {
    FetchRequest {
        allow_private: true,
        ..FetchRequest::new(url)
    }
}

fn page(outcome: Result<FetchOutcome, FetchError>) -> FetchedPage {
    match outcome {
        Ok(FetchOutcome::Fetched(page)) => *page,
        other => panic!("expected a page, got {other:?}"),
    }
}

/// A gzip stream of `n` bytes of `b'a'`, tiny on the wire: one literal, then length-258
/// distance-1 copies in a fixed-Huffman deflate block (written by hand: no compression crate
/// is a dependency).
fn gzip_of_repeated_a(n: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u32,
        len: u32,
    }
    impl Bits {
        fn push(&mut self, bit: u32) {
            self.acc |= bit << self.len;
            self.len += 1;
            if self.len == 8 {
                self.out.push(self.acc as u8);
                self.acc = 0;
                self.len = 0;
            }
        }
        /// Huffman codes go most significant bit first.
        fn code(&mut self, code: u32, len: u32) {
            for i in (0..len).rev() {
                self.push((code >> i) & 1);
            }
        }
    }
    let mut bits = Bits {
        out: Vec::new(),
        acc: 0,
        len: 0,
    };
    bits.push(1); // BFINAL
    bits.push(1); // BTYPE = 01 (fixed Huffman), low bit first
    bits.push(0);
    let literal_a = || (0x30 + u32::from(b'a'), 8);
    let mut written = 0;
    if n > 0 {
        let (c, l) = literal_a();
        bits.code(c, l);
        written = 1;
    }
    while n - written >= 258 {
        bits.code(0b1100_0101, 8); // length symbol 285 = 258
        bits.code(0, 5); // distance code 0 = 1
        written += 258;
    }
    while written < n {
        let (c, l) = literal_a();
        bits.code(c, l);
        written += 1;
    }
    bits.code(0, 7); // end of block
    if bits.len > 0 {
        bits.out.push(bits.acc as u8);
    }
    let mut crc = 0xffff_ffffu32;
    for _ in 0..n {
        crc ^= u32::from(b'a');
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    gz.extend_from_slice(&bits.out);
    gz.extend_from_slice(&(!crc).to_le_bytes());
    gz.extend_from_slice(&(n as u32).to_le_bytes());
    gz
}

// ---------- user agent and robots.txt ----------

#[tokio::test]
async fn user_agent_is_sent_on_every_request_including_robots_txt() {
    let server = serve(
        Router::new()
            .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
            .route("/page", get(|| async { "hello" })),
    )
    .await;
    let f = fetcher(FetcherConfig {
        respect_robots: true,
        ..config()
    });
    let url = server.url("/page");
    let page = page(f.fetch(&local(&url)).await);
    assert_eq!(page.body.as_ref(), b"hello");
    let hits = server.log.hits();
    assert_eq!(
        hits.iter().map(|h| h.path.as_str()).collect::<Vec<_>>(),
        ["/robots.txt", "/page"]
    );
    for hit in hits {
        assert_eq!(hit.user_agent.as_deref(), Some(UA), "{}", hit.path);
    }
}

const ROBOTS: &str = "User-agent: *\nDisallow: /\n\nUser-agent: Lyssna\nDisallow: /private\n";

#[tokio::test]
async fn robots_txt_is_honoured_on_the_product_token_and_cached() {
    let server = serve(
        Router::new()
            .route("/robots.txt", get(|| async { ROBOTS }))
            .route("/public", get(|| async { "public" }))
            .route("/private", get(|| async { "private" })),
    )
    .await;
    let f = fetcher(FetcherConfig {
        respect_robots: true,
        ..config()
    });
    let public = server.url("/public");
    let private = server.url("/private");
    // The `Lyssna` group applies (not `*`, which would refuse everything).
    assert_eq!(
        page(f.fetch(&local(&public)).await).body.as_ref(),
        b"public"
    );
    let err = f.fetch(&local(&private)).await.expect_err("disallowed");
    assert!(
        matches!(err, FetchError::RobotsDisallowed { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("ignore_robots"));
    // A clone shares the cache.
    page(f.clone().fetch(&local(&public)).await);
    assert_eq!(server.log.count("/robots.txt"), 1);
    assert_eq!(server.log.count("/private"), 0);
    assert_eq!(server.log.count("/public"), 2);
}

#[tokio::test]
async fn ignore_robots_and_respect_robots_false_skip_the_file() {
    let server = serve(
        Router::new()
            .route("/robots.txt", get(|| async { ROBOTS }))
            .route("/private", get(|| async { "mine" })),
    )
    .await;
    let url = server.url("/private");
    let f = fetcher(FetcherConfig {
        respect_robots: true,
        ..config()
    });
    let req = FetchRequest {
        ignore_robots: true,
        ..local(&url)
    };
    assert_eq!(page(f.fetch(&req).await).body.as_ref(), b"mine");
    let f = fetcher(config()); // respect_robots: false
    page(f.fetch(&local(&url)).await);
    assert_eq!(server.log.count("/robots.txt"), 0);
    assert_eq!(server.log.count("/private"), 2);
}

#[tokio::test]
async fn missing_robots_txt_allows_everything() {
    // No /robots.txt route: axum answers 404.
    let server = serve(Router::new().route("/page", get(|| async { "ok" }))).await;
    let f = fetcher(FetcherConfig {
        respect_robots: true,
        ..config()
    });
    let url = server.url("/page");
    page(f.fetch(&local(&url)).await);
    page(f.fetch(&local(&url)).await);
    assert_eq!(server.log.count("/robots.txt"), 1);
}

#[tokio::test]
async fn robots_txt_redirects_are_followed_and_the_cache_expires() {
    let server = serve(
        Router::new()
            .route(
                "/robots.txt",
                get(|| async {
                    (
                        StatusCode::MOVED_PERMANENTLY,
                        [("location", "/real-robots")],
                    )
                }),
            )
            .route(
                "/real-robots",
                get(|| async { "User-agent: *\nDisallow: /no\n" }),
            )
            .route("/yes", get(|| async { "yes" })),
    )
    .await;
    let f = fetcher(FetcherConfig {
        respect_robots: true,
        robots_ttl: Duration::from_millis(150),
        ..config()
    });
    let no = server.url("/no");
    let err = f.fetch(&local(&no)).await.expect_err("disallowed");
    assert!(
        matches!(err, FetchError::RobotsDisallowed { .. }),
        "{err:?}"
    );
    page(f.fetch(&local(&server.url("/yes"))).await);
    assert_eq!(server.log.count("/real-robots"), 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    page(f.fetch(&local(&server.url("/yes"))).await);
    assert_eq!(
        server.log.count("/real-robots"),
        2,
        "re-fetched after the TTL"
    );
}

#[tokio::test]
async fn robots_txt_server_error_stops_crawling_for_now() {
    let server = serve(
        Router::new()
            .route(
                "/robots.txt",
                get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
            )
            .route("/page", get(|| async { "ok" })),
    )
    .await;
    let f = fetcher(FetcherConfig {
        respect_robots: true,
        ..config()
    });
    let url = server.url("/page");
    for _ in 0..2 {
        let err = f.fetch(&local(&url)).await.expect_err("unreachable robots");
        assert!(
            matches!(err, FetchError::RobotsUnreachable { .. }),
            "{err:?}"
        );
    }
    assert_eq!(server.log.count("/page"), 0);
    assert_eq!(
        server.log.count("/robots.txt"),
        1,
        "cached, even when failing"
    );
}

#[tokio::test]
async fn crawl_delay_raises_the_gap_between_requests() {
    let server = serve(
        Router::new()
            .route(
                "/robots.txt",
                get(|| async { "User-agent: *\nCrawl-delay: 0.4\n" }),
            )
            .route("/page", get(|| async { "ok" })),
    )
    .await;
    let f = fetcher(FetcherConfig {
        respect_robots: true,
        per_host_delay: Duration::from_millis(10),
        ..config()
    });
    let url = server.url("/page");
    page(f.fetch(&local(&url)).await);
    let hits = server.log.hits();
    assert_eq!(hits.len(), 2);
    let gap = hits[1].start - hits[0].end;
    assert!(gap >= Duration::from_millis(390), "gap {gap:?}");
}

// ---------- pacing ----------

#[tokio::test]
async fn one_request_at_a_time_per_host_with_a_minimum_gap() {
    let server = serve(Router::new().route(
        "/slow/{n}",
        get(|Path(n): Path<u32>| async move {
            tokio::time::sleep(Duration::from_millis(40)).await;
            format!("page {n}")
        }),
    ))
    .await;
    let delay = Duration::from_millis(120);
    let f = fetcher(FetcherConfig {
        per_host_delay: delay,
        ..config()
    });
    let urls: Vec<Url> = (0..3).map(|n| server.url(&format!("/slow/{n}"))).collect();
    let results = futures_util::future::join_all(urls.iter().map(|u| {
        let f = f.clone();
        async move { f.fetch(&local(u)).await }
    }))
    .await;
    for r in results {
        page(r);
    }
    let hits = server.log.hits();
    assert_eq!(hits.len(), 3);
    for pair in hits.windows(2) {
        // The next request starts only after the previous one ended, plus the delay.
        let gap = pair[1].start.saturating_duration_since(pair[0].end);
        assert!(pair[1].start > pair[0].end, "requests overlapped");
        assert!(gap >= delay, "gap {gap:?} < {delay:?}");
    }
}

#[tokio::test]
async fn different_hosts_proceed_in_parallel() {
    let app = || {
        Router::new().route(
            "/p/{n}",
            get(|Path(n): Path<u32>| async move { n.to_string() }),
        )
    };
    let a = serve_on("127.0.0.1", app()).await;
    let b = serve_on("127.0.0.2", app()).await;
    let f = fetcher(FetcherConfig {
        per_host_delay: Duration::from_millis(300),
        ..config()
    });
    let urls = [a.url("/p/1"), a.url("/p/2"), b.url("/p/1"), b.url("/p/2")];
    let results = futures_util::future::join_all(urls.iter().map(|u| {
        let f = f.clone();
        async move { f.fetch(&local(u)).await }
    }))
    .await;
    for r in results {
        page(r);
    }
    let (ha, hb) = (a.log.hits(), b.log.hits());
    assert_eq!((ha.len(), hb.len()), (2, 2));
    // Each host is paced...
    assert!(ha[1].start - ha[0].end >= Duration::from_millis(300));
    assert!(hb[1].start - hb[0].end >= Duration::from_millis(300));
    // ...but neither waited for the other: both first requests came before either second.
    assert!(hb[0].start < ha[1].start && ha[0].start < hb[1].start);
}

// ---------- Retry-After ----------

fn flaky(status: StatusCode, retry_after: String) -> Router {
    let calls = Arc::new(AtomicUsize::new(0));
    Router::new().route(
        "/busy",
        get(move || {
            let calls = Arc::clone(&calls);
            let retry_after = retry_after.clone();
            async move {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    (status, [("retry-after", retry_after)], "slow down").into_response()
                } else {
                    "fine now".into_response()
                }
            }
        }),
    )
}

#[tokio::test]
async fn short_retry_after_is_waited_out_before_contacting_the_host_again() {
    let server = serve(flaky(StatusCode::TOO_MANY_REQUESTS, "1".into())).await;
    let f = fetcher(config());
    let url = server.url("/busy");
    let err = f.fetch(&local(&url)).await.expect_err("429");
    assert_eq!(
        err,
        FetchError::RateLimited {
            retry_after: Some(Duration::from_secs(1))
        }
    );
    assert!(err.is_blocked());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(page(f.fetch(&local(&url)).await).body.as_ref(), b"fine now");
    let hits = server.log.hits();
    let gap = hits[1].start - hits[0].start;
    assert!(gap >= Duration::from_millis(990), "came back after {gap:?}");
}

#[tokio::test]
async fn long_retry_after_fails_fast_without_contacting_the_host() {
    let server = serve(flaky(StatusCode::TOO_MANY_REQUESTS, "3600".into())).await;
    let f = fetcher(config());
    let url = server.url("/busy");
    f.fetch(&local(&url)).await.expect_err("429");
    let err = f.fetch(&local(&url)).await.expect_err("still backing off");
    let left = err.retry_after().expect("carries the wait");
    // Not asked, so not refused: paused, and not "blocked" (only the 429's own source is).
    assert!(matches!(err, FetchError::HostPaused { .. }), "{err:?}");
    assert!(!err.is_blocked() && err.is_deferred());
    assert!(left > Duration::from_secs(3590) && left <= Duration::from_secs(3600));
    assert_eq!(server.log.count("/busy"), 1);
}

#[tokio::test]
async fn retry_after_as_http_date_on_503() {
    let at = chrono::Utc::now() + chrono::Duration::seconds(120);
    let date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let server = serve(flaky(StatusCode::SERVICE_UNAVAILABLE, date)).await;
    let f = fetcher(config());
    let url = server.url("/busy");
    let err = f.fetch(&local(&url)).await.expect_err("503");
    assert!(matches!(err, FetchError::ServerBusy { .. }), "{err:?}");
    assert!(!err.is_blocked());
    let wait = err.retry_after().expect("date parsed");
    assert!(
        wait > Duration::from_secs(115) && wait <= Duration::from_secs(120),
        "{wait:?}"
    );
    let again = f.fetch(&local(&url)).await.expect_err("backing off");
    assert!(matches!(again, FetchError::HostPaused { .. }), "{again:?}");
    assert_eq!(server.log.count("/busy"), 1);
}

// ---------- conditional GET ----------

#[tokio::test]
async fn conditional_get_sends_validators_and_maps_304() {
    async fn handler(headers: HeaderMap) -> Response {
        let etag_matches = headers.get("if-none-match").is_some_and(|v| v == "\"v1\"");
        if etag_matches {
            return StatusCode::NOT_MODIFIED.into_response();
        }
        (
            [
                ("etag", "\"v1\""),
                ("last-modified", "Wed, 21 Oct 2015 07:28:00 GMT"),
                ("content-type", "text/html; charset=utf-8"),
            ],
            "<p>v1</p>",
        )
            .into_response()
    }
    let server = serve(Router::new().route("/doc", get(handler))).await;
    let f = fetcher(config());
    let url = server.url("/doc");
    let first = page(f.fetch(&local(&url)).await);
    assert_eq!(first.etag.as_deref(), Some("\"v1\""));
    assert_eq!(
        first.last_modified.as_deref(),
        Some("Wed, 21 Oct 2015 07:28:00 GMT")
    );
    assert_eq!(
        first.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(first.status, 200);
    let req = FetchRequest {
        etag: first.etag.as_deref(),
        last_modified: first.last_modified.as_deref(),
        ..local(&url)
    };
    assert_eq!(f.fetch(&req).await, Ok(FetchOutcome::NotModified));
    let hits = server.log.hits();
    assert_eq!(hits[0].if_none_match, None);
    assert_eq!(hits[1].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(
        hits[1].if_modified_since.as_deref(),
        Some("Wed, 21 Oct 2015 07:28:00 GMT")
    );
    // A stored validator that is not a valid header value is skipped, not fatal.
    let req = FetchRequest {
        etag: Some("bad\nvalue"),
        ..local(&url)
    };
    page(f.fetch(&req).await);
}

// ---------- timeouts ----------

fn one_second() -> FetcherConfig {
    FetcherConfig {
        timeout: Duration::from_secs(1),
        ..config()
    }
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = serve(Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "too late"
        }),
    ))
    .await;
    let f = fetcher(one_second());
    let url = server.url("/slow");
    let err = f.fetch(&local(&url)).await.expect_err("timeout");
    assert_eq!(
        err,
        FetchError::Timeout {
            after: Duration::from_secs(1)
        }
    );
}

#[tokio::test]
async fn a_trickling_body_times_out() {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let head = b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n";
                if socket.write_all(head).await.is_err() {
                    return;
                }
                // One byte every 100 ms: every read succeeds, the whole never ends in time.
                for _ in 0..100_000 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    if socket.write_all(b"x").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let f = fetcher(one_second());
    let url = Url::parse(&format!("http://{addr}/")).expect("url");
    let err = f.fetch(&local(&url)).await.expect_err("timeout");
    assert!(matches!(err, FetchError::Timeout { .. }), "{err:?}");
}

// ---------- body cap ----------

fn capped(max_body: u64) -> FetcherConfig {
    FetcherConfig {
        max_body,
        ..config()
    }
}

#[tokio::test]
async fn a_body_over_the_cap_is_refused() {
    const MIB: usize = 1024 * 1024;
    let server = serve(
        Router::new()
            .route("/exact", get(|| async { vec![b'x'; MIB] }))
            .route("/over", get(|| async { vec![b'x'; MIB + 1] })),
    )
    .await;
    let f = fetcher(capped(MIB as u64));
    assert_eq!(
        page(f.fetch(&local(&server.url("/exact"))).await)
            .body
            .len(),
        MIB
    );
    let err = f
        .fetch(&local(&server.url("/over")))
        .await
        .expect_err("too large");
    assert_eq!(err, FetchError::BodyTooLarge { limit: MIB as u64 });
}

#[tokio::test]
async fn the_cap_applies_after_decompression() {
    const MIB: usize = 1024 * 1024;
    let bomb = gzip_of_repeated_a(4 * MIB);
    let small = gzip_of_repeated_a(100_000);
    assert!(bomb.len() < 30_000, "wire size {}", bomb.len());
    let gz = |body: Vec<u8>| {
        move || {
            let body = body.clone();
            async move { ([("content-encoding", "gzip")], body) }
        }
    };
    let server = serve(
        Router::new()
            .route("/bomb", get(gz(bomb)))
            .route("/small", get(gz(small))),
    )
    .await;
    let f = fetcher(capped(MIB as u64));
    let small = page(f.fetch(&local(&server.url("/small"))).await);
    assert_eq!(small.body.len(), 100_000);
    assert!(small.body.iter().all(|b| *b == b'a'));
    let err = f
        .fetch(&local(&server.url("/bomb")))
        .await
        .expect_err("expands past the cap");
    assert_eq!(err, FetchError::BodyTooLarge { limit: MIB as u64 });
}

// ---------- redirects ----------

fn redirect_chain() -> Router {
    Router::new()
        .route(
            "/r/{n}",
            get(|Path(n): Path<u32>| async move {
                if n == 0 {
                    "arrived".into_response()
                } else {
                    // Relative Location: resolved against the current URL.
                    (StatusCode::FOUND, [("location", format!("{}", n - 1))]).into_response()
                }
            }),
        )
        .route(
            "/loop",
            get(|| async { (StatusCode::MOVED_PERMANENTLY, [("location", "/loop")]) }),
        )
}

#[tokio::test]
async fn five_redirects_are_followed_and_final_url_reported() {
    let server = serve(redirect_chain()).await;
    let f = fetcher(config());
    let start = server.url("/r/5");
    let page = page(f.fetch(&local(&start)).await);
    assert_eq!(page.body.as_ref(), b"arrived");
    assert_eq!(page.final_url, server.url("/r/0"));
    assert_eq!(server.log.hits().len(), 6);
}

#[tokio::test]
async fn six_redirects_or_a_loop_are_too_many() {
    let server = serve(redirect_chain()).await;
    let f = fetcher(config());
    for path in ["/r/6", "/loop"] {
        let err = f
            .fetch(&local(&server.url(path)))
            .await
            .expect_err("too many");
        assert_eq!(err, FetchError::TooManyRedirects { max: 5 }, "{path}");
    }
    assert_eq!(server.log.count("/r/0"), 0);
    assert_eq!(server.log.count("/loop"), 6);
}

#[tokio::test]
async fn redirect_hops_are_robots_checked_for_their_target() {
    let server = serve(
        Router::new()
            .route("/robots.txt", get(|| async { ROBOTS }))
            .route(
                "/go",
                get(|| async { (StatusCode::FOUND, [("location", "/private/x")]) }),
            ),
    )
    .await;
    let f = fetcher(FetcherConfig {
        respect_robots: true,
        ..config()
    });
    let err = f
        .fetch(&local(&server.url("/go")))
        .await
        .expect_err("hop disallowed");
    assert!(matches!(err, FetchError::RobotsDisallowed { ref url } if url.ends_with("/private/x")));
}

// ---------- private addresses ----------

#[tokio::test]
async fn loopback_is_refused_unless_allowed() {
    let server = serve(Router::new().route("/", get(|| async { "intranet" }))).await;
    let f = fetcher(config());
    let literal = server.url("/");
    let err = f
        .fetch(&FetchRequest::new(&literal))
        .await
        .expect_err("refused");
    assert_eq!(
        err,
        FetchError::PrivateAddress {
            host: "127.0.0.1".into()
        }
    );
    // A host *name* is checked after resolution ("localhost" resolves via /etc/hosts).
    let named = Url::parse(&format!("http://localhost:{}/", server.addr.port())).expect("url");
    let err = f
        .fetch(&FetchRequest::new(&named))
        .await
        .expect_err("refused");
    assert_eq!(
        err,
        FetchError::PrivateAddress {
            host: "localhost".into()
        }
    );
    assert_eq!(server.log.hits().len(), 0, "nothing reached the server");
    assert_eq!(
        page(f.fetch(&local(&literal)).await).body.as_ref(),
        b"intranet"
    );
}

// ---------- status mapping ----------

#[tokio::test]
async fn statuses_and_bot_walls_map_to_errors() {
    let server = serve(
        Router::new()
            .route("/forbidden", get(|| async { StatusCode::FORBIDDEN }))
            .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
            .route("/broken", get(|| async { StatusCode::BAD_GATEWAY }))
            .route(
                "/captcha",
                get(|| async {
                    (
                        [("content-type", "text/html")],
                        "<html><head><title>Security check: CAPTCHA</title></head></html>",
                    )
                }),
            )
            .route(
                "/challenge",
                get(|| async {
                    (
                        StatusCode::FORBIDDEN,
                        [("cf-mitigated", "challenge")],
                        "<html></html>",
                    )
                }),
            )
            .route("/empty", get(|| async { StatusCode::NO_CONTENT })),
    )
    .await;
    let f = fetcher(config());
    let get_err = |path: &'static str| {
        let f = f.clone();
        let url = server.url(path);
        async move { f.fetch(&local(&url)).await.expect_err(path) }
    };
    assert_eq!(
        get_err("/forbidden").await,
        FetchError::Blocked {
            status: 403,
            retry_after: None,
            captcha: false
        }
    );
    assert_eq!(
        get_err("/missing").await,
        FetchError::HttpStatus { status: 404 }
    );
    assert_eq!(
        get_err("/broken").await,
        FetchError::HttpStatus { status: 502 }
    );
    let captcha = get_err("/captcha").await;
    assert_eq!(
        captcha,
        FetchError::Blocked {
            status: 200,
            retry_after: None,
            captcha: true
        }
    );
    assert!(captcha.is_blocked());
    assert!(matches!(
        get_err("/challenge").await,
        FetchError::Blocked { captcha: true, .. }
    ));
    let empty = page(f.fetch(&local(&server.url("/empty"))).await);
    assert_eq!((empty.status, empty.body.len()), (204, 0));
}

#[tokio::test]
async fn non_http_urls_are_refused_before_any_traffic() {
    let f = fetcher(config());
    for s in [
        "ftp://127.0.0.1/x",
        "file:///etc/passwd",
        "data:text/plain,hi",
    ] {
        let url = Url::parse(s).expect("url");
        let err = f.fetch(&local(&url)).await.expect_err(s);
        assert!(matches!(err, FetchError::InvalidUrl { .. }), "{s}: {err:?}");
    }
}

// ---------- hostile servers ----------

#[tokio::test]
async fn hostile_responses_are_errors_not_panics() {
    let huge_header = {
        let mut r = b"HTTP/1.1 200 OK\r\nx-big: ".to_vec();
        r.extend(std::iter::repeat_n(b'a', 1024 * 1024));
        r.extend_from_slice(b"\r\ncontent-length: 2\r\n\r\nok");
        r
    };
    let garbage_gzip = {
        let mut r =
            b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: 64\r\n\r\n".to_vec();
        r.extend((0u8..64).map(|i| i.wrapping_mul(37)));
        r
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage status line", b"SPDY/9 banana\r\n\r\n".to_vec()),
        (
            "invalid header line",
            b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n".to_vec(),
        ),
        (
            "invalid header bytes",
            b"HTTP/1.1 200 OK\r\nx-a: \x01\x02\r\ncontent-length: 0\r\n\r\n".to_vec(),
        ),
        ("huge header", huge_header),
        ("garbage gzip", garbage_gzip),
        (
            "short body",
            b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b".to_vec(),
        ),
        (
            "redirect to ftp",
            b"HTTP/1.1 302 Found\r\nlocation: ftp://example.org/\r\ncontent-length: 0\r\n\r\n"
                .to_vec(),
        ),
        (
            "redirect to nonsense",
            b"HTTP/1.1 302 Found\r\nlocation: http://[::1\r\ncontent-length: 0\r\n\r\n".to_vec(),
        ),
        (
            "redirect, non-UTF-8 location",
            b"HTTP/1.1 301 Moved\r\nlocation: /\xff\xfe\r\ncontent-length: 0\r\n\r\n".to_vec(),
        ),
        (
            "redirect without location",
            b"HTTP/1.1 302 Found\r\ncontent-length: 0\r\n\r\n".to_vec(),
        ),
        ("nothing at all", Vec::new()),
    ];
    let f = fetcher(config());
    for (name, response) in cases {
        let addr = raw_server(response).await;
        let url = Url::parse(&format!("http://{addr}/")).expect("url");
        let result = f.fetch(&local(&url)).await;
        let err = match result {
            Err(err) => err,
            Ok(outcome) => panic!("{name}: expected an error, got {outcome:?}"),
        };
        let expected = match name {
            "redirect to ftp" | "redirect to nonsense" | "redirect, non-UTF-8 location" => {
                matches!(err, FetchError::InvalidRedirect { .. })
            }
            "redirect without location" => err == FetchError::HttpStatus { status: 302 },
            "nothing at all" => matches!(err, FetchError::Network(_)),
            _ => matches!(err, FetchError::InvalidResponse(_)),
        };
        assert!(expected, "{name}: unexpected {err:?}");
        assert!(!err.to_string().is_empty());
    }
}

#[tokio::test]
async fn a_refused_connection_is_a_network_error() {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener); // nothing listens there any more
    let url = Url::parse(&format!("http://{addr}/")).expect("url");
    let err = fetcher(config())
        .fetch(&local(&url))
        .await
        .expect_err("refused");
    assert!(
        matches!(err, FetchError::Network(ref cause) if cause.contains("refused")),
        "{err:?}"
    );
}

#[test]
fn the_crypto_provider_can_be_installed_twice() {
    install_crypto_provider();
    install_crypto_provider();
    assert!(rustls::crypto::CryptoProvider::get_default().is_some());
}

#[test]
fn an_invalid_user_agent_is_a_config_error() {
    let err = Fetcher::new(FetcherConfig {
        user_agent: "Lyssna\n/0.1".into(),
        ..config()
    })
    .expect_err("invalid");
    assert!(matches!(err, FetchError::Config(_)));
}

#[test]
fn the_test_gzip_writer_matches_a_known_stream() {
    // Sanity check of the hand-written encoder's container: magic, method, trailer length.
    let gz = gzip_of_repeated_a(1000);
    assert_eq!(&gz[..3], &[0x1f, 0x8b, 8]);
    assert_eq!(&gz[gz.len() - 4..], &1000u32.to_le_bytes());
}
