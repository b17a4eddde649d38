//! The hostile-server suite: one real TCP server per behaviour on its own loopback address (so the
//! per-host pacing lets them run side by side), a source for each, one crawl each through the whole
//! pipeline, and the health and message the dashboard would show asserted for every one. Memory stays
//! bounded because every body is read under the cap (`max_body = 1MiB` here): the bombs and endless
//! bodies must end in "larger than the limit", not in an allocation.
//!
//! `LYSSNA_LONG_TESTS=1` adds the long variants (bigger bombs, a 270,000-item feed, default limits).

use crate::support::databases;
use chrono::Utc;
use lyssna::app::App;
use lyssna::domain::health::Health;
use lyssna::ingest::CrawlReport;
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does after reading a request for anything but `/robots.txt`.
#[derive(Clone)]
enum Act {
    /// Writes these bytes and closes.
    Bytes(Vec<u8>),
    /// Writes `head`, then `body` one byte per `every`.
    Drip {
        head: Vec<u8>,
        body: Vec<u8>,
        every: Duration,
    },
    /// Writes `head`, then `chunk` forever (until the client goes).
    Endless { head: Vec<u8>, chunk: Vec<u8> },
    /// Reads the request and never answers.
    Hang,
    /// Writes these bytes, then resets the connection (RST, not FIN).
    Reset(Vec<u8>),
}

/// A response with a Content-Length and `Connection: close`.
fn http(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

fn ok(content_type: &str, body: &[u8]) -> Act {
    Act::Bytes(http("200 OK", &[("Content-Type", content_type)], body))
}

/// An RSS feed with `n` items mentioning GoMonday; `extra` goes into item 2.
fn rss(n: usize, extra: &str) -> Vec<u8> {
    let items: String = (1..=n)
        .map(|i| {
            let x = if i == 2 { extra } else { "" };
            format!("<item><title>Inlägg {i}</title><guid>g{i}</guid><link>http://x.example/{i}</link><description>GoMonday svarar inte {i}{x}</description></item>")
        })
        .collect();
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>T</title><link>http://x.example/</link><description>d</description>{items}</channel></rss>").into_bytes()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
        w.write_all(data).unwrap();
    }
    out
}

async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 65_536 {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = String::from_utf8_lossy(&buf).lines().next()?.to_string();
    Some(line.split_whitespace().nth(1)?.to_string())
}

async fn act(mut stream: TcpStream, act: Act) {
    match act {
        Act::Bytes(b) => {
            let _ = stream.write_all(&b).await;
        }
        Act::Drip { head, body, every } => {
            let _ = stream.write_all(&head).await;
            for b in body {
                tokio::time::sleep(every).await;
                if stream.write_all(&[b]).await.is_err() {
                    return;
                }
            }
        }
        Act::Endless { head, chunk } => {
            let _ = stream.write_all(&head).await;
            while stream.write_all(&chunk).await.is_ok() {}
        }
        Act::Hang => tokio::time::sleep(Duration::from_secs(60)).await,
        Act::Reset(b) => {
            let _ = stream.write_all(&b).await;
            let _ = stream.flush().await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = stream.set_zero_linger();
        }
    }
}

/// Starts the behaviour on `ip` (port 0); robots.txt answers `robots` (status line and body).
async fn serve(ip: &str, behaviour: Act, robots: Option<Vec<u8>>) -> SocketAddr {
    let listener = TcpListener::bind(format!("{ip}:0")).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (behaviour, robots) = (behaviour.clone(), robots.clone());
            tokio::spawn(async move {
                let Some(path) = read_request(&mut stream).await else {
                    return;
                };
                if path == "/robots.txt" {
                    let r =
                        robots.unwrap_or_else(|| http("200 OK", &[], b"User-agent: *\nAllow: /\n"));
                    let _ = stream.write_all(&r).await;
                    return;
                }
                act(stream, behaviour).await;
            });
        }
    });
    addr
}

/// One behaviour and what the dashboard must show after crawling it.
struct Case {
    name: &'static str,
    kind: &'static str,
    act: Act,
    robots: Option<Vec<u8>>,
    health: Health,
    message: &'static str,
}

fn case(
    name: &'static str,
    kind: &'static str,
    act: Act,
    health: Health,
    message: &'static str,
) -> Case {
    Case {
        name,
        kind,
        act,
        robots: None,
        health,
        message,
    }
}

const JSON_RECIPE: &str = "name = \"test-json\"\nkind = \"json\"\nitems = \"/items\"\n[fields]\nid = \"/id\"\ntitle = \"/title\"\nbody = \"/body\"\n";
const HTML_RECIPE: &str = "name = \"test-html\"\nkind = \"html\"\nitem = \"div.post\"\n[fields]\nid = { attr = \"id\" }\nbody = \".text\"\n";

fn failing(name: &'static str, act: Act, message: &'static str) -> Case {
    case(name, "feed", act, Health::Failing, message)
}

/// Transport: timing, lengths, connections, headers, compression, redirects.
fn transport_cases() -> Vec<Case> {
    let feed = rss(3, "");
    let chunked_head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
    chunk.extend(std::iter::repeat_n(b'a', 64 * 1024));
    chunk.extend_from_slice(b"\r\n");
    let bomb = vec![b'a'; 64 << 20];
    let mut huge_header = b"HTTP/1.1 200 OK\r\nX-Big: ".to_vec();
    huge_header.extend(std::iter::repeat_n(b'h', 1 << 20));
    huge_header.extend_from_slice(b"\r\nContent-Length: 0\r\n\r\n");
    let mut many_headers = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..5_000 {
        many_headers.extend_from_slice(format!("X-H{i}: v\r\n").as_bytes());
    }
    many_headers.extend_from_slice(b"Content-Length: 0\r\n\r\n");
    let gz = gzip(&feed);
    let timeout = "did not answer in time (limit 4 s)";
    vec![
        failing(
            "slow drip",
            Act::Drip {
                head: b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n".to_vec(),
                body: feed.clone(),
                every: Duration::from_millis(50),
            },
            timeout,
        ),
        failing(
            "slow headers",
            Act::Drip {
                head: b"HTTP/1.1 200 OK\r\n".to_vec(),
                body: b"X-Slow: 1\r\n".repeat(100),
                every: Duration::from_millis(50),
            },
            timeout,
        ),
        failing("never answers", Act::Hang, timeout),
        failing(
            "never-ending chunked body",
            Act::Endless {
                head: chunked_head,
                chunk,
            },
            "larger than the 1 MiB limit",
        ),
        failing(
            "never-ending HTTP/1.0 body",
            Act::Endless {
                head: b"HTTP/1.0 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n".to_vec(),
                chunk: vec![b'a'; 65_536],
            },
            "larger than the 1 MiB limit",
        ),
        failing(
            "declared length over the cap",
            Act::Bytes(b"HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\nabc".to_vec()),
            "larger than the 1 MiB limit",
        ),
        failing(
            "length lie: shorter body",
            Act::Bytes(
                [
                    &b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n"[..],
                    &feed[..100],
                ]
                .concat(),
            ),
            "could not read",
        ),
        failing(
            "length lie: longer body",
            Act::Bytes(
                [
                    &b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\nConnection: close\r\n\r\n"[..],
                    &feed[..],
                ]
                .concat(),
            ),
            "not valid RSS",
        ),
        failing(
            "reset mid-body",
            Act::Reset(
                [
                    &b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"[..],
                    &feed[..200],
                ]
                .concat(),
            ),
            "Connection reset by peer",
        ),
        failing(
            "closed without a response",
            Act::Bytes(Vec::new()),
            "Could not reach the site",
        ),
        failing(
            "not HTTP at all",
            Act::Bytes(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02garbage".to_vec()),
            "could not read",
        ),
        case(
            "HTTP/1.0 without a length",
            "feed",
            Act::Bytes(
                [
                    &b"HTTP/1.0 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n"[..],
                    &feed[..],
                ]
                .concat(),
            ),
            Health::Ok,
            "",
        ),
        failing("one huge header", Act::Bytes(huge_header), "could not read"),
        failing(
            "five thousand headers",
            Act::Bytes(many_headers),
            "could not read",
        ),
        failing(
            "truncated gzip",
            Act::Bytes(http(
                "200 OK",
                &[("Content-Encoding", "gzip")],
                &gz[..gz.len() / 2],
            )),
            "could not read",
        ),
        failing(
            "gzip bomb",
            Act::Bytes(http(
                "200 OK",
                &[("Content-Encoding", "gzip")],
                &gzip(&bomb),
            )),
            "larger than the 1 MiB limit",
        ),
        failing(
            "brotli bomb",
            Act::Bytes(http(
                "200 OK",
                &[("Content-Encoding", "br")],
                &brotli(&bomb),
            )),
            "larger than the 1 MiB limit",
        ),
        failing(
            "gzip claimed, plain sent",
            Act::Bytes(http("200 OK", &[("Content-Encoding", "gzip")], &feed)),
            "could not read",
        ),
        failing(
            "redirect loop",
            Act::Bytes(http("302 Found", &[("Location", "/x")], b"")),
            "redirected more than 5 times",
        ),
        failing(
            "redirect to a non-web address",
            Act::Bytes(http(
                "301 Moved",
                &[("Location", "javascript:alert(1)")],
                b"",
            )),
            "which Lyssna cannot follow",
        ),
        failing(
            "redirect without a target",
            Act::Bytes(http("302 Found", &[("Location", "")], b"")),
            "cannot follow",
        ),
        failing(
            "redirect to a file address",
            Act::Bytes(http(
                "302 Found",
                &[("Location", "file:///etc/passwd")],
                b"",
            )),
            "cannot follow",
        ),
    ]
}

/// Statuses, refusals and robots.txt.
fn status_cases() -> Vec<Case> {
    let challenge =
        b"<html><head><title>Just a moment...</title></head><body>cf_chl_opt</body></html>";
    let captcha = b"<html><head><title>Are you a robot?</title></head><body><div class=g-recaptcha></div></body></html>";
    let mut robots_500 = failing(
        "robots.txt fails",
        ok("application/rss+xml", &rss(2, "")),
        "robots.txt could not be read",
    );
    robots_500.robots = Some(http("500 Internal Server Error", &[], b""));
    let mut robots_no = failing(
        "robots.txt disallows",
        ok("application/rss+xml", &rss(2, "")),
        "robots.txt asks crawlers like Lyssna not to fetch",
    );
    robots_no.robots = Some(http("200 OK", &[], b"User-agent: *\nDisallow: /\n"));
    let mut robots_huge = case(
        "robots.txt of 2 MiB",
        "feed",
        ok("application/rss+xml", &rss(2, "")),
        Health::Ok,
        "",
    );
    robots_huge.robots = Some(http("200 OK", &[], &b"Allow: /x\n".repeat(200_000)));
    vec![
        case(
            "403",
            "feed",
            Act::Bytes(http("403 Forbidden", &[], b"no")),
            Health::Blocked,
            "refused access (HTTP 403)",
        ),
        case(
            "429 with Retry-After",
            "feed",
            Act::Bytes(http(
                "429 Too Many Requests",
                &[("Retry-After", "3600")],
                b"",
            )),
            Health::Blocked,
            "asking too often",
        ),
        failing(
            "503 with Retry-After",
            Act::Bytes(http(
                "503 Service Unavailable",
                &[("Retry-After", "120")],
                b"",
            )),
            "temporarily unavailable (HTTP 503)",
        ),
        case(
            "challenge page",
            "feed",
            Act::Bytes(http(
                "403 Forbidden",
                &[("cf-mitigated", "challenge")],
                challenge,
            )),
            Health::Blocked,
            "captcha or bot check",
        ),
        case(
            "captcha page with 200",
            "html",
            ok("text/html", captcha),
            Health::Blocked,
            "captcha or bot check",
        ),
        failing(
            "500",
            Act::Bytes(http("500 Internal Server Error", &[], b"")),
            "server error (HTTP 500)",
        ),
        failing(
            "404",
            Act::Bytes(http("404 Not Found", &[], b"")),
            "not found (HTTP 404)",
        ),
        failing(
            "304 nobody asked for",
            Act::Bytes(http("304 Not Modified", &[], b"")),
            "304 Not Modified",
        ),
        robots_500,
        robots_no,
        robots_huge,
    ]
}

/// Documents: parsers under attack, and one bad item among good ones.
fn document_cases() -> Vec<Case> {
    let laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\"><!ENTITY lol9 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">]><rss version=\"2.0\"><channel><title>&lol9;</title><item><title>GoMonday</title><description>&lol9;</description></item></channel></rss>";
    let deep_html = format!("<html><body>{}</body></html>", "<div>".repeat(100_000));
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut invalid_utf8 = rss(3, "");
    let at = invalid_utf8
        .windows(7)
        .position(|w| w == b"svarar ")
        .unwrap();
    invalid_utf8.splice(at..at, [0xff, 0xfe, 0xc3]);
    let lone = br#"{"items": [{"id": "1", "title": "GoMonday ett", "body": "bra"}, {"id": "2", "title": "GoMonday \ud800 tv\u00e5", "body": "x"}, {"id": "3", "title": "GoMonday tre", "body": "y"}]}"#;
    let nul_json = br#"{"items": [{"id": "a\u0000b", "title": "GoMonday NUL", "body": "n\u0000ul"}, {"id": "c", "title": "GoMonday", "body": "ok"}]}"#;
    let latin1 = [&b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>t</title><item><guid>l1</guid><title>GoMonday bl\xe5b\xe4r</title><description>\xf6l</description></item></channel></rss>"[..]].concat();
    let scripts = format!(
        "<html><body><script>{}</script><div class=post id=p1><p class=text>GoMonday svarar</p></div></body></html>",
        "for(i=0;i<n;i++){}".repeat(3_001)
    );
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    vec![
        // Entities from a DTD are never expanded: the feed reads as the few bytes it is.
        case(
            "billion laughs",
            "feed",
            ok("application/rss+xml", laughs.as_bytes()),
            Health::Ok,
            "",
        ),
        case(
            "100k-deep HTML",
            "html",
            ok("text/html", deep_html.as_bytes()),
            Health::BrokenRecipe,
            "nests elements thousands deep",
        ),
        case(
            "100k-deep JSON",
            "json",
            ok("application/json", deep_json.as_bytes()),
            Health::Failing,
            "not valid JSON",
        ),
        case(
            "invalid UTF-8 in one item",
            "feed",
            ok("application/rss+xml; charset=utf-8", &invalid_utf8),
            Health::Ok,
            "",
        ),
        case(
            "NUL byte in one item",
            "feed",
            ok("application/rss+xml", &rss(3, "\0")),
            Health::Ok,
            "Item 2 of the feed held a character XML does not allow",
        ),
        case(
            "&#0; in one item",
            "feed",
            ok("application/rss+xml", &rss(3, "&#0;")),
            Health::Ok,
            "Item 2 of the feed held a character XML does not allow",
        ),
        case(
            "lone surrogate in one JSON item",
            "json",
            ok("application/json", lone),
            Health::Ok,
            "lone UTF-16 surrogate",
        ),
        case(
            "NUL in JSON ids and text",
            "json",
            ok("application/json", nul_json),
            Health::Ok,
            "",
        ),
        failing(
            "binary garbage on an RSS source",
            ok("application/rss+xml", &garbage),
            "binary data",
        ),
        failing(
            "a PNG on an RSS source",
            ok("image/png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            "binary data",
        ),
        case(
            "HTML from a JSON API",
            "json",
            ok(
                "text/html",
                b"<!DOCTYPE html><html><body>Log in</body></html>",
            ),
            Health::Failing,
            "web page (HTML) instead of JSON",
        ),
        failing(
            "HTML on a feed source",
            ok(
                "text/html",
                b"<!DOCTYPE html><html><head><title>x</title></head><body>hej</body></html>",
            ),
            "web page, not a feed",
        ),
        failing(
            "empty body",
            ok("application/rss+xml", b""),
            "The feed is empty",
        ),
        case(
            "too many items",
            "feed",
            ok("application/rss+xml", &rss(200, "")),
            Health::Ok,
            "only the first 50 were read",
        ),
        case(
            "Latin-1 under a UTF-8 header",
            "feed",
            ok("application/rss+xml; charset=utf-8", &latin1),
            Health::Ok,
            "",
        ),
        case(
            "3,001 inline loops",
            "html",
            ok("text/html", scripts.as_bytes()),
            Health::Ok,
            "",
        ),
        case(
            "feed served as an image type",
            "feed",
            ok("image/gif", &rss(2, "")),
            Health::Ok,
            "",
        ),
        case(
            "wrong charset name",
            "feed",
            ok("application/rss+xml; charset=klingon", &rss(2, "")),
            Health::Ok,
            "",
        ),
    ]
}

async fn app_for(db: &str, dir: &std::path::Path, sources: &str) -> App {
    std::fs::create_dir_all(dir.join("recipes")).unwrap();
    std::fs::write(dir.join("recipes/test-json.toml"), JSON_RECIPE).unwrap();
    std::fs::write(dir.join("recipes/test-html.toml"), HTML_RECIPE).unwrap();
    let text = format!(
        "database_url = \"{db}\"\n[crawler]\nper_host_delay = \"10ms\"\ntimeout = \"4s\"\nconnect_timeout = \"1s\"\nmax_body = \"1MiB\"\nmax_items = 50\n\n[[brands]]\nname = \"GoMonday\"\nquery = 'gomonday'\n{sources}"
    );
    crate::support::build_app(dir, &text).await
}

fn source_toml(name: &str, kind: &str, url: &str) -> String {
    let recipe = match kind {
        "json" => "recipe = \"test-json\"\n",
        "html" => "recipe = \"test-html\"\n",
        _ => "",
    };
    format!(
        "\n[[sources]]\nname = \"{name}\"\nkind = \"{kind}\"\nurl = \"{url}\"\nallow_private = true\n{recipe}"
    )
}

async fn crawl(app: &App, name: &str) -> CrawlReport {
    let src = app.config.source(name).unwrap();
    let rec = app.store.source_by_name(name).await.unwrap().unwrap();
    app.ingest
        .crawl_source(src, &rec, Utc::now(), &|_| {})
        .await
        .unwrap()
}

/// Where each case went wrong (empty when all held).
fn mismatch(case: &Case, r: &CrawlReport) -> Option<String> {
    let errors = r.errors.join(" | ");
    let fine = r.health == case.health && errors.contains(case.message);
    (!fine).then(|| {
        format!(
            "{}: expected {:?} with {:?}, got {:?}: {errors}",
            case.name, case.health, case.message, r.health
        )
    })
}

#[tokio::test]
async fn every_hostile_behaviour_ends_in_its_documented_health_and_message() {
    let _heavy = crate::support::heavy().await;
    for (backend, db, _dir) in databases("hostile").await {
        let tmp = tempfile::tempdir().unwrap();
        let cases: Vec<Case> = [transport_cases(), status_cases(), document_cases()]
            .into_iter()
            .flatten()
            .collect();
        assert!(cases.len() >= 40, "{} behaviours", cases.len());
        let mut sources = String::new();
        for (i, c) in cases.iter().enumerate() {
            let ip = format!("127.0.{}.{}", 1 + i / 200, 10 + i % 200);
            let addr = serve(&ip, c.act.clone(), c.robots.clone()).await;
            sources += &source_toml(c.name, c.kind, &format!("http://{addr}/x"));
        }
        let app = app_for(&db, tmp.path(), &sources).await;
        let reports =
            futures_util::future::join_all(cases.iter().map(|c| crawl(&app, c.name))).await;
        let wrong: Vec<String> = cases
            .iter()
            .zip(&reports)
            .filter_map(|(c, r)| mismatch(c, r))
            .collect();
        assert!(wrong.is_empty(), "{backend}:\n{}", wrong.join("\n"));
        // The good items next to the bad ones were stored, with their text cleaned.
        let titles: Vec<String> = app
            .store
            .export_all()
            .await
            .unwrap()
            .into_iter()
            .filter_map(|l| l.title)
            .collect();
        for want in [
            "GoMonday blåbär",
            "GoMonday tre",
            "GoMonday ett",
            "GoMonday NUL",
            "Inlägg 3",
        ] {
            assert!(
                titles.iter().any(|t| t == want),
                "{backend}: {want} missing from {titles:?}"
            );
        }
        assert!(titles.iter().all(|t| !t.contains('\0')), "{backend}");
    }
}

#[tokio::test]
async fn a_hosts_retry_after_pauses_its_other_sources_without_blocking_them() {
    let (_, db, _dir) = databases("hostpause").await.remove(0);
    let tmp = tempfile::tempdir().unwrap();
    let addr = serve(
        "127.0.3.1",
        Act::Bytes(http(
            "429 Too Many Requests",
            &[("Retry-After", "3600")],
            b"",
        )),
        None,
    )
    .await;
    let sources = source_toml("asked", "feed", &format!("http://{addr}/a"))
        + &source_toml("sibling", "feed", &format!("http://{addr}/b"));
    let app = app_for(&db, tmp.path(), &sources).await;
    let first = crawl(&app, "asked").await;
    assert_eq!(first.health, Health::Blocked);
    let sibling = crawl(&app, "sibling").await;
    assert_eq!(
        (sibling.outcome.as_str(), sibling.health),
        ("deferred", Health::Pending),
        "{:?}",
        sibling.errors
    );
    assert!(
        sibling.errors[0].contains("asked Lyssna (on another of its pages) to wait"),
        "{:?}",
        sibling.errors
    );
    assert!(sibling.next_check_at > Utc::now() + chrono::Duration::minutes(59));
}

#[tokio::test]
async fn a_connect_timeout_names_its_own_limit() {
    let (_, db, _dir) = databases("connecttimeout").await.remove(0);
    let tmp = tempfile::tempdir().unwrap();
    // A listener that never accepts, its queue filled: further connections get no answer.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.3.2:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(s)) =
            tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(addr)).await
        {
            fillers.push(s);
        }
    }
    let app = app_for(
        &db,
        tmp.path(),
        &source_toml("unreachable", "feed", &format!("http://{addr}/")),
    )
    .await;
    let r = crawl(&app, "unreachable").await;
    assert_eq!(r.health, Health::Failing);
    assert!(
        r.errors[0].contains("limit 1 s for connecting"),
        "{:?}",
        r.errors
    );
    drop(listener);
}

#[tokio::test]
async fn private_hosts_are_refused_with_the_private_address_reason() {
    let (_, db, _dir) = databases("privatehosts").await.remove(0);
    let tmp = tempfile::tempdir().unwrap();
    let addr = serve("127.0.3.3", ok("application/rss+xml", &rss(2, "")), None).await;
    let mut sources = String::new();
    let mut urls = vec![
        ("loopback literal", format!("http://{addr}/")),
        // A name (robots.txt is asked for first): the reason is still the private address.
        (
            "loopback name",
            format!("http://localhost:{}/", addr.port()),
        ),
        (
            "6to4 of loopback",
            format!("http://[2002:7f00:1::1]:{}/", addr.port()),
        ),
    ];
    // This machine's own non-loopback address, which may well be a public one.
    if let Some(own) = own_non_loopback_v4() {
        let server = serve("0.0.0.0", ok("application/rss+xml", &rss(2, "")), None).await;
        urls.push(("own address", format!("http://{own}:{}/", server.port())));
    } else {
        eprintln!("skipped: the own-address case (no non-loopback IPv4 address on this machine)");
    }
    for (name, url) in &urls {
        sources += &format!("\n[[sources]]\nname = \"{name}\"\nkind = \"feed\"\nurl = \"{url}\"\n");
    }
    let app = app_for(&db, tmp.path(), &sources).await;
    for (name, _) in &urls {
        let r = crawl(&app, name).await;
        assert!(
            r.errors[0].contains("private or local network address"),
            "{name}: {:?}",
            r.errors
        );
    }
}

/// A local IPv4 address other than loopback, from the kernel's own table (no traffic).
fn own_non_loopback_v4() -> Option<String> {
    let trie = std::fs::read_to_string("/proc/net/fib_trie").ok()?;
    let lines: Vec<&str> = trie.lines().collect();
    lines.windows(2).find_map(|w| {
        let ip = w[0].trim().strip_prefix("|-- ")?;
        let local = w[1].contains("/32 host LOCAL");
        (local && !ip.starts_with("127.")).then(|| ip.to_string())
    })
}

#[tokio::test]
async fn long_hostile_variants() {
    if std::env::var("LYSSNA_LONG_TESTS").as_deref() != Ok("1") {
        eprintln!("skipped: long hostile variants (set LYSSNA_LONG_TESTS=1 to run them)");
        return;
    }
    let (_, db, _dir) = databases("hostilelong").await.remove(0);
    let tmp = tempfile::tempdir().unwrap();
    let big_feed = rss(270_000, "");
    let cases = [
        (
            "1 GiB gzip bomb",
            Act::Bytes(http(
                "200 OK",
                &[("Content-Encoding", "gzip")],
                &gzip(&vec![0u8; 1 << 30]),
            )),
            Health::Failing,
            "larger than the 1 MiB limit",
        ),
        (
            "1M-deep HTML",
            ok("text/html", "<div>".repeat(1_000_000).as_bytes()),
            Health::Failing,
            "larger than the 1 MiB limit",
        ),
        (
            "slow drip for a minute",
            Act::Drip {
                head: b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".to_vec(),
                body: vec![b'a'; 1200],
                every: Duration::from_millis(50),
            },
            Health::Failing,
            "did not answer in time",
        ),
        (
            "270,000 items",
            Act::Bytes(http(
                "200 OK",
                &[("Content-Type", "application/rss+xml")],
                &big_feed,
            )),
            Health::Failing,
            "larger than the 1 MiB limit",
        ),
    ];
    let mut sources = String::new();
    for (i, (name, act, _, _)) in cases.iter().enumerate() {
        let addr = serve(&format!("127.0.4.{}", 10 + i), act.clone(), None).await;
        sources += &source_toml(
            name,
            if name.contains("HTML") {
                "html"
            } else {
                "feed"
            },
            &format!("http://{addr}/x"),
        );
    }
    let app = app_for(&db, tmp.path(), &sources).await;
    for (name, _, health, message) in &cases {
        let r = crawl(&app, name).await;
        assert_eq!(r.health, *health, "{name}: {:?}", r.errors);
        assert!(
            r.errors.join(" ").contains(message),
            "{name}: {:?}",
            r.errors
        );
    }
}
