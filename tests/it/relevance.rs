//! Relevance: items that are mentions by where they were written (a review page about the brand),
//! and the leader's marks teaching each brand what is not about it — on SQLite and PostgreSQL.

use crate::support::databases;
use crate::support::site::{Reply, Site};
use chrono::Utc;
use lyssna::app::App;
use lyssna::domain::mention::{EventKind, Status};
use lyssna::ingest::CrawlReport;
use lyssna::store::InboxQuery;
use lyssna::web::actions::StatusInput;

async fn app(db: &str, dir: &std::path::Path, sources: &str) -> App {
    let text = format!(
        r#"database_url = "{db}"
[crawler]
per_host_delay = "10ms"
timeout = "5s"

[[brands]]
name = "GoMonday"
query = '"go monday" OR gomonday'
{sources}"#
    );
    crate::support::build_app(dir, &text).await
}

async fn crawl(app: &App, name: &str) -> CrawlReport {
    let src = app.config.source(name).unwrap();
    let rec = app.store.source_by_name(name).await.unwrap().unwrap();
    app.ingest
        .crawl_source(src, &rec, Utc::now(), &|_| {})
        .await
        .unwrap()
}

/// The company's page on a Trustpilot-style site: three JSON-LD reviews, one naming the company.
fn review_page() -> String {
    let review = |id: u32, author: &str, stars: u32, title: &str, body: &str| {
        format!(
            r#"{{"@type": "Review", "@id": "https://reviews.example/gomonday#r{id}", "author": {{"@type": "Person", "name": "{author}"}},
               "datePublished": "2026-11-2{id}", "name": "{title}", "reviewBody": "{body}",
               "reviewRating": {{"@type": "Rating", "ratingValue": "{stars}", "bestRating": "5"}}}}"#
        )
    };
    format!(
        r#"<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>GoMonday – omdömen</title>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "Organization", "name": "GoMonday",
"review": [{}, {}, {}]}}</script></head><body><h1>Omdömen</h1></body></html>"#,
        review(
            1,
            "Anna",
            5,
            "Bra app",
            "GoMonday har gjort vardagen enklare"
        ),
        review(
            2,
            "Bengt",
            1,
            "Hopplös kundtjänst",
            "Ingen svarar, tredje veckan nu"
        ),
        review(
            3,
            "Cilla",
            2,
            "Usel service",
            "Väntade en timme i telefonkö"
        ),
    )
}

#[tokio::test]
async fn every_review_on_the_companys_own_review_page_is_stored() {
    let site = Site::start().await;
    site.set(
        "/gomonday",
        Reply::ok("text/html; charset=utf-8", review_page()),
    );
    site.set(
        "/other",
        Reply::ok("text/html; charset=utf-8", review_page()),
    );
    let sources = format!(
        "[[sources]]\nname = \"Omdömen\"\nkind = \"html\"\nrecipe = \"schema-org\"\nurl = \"{}\"\nallow_private = true\nabout = [\"GoMonday\"]\n\
         [[sources]]\nname = \"Utan about\"\nkind = \"html\"\nrecipe = \"schema-org\"\nurl = \"{}\"\nallow_private = true\n",
        site.url("/gomonday"),
        site.url("/other"),
    );
    for (backend, db, _keep) in databases("relevance_review_page").await {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&db, dir.path(), &sources).await;
        let r = crawl(&app, "Omdömen").await;
        assert_eq!((r.items, r.new_mentions), (3, 3), "{backend}: {r:?}");
        let page = app
            .store
            .inbox(&InboxQuery {
                status: Some(Status::New),
                source: Some("Omdömen".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        let hopeless = page
            .items
            .iter()
            .find(|m| m.title.as_deref() == Some("Hopplös kundtjänst"))
            .unwrap_or_else(|| panic!("{backend}: {:?}", page.items));
        assert_eq!(hopeless.brands, ["GoMonday"], "{backend}");
        assert_eq!(
            hopeless.matches[0].explanation, "on a page about GoMonday",
            "{backend}"
        );
        assert_eq!(
            hopeless.matches[0].context,
            Some(lyssna::domain::query::Context::Page)
        );
        // The same page through a source without `about`: only the review that names the brand.
        let r = crawl(&app, "Utan about").await;
        assert_eq!((r.items, r.new_mentions), (3, 1), "{backend}: {r:?}");
    }
}

#[test]
fn a_source_about_an_unknown_brand_is_a_config_error() {
    let text = "[[brands]]\nname = \"GoMonday\"\nquery = \"gomonday\"\n\
                [[sources]]\nname = \"S\"\nkind = \"feed\"\nurl = \"https://example.org/f\"\nabout = [\"GoMondy\"]\n";
    let err = lyssna::config::Config::parse_str("x.toml", text, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("x.toml:8: source 'S': about = 'GoMondy' is not a configured brand (did you mean `GoMonday`?)"),
        "{err}"
    );
}

fn feed(items: &[(&str, &str)]) -> String {
    let body: String = items
        .iter()
        .map(|(guid, text)| {
            format!("<item><title>{text}</title><guid isPermaLink=\"false\">{guid}</guid><link>http://pod.example/{guid}</link><description>{text}</description></item>")
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>t</title><link>http://x/</link><description>d</description>{body}</channel></rss>"
    )
}

#[tokio::test]
async fn marks_teach_the_brand_and_what_it_holds_back_waits_one_key_away() {
    let site = Site::start().await;
    let first = [
        ("p38", "Go Monday-podden avsnitt 38: fotboll och fika"),
        ("p39", "Go Monday-podden avsnitt 39 om löpning"),
        ("p40", "Nytt avsnitt av Go Monday-podden, nummer 40"),
        ("a1", "GoMonday-appen kraschar när jag loggar in"),
        ("a2", "GoMondays kundtjänst svarar inte på mejl"),
        ("a3", "Bytte bank till GoMonday och appen är bra"),
    ];
    site.set("/feed", Reply::ok("application/rss+xml", feed(&first)));
    let sources = format!(
        "[[sources]]\nname = \"Flöde\"\nkind = \"feed\"\nurl = \"{}\"\nallow_private = true\n",
        site.url("/feed")
    );
    for (backend, db, _keep) in databases("relevance_marks").await {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&db, dir.path(), &sources).await;
        site.set("/feed", Reply::ok("application/rss+xml", feed(&first)));
        assert_eq!(crawl(&app, "Flöde").await.new_mentions, 6, "{backend}");
        let web = app.web();
        let all = app
            .store
            .inbox(&InboxQuery {
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap()
            .items;
        for m in &all {
            let podcast = m.body.contains("podden");
            let input = StatusInput {
                status: if podcast {
                    "no_reply_needed"
                } else {
                    "replied"
                }
                .into(),
                reason: podcast.then(|| "not_about_us".into()),
                ..Default::default()
            };
            web.change_status(&m.id, &input, "erik").await.unwrap();
        }
        // Episode 42 arrives: held back, counted on its own, not in the inbox; the app crash is not.
        site.set(
            "/feed",
            Reply::ok(
                "application/rss+xml",
                feed(&[
                    ("p42", "Go Monday-podden avsnitt 42 om fotboll"),
                    ("a4", "GoMonday-appen kraschar igen efter uppdateringen"),
                ]),
            ),
        );
        assert_eq!(crawl(&app, "Flöde").await.new_mentions, 2, "{backend}");
        let counts = app.store.inbox_counts().await.unwrap();
        assert_eq!(
            (counts.new, counts.held_back),
            (1, 1),
            "{backend}: {counts:?}"
        );
        let held = app
            .store
            .inbox(&InboxQuery {
                status: Some(Status::New),
                held_back: Some(true),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .items;
        assert_eq!(held.len(), 1, "{backend}");
        let episode = &held[0];
        assert!(episode.body.contains("avsnitt 42"), "{backend}");
        let relevance = episode.matches[0].relevance.unwrap();
        assert!(relevance < 0.5, "{backend}: {relevance}");
        assert!(!episode.matches[0].relevance_reasons.is_empty());
        // Labels survive a restart: built again from the stored events.
        let labels = lyssna::ingest::learning::relearn_relevance(&app.store, &app.ingest.pipeline)
            .await
            .unwrap();
        assert_eq!(labels, 6, "{backend}");
        // "About us": back in the inbox, recorded as an event, learnt as a label.
        let m = web.confirm_about_us(&episode.id, "erik").await.unwrap();
        assert_eq!(m.status, Status::New);
        let counts = app.store.inbox_counts().await.unwrap();
        assert_eq!(
            (counts.new, counts.held_back),
            (2, 0),
            "{backend}: {counts:?}"
        );
        let events = app.store.events(&episode.id).await.unwrap();
        assert!(
            events
                .iter()
                .any(|e| e.kind == EventKind::Relevance && e.to.as_deref() == Some("about_us")),
            "{backend}: {events:?}"
        );
        assert_eq!(app.store.relevance_examples().await.unwrap().len(), 7);
    }
}

#[tokio::test]
async fn the_held_back_view_and_its_actions_over_http() {
    for (backend, db, _keep) in databases("relevance_http").await {
        let t = crate::support::spawn(&db).await;
        let mut held =
            crate::support::mention("m_held", "neutral", 3, "Go Monday-podden avsnitt 42");
        held["matches"][0]["relevance"] = serde_json::json!(0.12);
        held["matches"][0]["relevance_reasons"] = serde_json::json!(["\"podden\" (-1.2)"]);
        held["matches"][0]["held"] = serde_json::json!(true);
        let copy = |id: &str| {
            let mut other = held.clone();
            other["id"] = serde_json::json!(id);
            other["url"] = serde_json::json!(format!("https://forum.example/t/{id}"));
            other
        };
        let (other, third, fourth) = (copy("m_held2"), copy("m_held3"), copy("m_held4"));
        t.seed(&[
            crate::support::mention("m_app", "criticism", 2, "GoMonday-appen kraschar"),
            held,
            other,
            third,
            fourth,
        ])
        .await;
        let login = t.login().await;
        let (_, inbox) = t.page(&login, "/").await;
        assert!(
            inbox.contains("m_app") && !inbox.contains("m_held"),
            "{backend}"
        );
        assert!(inbox.contains("id=\"count-held\">4<"), "{backend}");
        let (status, view) = t.page(&login, "/?held=1").await;
        assert_eq!(status, 200);
        assert!(view.contains("Probably not about us"), "{backend}");
        assert!(
            view.contains("row-m_held") && !view.contains("row-m_app"),
            "{backend}"
        );
        assert!(view.contains("/mentions/m_held/about-us"), "{backend}");
        // The panel says what was learnt (nothing yet: the seeded scores came with the import), and
        // the bulk bar offers "About us" here only.
        assert!(view.contains("What Lyssna has learnt"), "{backend}");
        assert!(view.contains("No marks yet."), "{backend}");
        assert!(view.contains("<option value=\"about_us\">"), "{backend}");
        assert!(!inbox.contains("<option value=\"about_us\">"), "{backend}");
        // The `a` key and the bulk bar: "about us" for a selection, answered for the script with
        // each row no longer held back.
        let resp = t
            .http
            .post(t.url("/mentions/bulk"))
            .header(reqwest::header::COOKIE, &login.cookie)
            .header("x-lyssna-fetch", "1")
            .form(&[
                ("csrf_token", login.csrf.as_str()),
                ("back", "/?held=1"),
                ("status", "about_us"),
                ("id", "m_held3"),
                ("id", "m_held4"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{backend}");
        let body: serde_json::Value = resp.json().await.unwrap();
        let done = body["done"].as_array().unwrap();
        assert_eq!(done.len(), 2, "{backend}: {body}");
        assert!(
            done.iter()
                .all(|d| d["held"] == false && d["status"] == "new"),
            "{body}"
        );
        assert_eq!(body["undo"], serde_json::json!([]), "{body}");
        assert!(body["toast"].as_str().unwrap().contains("2"), "{body}");
        for id in ["m_held3", "m_held4"] {
            let events = t.api_get(&format!("/api/mentions/{id}")).await.1["events"].clone();
            assert!(
                events
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["kind"] == "relevance" && e["to"] == "about_us"),
                "{backend}: {events}"
            );
        }
        // The mention page of a held mention offers "About us" (the `a` key there).
        let (_, page) = t.page(&login, "/mentions/m_held").await;
        assert!(
            page.contains("class=\"act-about-us held-note\""),
            "{backend}"
        );
        // A form post without its token is refused; with it, the mention goes to the inbox.
        let resp = t
            .http
            .post(t.url("/mentions/m_held/about-us"))
            .header(reqwest::header::COOKIE, &login.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{backend}");
        let resp = t
            .form(&login, "/mentions/m_held/about-us", &[("back", "/?held=1")])
            .await;
        assert!(
            resp.status().is_redirection(),
            "{backend}: {}",
            resp.status()
        );
        let (_, inbox) = t.page(&login, "/").await;
        assert!(inbox.contains("row-m_held"), "{backend}");
        // The API's confirmation, and the mention page's score.
        let (status, line) = t
            .api_post("/api/mentions/m_held2/about-us", &serde_json::json!({}))
            .await;
        assert_eq!(status, 200, "{backend}: {line}");
        let events = line["events"].as_array().unwrap();
        assert!(
            events
                .iter()
                .any(|e| e["kind"] == "relevance" && e["to"] == "about_us"),
            "{line}"
        );
        let (_, page) = t.page(&login, "/mentions/m_held2").await;
        assert!(page.contains("relevance 0.12"), "{backend}");
        let (_, inbox) = t.page(&login, "/").await;
        assert!(inbox.contains("id=\"count-held\">0<"), "{backend}");
    }
}
