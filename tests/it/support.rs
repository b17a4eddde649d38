//! Shared test scaffolding: fresh databases on both backends, and loopback HTTP servers.

use lyssna::store::Store;

/// Database URLs for one test: always a fresh SQLite file in a temp dir, and a new PostgreSQL database
/// when `LYSSNA_TEST_POSTGRES_URL` names a server (else a printed skip). Keep the TempDir alive.
pub async fn databases(test: &str) -> Vec<(String, String, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("lyssna.db").display());
    let mut out = vec![("sqlite".to_string(), url, Some(dir))];
    match postgres_url(test).await {
        Some(url) => out.push(("postgres".to_string(), url, None)),
        None => eprintln!("skipped: {test} on PostgreSQL (set LYSSNA_TEST_POSTGRES_URL to run it)"),
    }
    out
}

/// A fresh, migrated store on every backend available here.
pub async fn stores(test: &str) -> Vec<(String, Store, Option<tempfile::TempDir>)> {
    let mut out = Vec::new();
    for (label, url, dir) in databases(test).await {
        let store = Store::open_and_migrate(&url).await.expect("store");
        out.push((label, store, dir));
    }
    out
}

/// Creates a fresh database for one test on the server `LYSSNA_TEST_POSTGRES_URL` points at.
pub async fn postgres_url(test: &str) -> Option<String> {
    use sqlx::Connection;
    let admin = std::env::var("LYSSNA_TEST_POSTGRES_URL").ok()?;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&admin)
        .await
        .expect("connect to LYSSNA_TEST_POSTGRES_URL");
    let name = format!(
        "lyssna_t_{}_{}",
        test.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_lowercase(),
        std::process::id()
    );
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .expect("create test database");
    }
    conn.close().await.ok();
    let mut url = url::Url::parse(&admin).expect("LYSSNA_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

/// A scripted web site on 127.0.0.1:0 standing in for the internet: each path answers what the test
/// set last, and every request is logged (path and headers) so tests can see what the crawler sent.
pub mod site {
    use axum::body::Body;
    use axum::http::{HeaderMap, Request, Response, StatusCode};
    use std::collections::HashMap;
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Debug)]
    pub struct Reply {
        pub status: u16,
        pub headers: Vec<(String, String)>,
        pub body: Vec<u8>,
    }

    impl Reply {
        pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
            Reply {
                status: 200,
                headers: vec![("content-type".into(), content_type.into())],
                body: body.into(),
            }
        }
        pub fn status(status: u16) -> Reply {
            Reply {
                status,
                headers: Vec::new(),
                body: Vec::new(),
            }
        }
        pub fn header(mut self, k: &str, v: &str) -> Reply {
            self.headers.push((k.into(), v.into()));
            self
        }
    }

    #[derive(Default)]
    struct State {
        routes: HashMap<String, Reply>,
        log: Vec<(String, HeaderMap)>,
    }

    #[derive(Clone)]
    pub struct Site {
        pub addr: SocketAddr,
        state: Arc<Mutex<State>>,
    }

    impl Site {
        pub async fn start() -> Site {
            Site::start_on("127.0.0.1").await
        }

        /// On another loopback address: the crawler paces and backs off per host name.
        pub async fn start_on(ip: &str) -> Site {
            let state = Arc::new(Mutex::new(State::default()));
            let s2 = state.clone();
            let app = axum::Router::new().fallback(move |req: Request<Body>| {
                let state = s2.clone();
                async move {
                    let key = match req.uri().query() {
                        Some(q) => format!("{}?{}", req.uri().path(), q),
                        None => req.uri().path().to_string(),
                    };
                    let mut st = state.lock().unwrap();
                    st.log.push((key.clone(), req.headers().clone()));
                    let reply = st.routes.get(&key).cloned().or_else(|| {
                        (req.uri().path() == "/robots.txt")
                            .then(|| Reply::ok("text/plain", "User-agent: *\nAllow: /\n"))
                    });
                    let reply = reply.unwrap_or_else(|| Reply::status(404));
                    // A conditional GET against an unchanged ETag gets 304, as a real server would.
                    let etag = reply
                        .headers
                        .iter()
                        .find(|(k, _)| k == "etag")
                        .map(|(_, v)| v.clone());
                    if let (Some(tag), Some(sent)) = (etag, req.headers().get("if-none-match"))
                        && sent.to_str().ok() == Some(tag.as_str())
                    {
                        return Response::builder().status(304).body(Body::empty()).unwrap();
                    }
                    let mut b =
                        Response::builder().status(StatusCode::from_u16(reply.status).unwrap());
                    for (k, v) in &reply.headers {
                        b = b.header(k.as_str(), v.as_str());
                    }
                    b.body(Body::from(reply.body.clone())).unwrap()
                }
            });
            let listener = tokio::net::TcpListener::bind(format!("{ip}:0"))
                .await
                .unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move {
                axum::serve(listener, app).await.ok();
            });
            Site { addr, state }
        }

        pub fn url(&self, path: &str) -> String {
            format!("http://{}{}", self.addr, path)
        }

        pub fn set(&self, path: &str, reply: Reply) {
            self.state
                .lock()
                .unwrap()
                .routes
                .insert(path.to_string(), reply);
        }

        /// Requests to `path` so far, with their headers.
        pub fn requests(&self, path: &str) -> Vec<HeaderMap> {
            self.state
                .lock()
                .unwrap()
                .log
                .iter()
                .filter(|(p, _)| p == path)
                .map(|(_, h)| h.clone())
                .collect()
        }
    }
}

/// A minimal SMTP server on 127.0.0.1:0: the real dialogue over TCP (EHLO/HELO, MAIL, RCPT, DATA,
/// RSET, NOOP, QUIT), no TLS, no auth. Written here rather than started from Python's aiosmtpd so
/// that the test needs nothing but this crate on a fresh machine (no venv, no PyPI access).
pub mod smtp {
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    #[derive(Debug, Clone, Default)]
    pub struct Received {
        pub from: String,
        pub to: Vec<String>,
        /// The message as sent (headers and body, dot-unstuffed, CRLF line ends).
        pub data: String,
    }

    #[derive(Clone)]
    pub struct Server {
        pub addr: SocketAddr,
        received: Arc<Mutex<Vec<Received>>>,
    }

    impl Server {
        pub async fn start() -> Server {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let received = Arc::new(Mutex::new(Vec::new()));
            let r2 = received.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let received = r2.clone();
                    tokio::spawn(async move {
                        let _ = session(stream, received).await;
                    });
                }
            });
            Server { addr, received }
        }

        pub fn messages(&self) -> Vec<Received> {
            self.received.lock().unwrap().clone()
        }
    }

    fn address(arg: &str) -> String {
        let a = arg.split_once(':').map(|(_, r)| r).unwrap_or(arg).trim();
        a.trim_start_matches('<')
            .split('>')
            .next()
            .unwrap_or("")
            .to_string()
    }

    async fn session(
        stream: tokio::net::TcpStream,
        received: Arc<Mutex<Vec<Received>>>,
    ) -> std::io::Result<()> {
        let (r, mut w) = stream.into_split();
        let mut lines = BufReader::new(r);
        w.write_all(b"220 test.local ESMTP ready\r\n").await?;
        let mut current = Received::default();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_string();
            let upper = cmd.to_ascii_uppercase();
            if upper.starts_with("EHLO") {
                w.write_all(b"250-test.local\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n")
                    .await?;
            } else if upper.starts_with("HELO") {
                w.write_all(b"250 test.local\r\n").await?;
            } else if upper.starts_with("MAIL FROM") {
                current = Received {
                    from: address(&cmd),
                    ..Received::default()
                };
                w.write_all(b"250 OK\r\n").await?;
            } else if upper.starts_with("RCPT TO") {
                current.to.push(address(&cmd));
                w.write_all(b"250 OK\r\n").await?;
            } else if upper == "DATA" {
                w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let l = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(l);
                }
                current.data = data;
                received.lock().unwrap().push(std::mem::take(&mut current));
                w.write_all(b"250 OK: queued\r\n").await?;
            } else if upper == "RSET" || upper == "NOOP" {
                w.write_all(b"250 OK\r\n").await?;
            } else if upper == "QUIT" {
                w.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            } else {
                w.write_all(b"502 Command not implemented\r\n").await?;
            }
        }
    }
}
