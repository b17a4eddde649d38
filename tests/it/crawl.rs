//! Crawls against real loopback HTTP servers: conditional GET, charsets, health states, dedup over
//! changing feeds, reply detection — on SQLite and (when configured) PostgreSQL.

use crate::support::databases;
use crate::support::site::{Reply, Site};
use chrono::{Duration, Utc};
use lyssna::app::App;
use lyssna::domain::health::Health;
use lyssna::domain::mention::Status;
use lyssna::ingest::CrawlReport;

const FORUM_RECIPE: &str = r#"name = "test-forum"
kind = "html"
item = "div.post"
[fields]
title  = { select = "h1", scope = "page" }
link   = { select = "a.permalink", attr = "href" }
id     = { attr = "id" }
author = ".user"
body   = ".text"
date   = { select = ".date", format = "%Y-%m-%d %H:%M", timezone = "Europe/Stockholm" }
"#;

/// An app for `sources` (TOML) with one brand, a short per-host delay, storing in `db`.
async fn app(db: &str, dir: &std::path::Path, extra: &str) -> App {
    std::fs::create_dir_all(dir.join("recipes")).unwrap();
    std::fs::write(dir.join("recipes/test-forum.toml"), FORUM_RECIPE).unwrap();
    let text = format!("{}{extra}", crate::support::gomonday_config(db));
    crate::support::build_app(dir, &text).await
}

fn source(name: &str, kind: &str, url: &str, more: &str) -> String {
    format!(
        "\n[[sources]]\nname = \"{name}\"\nkind = \"{kind}\"\nurl = \"{url}\"\nallow_private = true\n{more}\n"
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

fn rss(items: &[(&str, Option<&str>, &str, &str)]) -> String {
    let body: String = items
        .iter()
        .map(|(title, guid, link, text)| {
            let guid = guid.map(|g| format!("<guid isPermaLink=\"false\">{g}</guid>")).unwrap_or_default();
            format!("<item><title>{title}</title>{guid}<link>{link}</link><description>{text}</description><pubDate>Fri, 20 Nov 2026 10:00:00 +0000</pubDate></item>")
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Blogg</title><link>http://x/</link><description>d</description>{body}</channel></rss>"
    )
}

#[tokio::test]
async fn dedup_over_three_crawls_of_a_changing_feed() {
    for (backend, db, dir) in databases("feeddedup").await {
        let tmp = tempfile::tempdir().unwrap();
        let site = Site::start().await;
        let a = site.url("/p/a");
        let c = site.url("/p/c");
        let e = site.url("/p/e");
        let sources = source("Blogg", "feed", &site.url("/feed.xml"), "")
            + &source("Aggregator", "feed", &site.url("/agg.xml"), "");
        let app = app(&db, tmp.path(), &sources).await;

        site.set(
            "/feed.xml",
            Reply::ok(
                "application/rss+xml",
                rss(&[
                    ("A", Some("a"), &a, "GoMonday svarar inte på mejl"),
                    ("B", Some("b"), &site.url("/p/b"), "GoMonday är toppen"),
                    ("C", None, &c, "Om GoMonday utan guid"),
                    ("D", Some("d"), &site.url("/p/d"), "Helt orelaterat inlägg"),
                ]),
            )
            .header("etag", "\"v1\""),
        );
        let r1 = crawl(&app, "Blogg").await;
        assert_eq!((r1.items, r1.new_mentions), (4, 3), "{backend}: {r1:?}");

        site.set(
            "/feed.xml",
            Reply::ok(
                "application/rss+xml",
                rss(&[
                    (
                        "A",
                        Some("a"),
                        &a,
                        "GoMonday svarar inte på mejl. Uppdatering: nu har de svarat",
                    ),
                    ("B", Some("b"), &site.url("/p/b"), "GoMonday är toppen"),
                    ("C", None, &c, "Om GoMonday utan guid"),
                    ("D", Some("d"), &site.url("/p/d"), "Helt orelaterat inlägg"),
                    ("E", Some("e"), &e, "Ny post om gomonday"),
                ]),
            )
            .header("etag", "\"v2\""),
        );
        let r2 = crawl(&app, "Blogg").await;
        assert_eq!(
            (r2.new_mentions, r2.updated_mentions),
            (1, 1),
            "{backend}: {r2:?}"
        );

        site.set(
            "/agg.xml",
            Reply::ok(
                "application/rss+xml",
                rss(&[
                    (
                        "E again",
                        Some("agg-17"),
                        &format!("{e}?utm_source=agg"),
                        "Ny post om gomonday",
                    ),
                    (
                        "F",
                        Some("agg-18"),
                        &site.url("/p/f"),
                        "GoMonday i nyheterna",
                    ),
                ]),
            ),
        );
        let r3 = crawl(&app, "Aggregator").await;
        assert_eq!(
            r3.new_mentions, 1,
            "{backend}: the same URL through two sources is one mention"
        );

        let export = app.store.export_all().await.unwrap();
        let mut titles: Vec<&str> = export.iter().filter_map(|l| l.title.as_deref()).collect();
        titles.sort();
        assert_eq!(titles, vec!["A", "B", "C", "E", "F"], "{backend}");
        let edited = export
            .iter()
            .find(|l| l.title.as_deref() == Some("A"))
            .unwrap();
        assert!(edited.body.contains("nu har de svarat"), "{backend}");
        drop(dir);
    }
}

#[tokio::test]
async fn an_unchanged_feed_is_not_parsed_again() {
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", tmp.path().join("l.db").display());
    let site = Site::start().await;
    let app = app(
        &db,
        tmp.path(),
        &source("Blogg", "feed", &site.url("/feed.xml"), ""),
    )
    .await;
    site.set(
        "/feed.xml",
        Reply::ok(
            "application/rss+xml",
            rss(&[("A", Some("a"), "http://x/a", "GoMonday")]),
        )
        .header("etag", "\"v1\""),
    );
    let first = crawl(&app, "Blogg").await;
    assert_eq!((first.outcome.as_str(), first.items), ("ok", 1));
    let second = crawl(&app, "Blogg").await;
    assert_eq!(
        (second.outcome.as_str(), second.unchanged, second.items),
        ("unchanged", 1, 0)
    );
    let reqs = site.requests("/feed.xml");
    assert_eq!(
        reqs[1].get("if-none-match").and_then(|v| v.to_str().ok()),
        Some("\"v1\"")
    );
    assert!(
        reqs[0]
            .get("user-agent")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Lyssna/")
    );
    assert_eq!(second.health, Health::Ok);
}

/// Forty feeds that all answer 304 the second time, crawled together: the unchanged results share
/// their commits, and every source still gets its own run, its next check and its lease back.
#[tokio::test]
async fn many_unchanged_feeds_crawled_together_each_keep_their_state() {
    let site = Site::start().await;
    let mut sources = String::new();
    for i in 0..40 {
        let path = format!("/feed{i}.xml");
        site.set(
            &path,
            Reply::ok(
                "application/rss+xml",
                rss(&[(
                    &format!("A{i}"),
                    Some(&format!("a{i}")),
                    "http://x/a",
                    "GoMonday",
                )]),
            )
            .header("etag", &format!("\"v{i}\"")),
        );
        sources.push_str(&source(&format!("Blogg {i}"), "feed", &site.url(&path), ""));
    }
    for (backend, db, _keep) in databases("unchanged_group").await {
        let tmp = tempfile::tempdir().unwrap();
        let app = app(&db, tmp.path(), &sources).await;
        let all = app.config.sources.clone();
        let quiet: lyssna::scheduler::CrawlProgress = std::sync::Arc::new(|_, _, _| {});
        let first = lyssna::scheduler::crawl_now(&app.ingest, all.clone(), quiet.clone())
            .await
            .unwrap();
        assert!(
            first.iter().all(|r| r.outcome.as_str() == "ok"),
            "{backend}: {first:?}"
        );
        let before = Utc::now();
        let second = lyssna::scheduler::crawl_now(&app.ingest, all, quiet)
            .await
            .unwrap();
        assert_eq!(second.len(), 40, "{backend}");
        assert!(
            second
                .iter()
                .all(|r| r.outcome.as_str() == "unchanged" && r.unchanged == 1),
            "{backend}: {second:?}"
        );
        for s in app.store.sources().await.unwrap() {
            let runs = app.store.recent_runs(s.id, 5).await.unwrap();
            assert_eq!(runs.len(), 2, "{backend}: {}", s.name);
            assert_eq!(runs[0].outcome, "unchanged", "{backend}: {}", s.name);
            assert!(
                s.next_check_at.is_some_and(|n| n > before),
                "{backend}: {}",
                s.name
            );
            assert_eq!(s.health, Health::Ok, "{backend}: {}", s.name);
        }
        // No lease was left behind: a third crawl is not told another process holds them.
        let rec = app.store.source_by_name("Blogg 7").await.unwrap().unwrap();
        assert!(
            app.store
                .lease_source(
                    rec.id,
                    "test",
                    Utc::now(),
                    Utc::now() + Duration::minutes(1)
                )
                .await
                .unwrap(),
            "{backend}"
        );
    }
}

fn forum_html(posts: &[(&str, &str, &str, &str)], item_class: &str) -> String {
    let body: String = posts
        .iter()
        .map(|(id, user, date, text)| {
            format!("<div class=\"{item_class}\" id=\"{id}\"><a class=\"permalink\" href=\"/p/{id}\">#</a><span class=\"user\">{user}</span><span class=\"date\">{date}</span><div class=\"text\">{text}</div></div>")
        })
        .collect();
    format!(
        "<html><head><meta charset=\"iso-8859-1\"><title>t</title></head><body><h1>Tråd om GoMonday</h1>{body}</body></html>"
    )
}

#[tokio::test]
async fn latin1_forum_pages_keep_swedish_letters_and_replies_are_detected() {
    for (backend, db, _dir) in databases("forum").await {
        let tmp = tempfile::tempdir().unwrap();
        let site = Site::start().await;
        let app = app(
            &db,
            tmp.path(),
            &source(
                "Forum",
                "html",
                &site.url("/t/1"),
                // Only posts that name the brand: the thread's other posts are not mentions here.
                "recipe = \"test-forum\"\nthread_context = false",
            ),
        )
        .await;
        let page = |posts: &[(&str, &str, &str, &str)]| {
            let html = forum_html(posts, "post");
            let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&html);
            Reply::ok("text/html; charset=ISO-8859-1", bytes.into_owned())
        };
        site.set(
            "/t/1",
            page(&[
                (
                    "p1",
                    "Kassakalle",
                    "2026-11-20 09:00",
                    "GoMonday är så dåliga på återbetalningar, väntat i veckor – 50 €",
                ),
                (
                    "p2",
                    "Örjan",
                    "2026-11-20 09:30",
                    "Hej, inget om företaget här",
                ),
            ]),
        );
        let r = crawl(&app, "Forum").await;
        assert_eq!(r.new_mentions, 1, "{backend}: {r:?}");
        let m = &app.store.export_all().await.unwrap()[0];
        assert!(
            m.body
                .contains("dåliga på återbetalningar, väntat i veckor – 50 €"),
            "{backend}: {}",
            m.body
        );
        assert_eq!(m.title.as_deref(), Some("Tråd om GoMonday"));

        // The leader answers in the thread: the mention is replied, at the time of the answer.
        site.set(
            "/t/1",
            page(&[
                (
                    "p1",
                    "Kassakalle",
                    "2026-11-20 09:00",
                    "GoMonday är så dåliga på återbetalningar, väntat i veckor – 50 €",
                ),
                (
                    "p2",
                    "Örjan",
                    "2026-11-20 09:30",
                    "Hej, inget om företaget här",
                ),
                (
                    "p3",
                    "ErikA",
                    "2026-11-20 11:00",
                    "Hej Kassakalle! Erik på GoMonday här, jag ringer dig i dag.",
                ),
            ]),
        );
        let r = crawl(&app, "Forum").await;
        assert_eq!(
            (r.new_mentions, r.replies_detected),
            (0, 1),
            "{backend}: the leader's own post is no mention"
        );
        let id = m.id.clone().unwrap();
        let stored = app.store.mention(&id).await.unwrap().unwrap();
        assert_eq!(stored.status, Status::Replied, "{backend}");
        assert_eq!(
            stored.replied_at.unwrap().to_rfc3339(),
            "2026-11-20T10:00:00+00:00",
            "{backend}: 11:00 Stockholm"
        );

        // The author writes again after the reply: back to the inbox.
        site.set(
            "/t/1",
            page(&[
                (
                    "p1",
                    "Kassakalle",
                    "2026-11-20 09:00",
                    "GoMonday är så dåliga på återbetalningar, väntat i veckor – 50 €",
                ),
                (
                    "p3",
                    "ErikA",
                    "2026-11-20 11:00",
                    "Hej Kassakalle! Erik på GoMonday här, jag ringer dig i dag.",
                ),
                (
                    "p4",
                    "Kassakalle",
                    "2026-11-20 12:00",
                    "Ingen har ringt än.",
                ),
            ]),
        );
        crawl(&app, "Forum").await;
        assert_eq!(
            app.store.mention(&id).await.unwrap().unwrap().status,
            Status::New,
            "{backend}"
        );

        // The layout changes: the item selector finds nothing. Health says so; nothing stored changes.
        site.set(
            "/t/1",
            Reply::ok(
                "text/html",
                forum_html(&[("p9", "X", "2026-11-20 13:00", "GoMonday")], "message"),
            ),
        );
        let r = crawl(&app, "Forum").await;
        assert_eq!(r.health, Health::BrokenRecipe, "{backend}");
        let src = app.store.source_by_name("Forum").await.unwrap().unwrap();
        assert!(
            src.last_error
                .unwrap()
                .contains("layout has probably changed")
        );
        assert_eq!(app.store.mention_count().await.unwrap(), 1, "{backend}");
    }
}

#[tokio::test]
async fn refusals_become_health_states_and_never_touch_stored_mentions() {
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", tmp.path().join("l.db").display());
    let site = Site::start().await;
    // Its own host: after a 429 the fetcher keeps away from the whole host until Retry-After passes.
    let limited = Site::start_on("127.0.0.2").await;
    let sources = source("Blocked", "feed", &site.url("/blocked.xml"), "")
        + &source("Limited", "feed", &limited.url("/limited.xml"), "")
        + &source("Private", "feed", &site.url("/private/feed.xml"), "")
        + &source(
            "Own",
            "feed",
            &site.url("/private/own.xml"),
            "ignore_robots = true",
        )
        + &source("Broken", "feed", &site.url("/broken.xml"), "");
    let app = app(&db, tmp.path(), &sources).await;
    site.set(
        "/robots.txt",
        Reply::ok("text/plain", "User-agent: *\nDisallow: /private/\n"),
    );
    site.set("/blocked.xml", Reply::status(403));
    limited.set(
        "/limited.xml",
        Reply::status(429).header("retry-after", "7200"),
    );
    site.set(
        "/private/feed.xml",
        Reply::ok(
            "application/rss+xml",
            rss(&[("A", Some("a"), "http://x/a", "GoMonday")]),
        ),
    );
    site.set(
        "/private/own.xml",
        Reply::ok(
            "application/rss+xml",
            rss(&[("O", Some("o"), "http://x/o", "GoMonday")]),
        ),
    );
    site.set(
        "/broken.xml",
        Reply::ok("application/rss+xml", "<rss><channel><item><title>GoMonday"),
    );

    let before = Utc::now();
    let r = crawl(&app, "Blocked").await;
    assert_eq!((r.outcome.as_str(), r.health), ("failed", Health::Blocked));
    assert!(r.errors[0].contains("403"), "{:?}", r.errors);

    let r = crawl(&app, "Limited").await;
    assert_eq!(r.outcome.as_str(), "failed");
    assert!(
        r.next_check_at >= before + Duration::seconds(7000),
        "Retry-After is honoured: {}",
        r.next_check_at
    );

    let r = crawl(&app, "Private").await;
    assert_eq!(r.health, Health::Failing);
    assert!(
        r.errors[0].to_lowercase().contains("robots"),
        "{:?}",
        r.errors
    );
    let r = crawl(&app, "Own").await;
    assert_eq!(
        (r.health, r.new_mentions),
        (Health::Ok, 1),
        "ignore_robots is honoured for sites you own"
    );

    let r = crawl(&app, "Broken").await;
    assert_eq!(r.health, Health::Failing);
    assert!(r.errors[0].contains("not valid"), "{:?}", r.errors);

    let again = crawl(&app, "Blocked").await;
    let src = app.store.source_by_name("Blocked").await.unwrap().unwrap();
    assert_eq!(src.consecutive_failures, 2);
    assert!(
        again.next_check_at > Utc::now() + Duration::minutes(9),
        "failures back off"
    );
    assert_eq!(app.store.mention_count().await.unwrap(), 1);
}

/// A Mastodon tag timeline pages through the response's `Link` header (the built-in
/// `mastodon-statuses`): the crawl follows `rel="next"` to the older page and stores both pages'
/// statuses.
#[tokio::test]
async fn a_json_api_is_paged_through_its_link_header() {
    for (backend, db, _dir) in databases("link_header").await {
        let tmp = tempfile::tempdir().unwrap();
        let site = Site::start().await;
        let status = |id: &str, who: &str, text: &str| {
            serde_json::json!({
                "id": id, "url": site.url(&format!("/@{who}/{id}")), "created_at": "2026-11-20T09:00:00.000Z",
                "account": {"acct": who}, "content": format!("<p>{text}</p>"), "in_reply_to_id": null,
            })
        };
        let newer = serde_json::json!([status("102", "kalle", "GoMonday svarar aldrig på mejl")]);
        let older = serde_json::json!([status("101", "lisa", "Bästa appen är GoMonday")]);
        site.set(
            "/api/v1/timelines/tag/gomonday",
            Reply::ok("application/json", newer.to_string()).header(
                "link",
                &format!(
                    "<{}>; rel=\"next\", <{}>; rel=\"prev\"",
                    site.url("/api/v1/timelines/tag/gomonday-older"),
                    site.url("/api/v1/timelines/tag/gomonday-newer")
                ),
            ),
        );
        site.set(
            "/api/v1/timelines/tag/gomonday-older",
            Reply::ok("application/json", older.to_string()),
        );
        let sources = source(
            "Mastodon",
            "json",
            &site.url("/api/v1/timelines/tag/gomonday"),
            "recipe = \"mastodon-statuses\"",
        );
        let app = app(&db, tmp.path(), &sources).await;
        let r = crawl(&app, "Mastodon").await;
        assert_eq!((r.pages, r.new_mentions), (2, 2), "{backend}: {r:?}");
        assert_eq!(
            site.requests("/api/v1/timelines/tag/gomonday-older").len(),
            1
        );
        assert!(
            site.requests("/api/v1/timelines/tag/gomonday-newer")
                .is_empty()
        );
    }
}
