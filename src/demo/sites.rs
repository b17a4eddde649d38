//! The demo's sample sites, served on loopback: a Swedish forum (vBulletin-like thread pages in
//! ISO-8859-1, with pagination and "Idag"/"Igår" dates), a review site publishing schema.org JSON-LD,
//! a blog with an RSS feed and a WordPress-style comments feed, and a Discourse-style JSON search API.

use super::content::{self, ForumThread};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::Stockholm;
use serde::Deserialize;
use std::sync::Arc;

/// Posts per forum page, small so that pagination is exercised.
const PER_PAGE: usize = 3;

/// A comment that appears only after the demo has run for a while, so that a scheduled crawl finds
/// something new while you watch.
const LATE_COMMENT_AFTER: Duration = Duration::minutes(3);

#[derive(Clone)]
pub struct Sites {
    started: DateTime<Utc>,
    base: Arc<String>,
}

use crate::render::escape::escape as esc;

fn rfc2822(t: DateTime<Utc>) -> String {
    t.to_rfc2822()
}

pub fn router(started: DateTime<Utc>, base: String) -> Router {
    let sites = Sites {
        started,
        base: Arc::new(base),
    };
    Router::new()
        .route("/", get(index))
        .route("/robots.txt", get(|| async { "User-agent: *\nAllow: /\n" }))
        .route("/forum/t/{id}", get(forum_thread))
        .route("/forum/p/{id}", get(forum_post))
        .route("/forum/u/{name}", get(forum_user))
        .route("/t/{topic}", get(dev_topic))
        .route("/t/{topic}/{post}", get(dev_post))
        .route("/archive/{n}", get(archived))
        .route("/reviews/gomonday", get(reviews))
        .route("/blog/feed.xml", get(blog_feed))
        .route("/blog/comments/feed.xml", get(comments_feed))
        .route("/blog/{slug}", get(blog_post))
        .route("/api/search.json", get(search_api))
        .with_state(sites)
}

async fn index() -> impl IntoResponse {
    axum::response::Html(
        "<h1>Lyssna demo sites</h1><ul>\
         <li><a href=\"/forum/t/4711\">Forum thread (sv)</a></li>\
         <li><a href=\"/forum/t/4712\">Forum thread 2 (sv)</a></li>\
         <li><a href=\"/reviews/gomonday\">Reviews (schema.org)</a></li>\
         <li><a href=\"/blog/feed.xml\">Blog feed</a> and <a href=\"/blog/comments/feed.xml\">comments</a></li>\
         <li><a href=\"/api/search.json?q=gomonday\">Search API</a> (topics <a href=\"/t/88\">88</a>, \
         <a href=\"/t/91\">91</a>, <a href=\"/t/93\">93</a>)</li></ul>",
    )
}

/// Flashback-style date text: "Idag, 14:05", "Igår, 09:12", else "2026-11-24, 10:15" (Stockholm time).
fn forum_date(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let local = t.with_timezone(&Stockholm);
    let today = now.with_timezone(&Stockholm).date_naive();
    let hm = local.format("%H:%M");
    if local.date_naive() == today {
        format!("Idag, {hm}")
    } else if Some(local.date_naive()) == today.pred_opt() {
        format!("Igår, {hm}")
    } else {
        format!("{}, {hm}", local.format("%Y-%m-%d"))
    }
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<usize>,
}

async fn forum_thread(
    State(s): State<Sites>,
    Path(id): Path<u32>,
    Query(q): Query<PageQuery>,
) -> Response {
    let Some(thread) = content::THREADS.iter().find(|t| t.id == id) else {
        return (StatusCode::NOT_FOUND, "no such thread").into_response();
    };
    let page = q.page.unwrap_or(1).max(1);
    let html = forum_page(&s, thread, page, Utc::now());
    // The forum speaks ISO-8859-1, as many older Swedish forums do: the crawler must decode it.
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&html);
    (
        [(header::CONTENT_TYPE, "text/html; charset=ISO-8859-1")],
        bytes.into_owned(),
    )
        .into_response()
}

fn forum_page(s: &Sites, thread: &ForumThread, page: usize, now: DateTime<Utc>) -> String {
    let pages = thread.posts.len().div_ceil(PER_PAGE).max(1);
    let mut posts = String::new();
    for p in thread
        .posts
        .iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
    {
        let at = s.started - Duration::minutes(p.ago_min);
        posts.push_str(&format!(
            "<div class=\"post\" id=\"post{id}\">\n  <div class=\"post-head\"><span class=\"date\">{date}</span> \
             <a class=\"permalink\" href=\"/forum/p/{id}\">#{id}</a></div>\n  \
             <a class=\"username\" href=\"/forum/u/{author}\">{author}</a>\n  \
             <div class=\"post-body\">{text}</div>\n</div>\n",
            id = p.id,
            date = forum_date(at, now),
            author = esc(p.author),
            text = esc(p.text),
        ));
    }
    let next = if page < pages {
        format!(
            "<a rel=\"next\" href=\"/forum/t/{}?page={}\">Nästa ›</a>",
            thread.id,
            page + 1
        )
    } else {
        String::new()
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"sv\"><head><meta charset=\"ISO-8859-1\">\
         <title>{title} - Snackis</title>\
         <link rel=\"canonical\" href=\"{base}/forum/t/{id}\"></head>\n<body>\
         <div class=\"navbar\">Snackis › Företag &amp; ekonomi</div>\n\
         <h1 class=\"thread-title\">{title}</h1>\n{posts}\
         <div class=\"pagination\">Sida {page} av {pages} {next}</div>\n</body></html>\n",
        title = esc(thread.title),
        base = s.base,
        id = thread.id,
    )
}

async fn reviews(State(s): State<Sites>) -> impl IntoResponse {
    let reviews: Vec<serde_json::Value> = content::REVIEWS
        .iter()
        .map(|r| {
            serde_json::json!({
                "@type": "Review",
                "@id": format!("{}/reviews/gomonday#{}", s.base, r.id),
                "url": format!("{}/reviews/gomonday#{}", s.base, r.id),
                "name": r.title,
                "author": {"@type": "Person", "name": r.author},
                "datePublished": (s.started - Duration::days(r.days_ago)).format("%Y-%m-%d").to_string(),
                "reviewBody": r.text,
                "reviewRating": {"@type": "Rating", "ratingValue": r.rating, "bestRating": 5, "worstRating": 1}
            })
        })
        .collect();
    let ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": "GoMonday",
        // The demo never links off its own sites.
        "url": format!("{}/reviews/gomonday", s.base),
        "review": reviews,
    });
    // `</` inside a script element would end it early: escape it as JSON allows.
    let ld = ld.to_string().replace("</", "<\\/");
    let cards: String = content::REVIEWS
        .iter()
        .map(|r| {
            format!(
                "<article id=\"{}\"><h3>{}</h3><p>{} – {}★</p><p>{}</p></article>",
                r.id,
                esc(r.title),
                esc(r.author),
                r.rating,
                esc(r.text)
            )
        })
        .collect();
    axum::response::Html(format!(
        "<!DOCTYPE html><html lang=\"sv\"><head><meta charset=\"utf-8\"><title>GoMonday – omdömen</title>\
         <script type=\"application/ld+json\">{ld}</script></head><body><h1>Omdömen om GoMonday</h1>{cards}</body></html>"
    ))
}

fn rss(channel_title: &str, link: &str, items: &str) -> Response {
    (
        [(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")],
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
             <channel><title>{}</title><link>{}</link><description>Demo</description>\n{items}</channel></rss>\n",
            esc(channel_title),
            esc(link)
        ),
    )
        .into_response()
}

async fn blog_feed(State(s): State<Sites>) -> Response {
    let items: String = content::BLOG_POSTS
        .iter()
        .map(|p| {
            let url = format!("{}/blog/{}", s.base, p.slug);
            format!(
                "<item><title>{}</title><link>{url}</link><guid isPermaLink=\"false\">blog-{}</guid>\
                 <dc:creator>{}</dc:creator><pubDate>{}</pubDate><description>{}</description>\
                 <comments>{url}#comments</comments></item>\n",
                esc(p.title),
                p.slug,
                esc(p.author),
                rfc2822(s.started - Duration::hours(p.hours_ago)),
                esc(p.html),
            )
        })
        .collect();
    rss("Konsumentbloggen", &format!("{}/blog/", s.base), &items)
}

async fn comments_feed(State(s): State<Sites>) -> Response {
    let now = Utc::now();
    let mut comments: Vec<(u32, &str, &str, DateTime<Utc>, &str)> = content::COMMENTS
        .iter()
        .map(|c| {
            (
                c.id,
                c.post_slug,
                c.author,
                s.started - Duration::hours(c.hours_ago),
                c.text,
            )
        })
        .collect();
    if now - s.started >= LATE_COMMENT_AFTER {
        comments.push((
            305,
            "fintech-2026",
            "Tove",
            s.started + LATE_COMMENT_AFTER,
            "Update: GoMonday's app was down again this morning, third time this month. Not impressed.",
        ));
    }
    let items: String = comments
        .iter()
        .map(|(id, slug, author, at, text)| {
            let post = content::BLOG_POSTS
                .iter()
                .find(|p| p.slug == *slug)
                .map(|p| p.title)
                .unwrap_or_default();
            format!(
                "<item><title>Kommentar till {}: {}</title><link>{}/blog/{slug}#comment-{id}</link>\
                 <guid isPermaLink=\"false\">{}/?comment={id}</guid><dc:creator>{}</dc:creator>\
                 <pubDate>{}</pubDate><description>{}</description></item>\n",
                esc(post),
                esc(author),
                s.base,
                s.base,
                esc(author),
                rfc2822(*at),
                esc(text),
            )
        })
        .collect();
    rss(
        "Kommentarer: Konsumentbloggen",
        &format!("{}/blog/", s.base),
        &items,
    )
}

async fn blog_post(State(s): State<Sites>, Path(slug): Path<String>) -> Response {
    let Some(p) = content::BLOG_POSTS.iter().find(|p| p.slug == slug) else {
        return (StatusCode::NOT_FOUND, "no such post").into_response();
    };
    // The comments, each with the anchor its feed entry links to.
    let comments: String = content::COMMENTS
        .iter()
        .filter(|c| c.post_slug == slug)
        .map(|c| {
            format!(
                "<li id=\"comment-{}\"><strong>{}</strong>: {}</li>",
                c.id,
                esc(c.author),
                esc(c.text)
            )
        })
        .collect();
    page(
        p.title,
        &format!(
            "<h1>{}</h1>{}<h2 id=\"comments\">Kommentarer</h2><ul>{comments}</ul><p><a href=\"{}/blog/feed.xml\">RSS</a></p>",
            esc(p.title),
            p.html,
            s.base
        ),
    )
}

/// A plain page of the sample sites.
fn page(title: &str, body: &str) -> Response {
    axum::response::Html(format!(
        "<!DOCTYPE html><html lang=\"sv\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>{body}\
         <p><a href=\"/\">Demo-sajterna</a></p></body></html>",
        esc(title)
    ))
    .into_response()
}

/// A forum post's permalink: the thread page it is on, at its anchor.
async fn forum_post(Path(id): Path<u32>) -> Response {
    for t in content::THREADS {
        if let Some(i) = t.posts.iter().position(|p| p.id == id) {
            let page = i / PER_PAGE + 1;
            return axum::response::Redirect::to(&format!(
                "/forum/t/{}?page={page}#post{id}",
                t.id
            ))
            .into_response();
        }
    }
    (StatusCode::NOT_FOUND, "no such post").into_response()
}

/// A forum member's posts.
async fn forum_user(Path(name): Path<String>) -> Response {
    let posts: String = content::THREADS
        .iter()
        .flat_map(|t| t.posts.iter().map(move |p| (t, p)))
        .filter(|(_, p)| p.author == name)
        .map(|(t, p)| {
            format!(
                "<li><a href=\"/forum/p/{}\">{}</a>: {}</li>",
                p.id,
                esc(t.title),
                esc(p.text)
            )
        })
        .collect();
    page(&name, &format!("<h1>{}</h1><ul>{posts}</ul>", esc(&name)))
}

/// The developer forum's topic page, with each post at `#post-N` (`/t/88/3` is post 3).
async fn dev_topic(Path(topic): Path<u32>) -> Response {
    let posts: String = content::API_POSTS
        .iter()
        .filter(|p| p.topic_id == topic)
        .map(|p| {
            format!(
                "<article id=\"post-{}\"><p><strong>{}</strong> (#{})</p><p>{}</p></article>",
                p.post_number,
                esc(p.username),
                p.post_number,
                esc(p.blurb)
            )
        })
        .collect();
    if posts.is_empty() {
        return (StatusCode::NOT_FOUND, "no such topic").into_response();
    }
    page(
        &format!("Topic {topic}"),
        &format!("<h1>Topic {topic}</h1>{posts}"),
    )
}

async fn dev_post(Path((topic, post)): Path<(u32, u32)>) -> Response {
    axum::response::Redirect::to(&format!("/t/{topic}#post-{post}")).into_response()
}

/// A post of the generated history (`demo::history`): its original.
async fn archived(Path(n): Path<usize>) -> Response {
    match super::history::posts().into_iter().find(|p| p.n == n) {
        Some(p) => page(
            p.title,
            &format!(
                "<p class=\"where\">{} · arkiv</p><h1>{}</h1><p><strong>{}</strong>: {}</p>{}",
                esc(p.source),
                esc(p.title),
                esc(p.author),
                esc(p.text),
                if p.answered {
                    format!(
                        "<p id=\"svar\"><strong>{}</strong>: Hej {}! Tack för att du hör av dig – jag har skickat ett \
                         direktmeddelande så löser vi det. /Erik, vd GoMonday</p>",
                        esc(content::LEADER_HANDLE),
                        esc(p.author)
                    )
                } else {
                    String::new()
                }
            ),
        ),
        None => (StatusCode::NOT_FOUND, "no such post").into_response(),
    }
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

/// Discourse's `search.json` shape: `posts` with `blurb`, `username`, `created_at`, `topic_id`,
/// `post_number`, and `topics` with their slugs.
async fn search_api(State(s): State<Sites>, Query(q): Query<SearchQuery>) -> Response {
    let words: Vec<String> =
        q.q.unwrap_or_default()
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
    let posts: Vec<serde_json::Value> = content::API_POSTS
        .iter()
        .filter(|p| words.is_empty() || words.iter().any(|w| p.blurb.to_lowercase().contains(w.as_str())))
        .map(|p| {
            serde_json::json!({
                "id": p.id,
                "username": p.username,
                "created_at": (s.started - Duration::hours(p.hours_ago)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "blurb": p.blurb,
                "post_number": p.post_number,
                "topic_id": p.topic_id,
            })
        })
        .collect();
    let topics: Vec<serde_json::Value> = [88, 91, 93]
        .iter()
        .map(|id| serde_json::json!({"id": id, "slug": format!("topic-{id}"), "title": format!("Topic {id}")}))
        .collect();
    axum::Json(serde_json::json!({"posts": posts, "topics": topics, "grouped_search_result": {"term": "gomonday"}}))
        .into_response()
}
