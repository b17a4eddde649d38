//! Conversations against loopback forums, on SQLite and (when configured) PostgreSQL: a reply marks
//! only the mentions it answers, follow-ups are judged by post times, a follow-up is attached to the
//! mention it follows up, and a leader post that answers nobody only notes the open mentions.

use crate::support::databases;
use crate::support::site::{Reply, Site};
use chrono::{DateTime, Utc};
use lyssna::app::App;
use lyssna::domain::mention::Status;
use lyssna::ingest::CrawlReport;
use lyssna::store::MentionRecord;
use serde_json::Value;

const FORUM_RECIPE: &str = r#"name = "conv-forum"
kind = "html"
item = "div.post"
[fields]
title  = { select = "h1", scope = "page" }
link   = { select = "a.permalink", attr = "href" }
id     = { attr = "id" }
author = ".user"
body   = ".text"
date   = { select = ".date", format = "%Y-%m-%d %H:%M", timezone = "UTC" }
"#;

/// An app watching one forum thread at `/t/1` of `site`; `more` is added to the source entry.
async fn app(db: &str, dir: &std::path::Path, site: &Site, more: &str) -> App {
    let source = format!(
        "kind = \"html\"\nurl = \"{}\"\nrecipe = \"conv-forum\"\n{more}",
        site.url("/t/1")
    );
    app_with(db, dir, &[("conv-forum", FORUM_RECIPE)], &source).await
}

/// An app with the leader's identity ErikA on 127.0.0.1, the given recipe files, and one source
/// "Forum" with the given entry lines (kind, url, recipe …).
async fn app_with(db: &str, dir: &std::path::Path, recipes: &[(&str, &str)], source: &str) -> App {
    std::fs::create_dir_all(dir.join("recipes")).unwrap();
    for (name, text) in recipes {
        std::fs::write(dir.join(format!("recipes/{name}.toml")), text).unwrap();
    }
    let text = format!(
        "{}\n[[sources]]\nname = \"Forum\"\nallow_private = true\n{source}\n",
        crate::support::gomonday_config(db)
    );
    crate::support::build_app(dir, &text).await
}

/// A thread page: (id, author, "YYYY-MM-DD HH:MM" UTC, text).
fn page(posts: &[(&str, &str, &str, &str)]) -> Reply {
    let body: String = posts
        .iter()
        .map(|(id, user, date, text)| {
            format!(
                "<div class=\"post\" id=\"{id}\"><a class=\"permalink\" href=\"/t/1#{id}\">#</a>\
                 <span class=\"user\">{user}</span><span class=\"date\">{date}</span>\
                 <div class=\"text\">{text}</div></div>"
            )
        })
        .collect();
    Reply::ok(
        "text/html; charset=utf-8",
        format!(
            "<html><head><title>t</title></head><body><h1>Appar för pendlare</h1>{body}</body></html>"
        ),
    )
}

async fn crawl(app: &App) -> CrawlReport {
    let src = app.config.source("Forum").unwrap();
    let rec = app.store.source_by_name("Forum").await.unwrap().unwrap();
    app.ingest
        .crawl_source(src, &rec, Utc::now(), &|_| {})
        .await
        .unwrap()
}

/// The stored mentions, by author.
async fn by_author(app: &App, author: &str) -> Vec<MentionRecord> {
    let mut out = Vec::new();
    for line in app.store.export_all().await.unwrap() {
        if line.author.as_deref() == Some(author) {
            out.push(
                app.store
                    .mention(line.id.as_deref().unwrap())
                    .await
                    .unwrap()
                    .unwrap(),
            );
        }
    }
    out
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const KALLE: (&str, &str, &str, &str) = (
    "p1",
    "Kalle",
    "2026-11-20 09:00",
    "GoMonday har inte betalat tillbaka på tre veckor, usel service",
);
const LISA: (&str, &str, &str, &str) = (
    "p2",
    "Lisa",
    "2026-11-20 09:30",
    "Jag älskar GoMonday, bästa appen jag har",
);

#[tokio::test]
async fn a_reply_to_kalle_leaves_lisas_praise_open() {
    for (backend, db, _dir) in databases("conv_kalle").await {
        let tmp = tempfile::tempdir().unwrap();
        let site = Site::start().await;
        let app = app(&db, tmp.path(), &site, "").await;
        site.set("/t/1", page(&[KALLE, LISA]));
        assert_eq!(crawl(&app).await.new_mentions, 2, "{backend}");
        site.set(
            "/t/1",
            page(&[
                KALLE,
                LISA,
                (
                    "p3",
                    "ErikA",
                    "2026-11-20 10:00",
                    "Hej Kalle! Jag har skickat ett mejl om återbetalningen.",
                ),
            ]),
        );
        let r = crawl(&app).await;
        assert_eq!(r.replies_detected, 1, "{backend}: {r:?}");
        let kalle = &by_author(&app, "Kalle").await[0];
        assert_eq!(kalle.status, Status::Replied, "{backend}");
        assert_eq!(
            kalle.replied_at,
            Some(at("2026-11-20T10:00:00Z")),
            "{backend}"
        );
        let lisa = &by_author(&app, "Lisa").await[0];
        assert_eq!(
            lisa.status,
            Status::New,
            "{backend}: an answer to Kalle is none to Lisa"
        );
        assert_eq!(
            lisa.leader_posted_at, None,
            "{backend}: the post answered someone"
        );

        let out =
            lyssna::cli::report::output(&app.store, &app.config, None, None, "json", Utc::now())
                .await
                .unwrap();
        let report: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            report["praise"],
            serde_json::json!({"found": 1, "replied": 0}),
            "{backend}: {report}"
        );

        // The mention page shows the conversation: Kalle's post, Lisa's, and the leader's answer
        // marked as the reply that counted — on Kalle's page only.
        let (kalle_id, lisa_id) = (kalle.id.clone(), lisa.id.clone());
        let t = crate::support::serve(app, tmp).await;
        let login = t.login().await;
        let (status, page) = t.page(&login, &format!("/mentions/{kalle_id}")).await;
        assert_eq!(status, 200, "{backend}");
        let conversation = &page[page
            .find("class=\"thread conversation\"")
            .expect("the conversation")..];
        let order: Vec<usize> = ["Kalle", "Lisa", "ErikA"]
            .iter()
            .map(|a| conversation.find(&format!("<strong>{a}</strong>")).unwrap())
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "{backend}: {order:?}"
        );
        assert!(conversation.contains("the reply that counted"), "{backend}");
        assert!(
            conversation.contains("Jag har skickat ett mejl"),
            "{backend}"
        );
        assert!(conversation.contains(&format!("href=\"/mentions/{lisa_id}\"")));
        let (_, page) = t.page(&login, &format!("/mentions/{lisa_id}")).await;
        assert!(page.contains("class=\"thread conversation\""), "{backend}");
        assert!(!page.contains("the reply that counted"), "{backend}");
    }
}

#[tokio::test]
async fn a_leader_post_answering_nobody_notes_the_open_mentions() {
    let thanks = (
        "p3",
        "ErikA",
        "2026-11-20 10:00",
        "Tack för alla synpunkter, vi ser över det här.",
    );
    for (name, scope) in [
        ("conv_note", ""),
        ("conv_scope", "reply_scope = \"thread\""),
    ] {
        for (backend, db, _dir) in databases(name).await {
            let tmp = tempfile::tempdir().unwrap();
            let site = Site::start().await;
            let app = app(&db, tmp.path(), &site, scope).await;
            site.set("/t/1", page(&[KALLE, LISA, thanks]));
            crawl(&app).await;
            for who in ["Kalle", "Lisa"] {
                let m = &by_author(&app, who).await[0];
                if scope.is_empty() {
                    assert_eq!(m.status, Status::New, "{backend}: {who}");
                    assert_eq!(
                        m.leader_posted_at,
                        Some(at("2026-11-20T10:00:00Z")),
                        "{backend}: {who} is noted"
                    );
                    assert!(
                        m.leader_post_url.as_deref().unwrap().ends_with("/t/1#p3"),
                        "{backend}: {:?}",
                        m.leader_post_url
                    );
                } else {
                    // Today's behaviour on request: every open mention before the post is replied.
                    assert_eq!(m.status, Status::Replied, "{backend} {scope}: {who}");
                    assert_eq!(m.replied_at, Some(at("2026-11-20T10:00:00Z")));
                }
            }
        }
    }
}

#[tokio::test]
async fn a_follow_up_and_the_answer_seen_in_one_crawl_end_replied() {
    for (backend, db, _dir) in databases("conv_followup").await {
        let tmp = tempfile::tempdir().unwrap();
        let site = Site::start().await;
        let app = app(&db, tmp.path(), &site, "").await;
        let critic = (
            "c1",
            "Kritikern",
            "2026-11-20 08:18",
            "GoMonday tappade mitt paket, usel service",
        );
        let answer = (
            "l1",
            "ErikA",
            "2026-11-20 19:59",
            "@Kritikern vi letar, återkommer i kväll",
        );
        let again = (
            "c2",
            "Kritikern",
            "2026-11-20 20:00",
            "GoMonday har fortfarande inte hört av sig",
        );
        let second = (
            "l2",
            "ErikA",
            "2026-11-20 20:01",
            "Kritikern: paketet är hittat, det kommer i morgon",
        );
        site.set("/t/1", page(&[critic, answer, again, second]));
        let r = crawl(&app).await;
        assert_eq!(
            r.new_mentions, 1,
            "{backend}: the follow-up is no second mention: {r:?}"
        );
        let ms = by_author(&app, "Kritikern").await;
        assert_eq!(ms.len(), 1, "{backend}");
        let m = &ms[0];
        assert_eq!(m.status, Status::Replied, "{backend}");
        assert_eq!(
            m.replied_at,
            Some(at("2026-11-20T19:59:00Z")),
            "{backend}: the first reply counts"
        );
        let history: Vec<(String, DateTime<Utc>)> = app
            .store
            .events(&m.id)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.from.is_some())
            .map(|e| (e.to.unwrap(), e.at))
            .collect();
        assert_eq!(
            history,
            vec![
                ("replied".into(), at("2026-11-20T19:59:00Z")),
                ("new".into(), at("2026-11-20T20:00:00Z")),
                ("replied".into(), at("2026-11-20T20:01:00Z")),
            ],
            "{backend}: by the posts' times"
        );
        let thread = app
            .store
            .thread_posts(m.thread_url.as_deref().unwrap())
            .await
            .unwrap();
        let follow_up = thread
            .iter()
            .find(|p| p.site_id.as_deref() == Some("c2"))
            .unwrap();
        assert_eq!(
            (follow_up.mention_id.as_deref(), follow_up.role.as_deref()),
            (Some(m.id.as_str()), Some("follow_up")),
            "{backend}: the follow-up belongs to the mention"
        );

        // The same thread again: nothing moves.
        let r = crawl(&app).await;
        assert_eq!((r.new_mentions, r.replies_detected), (0, 0), "{backend}");
        assert_eq!(
            app.store.mention(&m.id).await.unwrap().unwrap().status,
            Status::Replied
        );

        // Only a later post by the critic reopens it — the same one mention.
        let later = (
            "c3",
            "Kritikern",
            "2026-11-21 09:00",
            "GoMonday, inget paket i dag heller",
        );
        site.set("/t/1", page(&[critic, answer, again, second, later]));
        let r = crawl(&app).await;
        assert_eq!(r.new_mentions, 0, "{backend}: {r:?}");
        assert_eq!(
            app.store.mention(&m.id).await.unwrap().unwrap().status,
            Status::New,
            "{backend}"
        );
        assert_eq!(by_author(&app, "Kritikern").await.len(), 1, "{backend}");
    }
}

/// A WordPress post's comments through the REST API (the built-in `wordpress-comments`): the
/// leader's comment whose `parent` is Kalle's answers Kalle only, though it names nobody and quotes
/// nothing.
#[tokio::test]
async fn a_wordpress_parent_links_the_reply_to_its_comment() {
    let comment = |site: &Site, id: u32, parent: u32, author: &str, date: &str, text: &str| {
        serde_json::json!({
            "id": id, "post": 130, "parent": parent, "author_name": author,
            "date_gmt": date, "link": site.url(&format!("/inlagg/?p=130#comment-{id}")),
            "content": {"rendered": format!("<p>{text}</p>")},
        })
    };
    for (backend, db, _dir) in databases("conv_wp_parent").await {
        let tmp = tempfile::tempdir().unwrap();
        let site = Site::start().await;
        let source = format!(
            "kind = \"json\"\nurl = \"{}\"\nrecipe = \"wordpress-comments\"",
            site.url("/wp-json/wp/v2/comments")
        );
        let app = app_with(&db, tmp.path(), &[], &source).await;
        let kalle = comment(
            &site,
            11,
            0,
            "Kalle",
            "2026-11-20T09:00:00",
            "GoMonday har inte svarat på min reklamation, usel service",
        );
        let lisa = comment(
            &site,
            12,
            0,
            "Lisa",
            "2026-11-20T09:30:00",
            "Jag älskar GoMonday, bästa appen",
        );
        let erik = comment(
            &site,
            13,
            11,
            "ErikA",
            "2026-11-20T10:00:00",
            "Förlåt dröjsmålet, jag har ordnat det nu.",
        );
        // Newest first, as the REST API answers.
        let set = |list: Vec<&Value>| {
            site.set(
                "/wp-json/wp/v2/comments",
                Reply::ok("application/json", serde_json::to_string(&list).unwrap()),
            )
        };
        set(vec![&lisa, &kalle]);
        assert_eq!(crawl(&app).await.new_mentions, 2, "{backend}");
        set(vec![&erik, &lisa, &kalle]);
        let r = crawl(&app).await;
        assert_eq!(r.replies_detected, 1, "{backend}: {r:?}");
        let k = &by_author(&app, "Kalle").await[0];
        assert_eq!(k.status, Status::Replied, "{backend}");
        assert_eq!(k.replied_at, Some(at("2026-11-20T10:00:00Z")), "{backend}");
        let l = &by_author(&app, "Lisa").await[0];
        assert_eq!(
            l.status,
            Status::New,
            "{backend}: the answer to Kalle is none to Lisa"
        );
        assert_eq!(
            l.leader_posted_at, None,
            "{backend}: the comment answered someone"
        );
    }
}

/// One post of Discourse topic 1 as its JSON gives it: number, the number it answers, author, time, text.
fn discourse_post(n: u32, reply_to: Option<u32>, user: &str, at: &str, text: &str) -> Value {
    serde_json::json!({
        "id": 1000 + n, "topic_id": 1, "topic_slug": "gomonday", "post_number": n, "username": user, "created_at": at,
        "cooked": format!("<p>{text}</p>"), "reply_to_post_number": reply_to,
    })
}

/// A Discourse topic's JSON (the built-in `discourse-topic`): the leader's post with
/// `reply_to_post_number` 2 answers Lisa's complaint, not Kalle's earlier one.
#[tokio::test]
async fn a_discourse_reply_to_post_number_links_the_reply_to_its_post() {
    let post = discourse_post;
    for (backend, db, _dir) in databases("conv_discourse").await {
        let tmp = tempfile::tempdir().unwrap();
        let site = Site::start().await;
        let source = format!(
            "kind = \"json\"\nurl = \"{}\"\nrecipe = \"discourse-topic\"",
            site.url("/t/1.json")
        );
        let app = app_with(&db, tmp.path(), &[], &source).await;
        let topic = |posts: Vec<Value>| {
            Reply::ok(
                "application/json",
                serde_json::json!({"id": 1, "title": "Appar", "post_stream": {"posts": posts}})
                    .to_string(),
            )
        };
        let kalle = post(
            1,
            None,
            "Kalle",
            "2026-11-20T09:00:00.000Z",
            "GoMonday tar betalt två gånger",
        );
        let lisa = post(
            2,
            None,
            "Lisa",
            "2026-11-20T09:30:00.000Z",
            "GoMonday-appen kraschar vid inloggning",
        );
        let erik = post(
            3,
            Some(2),
            "ErikA",
            "2026-11-20T10:00:00.000Z",
            "Vi har släppt en rättning i dag, prova igen.",
        );
        site.set("/t/1.json", topic(vec![kalle.clone(), lisa.clone()]));
        assert_eq!(crawl(&app).await.new_mentions, 2, "{backend}");
        site.set("/t/1.json", topic(vec![kalle, lisa, erik]));
        let r = crawl(&app).await;
        assert_eq!(r.replies_detected, 1, "{backend}: {r:?}");
        let l = &by_author(&app, "Lisa").await[0];
        assert_eq!(l.status, Status::Replied, "{backend}");
        assert_eq!(l.replied_at, Some(at("2026-11-20T10:00:00Z")), "{backend}");
        let events = app.store.events(&l.id).await.unwrap();
        let reply = events
            .iter()
            .rev()
            .find(|e| e.to.as_deref() == Some("replied"));
        assert!(
            reply
                .and_then(|e| e.reply_url.as_deref())
                .is_some_and(|u| u.ends_with("/t/gomonday/1/3")),
            "{backend}: {events:?}"
        );
        let k = &by_author(&app, "Kalle").await[0];
        assert_eq!(
            k.status,
            Status::New,
            "{backend}: the answer to Lisa is none to Kalle"
        );
    }
}

/// A Discourse search as a listing (the built-in `discourse-search-topics`): the hit's topic is read
/// as JSON from the hit on (`/t/1/2.json`, `discourse-topic`), the thread is known by its page address,
/// and the leader's `reply_to_post_number` answer is linked to the hit.
#[tokio::test]
async fn a_discourse_search_hit_is_read_as_json_and_its_answer_linked() {
    let post = discourse_post;
    for (backend, db, _dir) in databases("conv_discourse_search").await {
        let tmp = tempfile::tempdir().unwrap();
        let site = Site::start().await;
        let source = format!(
            "kind = \"json\"\nurl = \"{}\"\nrecipe = \"discourse-search-topics\"",
            site.url("/search.json?q={query}")
        );
        let app = app_with(&db, tmp.path(), &[], &source).await;
        site.set(
            "/search.json?q=GoMonday",
            Reply::ok(
                "application/json",
                serde_json::json!({"posts": [{"id": 1002, "username": "Lisa", "created_at": "2026-11-20T09:30:00.000Z",
                    "blurb": "GoMonday-appen kraschar", "post_number": 2, "topic_id": 1}]})
                .to_string(),
            ),
        );
        let lisa = post(
            2,
            None,
            "Lisa",
            "2026-11-20T09:30:00.000Z",
            "GoMonday-appen kraschar vid inloggning",
        );
        let erik = post(
            3,
            Some(2),
            "ErikA",
            "2026-11-20T10:00:00.000Z",
            "Vi har släppt en rättning i dag, prova igen.",
        );
        site.set(
            "/t/1/2.json",
            Reply::ok(
                "application/json",
                serde_json::json!({"id": 1, "title": "Appar", "post_stream": {"posts": [lisa, erik]}})
                    .to_string(),
            ),
        );
        let r = crawl(&app).await;
        assert_eq!(
            (r.new_mentions, r.replies_detected),
            (1, 1),
            "{backend}: {r:?}"
        );
        assert_eq!(site.requests("/t/1/2.json").len(), 1, "{backend}");
        let l = &by_author(&app, "Lisa").await[0];
        assert_eq!(l.status, Status::Replied, "{backend}");
        assert_eq!(l.replied_at, Some(at("2026-11-20T10:00:00Z")), "{backend}");
        assert_eq!(
            l.thread_url.as_deref(),
            Some(site.url("/t/1").as_str()),
            "{backend}: the thread is known by its page address"
        );
        let t = app.store.thread(&site.url("/t/1")).await.unwrap();
        assert!(t.is_some(), "{backend}: the listing's thread is stored");
    }
}
