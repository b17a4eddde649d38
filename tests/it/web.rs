//! The dashboard and the API over real HTTP: the app on 127.0.0.1:0 with a fresh database (SQLite, and
//! PostgreSQL when `LYSSNA_TEST_POSTGRES_URL` is set), logged in like a browser, seeded by import.

use crate::support::databases;
use chrono::{Duration, Utc};
use lyssna::web::{Access, ROUTES, Verb};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use serde_json::{Value, json};

use crate::support::{PASSWORD, USER, mention, set_cookie, spawn};

fn seed_lines() -> Vec<Value> {
    vec![
        mention("m_praise", "praise", 50, "Tack GoMonday för bra hjälp"),
        mention(
            "m_crit_old",
            "criticism",
            48,
            "GoMonday svarar aldrig, dåligt",
        ),
        mention("m_crit_new", "criticism", 2, "Usel service från GoMonday"),
        mention("m_neutral", "neutral", 30, "GoMonday har nytt kontor"),
    ]
}

fn path_for(route: &str) -> String {
    route
        .replace("{id}", "m_crit_old")
        .replace("{file}", "app.css")
}

#[tokio::test]
async fn every_route_but_the_public_ones_refuses_strangers() {
    let (_, db, _dir) = databases("webroutes").await.remove(0);
    let t = spawn(&db).await;
    t.seed(&seed_lines()).await;
    let login = t.login().await;
    // The routes the router serves are exactly ROUTES: each answers something other than the
    // fallback's 404 for its method, so none is missing from the list.
    let (mut public, mut session, mut token) = (0, 0, 0);
    for r in ROUTES {
        let path = path_for(r.path);
        let req = |builder: reqwest::RequestBuilder| {
            builder.header("content-type", "application/x-www-form-urlencoded")
        };
        let build = |auth: Option<(&str, &str)>| {
            let b = match r.verb {
                Verb::Get => t.http.get(t.url(&path)),
                Verb::Post => req(t.http.post(t.url(&path))).body("x=1"),
            };
            match auth {
                Some((k, v)) => b.header(k, v),
                None => b,
            }
        };
        match r.access {
            Access::Public => {
                public += 1;
                let resp = build(None).send().await.unwrap();
                assert_ne!(resp.status(), StatusCode::UNAUTHORIZED, "{path}");
                assert!(
                    resp.headers()
                        .get(LOCATION)
                        .is_none_or(|l| !l.to_str().unwrap().starts_with("/login")),
                    "{path}"
                );
            }
            Access::Session => {
                session += 1;
                for auth in [
                    None,
                    Some(("cookie", "lyssna_session=forged")),
                    Some(("authorization", &*format!("Bearer {}", t.token))),
                ] {
                    let resp = build(auth).send().await.unwrap();
                    assert_eq!(
                        resp.status(),
                        StatusCode::SEE_OTHER,
                        "{:?} {path} with {auth:?}",
                        r.verb
                    );
                    let loc = resp
                        .headers()
                        .get(LOCATION)
                        .unwrap()
                        .to_str()
                        .unwrap()
                        .to_string();
                    assert!(loc.starts_with("/login"), "{path} → {loc}");
                }
                // With the session it is served (a wrong CSRF token is 403, never a redirect).
                let resp = build(Some(("cookie", &login.cookie))).send().await.unwrap();
                assert_ne!(resp.status(), StatusCode::NOT_FOUND, "{path} is routed");
                assert!(
                    resp.headers()
                        .get(LOCATION)
                        .is_none_or(|l| !l.to_str().unwrap().starts_with("/login"))
                );
            }
            Access::Token => {
                token += 1;
                assert!(path.starts_with("/api/"));
                for auth in [
                    None,
                    Some(("authorization", "Bearer wrong")),
                    Some(("authorization", "Basic x")),
                    Some(("cookie", &*login.cookie)),
                ] {
                    let resp = build(auth).send().await.unwrap();
                    assert_eq!(
                        resp.status(),
                        StatusCode::UNAUTHORIZED,
                        "{path} with {auth:?}"
                    );
                    assert_eq!(resp.headers().get("www-authenticate").unwrap(), "Bearer");
                    let body: Value = resp.json().await.unwrap();
                    assert!(body["error"].is_string());
                }
                let resp = build(Some(("authorization", &*format!("Bearer {}", t.token))))
                    .send()
                    .await
                    .unwrap();
                assert_ne!(resp.status(), StatusCode::UNAUTHORIZED, "{path}");
                assert_ne!(resp.status(), StatusCode::NOT_FOUND, "{path} is routed");
            }
        }
    }
    assert_eq!((public, session, token), (4, 14, 9));
    // Anything else is 404 (JSON under /api/).
    let (status, body) = t.api_get("/api/nothing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn every_form_post_needs_its_csrf_token() {
    let (_, db, _dir) = databases("webcsrf").await.remove(0);
    let t = spawn(&db).await;
    t.seed(&seed_lines()).await;
    let login = t.login().await;
    for r in ROUTES
        .iter()
        .filter(|r| r.verb == Verb::Post && r.access == Access::Session)
    {
        let path = path_for(r.path);
        for token in [None, Some("wrong"), Some("")] {
            let mut fields = vec![
                ("status", "replied"),
                ("id", "m_crit_old"),
                ("sentiment", "praise"),
                ("name", "Forum"),
            ];
            if let Some(tk) = token {
                fields.push(("csrf_token", tk));
            }
            let resp = t
                .http
                .post(t.url(&path))
                .header(COOKIE, &login.cookie)
                .form(&fields)
                .send()
                .await
                .unwrap();
            assert_eq!(
                resp.status(),
                StatusCode::FORBIDDEN,
                "{path} with csrf {token:?}"
            );
        }
    }
    // Nothing changed.
    let m = t.app.store.mention("m_crit_old").await.unwrap().unwrap();
    assert_eq!(m.status.as_str(), "new");
    assert!(m.sentiment_override.is_none());
    // The login form too: without its token, or with one that does not match the cookie.
    let resp = t
        .http
        .post(t.url("/login"))
        .form(&[("username", USER), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = t
        .http
        .post(t.url("/login"))
        .header(COOKIE, "lyssna_login_csrf=aaaa")
        .form(&[
            ("username", USER),
            ("password", PASSWORD),
            ("csrf_token", "bbbb"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // The header form works for scripts.
    let resp = t
        .http
        .post(t.url("/mentions/m_crit_old/status"))
        .header(COOKIE, &login.cookie)
        .header("x-csrf-token", &login.csrf)
        .form(&[("status", "replied")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn login_logout_rate_limit_and_headers() {
    let (_, db, _dir) = databases("weblogin").await.remove(0);
    let t = spawn(&db).await;
    let resp = t.http.get(t.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()[LOCATION], "/login?next=%2F");
    let h = resp.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert!(
        !h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self' 'unsafe-inline'")
    );
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("referrer-policy"));
    let css = t.http.get(t.url("/static/app.css")).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );

    let login = t.login().await;
    // next= is honoured only for local paths.
    let pre = {
        let r = t.http.get(t.url("/login")).send().await.unwrap();
        set_cookie(&r, "lyssna_login_csrf").unwrap()
    };
    let resp = t
        .http
        .post(t.url("/login"))
        .header(COOKIE, format!("lyssna_login_csrf={pre}"))
        .form(&[
            ("username", USER),
            ("password", PASSWORD),
            ("csrf_token", &pre),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()[LOCATION], "/");

    // Logout ends the session.
    let resp = t.form(&login, "/logout", &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let resp = t
        .http
        .get(t.url("/"))
        .header(COOKIE, &login.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "the old cookie no longer works"
    );

    // Wrong passwords: 401 with the form again, then 429 for that user (even with the right one,
    // from a browser that has not logged in before).
    let pre = {
        let r = t.http.get(t.url("/login")).send().await.unwrap();
        set_cookie(&r, "lyssna_login_csrf").unwrap()
    };
    let attempt = |pw: &'static str| {
        let pre = pre.clone();
        let t = &t;
        async move {
            t.http
                .post(t.url("/login"))
                .header(COOKIE, format!("lyssna_login_csrf={pre}"))
                .form(&[("username", USER), ("password", pw), ("csrf_token", &pre)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(attempt("wrong").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(attempt(PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn transitions_through_the_dashboard() {
    for (backend, db, _dir) in databases("webtransitions").await {
        let t = spawn(&db).await;
        t.seed(&seed_lines()).await;
        let login = t.login().await;

        // Inbox: criticism first, then oldest; counts in the navigation; snippet highlighted.
        let (status, html) = t.page(&login, "/").await;
        assert_eq!(status, 200, "{backend}");
        let order: Vec<usize> = ["m_crit_old", "m_crit_new", "m_praise", "m_neutral"]
            .iter()
            .map(|id| {
                html.find(&format!("id=\"row-{id}\""))
                    .unwrap_or_else(|| panic!("{id} in inbox"))
            })
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "{backend}: inbox order {order:?}"
        );
        assert!(html.contains("<mark>GoMonday</mark>"));
        assert!(html.contains("id=\"count-new\">4<"), "{backend}: nav count");
        assert!(html.contains("title=\""), "absolute time on hover");

        // Replied with a note, by form: 303 back, an event by the user.
        let resp = t
            .form(
                &login,
                "/mentions/m_crit_old/status",
                &[
                    ("status", "replied"),
                    ("note", "svarade i tråden"),
                    ("reply_url", "https://forum.example/p/9"),
                    ("back", "/?status=new"),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert_eq!(resp.headers()[LOCATION], "/?status=new");
        let ev = t.app.store.events("m_crit_old").await.unwrap();
        let last = ev.last().unwrap();
        assert_eq!(
            (
                last.actor.as_str(),
                last.to.as_deref(),
                last.note.as_deref()
            ),
            (USER, Some("replied"), Some("svarade i tråden"))
        );
        let (_, html) = t.page(&login, "/").await;
        assert!(
            !html.contains("row-m_crit_old"),
            "a replied mention leaves the inbox"
        );

        // Illegal: replied again → flash message on the page, nothing recorded.
        let resp = t
            .form(
                &login,
                "/mentions/m_crit_old/status",
                &[("status", "replied"), ("back", "/mentions/m_crit_old")],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let flash = set_cookie(&resp, "lyssna_flash").unwrap();
        let resp = t
            .http
            .get(t.url("/mentions/m_crit_old"))
            .header(COOKIE, format!("{}; lyssna_flash={flash}", login.cookie))
            .send()
            .await
            .unwrap();
        let html = resp.text().await.unwrap();
        assert!(
            html.contains("cannot become replied (reopen it first)"),
            "{backend}: flash shown"
        );
        assert!(html.contains("svarade i tråden"), "history shows the note");
        assert_eq!(
            t.app.store.events("m_crit_old").await.unwrap().len(),
            ev.len()
        );

        // The script's request gets JSON: the fresh rows, the toast, the counts — or the
        // refusal's status with its message.
        let resp = t
            .http
            .post(t.url("/mentions/m_crit_old/status"))
            .header(COOKIE, &login.cookie)
            .header("x-lyssna-fetch", "1")
            .form(&[("status", "replied"), ("csrf_token", login.csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CONFLICT);
        let body: Value = resp.json().await.unwrap();
        assert!(
            body["refused"][0]["error"]
                .as_str()
                .unwrap()
                .contains("reopen it first"),
            "{body}"
        );
        let resp = t
            .http
            .post(t.url("/mentions/m_crit_new/status"))
            .header(COOKIE, &login.cookie)
            .header("x-lyssna-fetch", "1")
            .form(&[
                ("status", "snoozed"),
                ("until", "2999-01-01"),
                ("csrf_token", login.csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        let row = body["done"][0]["row"].as_str().unwrap();
        assert!(
            row.trim_start().starts_with("<li") && row.contains("data-status=\"snoozed\""),
            "{row}"
        );
        // The row says until when: a bare date wakes at 08:00.
        assert!(row.contains("snoozed until Tue 1 Jan 08:00"), "{row}");
        assert_eq!(body["toast"], "Snoozed until Tue 1 Jan 08:00", "{body}");
        assert_eq!(body["undo"], json!(["m_crit_new"]));
        assert_eq!(body["counts"]["snoozed"], 1, "live counts");

        // Undo the snooze, then no reply needed with a reason, then reopen.
        assert_eq!(
            t.form(&login, "/mentions/m_crit_new/undo", &[])
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            t.app
                .store
                .mention("m_crit_new")
                .await
                .unwrap()
                .unwrap()
                .status
                .as_str(),
            "new"
        );
        t.form(
            &login,
            "/mentions/m_crit_new/status",
            &[("status", "no_reply_needed"), ("reason", "spam")],
        )
        .await;
        let m = t.app.store.mention("m_crit_new").await.unwrap().unwrap();
        assert_eq!(m.status.as_str(), "no_reply_needed");
        t.form(&login, "/mentions/m_crit_new/status", &[("status", "new")])
            .await;
        assert_eq!(
            t.app
                .store
                .mention("m_crit_new")
                .await
                .unwrap()
                .unwrap()
                .status
                .as_str(),
            "new"
        );
        // `other` without a note is refused with a message; nothing changes.
        let resp = t
            .form(
                &login,
                "/mentions/m_crit_new/status",
                &[("status", "no_reply_needed"), ("reason", "other")],
            )
            .await;
        assert!(set_cookie(&resp, "lyssna_flash").unwrap().contains("note"));
        assert_eq!(
            t.app
                .store
                .mention("m_crit_new")
                .await
                .unwrap()
                .unwrap()
                .status
                .as_str(),
            "new"
        );

        // Sentiment override: an event, and the inbox order follows.
        t.form(
            &login,
            "/mentions/m_neutral/sentiment",
            &[("sentiment", "criticism")],
        )
        .await;
        let m = t.app.store.mention("m_neutral").await.unwrap().unwrap();
        assert_eq!(m.effective_sentiment().as_str(), "criticism");
        let ev = t.app.store.events("m_neutral").await.unwrap();
        assert_eq!(
            (
                ev.last().unwrap().kind.as_str(),
                ev.last().unwrap().actor.as_str()
            ),
            ("sentiment", USER)
        );

        // Bulk: two replied at once; an unknown id is reported, not fatal.
        let resp = t
            .form(
                &login,
                "/mentions/bulk",
                &[
                    ("id", "m_praise"),
                    ("id", "m_neutral"),
                    ("id", "m_nope"),
                    ("status", "replied"),
                    ("back", "/"),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let flash =
            percent_encoding::percent_decode_str(&set_cookie(&resp, "lyssna_flash").unwrap())
                .decode_utf8_lossy()
                .to_string();
        assert!(
            flash.contains("|2 marked replied · m_nope: no mention with id m_nope"),
            "{flash}"
        );
        // The toast's Undo names the two changed mentions.
        assert!(flash.starts_with("m_praise,m_neutral|/|"), "{flash}");
        for id in ["m_praise", "m_neutral"] {
            assert_eq!(
                t.app
                    .store
                    .mention(id)
                    .await
                    .unwrap()
                    .unwrap()
                    .status
                    .as_str(),
                "replied"
            );
        }

        // Filters and the other pages render.
        for path in [
            "/?status=all",
            "/?status=replied&sentiment=praise",
            "/?brand=GoMonday&source=Forum&from=2020-01-01&to=2999-01-01&q=service",
            "/sources",
            "/reports/weekly",
            "/reports/weekly?week=2026-W47",
            "/mentions/m_praise",
        ] {
            let (status, _) = t.page(&login, path).await;
            assert_eq!(status, 200, "{backend}: {path}");
        }
        let (status, _) = t.page(&login, "/?status=bogus").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = t.page(&login, "/mentions/m_nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = t.page(&login, "/reports/weekly?week=2026-W99").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let resp = t
            .form(&login, "/mentions/m_nope/status", &[("status", "replied")])
            .await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        // Check now.
        let resp = t.form(&login, "/sources/check", &[("name", "Forum")]).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let resp = t.form(&login, "/sources/check", &[("name", "Nope")]).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_api() {
    for (backend, db, _dir) in databases("webapi").await {
        let t = spawn(&db).await;
        t.seed(&seed_lines()).await;

        // A listing's items are exactly the export lines.
        let export: Vec<Value> = t
            .app
            .store
            .export_all()
            .await
            .unwrap()
            .iter()
            .map(|l| serde_json::to_value(l).unwrap())
            .collect();
        for bad in [
            "/api/mentions?limit=abc",
            "/api/mentions?limit=0",
            "/api/mentions?stauts=new",
            "/api/mentions?status=new&status=replied",
        ] {
            let (status, body) = t.api_get(bad).await;
            assert_eq!(status, 422, "{bad}: {body}");
            assert!(body["error"].is_string(), "{bad}: {body}");
        }
        let (status, body) = t.api_get("/api/mentions?status=new").await;
        assert_eq!(status, 200);
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), 4);
        assert!(body["next_cursor"].is_null());
        for item in items {
            let same = export.iter().find(|e| e["id"] == item["id"]).unwrap();
            assert_eq!(
                item, same,
                "{backend}: the API's mention is the export line"
            );
        }
        assert_eq!(items[0]["id"], "m_crit_old");
        let (_, body) = t
            .api_get("/api/mentions?sentiment=criticism&brand=GoMonday&source=Forum")
            .await;
        assert_eq!(body["items"].as_array().unwrap().len(), 2);

        // A search in the query language, as the inbox's `?q=`: a phrase, a field, diacritics folded.
        for (q, ids) in [
            ("%22svarar%20aldrig%22", vec!["m_crit_old"]),
            ("service%20author:Kalle", vec!["m_crit_new"]),
            ("DALIGT", vec!["m_crit_old"]),
            ("gomonday%20-usel%20-tack%20-kontor", vec!["m_crit_old"]),
            ("author:Stina", vec![]),
        ] {
            let (status, body) = t.api_get(&format!("/api/mentions?q={q}")).await;
            assert_eq!(status, 200, "{backend}: {q}: {body}");
            let found: Vec<&str> = body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap())
                .collect();
            assert_eq!(found, ids, "{backend}: {q}");
        }
        let long = format!("/api/mentions?q={}", "a".repeat(60 * 1024));
        for path in [
            long.as_str(),
            "/api/mentions?q=%22open",
            "/api/mentions?q=-usel",
        ] {
            let (status, body) = t.api_get(path).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
            assert!(
                body["error"].as_str().unwrap().contains("search"),
                "{backend}: {body}"
            );
        }

        // Cursor pagination: all of them, once each.
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/mentions?limit=1&cursor={c}"),
                None => "/api/mentions?limit=1".into(),
            };
            let (_, body) = t.api_get(&path).await;
            seen.extend(
                body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_str().unwrap().to_string()),
            );
            match body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(seen, ["m_crit_old", "m_crit_new", "m_praise", "m_neutral"]);

        // Bad filters are 422.
        for path in [
            "/api/mentions?status=open",
            "/api/mentions?sentiment=angry",
            "/api/mentions?cursor=garbage",
        ] {
            let (status, body) = t.api_get(path).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
            assert!(body["error"].is_string());
        }

        // One mention; 404 JSON when absent.
        let (status, one) = t.api_get("/api/mentions/m_praise").await;
        assert_eq!(status, 200);
        assert_eq!(one, *export.iter().find(|e| e["id"] == "m_praise").unwrap());
        let (status, body) = t.api_get("/api/mentions/m_nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"], "no mention with id m_nope");

        // Transitions: replied (with time and URL) → 409 again → reopen → snooze → wake → no reply.
        let at =
            (Utc::now() - Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (status, m) = t
            .api_post("/api/mentions/m_crit_old/status", &json!({"status": "replied", "reply_url": "https://forum.example/p/1", "note": "ringde", "replied_at": at}))
            .await;
        assert_eq!(status, 200, "{backend}: {m}");
        assert_eq!(m["status"], "replied");
        let ev = m["events"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (
                ev["actor"].as_str(),
                ev["at"].as_str(),
                ev["reply_url"].as_str()
            ),
            (
                Some("ci"),
                Some(at.as_str()),
                Some("https://forum.example/p/1")
            )
        );
        let (status, body) = t
            .api_post(
                "/api/mentions/m_crit_old/status",
                &json!({"status": "replied"}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(body["error"].as_str().unwrap().contains("reopen it first"));
        let (status, body) = t
            .api_post(
                "/api/mentions/m_crit_old/status",
                &json!({"status": "snoozed", "until": "2999-01-01T00:00:00Z"}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let (status, m) = t
            .api_post("/api/mentions/m_crit_old/status", &json!({"status": "new"}))
            .await;
        assert_eq!(
            (status, m["status"].as_str()),
            (StatusCode::OK, Some("new"))
        );
        let (status, m) = t
            .api_post(
                "/api/mentions/m_crit_old/status",
                &json!({"status": "snoozed", "until": "2999-01-01T00:00:00Z"}),
            )
            .await;
        assert_eq!(
            (status, m["status"].as_str()),
            (StatusCode::OK, Some("snoozed"))
        );
        let (status, m) = t
            .api_post("/api/mentions/m_crit_old/status", &json!({"status": "new"}))
            .await;
        assert_eq!(
            (status, m["status"].as_str()),
            (StatusCode::OK, Some("new")),
            "new ends a snooze"
        );
        let (status, m) = t
            .api_post(
                "/api/mentions/m_crit_old/status",
                &json!({"status": "no_reply_needed", "reason": "other", "note": "ringde upp"}),
            )
            .await;
        assert_eq!(
            (status, m["status"].as_str()),
            (StatusCode::OK, Some("no_reply_needed"))
        );
        let (status, _) = t
            .api_post(
                "/api/mentions/m_crit_old/status",
                &json!({"status": "no_reply_needed", "reason": "spam"}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);

        // Bad input is 422 and changes nothing.
        for bad in [
            json!({"status": "closed"}),
            json!({"status": "no_reply_needed", "reason": "boring"}),
            json!({"status": "no_reply_needed"}),
            json!({"status": "no_reply_needed", "reason": "other"}),
            json!({"status": "snoozed"}),
            json!({"status": "snoozed", "until": "next week"}),
            json!({"status": "snoozed", "until": "2001-01-01T00:00:00Z"}),
            json!({"status": "replied", "replied_at": "igår"}),
            json!({"status": "replied", "reply_url": "javascript:alert(1)"}),
            json!({"status": "replied", "colour": "red"}),
            json!({"state": "replied"}),
            json!([1, 2]),
        ] {
            let (status, body) = t.api_post("/api/mentions/m_crit_new/status", &bad).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{backend}: {bad} → {body}"
            );
            assert!(body["error"].is_string());
        }
        let resp = t
            .http
            .post(t.url("/api/mentions/m_crit_new/status"))
            .bearer_auth(&t.token)
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            t.app
                .store
                .mention("m_crit_new")
                .await
                .unwrap()
                .unwrap()
                .status
                .as_str(),
            "new"
        );
        let (status, _) = t
            .api_post("/api/mentions/m_nope/status", &json!({"status": "replied"}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // A manual mention: 201 with the mention, classified and matched.
        let (status, m) = t
            .api_post("/api/mentions", &json!({"text": "Ringde om GoMonday, mycket missnöjd och arg", "url": "https://linkedin.example/p/1", "author": "Lisa", "published_at": "2026-11-20T10:00:00Z", "source": "Telefon"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{m}");
        assert_eq!(
            (
                m["source"].as_str(),
                m["status"].as_str(),
                m["brands"][0].as_str()
            ),
            (Some("Telefon"), Some("new"), Some("GoMonday"))
        );
        assert_eq!(m["published_at"], "2026-11-20T10:00:00Z");
        let id = m["id"].as_str().unwrap().to_string();
        let (status, _) = t.api_get(&format!("/api/mentions/{id}")).await;
        assert_eq!(status, 200);
        for bad in [
            json!({"text": ""}),
            json!({"url": "https://x.example/"}),
            json!({"text": "GoMonday", "url": "ftp://x"}),
            json!({"text": "GoMonday", "published_at": "soon"}),
        ] {
            let (status, body) = t.api_post("/api/mentions", &bad).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad} → {body}");
        }

        // The weekly report (§8.2).
        let (status, r) = t.api_get("/api/reports/weekly?week=2026-W47").await;
        assert_eq!(status, 200);
        assert_eq!(r["week"], "2026-W47");
        assert_eq!(r["trend"].as_array().unwrap().len(), 12);
        let (status, r) = t.api_get("/api/reports/weekly").await;
        assert_eq!(status, 200);
        assert!(r["criticism"]["found"].as_i64().unwrap() >= 1, "{r}");
        let (status, _) = t.api_get("/api/reports/weekly?week=2026-47").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// Payloads that must come out as text wherever they are shown.
const XSS: &[&str] = &[
    "<script>alert('x')</script>",
    "\"><img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<a href=\"javascript:alert(1)\">klick</a>",
    "' onmouseover='alert(1)",
    "<iframe src=javascript:alert(1)>",
    "</textarea><script>alert(1)</script>",
];

fn assert_inert(page: &str, html: &str) {
    let lower = html.to_lowercase();
    // Text checks: an unescaped `<script`/`<img`/`<iframe` can only be a tag.
    let scripts = lower.matches("<script").count();
    let ours = lower.matches("<script src=\"/static/app.js").count();
    assert_eq!(scripts, ours, "{page}: a <script> that is not ours");
    for bad in ["href=\"javascript:", "<img", "<iframe", "<svg onload"] {
        assert!(!lower.contains(bad), "{page}: contains {bad}");
    }
    // Parsed like a browser would: no event-handler attribute and no javascript: URL anywhere.
    let doc = scraper::Html::parse_document(html);
    for el in doc
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
    {
        for (name, value) in el.value().attrs() {
            assert!(
                !name.to_lowercase().starts_with("on"),
                "{page}: <{} {name}={value}>",
                el.value().name()
            );
            let v = value.trim().to_lowercase();
            assert!(
                !v.starts_with("javascript:") && !v.starts_with("data:text/html"),
                "{page}: {name}={value}"
            );
        }
        assert!(
            !matches!(el.value().name(), "iframe" | "img" | "object" | "embed"),
            "{page}: <{}>",
            el.value().name()
        );
    }
    let script_srcs: Vec<_> = doc
        .select(&scraper::Selector::parse("script").unwrap())
        .map(|s| s.value().attr("src").unwrap_or("inline").to_string())
        .collect();
    assert!(
        script_srcs.iter().all(|s| s.starts_with("/static/app.js")),
        "{page}: scripts {script_srcs:?}"
    );
}

#[tokio::test]
async fn an_xss_corpus_renders_inert_everywhere() {
    let (_, db, _dir) = databases("webxss").await.remove(0);
    let t = spawn(&db).await;
    let now = Utc::now();
    let mut lines = Vec::new();
    for (i, p) in XSS.iter().enumerate() {
        let body = format!("GoMonday {p} GoMonday");
        lines.push(json!({
            "id": format!("m_x{i}"), "source": format!("Källa {p}"), "url": format!("javascript:alert({i})//{p}"),
            "thread_url": "JaVaScRiPt:alert(1)", "title": format!("{p} titel"), "body": body, "author": p,
            "found_at": now.to_rfc3339(), "brands": [format!("GoMonday{p}")], "sentiment": "criticism", "status": "new",
            "sentiment_reasons": [p],
            // Spans that are wrong on purpose: inside a tag, past the end, reversed.
            "matches": [{"brand": p, "spans": [{"field": "body", "start": 9, "end": 12}, {"field": "body", "start": 0, "end": 9999}, {"field": "title", "start": 3, "end": 1}], "explanation": p}],
            "events": [{"at": now.to_rfc3339(), "actor": p, "from": null, "to": "new", "note": p, "reply_url": "javascript:alert(2)"}]
        }));
    }
    t.seed_unchecked(&lines).await;
    // A reply with a payload note and a bad reply URL (via the store: the API refuses such URLs).
    let login = t.login().await;
    let resp = t
        .form(
            &login,
            "/mentions/m_x1/status",
            &[("status", "replied"), ("note", XSS[1])],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let mut pages = vec![
        "/".to_string(),
        "/?status=all".into(),
        "/sources".into(),
        "/reports/weekly".into(),
    ];
    pages.extend((0..XSS.len()).map(|i| format!("/mentions/m_x{i}")));
    for page in &pages {
        let (status, html) = t.page(&login, page).await;
        assert_eq!(status, 200, "{page}");
        assert_inert(page, &html);
    }
    // The payload text is there, escaped.
    let (_, html) = t.page(&login, "/mentions/m_x0").await;
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
            || html.contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"),
        "escaped text shown"
    );
    let (_, html) = t.page(&login, "/mentions/m_x3").await;
    assert!(
        html.contains("&amp;lt;script&amp;gt;"),
        "entities stay entities"
    );
    // The row fragment too.
    let resp = t
        .http
        .post(t.url("/mentions/m_x2/status"))
        .header(COOKIE, &login.cookie)
        .header("x-lyssna-fetch", "1")
        .form(&[("status", "replied"), ("csrf_token", login.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_inert("fragment", &resp.text().await.unwrap());
}

#[tokio::test]
async fn user_and_token_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("lyssna.db").display());
    let lyssna = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lyssna"))
            .current_dir(dir.path())
            .arg("--database-url")
            .arg(&db)
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
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    assert_eq!(lyssna(&["migrate"], "").0, Some(0));
    let (code, _, err) = lyssna(
        &["user", "add", "lisa", "--password-stdin"],
        "långt lösenord\n",
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        !err.contains("långt lösenord"),
        "the password is never echoed"
    );
    let (code, _, err) = lyssna(&["user", "add", "lisa"], "kort\n");
    assert_eq!(code, Some(2), "{err}");
    let (code, out, err) = lyssna(&["token", "add", "ci"], "");
    assert_eq!(code, Some(0), "{err}");
    let token = serde_json::from_str::<Value>(out.trim()).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(token.len(), 43);

    let store = lyssna::store::Store::connect(&db).await.unwrap();
    let user = store.user_by_name("lisa").await.unwrap().unwrap();
    assert!(lyssna::web::auth::verify_password(
        "långt lösenord",
        &user.password_hash
    ));
    assert!(!user.password_hash.contains("lösenord"));
    let name = store
        .api_token_name(&lyssna::web::auth::token_hash(&token), Utc::now())
        .await
        .unwrap();
    assert_eq!(name.as_deref(), Some("ci"));
    assert_eq!(
        store.api_token_name(&token, Utc::now()).await.unwrap(),
        None,
        "stored hashed"
    );
}

#[tokio::test]
async fn failed_deliveries_are_shown_on_the_report_page() {
    let dir = tempfile::tempdir().unwrap();
    let t = spawn(&format!("sqlite://{}", dir.path().join("d.db").display())).await;
    let now = Utc::now();
    let store = &t.app.store;
    let delivery = lyssna::store::NewDelivery {
        kind: "report_webhook".into(),
        key: "2026-W47".into(),
        recipient: "https://hooks.example.org/services/T000/SECRET".into(),
        payload: "{}".into(),
    };
    assert!(store.enqueue_delivery(&delivery, now).await.unwrap());
    let claimed = store
        .claim_due_deliveries(now, now + chrono::Duration::minutes(5), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    store
        .delivery_failed(
            claimed[0].record.id,
            "the webhook answered HTTP 500",
            Some(now + chrono::Duration::minutes(4)),
        )
        .await
        .unwrap();
    let login = t.login().await;
    let html = t
        .http
        .get(t.url("/reports/weekly?week=2026-W47"))
        .header(COOKIE, login.cookie.as_str())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Deliveries that failed"), "{html}");
    assert!(html.contains("the webhook answered HTTP 500"));
    assert!(html.contains("https://hooks.example.org/…"));
    assert!(
        !html.contains("SECRET"),
        "webhook secrets in URLs are never shown"
    );
}

/// A stored row that does not decode (edited by hand, or written by a broken version) is the server's
/// problem: 500 with the generic message, never a 4xx that blames the client, and nothing leaks.
#[tokio::test]
async fn a_damaged_stored_row_is_a_server_error() {
    use sqlx::Connection;
    for (backend, db, _dir) in databases("webcorrupt").await {
        let t = spawn(&db).await;
        t.seed(&seed_lines()).await;
        let mut conn = sqlx::AnyConnection::connect(&db).await.unwrap();
        sqlx::raw_sql("UPDATE mentions SET status = 'lost' WHERE id = 'm_praise'")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.ok();
        let (status, body) = t.api_get("/api/mentions/m_praise").await;
        assert_eq!(status, 500, "{backend}: {body}");
        assert_eq!(
            body["error"], "internal error; the server log has the details",
            "{backend}"
        );
        let login = t.login().await;
        let (status, page) = t.page(&login, "/mentions/m_praise").await;
        assert_eq!(status, 500, "{backend}");
        assert!(
            !page.contains("lost"),
            "{backend}: the stored value is not shown"
        );
    }
}

/// A mention line with its post time and found time given apart (a first crawl finds old posts).
fn posted(id: &str, sentiment: &str, posted_h: i64, found_h: i64, body: &str) -> Value {
    let mut m = mention(id, sentiment, found_h, body);
    m["published_at"] = json!((Utc::now() - Duration::hours(posted_h)).to_rfc3339());
    m
}

#[tokio::test]
async fn the_inbox_and_the_report_run_on_the_posts_clock() {
    for (backend, db, _dir) in databases("webclock").await {
        let t = spawn(&db).await;
        t.seed(&[
            // Found an hour ago by a first crawl, written five days ago.
            posted("m_old_post", "criticism", 120, 1, "GoMonday svarar aldrig"),
            posted("m_mid", "criticism", 72, 72, "GoMonday är dyrt"),
            posted("m_new", "criticism", 2, 2, "GoMonday krånglar"),
        ])
        .await;
        let login = t.login().await;
        let (_, html) = t.page(&login, "/").await;
        let at = |id: &str| html.find(&format!("id=\"row-{id}\"")).unwrap();
        assert!(
            at("m_old_post") < at("m_mid") && at("m_mid") < at("m_new"),
            "{backend}: oldest post first"
        );
        let row = &html[at("m_old_post")..at("m_mid")];
        assert!(
            row.contains("5 days ago"),
            "{backend}: the row shows the post's age: {row}"
        );
        // The API pages through the same order.
        let (_, body) = t.api_get("/api/mentions?status=new&limit=2").await;
        let ids: Vec<&str> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["m_old_post", "m_mid"], "{backend}");
        let cursor = body["next_cursor"].as_str().unwrap().to_string();
        let (_, body) = t
            .api_get(&format!("/api/mentions?status=new&cursor={cursor}"))
            .await;
        assert_eq!(body["items"][0]["id"], "m_new", "{backend}");
        // The report's open criticism ages on the same clock: the five-day-old post is over 48 h.
        let (_, report) = t.api_get("/api/reports/weekly").await;
        assert_eq!(
            report["open_criticism_by_age"],
            json!({"over_24h": 2, "over_48h": 2, "over_7d": 0}),
            "{backend}"
        );
        // The date filters use it too.
        let day = (Utc::now() - Duration::hours(120))
            .with_timezone(&chrono_tz::Europe::Stockholm)
            .format("%Y-%m-%d")
            .to_string();
        let (_, html) = t.page(&login, &format!("/?from={day}&to={day}")).await;
        assert!(
            html.contains("row-m_old_post") && !html.contains("row-m_new"),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn the_api_overrides_sentiment_undoes_and_adds_by_brand() {
    for (backend, db, _dir) in databases("webapi2").await {
        let t = spawn(&db).await;
        t.seed(&seed_lines()).await;
        let (status, m) = t
            .api_post(
                "/api/mentions/m_neutral/sentiment",
                &json!({"sentiment": "criticism"}),
            )
            .await;
        assert_eq!(status, 200, "{backend}: {m}");
        assert_eq!(m["sentiment_override"], "criticism");
        let last = m["events"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (last["kind"].as_str(), last["actor"].as_str()),
            (Some("sentiment"), Some("ci"))
        );
        let (status, m) = t
            .api_post(
                "/api/mentions/m_neutral/sentiment",
                &json!({"sentiment": null}),
            )
            .await;
        assert_eq!(status, 200);
        assert!(
            m["sentiment_override"].is_null(),
            "null goes back to the classifier"
        );
        for bad in [
            json!({"sentiment": "angry"}),
            json!({}),
            json!({"sentiment": "praise", "x": 1}),
            json!("praise"),
            json!({"sentiment": 3}),
        ] {
            let (status, body) = t.api_post("/api/mentions/m_neutral/sentiment", &bad).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
            assert!(body["error"].is_string());
        }
        let (status, _) = t
            .api_post(
                "/api/mentions/m_nope/sentiment",
                &json!({"sentiment": "praise"}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Undo: 409 with nothing to undo, else the mention as it was.
        let (status, body) = t.api_post("/api/mentions/m_praise/undo", &json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"], "there is nothing to undo on this mention");
        let (status, _) = t
            .api_post(
                "/api/mentions/m_praise/status",
                &json!({"status": "replied"}),
            )
            .await;
        assert_eq!(status, 200);
        let (status, m) = t.api_post("/api/mentions/m_praise/undo", &json!({})).await;
        assert_eq!(status, 200, "{m}");
        assert_eq!(m["status"], "new");
        // The undo names the reply it takes back (the seeded line has no earlier events).
        assert_eq!(m["events"].as_array().unwrap().last().unwrap()["undoes"], 0);
        let (status, _) = t.api_post("/api/mentions/m_praise/undo", &json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "one undo per change");
        let (status, _) = t.api_post("/api/mentions/m_nope/undo", &json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // A manual mention with the brand picked: it is that brand's, whatever the text says.
        let (status, m) = t
            .api_post("/api/mentions", &json!({"text": "Ringde och var arg på fakturan", "source": "Telefon", "brand": "GoMonday"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{m}");
        assert_eq!(m["brands"], json!(["GoMonday"]));
        assert_eq!(m["matches"][0]["explanation"], "chosen by hand");
        let (status, body) = t
            .api_post("/api/mentions", &json!({"text": "x", "brand": "Nope"}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("unknown brand 'Nope' (configured: GoMonday)"),
            "{body}"
        );
        let (status, _) = t
            .api_post(
                "/api/mentions",
                &json!({"text": "x", "published_at": "2999-01-01"}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a post from the future"
        );
    }
}

#[tokio::test]
async fn the_daily_review_works_without_script() {
    let preset = regex::Regex::new(r#"name="until" value="([^"]+)" class="preset""#).unwrap();
    for (backend, db, _dir) in databases("webreview").await {
        let t = spawn(&db).await;
        t.seed(&seed_lines()).await;
        let login = t.login().await;

        // On a mention's page, an action moves on to the next open mention, with a toast whose
        // Undo brings it back.
        let (_, html) = t.page(&login, "/mentions/m_crit_old").await;
        assert!(
            !html.contains("act-undo"),
            "{backend}: no Undo with nothing to undo"
        );
        assert!(
            html.contains("rel=\"next\" class=\"next\" href")
                || html.contains("href=\"/mentions/m_crit_new\" rel=\"next\""),
            "{backend}: a next link"
        );
        let resp = t
            .form(
                &login,
                "/mentions/m_crit_old/status",
                &[
                    ("status", "replied"),
                    ("next", "1"),
                    ("back", "/mentions/m_crit_old"),
                ],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            resp.headers()[LOCATION],
            "/mentions/m_crit_new",
            "{backend}"
        );
        let flash = set_cookie(&resp, "lyssna_flash").unwrap();
        let cookie = format!("{}; lyssna_flash={flash}", login.cookie);
        let html = t
            .http
            .get(t.url("/mentions/m_crit_new"))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Marked replied"), "{backend}: the toast");
        assert!(
            html.contains("action=\"/mentions/undo\"")
                && html.contains("name=\"back\" value=\"/mentions/m_crit_old\"")
                && html.contains("name=\"id\" value=\"m_crit_old\""),
            "{backend}: the toast's Undo"
        );
        let resp = t
            .form(
                &login,
                "/mentions/undo",
                &[("id", "m_crit_old"), ("back", "/mentions/m_crit_old")],
            )
            .await;
        assert_eq!(resp.headers()[LOCATION], "/mentions/m_crit_old");
        let m = t.app.store.mention("m_crit_old").await.unwrap().unwrap();
        assert_eq!(m.status.as_str(), "new", "{backend}: undone");

        // Snooze with a preset, then change the date; the row says until when.
        let (_, html) = t.page(&login, "/mentions/m_crit_new").await;
        let until = preset.captures(&html).expect("a preset")[1].to_string();
        t.form(
            &login,
            "/mentions/m_crit_new/status",
            &[("status", "snoozed"), ("until", &until)],
        )
        .await;
        let m = t.app.store.mention("m_crit_new").await.unwrap().unwrap();
        assert_eq!(m.status.as_str(), "snoozed");
        let day = (Utc::now() + Duration::days(3))
            .with_timezone(&chrono_tz::Europe::Stockholm)
            .date_naive();
        t.form(
            &login,
            "/mentions/m_crit_new/status",
            &[
                ("status", "snoozed"),
                ("until_date", &day.to_string()),
                ("until_time", ""),
            ],
        )
        .await;
        let m = t.app.store.mention("m_crit_new").await.unwrap().unwrap();
        let woke = m
            .snoozed_until
            .unwrap()
            .with_timezone(&chrono_tz::Europe::Stockholm);
        assert_eq!(
            (woke.date_naive(), woke.format("%H:%M").to_string()),
            (day, "08:00".into()),
            "{backend}"
        );
        let (_, html) = t.page(&login, "/?status=snoozed").await;
        assert!(html.contains("snoozed until"), "{backend}");
        let (_, html) = t.page(&login, "/mentions/m_crit_new").await;
        assert!(
            html.contains("Change the snooze") && html.contains("act-undo"),
            "{backend}"
        );

        // History in time order: a reply dated before a later override stands first.
        t.form(
            &login,
            "/mentions/m_neutral/sentiment",
            &[("sentiment", "criticism")],
        )
        .await;
        let at = (Utc::now() - Duration::hours(3))
            .with_timezone(&chrono_tz::Europe::Stockholm)
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        t.form(
            &login,
            "/mentions/m_neutral/status",
            &[("status", "replied"), ("replied_at", &at)],
        )
        .await;
        let (_, html) = t.page(&login, "/mentions/m_neutral").await;
        let reply = html.find("New → Replied").unwrap();
        let sentiment = html.find("Sentiment: Neutral → Criticism").unwrap();
        assert!(reply < sentiment, "{backend}: the earlier reply first");
        // The score follows the override: shown as the classifier's, beside the leader's label.
        assert!(
            html.contains("set by you; the classifier said neutral"),
            "{backend}"
        );

        // Bulk, then the toast's Undo takes back both.
        let resp = t
            .form(
                &login,
                "/mentions/bulk",
                &[
                    ("id", "m_crit_old"),
                    ("id", "m_praise"),
                    ("status", "no_reply_needed"),
                    ("reason", "spam"),
                    ("back", "/"),
                ],
            )
            .await;
        let flash =
            percent_encoding::percent_decode_str(&set_cookie(&resp, "lyssna_flash").unwrap())
                .decode_utf8_lossy()
                .to_string();
        assert!(
            flash.ends_with("|2 marked no reply needed: spam"),
            "{flash}"
        );
        t.form(
            &login,
            "/mentions/undo",
            &[("id", "m_crit_old"), ("id", "m_praise"), ("back", "/")],
        )
        .await;
        for id in ["m_crit_old", "m_praise"] {
            assert_eq!(
                t.app
                    .store
                    .mention(id)
                    .await
                    .unwrap()
                    .unwrap()
                    .status
                    .as_str(),
                "new",
                "{backend}: {id}"
            );
        }

        // A filter or cursor the inbox cannot use is said on the page, not a bare error.
        let long_search = format!("/?q={}", "ord".repeat(20 * 1024));
        for path in [
            "/?cursor=garbage",
            "/?status=bogus",
            "/?from=someday",
            long_search.as_str(),
            "/?q=%22inte",
        ] {
            let (status, html) = t.page(&login, path).await;
            let shown = &path[..path.len().min(40)];
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{shown}");
            assert!(
                html.contains("id=\"search-problem\"") && html.contains("class=\"filters\""),
                "{backend}: {shown}"
            );
        }
    }
}

#[tokio::test]
async fn the_manual_mention_form() {
    let (_, db, _dir) = databases("webmanual").await.remove(0);
    let t = spawn(&db).await;
    let login = t.login().await;
    let (status, html) = t.page(&login, "/mentions/new").await;
    assert_eq!(status, 200);
    for channel in ["Facebook", "LinkedIn", ">X<", "Phone", "E-mail", "Other"] {
        assert!(html.contains(channel), "{channel}");
    }
    assert!(html.contains("Match the brands automatically"));
    // Refused: no text. The form comes back with what was typed.
    let resp = t
        .form(
            &login,
            "/mentions",
            &[
                ("channel", "ch_phone"),
                ("text", "  "),
                ("author", "Lisa Kund"),
                ("url", ""),
                ("when", ""),
                ("brand", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("a mention needs some text") && html.contains("value=\"Lisa Kund\""),
        "{html}"
    );
    let resp = t
        .form(
            &login,
            "/mentions",
            &[
                ("channel", "ch_phone"),
                ("text", "Ringde, arg över fakturan"),
                ("author", "Lisa Kund"),
                ("url", "javascript:alert(1)"),
                ("when", ""),
                ("brand", "GoMonday"),
            ],
        )
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a javascript: link is refused"
    );
    let resp = t
        .form(
            &login,
            "/mentions",
            &[
                ("channel", "ch_phone"),
                ("text", "Ringde, arg över fakturan"),
                ("author", "Lisa Kund"),
                ("url", ""),
                ("when", "2026-11-20T09:30"),
                ("brand", "GoMonday"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = resp.headers()[LOCATION].to_str().unwrap().to_string();
    let id = to.strip_prefix("/mentions/").unwrap();
    let m = t.app.store.mention(id).await.unwrap().unwrap();
    assert_eq!(
        (m.source.as_str(), m.author.as_deref()),
        ("Phone", Some("Lisa Kund"))
    );
    assert_eq!(m.brands, ["GoMonday"]);
    assert_eq!(
        m.published_at.unwrap().to_rfc3339(),
        "2026-11-20T08:30:00+00:00"
    );
    assert_eq!(m.status.as_str(), "new");
    // Matched instead of picked: the brand is found in the text.
    let resp = t
        .form(
            &login,
            "/mentions",
            &[
                ("channel", "ch_linkedin"),
                ("text", "Bra inlägg om GoMonday"),
                ("author", ""),
                ("url", "https://www.linkedin.com/posts/1"),
                ("when", ""),
                ("brand", ""),
            ],
        )
        .await;
    let to = resp.headers()[LOCATION].to_str().unwrap().to_string();
    let m = t
        .app
        .store
        .mention(to.strip_prefix("/mentions/").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (m.source.as_str(), m.brands.clone()),
        ("LinkedIn", vec!["GoMonday".to_string()])
    );
}

#[tokio::test]
async fn the_first_login_page_says_how_to_create_a_login() {
    let (_, db, _dir) = databases("webfirstrun").await.remove(0);
    let dir = tempfile::tempdir().unwrap();
    let app = crate::support::build_app(
        dir.path(),
        &format!("database_url = \"{db}\"\n[server]\nlanguage = \"sv\"\n"),
    )
    .await;
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let (addr, _) = app
        .serve_web("127.0.0.1:0".parse().unwrap(), rx)
        .await
        .unwrap();
    let html = reqwest::get(format!("http://{addr}/login"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Det finns ingen inloggning än") && html.contains("lyssna user add NAME"),
        "{html}"
    );
    let hash = lyssna::web::auth::hash_password("ett långt lösen").unwrap();
    app.store
        .upsert_user("erik", &hash, Utc::now())
        .await
        .unwrap();
    let html = reqwest::get(format!("http://{addr}/login"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("lyssna user add"), "a login exists now");
}

#[tokio::test]
async fn the_swedish_dashboard_speaks_swedish() {
    let (_, db, _dir) = databases("websv").await.remove(0);
    let t = crate::support::spawn_with(&db, "language = \"sv\"").await;
    t.seed(&seed_lines()).await;
    let login = t.login().await;
    t.form(
        &login,
        "/mentions/m_crit_old/status",
        &[("status", "replied")],
    )
    .await;
    t.app.store.wake_snoozed(Utc::now()).await.unwrap();
    let resp = t
        .form(
            &login,
            "/mentions/m_crit_old/status",
            &[("status", "replied"), ("back", "/")],
        )
        .await;
    let flash = percent_encoding::percent_decode_str(&set_cookie(&resp, "lyssna_flash").unwrap())
        .decode_utf8_lossy()
        .to_string();
    assert!(
        flash.contains(
            "ett omnämnande som är besvarat kan inte bli besvarat (öppna det igen först)"
        ),
        "{flash}"
    );
    let tags = regex::Regex::new(r"(?s)<[^>]*>").unwrap();
    for path in [
        "/",
        "/mentions/m_crit_old",
        "/sources",
        "/reports/weekly",
        "/mentions/new",
        "/?status=all",
    ] {
        let (status, html) = t.page(&login, path).await;
        assert_eq!(status, 200, "{path}");
        let visible = tags.replace_all(&html, " ").to_string();
        for english in [
            "Mark replied",
            "No reply needed",
            "Snooze",
            "Undo",
            "Reopen",
            "History",
            "found",
            "Replied",
            "Inbox",
            "Sources",
            "Weekly report",
            "Keyboard shortcuts",
            "Next mention",
            "reply detection",
            "identities",
            "Search",
        ] {
            assert!(
                !visible.contains(english),
                "{path}: {english:?} in the Swedish UI"
            );
        }
    }
    let (_, html) = t.page(&login, "/mentions/m_crit_old").await;
    assert!(html.contains("Markera besvarad") || html.contains("Öppna igen"));
    assert!(html.contains("Historik") && html.contains("Varför den matchade"));
}

/// The leader's overrides teach the classifier: a complaint word no lexicon knows is neutral at
/// first; after the leader marks such posts criticism, the next one is criticism — at once, and
/// again after a restart (the learned layer is rebuilt from the stored overrides).
#[tokio::test]
async fn overrides_teach_the_classifier() {
    let (_, db, _dir) = databases("weblearn").await.remove(0);
    let t = spawn(&db).await;
    let texts = [
        "GoMonday strulpellade min beställning igen",
        "Hos GoMonday blev allt strulpellat som vanligt",
        "Ännu en strulpellad leverans från GoMonday",
        "GoMonday strulpellar med fakturan",
        "Strulpellat med GoMondays support i dag",
        "GoMonday har strulpellat bort mitt paket",
    ];
    let lines: Vec<Value> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| mention(&format!("m_s{i}"), "neutral", 3, text))
        .collect();
    t.seed(&lines).await;
    let probe = json!({"text": "GoMonday strulpellade leveransen", "source": "Telefon"});
    let (_, before) = t.api_post("/api/mentions", &probe).await;
    assert_eq!(before["sentiment"], "neutral", "{before}");
    let login = t.login().await;
    for i in 0..texts.len() {
        let resp = t
            .form(
                &login,
                &format!("/mentions/m_s{i}/sentiment"),
                &[("sentiment", "criticism")],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(t.app.ingest.pipeline.overrides_learned(), texts.len());
    let probe = json!({"text": "Nu strulpellade GoMonday igen", "source": "Telefon"});
    let (status, after) = t.api_post("/api/mentions", &probe).await;
    assert_eq!(status, StatusCode::CREATED, "{after}");
    assert_eq!(after["sentiment"], "criticism", "{after}");
    let reasons = after["sentiment_reasons"].to_string();
    assert!(reasons.contains("learned"), "{reasons}");
    // A new process on the same database learns the same from the stored overrides.
    let again = lyssna::app::App::build(t.app.config.as_ref().clone(), false)
        .await
        .unwrap();
    assert_eq!(again.ingest.pipeline.overrides_learned(), texts.len());
}
