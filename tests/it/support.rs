//! Shared test scaffolding, the one place for it: fresh databases on both backends, the real app built
//! from a configuration text or served on port 0 with a login and an API token (`spawn`), and
//! scripted loopback HTTP servers standing in for the internet (`site`). The shared corpora are found
//! through `crate::corpora`.

use chrono::{Duration, Utc};
use lyssna::app::App;
use lyssna::config::Config;
use lyssna::store::Store;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use std::net::SocketAddr;

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

/// The start of a test configuration: the database, a fast crawler, the brand GoMonday and the
/// leader's identity ErikA on 127.0.0.1 (the loopback sites' host).
pub fn gomonday_config(db: &str) -> String {
    format!(
        r#"database_url = "{db}"
[crawler]
per_host_delay = "10ms"
timeout = "5s"

[[brands]]
name = "GoMonday"
query = '"go monday" OR gomonday'

[[identities]]
site = "127.0.0.1"
handle = "ErikA"
"#
    )
}

/// The real app for a configuration text, written to `dir/lyssna.toml` (recipe files resolve beside
/// it), with its database migrated.
pub async fn build_app(dir: &std::path::Path, text: &str) -> App {
    let path = dir.join("lyssna.toml");
    std::fs::write(&path, text).unwrap();
    let config =
        Config::parse_str("lyssna.toml", text, Some(&path)).unwrap_or_else(|e| panic!("{e}"));
    App::build(config, true).await.unwrap()
}

pub const USER: &str = "erik";
pub const PASSWORD: &str = "hemligt-lösen";

pub struct TestApp {
    pub addr: SocketAddr,
    pub app: App,
    pub http: reqwest::Client,
    pub token: String,
    _shutdown: tokio::sync::watch::Sender<bool>,
    _dir: tempfile::TempDir,
}

/// Starts the real app on port 0 with a user and an API token.
pub async fn spawn(db: &str) -> TestApp {
    spawn_with(db, "").await
}

/// [`spawn`] with more `[server]` settings.
pub async fn spawn_with(db: &str, server: &str) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    // English unless the test asks for another language.
    let language = if server.contains("language") {
        ""
    } else {
        "language = \"en\""
    };
    let text = format!(
        r#"database_url = "{db}"
timezone = "Europe/Stockholm"
[server]
{language}
{server}

[[brands]]
name = "GoMonday"
query = '"go monday" OR gomonday'
"#
    );
    let app = build_app(dir.path(), &text).await;
    serve(app, dir).await
}

/// Serves a built app on port 0 with a user and an API token; `dir` lives as long as it.
pub async fn serve(app: App, dir: tempfile::TempDir) -> TestApp {
    let hash = lyssna::web::auth::hash_password(PASSWORD).unwrap();
    app.store
        .upsert_user(USER, &hash, Utc::now())
        .await
        .unwrap();
    let token = lyssna::web::auth::random_token();
    app.store
        .upsert_api_token("ci", &lyssna::web::auth::token_hash(&token), Utc::now())
        .await
        .unwrap();
    let (tx, rx) = tokio::sync::watch::channel(false);
    let (addr, _) = app
        .serve_web("127.0.0.1:0".parse().unwrap(), rx)
        .await
        .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        addr,
        app,
        http,
        token,
        _shutdown: tx,
        _dir: dir,
    }
}

/// A cookie's value from a response's Set-Cookie headers.
pub fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers().get_all(SET_COOKIE).iter().find_map(|v| {
        let v = v.to_str().ok()?;
        let (k, rest) = v.split_once('=')?;
        (k == name).then(|| rest.split(';').next().unwrap_or("").to_string())
    })
}

/// The first `csrf_token` field's value on a page.
pub fn csrf_of(html: &str) -> String {
    let re = regex::Regex::new(r#"name="csrf_token" value="([^"]+)""#).unwrap();
    re.captures(html).expect("a csrf_token field")[1].to_string()
}

/// A logged-in browser-like client: its cookie header and CSRF token.
pub struct Login {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn login(&self) -> Login {
        let resp = self.http.get(self.url("/login")).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let pre = set_cookie(&resp, "lyssna_login_csrf").expect("login csrf cookie");
        let html = resp.text().await.unwrap();
        assert_eq!(csrf_of(&html), pre);
        let resp = self
            .http
            .post(self.url("/login"))
            .header(COOKIE, format!("lyssna_login_csrf={pre}"))
            .form(&[
                ("username", USER),
                ("password", PASSWORD),
                ("csrf_token", pre.as_str()),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "login succeeds");
        let session = set_cookie(&resp, "lyssna_session").expect("session cookie");
        let raw = resp
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|v| v.starts_with("lyssna_session="))
            .unwrap();
        assert!(
            raw.contains("HttpOnly") && raw.contains("SameSite=Lax"),
            "{raw}"
        );
        let cookie = format!("lyssna_session={session}");
        let page = self
            .http
            .get(self.url("/"))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let csrf = csrf_of(&page.text().await.unwrap());
        Login { cookie, csrf }
    }

    pub async fn page(&self, login: &Login, path: &str) -> (StatusCode, String) {
        let resp = self
            .http
            .get(self.url(path))
            .header(COOKIE, &login.cookie)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    pub async fn form(
        &self,
        login: &Login,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &login.csrf));
        self.http
            .post(self.url(path))
            .header(COOKIE, &login.cookie)
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    pub async fn api_get(&self, path: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn api_post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Stores mentions given as §8.1 lines (ids, sentiment, matches as given).
    pub async fn seed(&self, lines: &[Value]) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let parsed = lyssna::store::parse_import(&text).unwrap_or_else(|e| panic!("{e:?}"));
        self.app.store.import(&parsed, Utc::now()).await.unwrap();
    }

    /// Stores lines that `import` itself would refuse (`javascript:` links), as a crawl or an older
    /// version could have: the pages must render them inert all the same.
    pub async fn seed_unchecked(&self, lines: &[Value]) {
        let parsed: Vec<(usize, lyssna::store::ExportLine)> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i + 1, serde_json::from_value(l.clone()).unwrap()))
            .collect();
        self.app.store.import(&parsed, Utc::now()).await.unwrap();
    }
}

/// A mention line found `age_h` hours ago, with the brand's span in the body.
pub fn mention(id: &str, sentiment: &str, age_h: i64, body: &str) -> Value {
    let found = Utc::now() - Duration::hours(age_h);
    let start = body.find("GoMonday").unwrap_or(0);
    json!({
        "id": id, "source": "Forum", "url": format!("https://forum.example/t/{id}"),
        "title": format!("Thread {id}"), "body": body, "author": "Kalle",
        "published_at": found.to_rfc3339(), "found_at": found.to_rfc3339(),
        "brands": ["GoMonday"], "sentiment": sentiment, "status": "new",
        "matches": [{"brand": "GoMonday", "spans": [{"field": "body", "start": start, "end": start + 8}], "explanation": "gomonday in body"}]
    })
}

/// The leader's marks on a podcast's name twin, as import lines: three episodes of "Go
/// Monday-podden" marked not about us, three posts about the bank replied to.
pub fn podcast_marks() -> Vec<Value> {
    let marked = |id: &str, body: &str, about: bool| {
        let mut m = mention(id, "neutral", 100, body);
        let (to, reason) = if about {
            ("replied", None)
        } else {
            ("no_reply_needed", Some("not_about_us"))
        };
        m["status"] = json!(to);
        m["events"] = json!([{"at": m["found_at"], "actor": "erik", "from": "new", "to": to, "reason": reason}]);
        m
    };
    vec![
        marked(
            "m_p38",
            "Go Monday-podden avsnitt 38: GoMonday om fotboll och fika",
            false,
        ),
        marked(
            "m_p39",
            "Go Monday-podden avsnitt 39: GoMonday om löpning",
            false,
        ),
        marked(
            "m_p40",
            "Nytt avsnitt av Go Monday-podden (GoMonday), nummer 40",
            false,
        ),
        marked("m_a1", "GoMonday-appen kraschar när jag loggar in", true),
        marked("m_a2", "GoMondays kundtjänst svarar inte på mejl", true),
        marked("m_a3", "Bytte bank till GoMonday och appen är bra", true),
    ]
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

/// Held by tests that load both cores for tens of seconds (the kill-9 loop, the 20,000-item
/// ingest) and by those whose limits are seconds of wall time (the hostile suite's 2 s timeouts), so
/// that the one never starves the other when the test threads run them side by side.
pub async fn heavy() -> tokio::sync::MutexGuard<'static, ()> {
    static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    HEAVY.lock().await
}
