//! The dashboard in a real headless Chromium, driven over WebDriver by a small client written here
//! (reqwest + JSON: lighter to build than fantoccini or thirtyfour). The test starts `chromedriver`
//! itself; without one on the PATH it prints that it skipped.

use crate::support::{PASSWORD, USER, mention, spawn};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    http: reqwest::Client,
    base: String,
    session: String,
    child: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn on_path(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    })
}

impl Driver {
    async fn start() -> Option<Driver> {
        let chromedriver = on_path("chromedriver")?;
        lyssna::net::install_crypto_provider();
        let port = free_port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{base}/status")).send().await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == true
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut options = json!({"args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", format!("--user-data-dir={}", profile.path().display()),
        ]});
        for binary in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
            if std::path::Path::new(binary).exists() {
                options["binary"] = json!(binary);
                break;
            }
        }
        let resp: Value = http
            .post(format!("{base}/session"))
            .json(&json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {resp}"))
            .to_string();
        Some(Driver {
            http,
            base,
            session,
            child,
            _profile: profile,
        })
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    async fn script(&self, js: &str) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
        .await
    }

    /// Waits up to 10 s for a CSS selector to match, and returns the element id.
    async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let v = self
                .cmd(
                    reqwest::Method::POST,
                    "/element",
                    Some(json!({"using": "css selector", "value": css})),
                )
                .await;
            if let Some(id) = v[ELEMENT].as_str() {
                return id.to_string();
            }
            assert!(Instant::now() < deadline, "no element {css}: {v}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// A real key press (W3C actions), to whatever has the focus.
    async fn press(&self, key: &str) {
        self.cmd(
            reqwest::Method::POST,
            "/actions",
            Some(
                json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}]}),
            ),
        )
        .await;
    }

    async fn source(&self) -> String {
        self.cmd(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Polls a script until it returns true (10 s at most).
    async fn wait_for(&self, what: &str, js: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.script(js).await != json!(true) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn quit(mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
#[cfg_attr(not(lyssna_browser), ignore = "needs chromedriver on the PATH")]
async fn log_in_and_answer_a_mention_with_the_keyboard() {
    let driver = Driver::start()
        .await
        .expect("chromedriver and chromium start (needed: the test was not skipped)");
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("lyssna.db").display());
    let t = spawn(&db).await;
    t.seed(&[
        mention(
            "m_first",
            "criticism",
            30,
            "GoMonday har inte svarat på en vecka",
        ),
        mention("m_second", "praise", 20, "Bra jobbat GoMonday"),
    ])
    .await;

    driver.goto(&t.url("/")).await;
    // Sent to the login page; log in like a person.
    driver.find("form[action='/login']").await;
    driver.type_into("input[name=username]", USER).await;
    driver.type_into("input[name=password]", PASSWORD).await;
    driver
        .click("form[action='/login'] button[type=submit]")
        .await;
    driver.find("tr#row-m_first.current").await;
    driver.find("tr#row-m_second").await;
    let src = driver.source().await;
    assert!(src.contains("<mark>GoMonday</mark>"));

    // `r` marks the current (first) mention replied; it leaves the inbox without a reload.
    driver.script("window.__marker = 1; return true;").await;
    driver.press("r").await;
    driver
        .wait_for(
            "the replied mention to leave the inbox",
            "return document.getElementById('row-m_first') === null;",
        )
        .await;
    assert_eq!(
        driver.script("return window.__marker === 1;").await,
        json!(true),
        "no page reload"
    );
    assert_eq!(
        driver
            .script("return document.querySelector('tr.mention-row.current').dataset.id;")
            .await,
        json!("m_second"),
        "the next mention is current"
    );
    assert_eq!(
        t.app
            .store
            .mention("m_first")
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "replied"
    );

    // `?` shows the help.
    driver.press("?").await;
    driver
        .wait_for(
            "the help overlay",
            "return !document.getElementById('help').hidden;",
        )
        .await;

    // Open the mention: the history shows the reply, by the user.
    driver.goto(&t.url("/mentions/m_first")).await;
    driver.find("ol.history li.ev-status").await;
    let src = driver.source().await;
    assert!(src.contains("New → Replied"), "the replied event is shown");
    assert!(src.contains(&format!("<span class=\"actor\">{USER}</span>")));

    driver.quit().await;
}
