//! Watched threads against a loopback site, on SQLite and (when configured) PostgreSQL: an article
//! found through a Google Alerts feed is watched, its comments are found through the comments feed its
//! page links to, and the leader's comment there later marks the alert's mention replied at the
//! comment's time; a WordPress post's comment list is found on its own, and the leader's answer to a
//! commenter leaves the article open.

use crate::support::databases;
use crate::support::site::{Reply, Site};
use chrono::{DateTime, Duration, Utc};
use lyssna::app::App;
use lyssna::domain::mention::Status;
use lyssna::ingest::CrawlReport;

pub(crate) async fn app(db: &str, dir: &std::path::Path, feed_url: &str) -> App {
    let text = format!(
        r#"{}
[[sources]]
name = "Alerts"
kind = "feed"
url = "{feed_url}"
allow_private = true
"#,
        crate::support::gomonday_config(db)
    );
    crate::support::build_app(dir, &text).await
}

pub(crate) async fn crawl(app: &App, now: DateTime<Utc>) -> CrawlReport {
    let src = app.config.source("Alerts").unwrap();
    let rec = app.store.source_by_name("Alerts").await.unwrap().unwrap();
    app.ingest
        .crawl_source(src, &rec, now, &|_| {})
        .await
        .unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A Google Alerts feed with one hit: the article, behind Google's redirect.
pub(crate) fn alert(article: &str) -> Reply {
    let wrapped: String = url::form_urlencoded::byte_serialize(article.as_bytes()).collect();
    Reply::ok(
        "application/atom+xml",
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><id>tag:google.com,2005:reference:/alerts/feeds/1/2</id><title>Google Alert - GoMonday</title><updated>2026-11-20T08:00:00Z</updated>
<entry><id>tag:google.com,2013:googlealerts/feed:1072</id><title type="html">&lt;b&gt;GoMonday&lt;/b&gt; får kritik för usel kundservice</title><link href="https://www.google.com/url?rct=j&amp;sa=t&amp;url={wrapped}&amp;ct=ga&amp;usg=AOv"></link><published>2026-11-20T08:00:00Z</published><updated>2026-11-20T08:00:00Z</updated><content type="html">Kunder klagar på att &lt;b&gt;GoMonday&lt;/b&gt; inte svarar på mejl, usel service</content><author><name></name></author></entry></feed>"#
        ),
    )
}

/// An RSS comments feed: (id, author, RFC 2822 date, text).
fn comments_feed(article: &str, comments: &[(&str, &str, &str, &str)]) -> Reply {
    let items: String = comments
        .iter()
        .map(|(id, who, date, text)| {
            format!(
                "<item><title>Av: {who}</title><link>{article}#comment-{id}</link><guid isPermaLink=\"false\">{article}?c={id}</guid>\
                 <dc:creator>{who}</dc:creator><pubDate>{date}</pubDate><description>{text}</description></item>"
            )
        })
        .collect();
    Reply::ok(
        "application/rss+xml; charset=utf-8",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
             <channel><title>Kommentarer till: GoMonday får kritik</title><link>{article}</link><description>c</description>{items}</channel></rss>"
        ),
    )
}

#[tokio::test]
async fn a_google_alerts_article_gains_a_leader_comment_later() {
    for (backend, db, _dir) in databases("watch_alert").await {
        let tmp = tempfile::tempdir().unwrap();
        let site = Site::start().await;
        let article = site.url("/nyheter/gomonday-kritik/");
        site.set("/alerts", alert(&article));
        site.set(
            "/nyheter/gomonday-kritik/",
            Reply::ok(
                "text/html; charset=utf-8",
                "<html><head><title>GoMonday får kritik</title>\
                 <link rel=\"alternate\" type=\"application/rss+xml\" title=\"Nyheter\" href=\"/feed/\">\
                 <link rel=\"alternate\" type=\"application/rss+xml\" title=\"GoMonday får kritik » Kommentarsflöde\" href=\"/nyheter/gomonday-kritik/feed/\">\
                 </head><body><article><p>Kunder klagar på GoMonday.</p></article></body></html>",
            ),
        );
        site.set(
            "/nyheter/gomonday-kritik/feed/",
            comments_feed(
                &article,
                &[(
                    "1",
                    "Kalle",
                    "Fri, 20 Nov 2026 09:00:00 +0000",
                    "Samma sak hände mig.",
                )],
            ),
        );
        let app = app(&db, tmp.path(), &site.url("/alerts")).await;
        let t0 = Utc::now();
        let first = crawl(&app, t0).await;
        assert_eq!(first.new_mentions, 1, "{backend}: {first:?}");
        assert_eq!(
            first.threads_checked, 0,
            "{backend}: a new thread is read on its own schedule"
        );

        let watched = app.store.watched_threads(None).await.unwrap();
        assert_eq!(watched.len(), 1, "{backend}: {watched:?}");
        let w = &watched[0];
        assert_eq!(
            w.url, article,
            "{backend}: the article behind the alert is the thread"
        );
        assert_eq!(w.source, "Alerts");
        assert_eq!((w.mentions, w.open_mentions), (1, 1), "{backend}");
        assert_eq!(
            app.store.watch_summary(w.source_id).await.unwrap(),
            lyssna::store::WatchSummary {
                watching: 1,
                open_mentions: 1
            },
            "{backend}: the sources page's figures"
        );
        let next = w.next_check_at.expect("watched");
        assert!(
            next > t0 + Duration::minutes(29) && next < t0 + Duration::minutes(40),
            "{backend}: {next}"
        );
        assert_eq!(
            crawl(&app, t0 + Duration::minutes(5)).await.threads_checked,
            0,
            "{backend}: not due yet"
        );

        // The leader answers in the article's comments after the alert was stored.
        site.set(
            "/nyheter/gomonday-kritik/feed/",
            comments_feed(
                &article,
                &[
                    (
                        "1",
                        "Kalle",
                        "Fri, 20 Nov 2026 09:00:00 +0000",
                        "Samma sak hände mig.",
                    ),
                    (
                        "2",
                        "ErikA",
                        "Fri, 20 Nov 2026 10:00:00 +0000",
                        "Vi har svarat alla som mejlat oss nu, förlåt dröjsmålet.",
                    ),
                ],
            ),
        );
        let second = crawl(&app, t0 + Duration::minutes(31)).await;
        assert_eq!(second.threads_checked, 1, "{backend}: {second:?}");
        assert_eq!(second.replies_detected, 1, "{backend}: {second:?}");
        let mention = &app.store.thread_mentions(&article, 10).await.unwrap()[0];
        assert_eq!(mention.status, Status::Replied, "{backend}");
        assert_eq!(
            mention.replied_at,
            Some(at("2026-11-20T10:00:00Z")),
            "{backend}: at the comment's time"
        );

        let w = app.store.watched_thread(&article).await.unwrap().unwrap();
        assert_eq!(
            w.reader.as_deref(),
            Some(format!("feed:{article}feed/").as_str()),
            "{backend}: found through the page's comments feed, not the site's"
        );
        assert_eq!((w.open_mentions, w.check_failures), (0, 0), "{backend}");
        assert!(
            w.next_check_at.is_some(),
            "{backend}: still watched while posts are recent"
        );
        // Known comments are not read again: the next check finds nothing new.
        let second_items = second.items;
        let third = crawl(&app, t0 + Duration::hours(3)).await;
        assert_eq!(
            second_items, 3,
            "{backend}: the alert's item and two comments"
        );
        assert_eq!(
            (third.threads_checked, third.items),
            (1, 1),
            "{backend}: only the alert's own item: {third:?}"
        );
        assert!(
            site.requests("/nyheter/gomonday-kritik/").len() == 1,
            "{backend}: the page is read once, to find its comments feed"
        );

        // The API and the sources page list the watched thread with its next check.
        let served = crate::support::serve(app, tmp).await;
        let (status, body) = served.api_get("/api/threads?source=Alerts").await;
        assert_eq!(status, 200, "{backend}: {body}");
        let listed = &body["threads"][0];
        assert_eq!(listed["url"], article.as_str(), "{backend}: {body}");
        assert_eq!(listed["state"], "watching", "{backend}");
        assert_eq!(listed["open_mentions"], 0, "{backend}");
        assert!(listed["next_check_at"].is_string(), "{backend}: {body}");
        let (status, body) = served.api_get("/api/threads?source=Nope").await;
        assert_eq!(status, 404, "{backend}: {body}");
        let (status, _) = served.api_get("/api/threads?sourse=Alerts").await;
        assert_eq!(status, 422, "{backend}: a misspelt parameter is an error");
        let login = served.login().await;
        let (status, html) = served.page(&login, "/sources").await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Watched threads: 1 · 0 open mentions"),
            "{backend}: the reply closed the one open mention: {html}"
        );
        assert!(html.contains(&format!("href=\"{article}\"")), "{backend}");
        assert!(html.contains("next check"), "{backend}");
    }
}

/// A WordPress post page (`li.comment`, nested replies): (id, author, ISO time, text, replies).
fn wordpress_post(title: &str, comments: &str) -> Reply {
    Reply::ok(
        "text/html; charset=utf-8",
        format!(
            "<html><head><title>{title}</title></head><body><h1 class=\"entry-title\">{title}</h1>\
             <div class=\"entry-content\"><p>Text</p></div><div id=\"comments\"><ol class=\"comment-list\">{comments}</ol>\
             <div id=\"respond\" class=\"comment-respond\"></div></div></body></html>"
        ),
    )
}

fn wp_comment(id: u32, who: &str, iso: &str, text: &str, children: &str) -> String {
    format!(
        "<li id=\"comment-{id}\" class=\"comment\"><article><footer><div class=\"comment-author\"><b class=\"fn\">{who}</b></div>\
         <div class=\"comment-metadata\"><a href=\"#comment-{id}\"><time datetime=\"{iso}\">{iso}</time></a></div></footer>\
         <div class=\"comment-content\"><p>{text}</p></div></article>{children}</li>"
    )
}

#[tokio::test]
async fn a_blog_posts_comment_list_is_found_and_an_answer_to_a_commenter_leaves_it_open() {
    for (backend, db, _dir) in databases("watch_wp").await {
        let tmp = tempfile::tempdir().unwrap();
        let site = Site::start().await;
        let post = site.url("/2026/11/gomonday-test/");
        site.set(
            "/feed",
            Reply::ok(
                "application/rss+xml",
                format!(
                    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Bloggen</title><link>{}</link><description>d</description>\
                     <item><title>Jag testade GoMonday</title><link>{post}</link><guid>{post}</guid><pubDate>Fri, 20 Nov 2026 08:00:00 +0000</pubDate>\
                     <description>GoMonday var krångligt och supporten svarade aldrig, usel service.</description></item></channel></rss>",
                    site.url("/")
                ),
            ),
        );
        site.set(
            "/2026/11/gomonday-test/",
            wordpress_post("Jag testade GoMonday", ""),
        );
        let app = app(&db, tmp.path(), &site.url("/feed")).await;
        let t0 = Utc::now();
        assert_eq!(crawl(&app, t0).await.new_mentions, 1, "{backend}");
        // A reader asks a question and the leader answers the reader, not the post.
        let answer = wp_comment(
            12,
            "ErikA",
            "2026-11-20T11:00:00+00:00",
            "Hej Lisa, appen finns i App Store.",
            "",
        );
        let lisa = wp_comment(
            11,
            "Lisa",
            "2026-11-20T10:00:00+00:00",
            "Finns appen till iPhone?",
            &format!("<ol class=\"children\">{answer}</ol>"),
        );
        site.set(
            "/2026/11/gomonday-test/",
            wordpress_post("Jag testade GoMonday", &lisa),
        );
        let r = crawl(&app, t0 + Duration::minutes(31)).await;
        assert_eq!(r.threads_checked, 1, "{backend}: {r:?}");
        let w = app.store.watched_thread(&post).await.unwrap().unwrap();
        assert_eq!(
            w.reader.as_deref(),
            Some("recipe:wordpress-post"),
            "{backend}"
        );
        let m = &app.store.thread_mentions(&post, 10).await.unwrap();
        let article = m
            .iter()
            .find(|m| m.url.as_deref() == Some(post.as_str()))
            .unwrap();
        assert_eq!(
            article.status,
            Status::New,
            "{backend}: the answer to Lisa is none to the post"
        );
        // A top-level comment of the leader's answers the post itself.
        let reply = wp_comment(
            13,
            "ErikA",
            "2026-11-20T12:00:00+00:00",
            "Tack för att du testade, vi har förbättrat supporten.",
            "",
        );
        site.set(
            "/2026/11/gomonday-test/",
            wordpress_post("Jag testade GoMonday", &format!("{lisa}{reply}")),
        );
        let r = crawl(&app, t0 + Duration::minutes(62)).await;
        assert_eq!(r.replies_detected, 1, "{backend}: {r:?}");
        let m = app.store.mention(&article.id).await.unwrap().unwrap();
        assert_eq!(m.status, Status::Replied, "{backend}");
        assert_eq!(m.replied_at, Some(at("2026-11-20T12:00:00Z")), "{backend}");
    }
}
