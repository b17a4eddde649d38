//! Threads: the stored cursor on both backends, and reading a long thread newest first from a loopback
//! forum (entered at its last page, walked back to what was seen, known posts not processed again).

use crate::support::site::{Reply, Site};
use crate::support::stores;
use chrono::{DateTime, Duration, TimeZone, Utc};
use lyssna::crawl::extract::Reader;
use lyssna::crawl::recipe::Recipe;
use lyssna::crawl::thread::{ThreadReading, read_thread};
use lyssna::domain::source::SourceKind;
use lyssna::domain::thread::{SeenPost, ThreadCursor, ThreadLink};
use lyssna::ingest::threads::FetcherPages;
use lyssna::net::{Fetcher, FetcherConfig};
use lyssna::store::{SourceSpec, ThreadRead};
use std::sync::{Arc, Mutex};
use url::Url;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
}

#[tokio::test]
async fn thread_cursors_round_trip_on_both_backends() {
    for (label, store, _dir) in stores("thread_cursors").await {
        store
            .sync_sources(
                &[SourceSpec {
                    name: "Forum".into(),
                    kind: SourceKind::Html,
                    url: Some("https://forum.example/f12".into()),
                    schedule: "every 30m".into(),
                }],
                t(8, 0),
            )
            .await
            .unwrap();
        let source_id = store.source_by_name("Forum").await.unwrap().unwrap().id;
        let url = "https://forum.example/t77";
        assert!(store.thread(url).await.unwrap().is_none(), "{label}");
        let listed = ThreadLink {
            thread_url: url.into(),
            title: Some("Kalle om GoMonday".into()),
            last_post_at: Some(t(9, 0)),
            replies: Some(4),
            read_url: None,
        };
        let cursor = ThreadCursor {
            last_post_id: Some("post5".into()),
            last_post_at: Some(t(9, 0)),
            pages: 1,
            last_page_url: Some(url.into()),
            seen: vec![SeenPost {
                key: "post5".into(),
                hash: "abc".into(),
            }],
        };
        let read = ThreadRead {
            source_id,
            url,
            title: listed.title.as_deref(),
            listed: Some(&listed),
            cursor: &cursor,
            at: t(9, 5),
        };
        store.record_thread_read(&read).await.unwrap();
        let stored = store.thread(url).await.unwrap().expect(label.as_str());
        assert_eq!(stored.cursor, cursor, "{label}");
        assert_eq!(stored.title.as_deref(), Some("Kalle om GoMonday"));
        assert_eq!(stored.listed_replies, Some(4));
        assert_eq!(stored.first_seen_at, t(9, 5));
        assert!(!stored.listing_changed(&listed), "{label}: same row");
        let busier = ThreadLink {
            replies: Some(5),
            ..listed.clone()
        };
        assert!(stored.listing_changed(&busier), "{label}: one more reply");
        let later = ThreadLink {
            last_post_at: Some(t(10, 0)),
            replies: None,
            ..listed.clone()
        };
        assert!(stored.listing_changed(&later), "{label}: a later last post");

        // A second read moves the cursor, keeps the first-seen time, the title and the listing row.
        let cursor2 = ThreadCursor {
            last_post_id: Some("post9".into()),
            pages: 2,
            ..cursor.clone()
        };
        store
            .record_thread_read(&ThreadRead {
                title: None,
                listed: None,
                cursor: &cursor2,
                at: t(10, 0),
                ..read
            })
            .await
            .unwrap();
        let stored = store.thread(url).await.unwrap().unwrap();
        assert_eq!(stored.cursor.last_post_id.as_deref(), Some("post9"));
        assert_eq!(stored.cursor.pages, 2);
        assert_eq!(stored.title.as_deref(), Some("Kalle om GoMonday"));
        assert_eq!(stored.listed_replies, Some(4));
        assert_eq!(stored.first_seen_at, t(9, 5));
        assert_eq!(stored.last_crawled_at, Some(t(10, 0)));
        let all = store.threads_of_source(source_id).await.unwrap();
        assert_eq!(all.len(), 1, "{label}");
        let by_url = store
            .threads_by_url(&[url, "https://x/none"])
            .await
            .unwrap();
        assert_eq!(by_url.len(), 1, "{label}");
    }
}

/// A recipe for the loopback forum: Flashback-style page URLs, a `last` link.
pub const THREAD_RECIPE: &str = r#"
name = "loop-thread"
kind = "html"
item = "div.post"
[fields]
id     = { attr = "id" }
author = ".author"
body   = ".text"
date   = { select = "time", attr = "datetime" }
[pagination]
next = { select = "a[rel=next]", attr = "href" }
last = { select = "a.last", attr = "href" }
max_pages = 5
"#;

/// A forum thread at `/t{id}`: `posts` posts of `(author, text)`, ten to a page, `/t{id}pN` for page N.
#[derive(Clone)]
pub struct LoopThread {
    pub site: Site,
    pub id: u32,
    pub posts: Arc<Mutex<Vec<(String, String)>>>,
}

pub const PER_PAGE: usize = 10;

impl LoopThread {
    pub fn new(site: &Site, id: u32, posts: Vec<(String, String)>) -> LoopThread {
        let t = LoopThread {
            site: site.clone(),
            id,
            posts: Arc::new(Mutex::new(posts)),
        };
        t.publish();
        t
    }

    pub fn page_path(&self, n: usize) -> String {
        if n == 1 {
            format!("/t{}", self.id)
        } else {
            format!("/t{}p{n}", self.id)
        }
    }

    /// Serves every page as the posts stand now.
    pub fn publish(&self) {
        let posts = self.posts.lock().unwrap().clone();
        let pages = posts.len().div_ceil(PER_PAGE).max(1);
        for n in 1..=pages {
            let mut html = format!(
                "<html><head><title>Tråd {}</title></head><body><h1>Tråd {}</h1>",
                self.id, self.id
            );
            for (i, (author, text)) in posts
                .iter()
                .enumerate()
                .skip((n - 1) * PER_PAGE)
                .take(PER_PAGE)
            {
                let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
                    + Duration::minutes(i as i64 * 7);
                html.push_str(&format!(
                    "<div class=\"post\" id=\"post{}_{i}\"><span class=\"author\">{author}</span>\
                     <time datetime=\"{}\">x</time><div class=\"text\">{text}</div></div>",
                    self.id,
                    at.to_rfc3339()
                ));
            }
            html.push_str("<div class=\"pages\">");
            // Like real forums: first, a window around this page, next, last.
            html.push_str(&format!("<a href=\"{}\">1</a>", self.page_path(1)));
            for m in n.saturating_sub(2).max(2)..=(n + 2).min(pages) {
                html.push_str(&format!("<a href=\"{}\">{m}</a>", self.page_path(m)));
            }
            if n < pages {
                html.push_str(&format!(
                    "<a rel=\"next\" href=\"{}\">›</a><a class=\"last\" href=\"{}\">Sista »</a>",
                    self.page_path(n + 1),
                    self.page_path(pages)
                ));
            }
            html.push_str("</div></body></html>");
            self.site.set(
                &self.page_path(n),
                Reply::ok("text/html; charset=utf-8", html),
            );
        }
    }

    pub fn url(&self) -> Url {
        Url::parse(&self.site.url(&self.page_path(1))).unwrap()
    }

    /// Requests made to any page of this thread so far.
    pub fn requests(&self) -> usize {
        let pages = self.posts.lock().unwrap().len().div_ceil(PER_PAGE) + 2;
        (1..=pages)
            .map(|n| self.site.requests(&self.page_path(n)).len())
            .sum()
    }
}

pub fn test_fetcher() -> Fetcher {
    lyssna::net::install_crypto_provider();
    Fetcher::new(FetcherConfig {
        user_agent: "Lyssna-test/1.0".into(),
        per_host_delay: std::time::Duration::from_millis(0),
        connect_timeout: std::time::Duration::from_secs(5),
        timeout: std::time::Duration::from_secs(5),
        max_body: 5_000_000,
        max_redirects: 5,
        respect_robots: true,
        robots_ttl: std::time::Duration::from_secs(3600),
        max_retry_wait: std::time::Duration::from_secs(1),
    })
    .unwrap()
}

async fn read(
    fetcher: &Fetcher,
    recipe: &Recipe,
    thread: &LoopThread,
    cursor: &ThreadCursor,
) -> ThreadReading {
    let reader = Reader {
        kind: SourceKind::Html,
        recipe: Some(recipe),
        timezone: chrono_tz::Europe::Stockholm,
    };
    let pages = FetcherPages {
        fetcher,
        ignore_robots: false,
        allow_private: true,
        credentials: None,
    };
    read_thread(
        &pages,
        &reader,
        &thread.url(),
        cursor,
        recipe.max_pages(),
        Utc::now(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_sixty_page_thread_is_read_from_its_last_page_backwards() {
    let site = Site::start().await;
    let posts: Vec<(String, String)> = (0..600)
        .map(|i| (format!("user{}", i % 7), format!("Inlägg nummer {i}")))
        .collect();
    let thread = LoopThread::new(&site, 4242, posts);
    let recipe = Recipe::from_toml("loop-thread.toml", THREAD_RECIPE).unwrap();
    let fetcher = test_fetcher();

    // First crawl: page 1, then its `last` link (page 60), then back through 59, 58, 57: the budget.
    let first = read(&fetcher, &recipe, &thread, &ThreadCursor::default()).await;
    assert_eq!(first.requests, 5);
    assert_eq!(thread.requests(), 5);
    assert_eq!(first.cursor.pages, 60);
    assert_eq!(first.items.len(), 40, "pages 57–60");
    assert_eq!(first.items[0].body, "Inlägg nummer 560", "oldest first");
    assert_eq!(first.items[39].body, "Inlägg nummer 599");
    assert_eq!(first.cursor.last_post_id.as_deref(), Some("post4242_599"));
    assert!(
        first
            .items
            .iter()
            .all(|i| i.thread_url.as_deref() == Some(thread.url().as_str()))
    );
    assert!(
        site.requests(&thread.page_path(2)).is_empty(),
        "the pages between the first and the last are never fetched"
    );

    // Nothing new: one request (the stored last page), nothing processed again.
    let quiet = read(&fetcher, &recipe, &thread, &first.cursor).await;
    assert_eq!(quiet.requests, 1);
    assert!(quiet.items.is_empty(), "{:?}", quiet.items);

    // Three new posts, one of them starting page 61; and an edit on page 60.
    {
        let mut p = thread.posts.lock().unwrap();
        p[598].1 = "Inlägg nummer 598, redigerat".into();
        for i in 600..603 {
            p.push(("kalle".into(), format!("Nytt inlägg {i}")));
        }
    }
    thread.publish();
    let before = thread.requests();
    let grown = read(&fetcher, &recipe, &thread, &quiet.cursor).await;
    assert_eq!(grown.requests, 2, "the stored last page, then the new one");
    assert_eq!(thread.requests() - before, 2);
    assert_eq!(grown.cursor.pages, 61);
    let bodies: Vec<&str> = grown.items.iter().map(|i| i.body.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "Inlägg nummer 598, redigerat",
            "Nytt inlägg 600",
            "Nytt inlägg 601",
            "Nytt inlägg 602"
        ]
    );

    // A stored last page that is gone: the thread is entered at its first page again.
    let gone = ThreadCursor {
        last_page_url: Some(site.url("/t4242p99")),
        ..grown.cursor.clone()
    };
    let again = read(&fetcher, &recipe, &thread, &gone).await;
    assert!(again.items.is_empty());
    assert_eq!(again.requests, 3, "the gone page, page 1, page 61");
    assert!(again.errors.iter().any(|e| e.contains("p99")));
}

/// A thread page in Flashback's current layout, one page: `(post id, author, date, text)`.
fn flashback_thread_page(site: &Site, id: u32, title: &str, posts: &[(u32, &str, &str, &str)]) {
    let mut html = format!(
        "<html><head><meta property=\"og:url\" content=\"{}\"></head><body>\
         <div class=\"page-title\"><h1><a href=\"/t{id}\">{title}</a></h1></div><div id=\"posts\">",
        site.url(&format!("/t{id}"))
    );
    for (pid, author, date, text) in posts {
        html.push_str(&format!(
            "<div id=\"post{pid}\" data-postid=\"{pid}\" class=\"post\"><div class=\"post-heading\">{date}\
             <a href=\"/sp{pid}\" id=\"postcount{pid}\">#</a></div>\
             <a class=\"post-user-username\" href=\"/u1\">{author}</a>\
             <div class=\"post_message\" id=\"post_message_{pid}\">{text}</div></div>"
        ));
    }
    html.push_str("</div></body></html>");
    site.set(
        &format!("/t{id}"),
        Reply::ok("text/html; charset=utf-8", html),
    );
}

/// A Flashback section listing: `(thread id, title, replies, last post)`.
fn flashback_section(site: &Site, rows: &[(u32, &str, u32, &str)]) {
    let mut html = String::from("<html><body><table id=\"threadslist\"><tbody>");
    for (id, title, replies, last) in rows {
        html.push_str(&format!(
            "<tr><td class=\"td_title\"><a id=\"thread_title_{id}\" href=\"/t{id}\">{title}</a></td>\
             <td class=\"td_replies\"><div>{replies}</div><div>1 234 visningar</div></td>\
             <td class=\"td_last_post\"><div>{last}</div><div>av någon</div></td></tr>"
        ));
    }
    html.push_str("</tbody></table></body></html>");
    site.set("/f12", Reply::ok("text/html; charset=utf-8", html));
}

#[tokio::test]
async fn a_forum_section_finds_new_threads_and_reads_only_what_changed() {
    for (db, url, _dir) in crate::support::databases("forum_section").await {
        let site = Site::start().await;
        let tmp = tempfile::tempdir().unwrap();
        flashback_section(
            &site,
            &[
                (100, "Bästa elbolaget?", 1, "2026-11-20 09:00"),
                (101, "Helgens fotboll", 0, "2026-11-20 09:30"),
            ],
        );
        flashback_thread_page(
            &site,
            100,
            "Bästa elbolaget?",
            &[
                (1000, "lisa", "2026-11-20, 08:55", "Vilket elbolag har ni?"),
                (
                    1001,
                    "kalle",
                    "2026-11-20, 09:00",
                    "GoMonday har varit helt okej för oss.",
                ),
            ],
        );
        flashback_thread_page(
            &site,
            101,
            "Helgens fotboll",
            &[(1010, "olle", "2026-11-20, 09:30", "Vem vinner på lördag?")],
        );
        let config = format!(
            r#"database_url = "{url}"
[crawler]
per_host_delay = "10ms"
timeout = "5s"

[[brands]]
name = "GoMonday"
query = 'gomonday'

[[sources]]
name = "Flashback el"
kind = "html"
url = "{}"
recipe = "flashback-section"
allow_private = true
"#,
            site.url("/f12")
        );
        let app = crate::support::build_app(tmp.path(), &config).await;
        let first = crawl_source(&app, "Flashback el").await;
        assert_eq!(first.errors, Vec::<String>::new(), "{db}");
        assert_eq!(first.pages, 3, "{db}: the listing and two threads");
        assert_eq!(first.new_mentions, 1, "{db}");
        assert_eq!(site.requests("/t100").len(), 1);

        // Three new threads appear; thread 100 gets a reply quoting Kalle (no second mention), 101 is
        // unchanged.
        flashback_section(
            &site,
            &[
                (104, "GoMonday-appen krånglar", 0, "2026-11-20 11:00"),
                (103, "Byta elbolag", 2, "2026-11-20 10:50"),
                (102, "Recept på kanelbullar", 0, "2026-11-20 10:40"),
                (100, "Bästa elbolaget?", 2, "2026-11-20 10:30"),
                (101, "Helgens fotboll", 0, "2026-11-20 09:30"),
            ],
        );
        flashback_thread_page(
            &site,
            100,
            "Bästa elbolaget?",
            &[
                (1000, "lisa", "2026-11-20, 08:55", "Vilket elbolag har ni?"),
                (
                    1001,
                    "kalle",
                    "2026-11-20, 09:00",
                    "GoMonday har varit helt okej för oss.",
                ),
                (
                    1002,
                    "stina",
                    "2026-11-20, 10:30",
                    "<div class=\"post-bbcode-quote-wrapper\"><small>Citat:</small><div class=\"post-bbcode-quote\">\
                     <div>Ursprungligen postat av <strong>kalle</strong></div>\
                     <div class=\"post-clamped-text\">GoMonday har varit helt okej för oss.</div></div></div>\
                     Håller med!",
                ),
            ],
        );
        flashback_thread_page(
            &site,
            102,
            "Recept på kanelbullar",
            &[(1020, "eva", "2026-11-20, 10:40", "Mycket smör.")],
        );
        flashback_thread_page(
            &site,
            103,
            "Byta elbolag",
            &[
                (1030, "per", "2026-11-20, 10:45", "Funderar på att byta."),
                (
                    1031,
                    "ann",
                    "2026-11-20, 10:48",
                    "Ta inte GoMonday, usel support.",
                ),
                (1032, "bo", "2026-11-20, 10:50", "Tibber då?"),
            ],
        );
        flashback_thread_page(
            &site,
            104,
            "GoMonday-appen krånglar",
            &[(
                1040,
                "sam",
                "2026-11-20, 11:00",
                "Appen loggar ut mig hela tiden.",
            )],
        );
        let second = crawl_source(&app, "Flashback el").await;
        assert_eq!(second.errors, Vec::<String>::new(), "{db}");
        assert_eq!(
            second.pages, 5,
            "{db}: the listing, three new threads and the changed one"
        );
        assert_eq!(
            site.requests("/t101").len(),
            1,
            "{db}: unchanged, not fetched again"
        );
        assert_eq!(site.requests("/t100").len(), 2);
        // 103 (Ann's complaint) and 104 (its title names the brand); Stina's quote of Kalle is no mention.
        assert_eq!(second.new_mentions, 2, "{db}");
        let stored = app.store.export_all().await.unwrap();
        let bodies: Vec<&str> = stored.iter().map(|m| m.body.as_str()).collect();
        assert!(
            !bodies.iter().any(|b| b.contains("Håller med")),
            "{db}: {bodies:?}"
        );
        assert!(bodies.iter().any(|b| b.contains("usel support")), "{db}");
        let kalle = stored
            .iter()
            .find(|m| m.body.contains("helt okej"))
            .unwrap();
        assert_eq!(
            kalle.thread_url.as_deref(),
            Some(site.url("/t100").as_str()),
            "{db}: the canonical thread URL"
        );
        let thread = app.store.thread(&site.url("/t103")).await.unwrap().unwrap();
        assert_eq!(thread.listed_replies, Some(2));
        assert_eq!(thread.cursor.last_post_id.as_deref(), Some("post1032"));

        // Nothing changed: only the listing is fetched.
        let third = crawl_source(&app, "Flashback el").await;
        assert_eq!(third.pages, 1, "{db}");
        assert_eq!(third.new_mentions, 0);
    }
}

async fn crawl_source(app: &lyssna::app::App, name: &str) -> lyssna::ingest::CrawlReport {
    let src = app.config.source(name).unwrap();
    let rec = app.store.source_by_name(name).await.unwrap().unwrap();
    app.ingest
        .crawl_source(src, &rec, Utc::now(), &|_| {})
        .await
        .unwrap()
}

#[test]
fn a_listing_needs_a_thread_recipe_that_reads_posts() {
    let config = |more: &str| {
        format!(
            "[[sources]]\nname = \"Lista\"\nkind = \"html\"\nurl = \"https://forum.example/f1\"\nrecipe = \"{more}\n"
        )
    };
    let err = |text: &str| {
        lyssna::config::Config::parse_str("lyssna.toml", text, None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert!(
        lyssna::config::Config::parse_str("lyssna.toml", &config("flashback-section\""), None)
            .unwrap()
            .source("Lista")
            .unwrap()
            .thread_recipe
            .as_ref()
            .is_some_and(|r| r.name() == "flashback-thread"),
        "the section's [follow] names its thread recipe"
    );
    let wrong = err(&config(
        "flashback-section\"\nthread_recipe = \"flashback-section\"",
    ));
    assert!(wrong.contains("reads thread links itself"), "{wrong}");
    let unknown = err(&config("flashback-section\"\nthread_recipe = \"nope\""));
    assert!(unknown.contains("unknown recipe 'nope'"), "{unknown}");
    let not_listing = err(&config(
        "flashback-thread\"\nthread_recipe = \"flashback-thread\"",
    ));
    assert!(
        not_listing.contains("thread_recipe is for listings"),
        "{not_listing}"
    );
}

#[test]
fn source_test_on_a_listing_prints_thread_links() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("f12.html");
    std::fs::write(
        &page,
        "<table id=\"threadslist\"><tr><td><a id=\"thread_title_7\" href=\"/t7p3#post9\">Om GoMonday</a></td>\
         <td class=\"td_replies\"><div>1 204</div></td><td class=\"td_last_post\"><div>2026-11-20 10:15</div></td></tr></table>",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lyssna"))
        .args(["source", "test", "--recipe", "flashback-section", "--file"])
        .arg(&page)
        .args(["--url", "https://www.flashback.org/f12"])
        .current_dir(dir.path())
        .env_remove("LYSSNA_DATABASE_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        line,
        serde_json::json!({
            "thread_url": "https://www.flashback.org/t7",
            "title": "Om GoMonday",
            "last_post_at": "2026-11-20T09:15:00Z",
            "replies": 1204
        })
    );
}

#[tokio::test]
async fn credentials_come_from_the_environment_and_are_never_shown() {
    let site = Site::start().await;
    let other = Site::start_on("127.0.0.2").await;
    let secret = "s3cret-token-4711";
    // SAFETY: the variables are named for this test alone; no other test reads or writes them.
    unsafe {
        std::env::set_var("LYSSNA_TEST_CRED_TOKEN", format!("Bearer {secret}"));
        std::env::set_var("LYSSNA_TEST_CRED_COOKIE", format!("session={secret}"));
        std::env::set_var("LYSSNA_TEST_CRED_USER", "lyssna");
        std::env::set_var("LYSSNA_TEST_CRED_PASSWORD", secret);
    }
    let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Intranät</title>\
                <item><guid>1</guid><title>GoMonday internt</title><description>Hej</description></item>\
                </channel></rss>";
    site.set("/feed", Reply::ok("application/rss+xml", feed));
    site.set(
        "/moved",
        Reply::status(302).header("location", &other.url("/feed")),
    );
    other.set("/feed", Reply::ok("application/rss+xml", feed));
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", tmp.path().join("l.db").display());
    let source = |name: &str, path: &str, auth: &str| {
        format!(
            "\n[[sources]]\nname = \"{name}\"\nkind = \"feed\"\nurl = \"{}\"\nallow_private = true\nauth = {auth}\n",
            site.url(path)
        )
    };
    let config = format!(
        "database_url = \"{db}\"\n[crawler]\nper_host_delay = \"10ms\"\n\n[[brands]]\nname = \"GoMonday\"\nquery = 'gomonday'\n{}{}{}{}",
        source(
            "Token",
            "/feed",
            "{ headers = { Authorization = \"LYSSNA_TEST_CRED_TOKEN\" } }"
        ),
        source(
            "Kaka",
            "/feed",
            "{ cookie_env = \"LYSSNA_TEST_CRED_COOKIE\" }"
        ),
        source(
            "Lösen",
            "/moved",
            "{ username_env = \"LYSSNA_TEST_CRED_USER\", password_env = \"LYSSNA_TEST_CRED_PASSWORD\" }"
        ),
        source(
            "Saknas",
            "/feed",
            "{ headers = { X-Api-Key = \"LYSSNA_TEST_CRED_UNSET\" } }"
        ),
    );
    let app = crate::support::build_app(tmp.path(), &config).await;
    for name in ["Token", "Kaka", "Lösen"] {
        let report = crawl_source(&app, name).await;
        assert!(report.errors.is_empty(), "{name}: {:?}", report.errors);
        assert!(!format!("{report:?}").contains(secret));
    }
    let sent = site.requests("/feed");
    assert!(
        sent.iter()
            .any(|h| h.get("authorization").and_then(|v| v.to_str().ok())
                == Some(&format!("Bearer {secret}")))
    );
    assert!(sent.iter().any(
        |h| h.get("cookie").and_then(|v| v.to_str().ok()) == Some(&format!("session={secret}"))
    ));
    let basic = site.requests("/moved");
    assert_eq!(
        basic[0].get("authorization").and_then(|v| v.to_str().ok()),
        Some("Basic bHlzc25hOnMzY3JldC10b2tlbi00NzEx"),
        "lyssna:{secret}, base64"
    );
    let redirected = other.requests("/feed");
    assert_eq!(redirected.len(), 1);
    assert!(
        redirected[0].get("authorization").is_none(),
        "credentials never follow a redirect to another origin"
    );
    assert!(
        site.requests("/robots.txt")
            .iter()
            .all(|h| h.get("authorization").is_none() && h.get("cookie").is_none())
    );

    // A variable that is not set: the source fails with the variable's name, nothing is fetched.
    let missing = crawl_source(&app, "Saknas").await;
    assert_eq!(missing.health, lyssna::domain::health::Health::Failing);
    assert!(
        missing.errors[0].contains("LYSSNA_TEST_CRED_UNSET"),
        "{:?}",
        missing.errors
    );
    assert_eq!(site.requests("/feed").len(), sent.len());

    // Never shown: not in config check, not in the stored errors, not in the config's debug form.
    std::fs::write(tmp.path().join("lyssna.toml"), &config).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lyssna"))
        .current_dir(tmp.path())
        .args(["--config", "lyssna.toml", "config", "check"])
        .env("RUST_LOG", "debug")
        .output()
        .unwrap();
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!shown.contains(secret), "{shown}");
    assert!(!format!("{:?}", app.config).contains(secret));
    for s in app.store.sources().await.unwrap() {
        assert!(!format!("{s:?}").contains(secret), "{}", s.name);
    }
    let creds = app
        .config
        .source("Token")
        .unwrap()
        .auth
        .as_ref()
        .unwrap()
        .resolve(&url::Url::parse(&site.url("/")).unwrap())
        .unwrap();
    assert!(!format!("{creds:?}").contains(secret));
}
