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
