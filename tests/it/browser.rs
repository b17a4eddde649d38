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

    /// Sets the browser window's size (the page's width is what the layout responds to).
    async fn resize(&self, width: u32, height: u32) {
        self.cmd(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    /// Saves what the browser shows as `target/screenshots/NAME.png`, for a person to look at.
    async fn screenshot(&self, name: &str) {
        use base64::Engine;
        let png = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or(""))
            .expect("a PNG screenshot");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), bytes).unwrap();
    }

    /// The page does not scroll sideways: nothing is wider than the window.
    async fn assert_no_horizontal_overflow(&self, what: &str) {
        let v = self
            .script(
                "var d = document.documentElement; \
                 var wide = Array.prototype.filter.call(document.querySelectorAll('body *'), function (e) { \
                   var r = e.getBoundingClientRect(); return r.right > d.clientWidth + 1 && r.width > 0; \
                 }).slice(0, 5).map(function (e) { return e.tagName + '.' + e.className; }); \
                 return {scroll: d.scrollWidth, client: d.clientWidth, wide: wide};",
            )
            .await;
        assert!(
            v["scroll"].as_i64() <= v["client"].as_i64(),
            "{what} scrolls sideways: {v}"
        );
    }

    async fn url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
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

const ENTER: &str = "\u{E007}";

/// The mentions of the daily flow, criticism first then oldest: the inbox order is a, b, c, d, e.
fn morning() -> Vec<Value> {
    vec![
        mention(
            "m_a",
            "criticism",
            50,
            "GoMonday har inte svarat på en vecka",
        ),
        mention(
            "m_b",
            "criticism",
            40,
            "Usel service från GoMonday, inte okej",
        ),
        mention(
            "m_c",
            "criticism",
            30,
            "Återbetalningen från GoMonday dröjer",
        ),
        mention("m_d", "praise", 20, "Bra jobbat GoMonday"),
        mention("m_e", "neutral", 10, "GoMonday har nytt kontor"),
    ]
}

async fn ids_in_inbox(driver: &Driver) -> Vec<String> {
    let v = driver
        .script("return Array.prototype.map.call(document.querySelectorAll('li.mention-row'), function (r) { return r.dataset.id; });")
        .await;
    serde_json::from_value(v).unwrap()
}

async fn current_row(driver: &Driver) -> Value {
    driver
        .script("var r = document.querySelector('li.mention-row.current'); return r ? r.dataset.id : null;")
        .await
}

/// Logs in through the login form and lands on `path`.
async fn log_in(driver: &Driver, t: &crate::support::TestApp, path: &str) {
    driver.goto(&t.url(path)).await;
    driver.find("form[action='/login']").await;
    driver.type_into("input[name=username]", USER).await;
    driver.type_into("input[name=password]", PASSWORD).await;
    driver
        .click("form[action='/login'] button[type=submit]")
        .await;
}

/// Marks the leader made (three podcast episodes not about us, three posts that are) and two new
/// episodes held back as probably not about us.
fn marked_and_held() -> Vec<Value> {
    let held = |id: &str, body: &str| {
        let mut m = mention(id, "neutral", 2, body);
        m["matches"][0]["relevance"] = json!(0.08);
        m["matches"][0]["relevance_reasons"] = json!(["near \"podden\" (-1.3)"]);
        m["matches"][0]["held"] = json!(true);
        m
    };
    let mut all = crate::support::podcast_marks();
    all.push(held(
        "m_h42",
        "Go Monday-podden avsnitt 42: GoMonday om fotboll",
    ));
    all.push(held(
        "m_h43",
        "Go Monday-podden avsnitt 43: GoMonday om cykling",
    ));
    all
}

/// "Probably not about us": the panel says what the marks taught and suggests a term, `a` confirms
/// the current row (it leaves the view, the count follows), and `a` on a held mention's page does
/// the same.
async fn held_back_flow(driver: &Driver, width: u32, height: u32) {
    let tag = |step: &str| format!("{width}-{step}");
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("lyssna.db").display());
    let t = spawn(&db).await;
    t.seed(&marked_and_held()).await;
    lyssna::ingest::learning::relearn_relevance(&t.app.store, &t.app.ingest.pipeline)
        .await
        .unwrap();
    driver.resize(width, height).await;
    log_in(driver, &t, "/?held=1").await;
    driver.find("li#row-m_h42.current").await;
    let panel = driver
        .script("return document.querySelector('details.learned').textContent;")
        .await;
    assert!(
        panel.as_str().unwrap().contains("exclude = [\"podden\"]"),
        "{panel}"
    );
    driver.screenshot(&tag("held")).await;
    driver.assert_no_horizontal_overflow("/?held=1").await;

    driver.press("a").await;
    driver
        .wait_for(
            "the confirmed row to leave the view",
            "return !document.getElementById('row-m_h42') && document.getElementById('count-held').textContent === '1';",
        )
        .await;
    let events = t.app.store.events("m_h42").await.unwrap();
    assert!(
        events.iter().any(|e| e.to.as_deref() == Some("about_us")),
        "{events:?}"
    );

    driver.goto(&t.url("/mentions/m_h43")).await;
    driver.find("form.act-about-us").await;
    driver.screenshot(&tag("held-mention")).await;
    driver
        .assert_no_horizontal_overflow("/mentions/m_h43")
        .await;
    driver.press("a").await;
    driver
        .wait_for(
            "the mention page without its About us",
            "return document.readyState === 'complete' && !document.querySelector('form.act-about-us');",
        )
        .await;
    let m = t.app.store.mention("m_h43").await.unwrap().unwrap();
    assert!(m.matches.iter().all(|x| !x.held), "{:?}", m.matches);
}

#[tokio::test]
#[cfg_attr(not(lyssna_browser), ignore = "needs chromedriver on the PATH")]
async fn probably_not_about_us_with_the_keyboard_on_a_laptop_and_a_phone() {
    on_a_laptop_and_a_phone(held_back_flow).await;
}

/// Runs `flow` at 1366 × 900 and then at 390 × 844, each in a fresh browser: no tab memory of the
/// laptop's run reaches the phone's.
async fn on_a_laptop_and_a_phone(flow: impl AsyncFn(&Driver, u32, u32)) {
    for (width, height) in [(1366, 900), (390, 844)] {
        let driver = Driver::start()
            .await
            .expect("chromedriver and chromium start (needed: the test was not skipped)");
        flow(&driver, width, height).await;
        driver.quit().await;
    }
}

/// The daily review with the keyboard, at one window width: select two with `x`, `n` with a reason
/// from the picker acts on exactly those two, the toast offers Undo and the counts follow, `u` puts
/// them back with the cursor on them, `s` snoozes with a preset, `/` searches, Enter opens the
/// mention's page and acting there moves on to the next; then the manual mention form, the sources
/// page and the report. Screenshots of each step go to `target/screenshots/`.
async fn daily_flow(driver: &Driver, width: u32, height: u32) {
    let tag = |step: &str| format!("{width}-{step}");
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("lyssna.db").display());
    let t = spawn(&db).await;
    t.seed(&morning()).await;
    let status = |id: &'static str| {
        let store = t.app.store.clone();
        async move {
            store
                .mention(id)
                .await
                .unwrap()
                .unwrap()
                .status
                .as_str()
                .to_string()
        }
    };

    driver.resize(width, height).await;
    log_in(driver, &t, "/").await;
    driver.find("li#row-m_a.current").await;
    let inner = driver.script("return window.innerWidth;").await;
    assert_eq!(inner, json!(width), "the window is {width} px wide");
    assert!(driver.source().await.contains("<mark>GoMonday</mark>"));
    assert_eq!(
        ids_in_inbox(driver).await,
        ["m_a", "m_b", "m_c", "m_d", "m_e"]
    );
    driver.screenshot(&tag("inbox")).await;
    driver.assert_no_horizontal_overflow("the inbox").await;
    let bulk_shown = "return getComputedStyle(document.getElementById('bulk')).display !== 'none';";
    assert_eq!(
        driver.script(bulk_shown).await,
        json!(false),
        "no bulk bar without a selection"
    );

    // Select two with `x`, move on to a third: `n` acts on the two, never on the cursor's row.
    driver.script("window.__marker = 1; return true;").await;
    driver.press("x").await;
    driver.press("j").await;
    driver.press("x").await;
    driver.press("j").await;
    assert_eq!(current_row(driver).await, json!("m_c"));
    assert_eq!(
        driver.script(bulk_shown).await,
        json!(true),
        "the bulk bar with a selection"
    );
    driver.screenshot(&tag("selection")).await;
    driver
        .assert_no_horizontal_overflow("the inbox with a selection")
        .await;
    driver.press("n").await;
    driver
        .wait_for(
            "the reason picker",
            "return document.getElementById('reason-dialog').open;",
        )
        .await;
    driver.screenshot(&tag("reason-picker")).await;
    driver.press("2").await;
    driver
        .wait_for(
            "the two to leave the inbox",
            "return !document.getElementById('row-m_a') && !document.getElementById('row-m_b');",
        )
        .await;
    assert_eq!(status("m_a").await, "no_reply_needed");
    assert_eq!(status("m_b").await, "no_reply_needed");
    assert_eq!(status("m_c").await, "new", "the cursor's row is untouched");
    assert_eq!(
        current_row(driver).await,
        json!("m_c"),
        "the cursor stays on its mention"
    );
    let toast = driver
        .script("return document.getElementById('toast').innerText;")
        .await;
    let toast = toast.as_str().unwrap();
    assert!(
        toast.contains("2 marked no reply needed: spam") && toast.contains("Undo (u)"),
        "{toast}"
    );
    assert_eq!(
        driver
            .script("return document.getElementById('count-new').textContent;")
            .await,
        json!("3"),
        "live counts"
    );
    assert_eq!(
        driver.script("return window.__marker === 1;").await,
        json!(true),
        "no page reload"
    );
    driver.screenshot(&tag("toast")).await;

    // `u` puts both back where they were, the cursor on the first.
    driver.press("u").await;
    driver
        .wait_for(
            "the undo",
            "return !!document.getElementById('row-m_a') && !!document.getElementById('row-m_b');",
        )
        .await;
    assert_eq!(
        ids_in_inbox(driver).await,
        ["m_a", "m_b", "m_c", "m_d", "m_e"]
    );
    assert_eq!(current_row(driver).await, json!("m_a"));
    assert_eq!(status("m_a").await, "new");
    assert_eq!(
        driver
            .script("return document.getElementById('count-new').textContent;")
            .await,
        json!("5")
    );

    // `s` with the "tomorrow morning" preset: 08:00 tomorrow, local time.
    driver.press("s").await;
    driver
        .wait_for(
            "the snooze picker",
            "return document.getElementById('snooze-dialog').open;",
        )
        .await;
    driver.screenshot(&tag("snooze-picker")).await;
    let key = driver
        .script("var b = Array.prototype.filter.call(document.querySelectorAll('#snooze-dialog .choices button'), function (b) { return b.textContent.indexOf('Tomorrow morning') >= 0; })[0]; return b.dataset.key;")
        .await;
    driver.press(key.as_str().unwrap()).await;
    driver
        .wait_for(
            "the snoozed row to go",
            "return !document.getElementById('row-m_a');",
        )
        .await;
    let m = t.app.store.mention("m_a").await.unwrap().unwrap();
    let until = m
        .snoozed_until
        .unwrap()
        .with_timezone(&chrono_tz::Europe::Stockholm);
    let tomorrow = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Stockholm)
        .date_naive()
        .succ_opt()
        .unwrap();
    assert_eq!(
        (until.date_naive(), until.format("%H:%M").to_string()),
        (tomorrow, "08:00".to_string())
    );
    assert_eq!(current_row(driver).await, json!("m_b"));
    assert_eq!(
        driver
            .script("return document.getElementById('count-snoozed').textContent;")
            .await,
        json!("1")
    );

    // `e` is `n` as in Gmail; Esc closes the picker and nothing changes.
    driver.press("e").await;
    driver
        .wait_for(
            "the reason picker again",
            "return document.getElementById('reason-dialog').open;",
        )
        .await;
    driver.press("\u{E00C}").await;
    driver
        .wait_for(
            "the picker to close",
            "return !document.getElementById('reason-dialog').open;",
        )
        .await;
    assert_eq!(
        status("m_b").await,
        "new",
        "a cancelled picker changes nothing"
    );

    // `/` focuses the search; a search in the query language keeps to what matches.
    driver.press("/").await;
    assert_eq!(
        driver.script("return document.activeElement.id;").await,
        json!("q")
    );
    driver.press("x").await; // typed into the box, not a selection
    driver
        .script("document.getElementById('q').value = ''; return true;")
        .await;
    driver.type_into("#q", "\"inte okej\" author:Kalle").await;
    driver.press(ENTER).await;
    driver
        .wait_for(
            "the search",
            "return location.search.indexOf('author%3AKalle') >= 0;",
        )
        .await;
    driver.find("li#row-m_b").await;
    assert_eq!(ids_in_inbox(driver).await, ["m_b"]);
    driver.screenshot(&tag("search")).await;

    // Enter opens the mention in Lyssna; `r` there marks it replied and moves on to the next.
    driver.press(ENTER).await;
    driver
        .wait_for(
            "the mention page",
            "return location.pathname === '/mentions/m_b';",
        )
        .await;
    driver.find("article.mention").await;
    driver.screenshot(&tag("mention")).await;
    driver
        .assert_no_horizontal_overflow("the mention page")
        .await;
    driver.press("r").await;
    driver
        .wait_for(
            "the next mention",
            "return location.pathname === '/mentions/m_c';",
        )
        .await;
    assert_eq!(status("m_b").await, "replied");
    let toast = driver
        .script("return document.getElementById('toast').innerText;")
        .await;
    assert!(
        toast.as_str().unwrap().contains("Marked replied"),
        "{toast}"
    );
    driver.screenshot(&tag("next-mention")).await;
    // `u` takes back what the toast says, and goes back to that mention.
    driver.press("u").await;
    driver
        .wait_for(
            "the undone mention",
            "return location.pathname === '/mentions/m_b';",
        )
        .await;
    assert_eq!(status("m_b").await, "new");

    // `?` shows the keys and the search syntax.
    driver.press("?").await;
    driver
        .wait_for("the help", "return document.getElementById('help').open;")
        .await;
    driver.screenshot(&tag("help")).await;
    driver.press("\u{E00C}").await;

    // The manual mention form.
    driver.goto(&t.url("/mentions/new")).await;
    driver.find("form.manual").await;
    driver.screenshot(&tag("manual-form")).await;
    driver
        .assert_no_horizontal_overflow("the manual mention form")
        .await;
    driver
        .type_into(
            "textarea[name=text]",
            "Ringde och var missnöjd med GoMonday-fakturan",
        )
        .await;
    driver.type_into("input[name=author]", "Lisa").await;
    driver
        .script("document.querySelector('select[name=channel]').value = 'ch_phone'; return true;")
        .await;
    driver.click("form.manual button[type=submit]").await;
    driver
        .wait_for(
            "the new mention",
            "return location.pathname.indexOf('/mentions/m_') === 0;",
        )
        .await;
    let url = driver.url().await;
    let id = url.rsplit('/').next().unwrap().to_string();
    let m = t.app.store.mention(&id).await.unwrap().unwrap();
    assert_eq!(
        (m.source.as_str(), m.brands.clone()),
        ("Phone", vec!["GoMonday".to_string()])
    );

    // The other pages read at this width too.
    for (path, name) in [
        ("/sources", "sources"),
        ("/reports/weekly", "report"),
        ("/?status=all", "all"),
    ] {
        driver.goto(&t.url(path)).await;
        driver.find("main").await;
        driver.screenshot(&tag(name)).await;
        driver.assert_no_horizontal_overflow(path).await;
    }
}

#[tokio::test]
#[cfg_attr(not(lyssna_browser), ignore = "needs chromedriver on the PATH")]
async fn the_daily_review_with_the_keyboard_on_a_laptop_and_a_phone() {
    on_a_laptop_and_a_phone(daily_flow).await;
}

/// The sources page with a watched thread: an alert's article, its next check and its comments count,
/// opened from the source's row.
async fn watched_threads_flow(driver: &Driver, width: u32, height: u32) {
    use crate::support::site::{Reply, Site};
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("lyssna.db").display());
    let site = Site::start().await;
    let article = site.url("/nyheter/gomonday-kritik-av-kundservicen-efter-flera-veckors-vantan/");
    site.set("/alerts", crate::watch::alert(&article));
    site.set(
        "/nyheter/gomonday-kritik-av-kundservicen-efter-flera-veckors-vantan/",
        Reply::ok(
            "text/html",
            "<html><body><p>Ingen kommentarsdel.</p></body></html>",
        ),
    );
    let app = crate::watch::app(&db, dir.path(), &site.url("/alerts")).await;
    let now = chrono::Utc::now();
    crate::watch::crawl(&app, now).await;
    crate::watch::crawl(&app, now + chrono::Duration::minutes(31)).await;
    let t = crate::support::serve(app, dir).await;
    driver.resize(width, height).await;
    log_in(driver, &t, "/sources").await;
    driver.find("tr.watched details").await;
    driver
        .script("document.querySelector('tr.watched details').open = true; return true;")
        .await;
    let text = driver
        .script("return document.querySelector('tr.watched').textContent;")
        .await;
    let text = text.as_str().unwrap_or_default().to_string();
    assert!(text.contains("Watched threads: 1"), "{text}");
    assert!(text.contains("comments not found yet"), "{text}");
    driver.screenshot(&format!("{width}-sources-watched")).await;
    driver.assert_no_horizontal_overflow("/sources").await;
}

#[tokio::test]
#[cfg_attr(not(lyssna_browser), ignore = "needs chromedriver on the PATH")]
async fn watched_threads_on_the_sources_page_on_a_laptop_and_a_phone() {
    on_a_laptop_and_a_phone(watched_threads_flow).await;
}
