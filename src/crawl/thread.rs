//! Reading one thread newest first (PRODUCT §3.3b): enter at its last page — the recipe's
//! `[pagination] last`, else the highest link to a page of the same thread — and walk backwards (the
//! recipe's `prev`, else the link to the page just below) until a page holds a post already seen or the
//! page budget is spent. A thread of 300 pages that gained two posts costs one or two requests.
//!
//! Fetching is the caller's (this layer has no network): it passes a [`PageFetch`], which is where
//! robots, pacing, credentials and health apply exactly as to a source's own pages.

use std::future::Future;

use chrono::{DateTime, Utc};
use url::Url;

use crate::crawl::extract::{Page, PageItems, Reader};
use crate::domain::dedup::content_hash;
use crate::domain::item::Item;
use crate::domain::thread::{
    SEEN_POSTS_KEPT, SeenPost, ThreadCursor, canonical_thread_url, page_number, same_thread,
};

/// One fetched page of a thread.
#[derive(Debug, Clone)]
pub struct ThreadPage {
    pub body: bytes::Bytes,
    pub content_type: Option<String>,
    /// The address after redirects.
    pub url: Url,
    /// The response's `Link` header.
    pub link: Option<String>,
}

/// How a thread's pages are fetched.
pub trait PageFetch {
    type Error: std::fmt::Display;
    fn fetch_page(&self, url: &Url)
    -> impl Future<Output = Result<ThreadPage, Self::Error>> + Send;
}

/// Why a thread could not be read at all: its first request failed, or its first page was unreadable.
#[derive(Debug)]
pub enum ThreadFailure<E> {
    Fetch(E),
    Parse(String),
}

impl<E: std::fmt::Display> std::fmt::Display for ThreadFailure<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ThreadFailure::Fetch(e) => e.fmt(f),
            ThreadFailure::Parse(e) => f.write_str(e),
        }
    }
}

/// What one read of a thread gave.
#[derive(Debug, Clone, Default)]
pub struct ThreadReading {
    /// The posts not seen before (or edited since), oldest first, each with the canonical thread URL.
    pub items: Vec<Item>,
    /// What Lyssna has now seen of the thread.
    pub cursor: ThreadCursor,
    /// Requests made (every page fetched, failed ones included).
    pub requests: usize,
    pub pages_failed: usize,
    /// The entry page matched no post: the recipe does not fit the page.
    pub no_items_matched: bool,
    /// The thread's title, as its posts give it.
    pub title: Option<String>,
    /// Warnings and errors of later pages, for the user.
    pub errors: Vec<String>,
}

/// The key a post is known by in a cursor: the site's id, else its permalink, else a hash of its text.
pub fn post_key(item: &Item) -> String {
    item.id
        .clone()
        .or_else(|| item.url.clone())
        .unwrap_or_else(|| post_hash(item))
}

/// A hash of what a post says (its text and its quotes): a change is an edit.
pub fn post_hash(item: &Item) -> String {
    let mut body = item.body.clone();
    for q in &item.quotes {
        body.push('\u{1f}');
        body.push_str(&q.text);
    }
    content_hash(item.title.as_deref(), &body)
}

struct ReadPage {
    url: Url,
    items: PageItems,
}

/// Reads `thread_url` newest first from what `cursor` says was seen, fetching at most `max_pages` pages.
pub async fn read_thread<P: PageFetch + Sync>(
    fetch: &P,
    reader: &Reader<'_>,
    thread_url: &Url,
    cursor: &ThreadCursor,
    max_pages: usize,
    now: DateTime<Utc>,
) -> Result<ThreadReading, ThreadFailure<P::Error>> {
    let max_pages = max_pages.max(1);
    let mut r = ThreadReading::default();
    let stored_last = cursor
        .last_page_url
        .as_deref()
        .and_then(|u| Url::parse(u).ok())
        .filter(|u| same_thread(u, thread_url));
    let mut page = enter(fetch, reader, thread_url, stored_last, &mut r, now).await?;
    r.no_items_matched = page.items.item_matches == Some(0);
    // To the last page: the recipe's `last`, else the highest page link, until the page is the last.
    // Pages jumped over are kept: walking back may need them again (a thread that grew by one page).
    let mut jumped_from: Vec<ReadPage> = Vec::new();
    while r.requests < max_pages {
        let Some(last) = later_page(&page) else { break };
        r.requests += 1;
        match fetch_read(fetch, reader, &last, now).await {
            Ok(p) => jumped_from.push(std::mem::replace(&mut page, p)),
            Err(e) => {
                r.pages_failed += 1;
                r.errors.push(format!("page {last}: {e}"));
                break;
            }
        }
    }
    let last_url = page.url.clone();
    let pages = page_count(&last_url, &page.items.page_links);
    let mut newest_first: Vec<Vec<Item>> = Vec::new();
    loop {
        let items = std::mem::take(&mut page.items.items);
        r.errors
            .extend(std::mem::take(&mut page.items.warnings).into_iter().take(5));
        let reached_known = reaches(cursor, &items);
        newest_first.push(items);
        if reached_known || r.requests >= max_pages {
            break;
        }
        let Some(prev) = earlier_page(&page) else {
            break;
        };
        if let Some(at) = jumped_from.iter().position(|p| p.url == prev) {
            page = jumped_from.swap_remove(at);
            continue;
        }
        r.requests += 1;
        match fetch_read(fetch, reader, &prev, now).await {
            Ok(p) => page = p,
            Err(e) => {
                r.pages_failed += 1;
                r.errors.push(format!("page {prev}: {e}"));
                break;
            }
        }
    }
    let canonical = canonical_thread_url(thread_url);
    let read: Vec<Item> = newest_first.into_iter().rev().flatten().collect();
    r.title = read.iter().find_map(|i| i.title.clone());
    r.cursor = next_cursor(cursor, &read, &last_url, pages);
    r.items = read
        .into_iter()
        .filter(|i| !cursor.knows(&post_key(i), &post_hash(i)))
        .map(|mut i| {
            i.thread_url = Some(canonical.clone());
            i
        })
        .collect();
    Ok(r)
}

/// The first request: the stored last page when there is one (falling back to the thread's own URL
/// when that page is gone), else the thread's URL.
async fn enter<P: PageFetch + Sync>(
    fetch: &P,
    reader: &Reader<'_>,
    thread_url: &Url,
    stored_last: Option<Url>,
    r: &mut ThreadReading,
    now: DateTime<Utc>,
) -> Result<ReadPage, ThreadFailure<P::Error>> {
    if let Some(last) = stored_last.filter(|u| u != thread_url) {
        r.requests += 1;
        match fetch_read(fetch, reader, &last, now).await {
            Ok(p) => return Ok(p),
            Err(e) => r.errors.push(format!(
                "page {last}: {e}; reading the thread from its first page"
            )),
        }
    }
    r.requests += 1;
    fetch_read(fetch, reader, thread_url, now).await
}

async fn fetch_read<P: PageFetch + Sync>(
    fetch: &P,
    reader: &Reader<'_>,
    url: &Url,
    now: DateTime<Utc>,
) -> Result<ReadPage, ThreadFailure<P::Error>> {
    let page = fetch.fetch_page(url).await.map_err(ThreadFailure::Fetch)?;
    let items = reader
        .extract(
            Page {
                body: &page.body,
                content_type: page.content_type.as_deref(),
                url: &page.url,
                link_header: page.link.as_deref(),
            },
            now,
        )
        .map_err(ThreadFailure::Parse)?;
    Ok(ReadPage {
        url: page.url,
        items,
    })
}

/// The page links a page gives, with the recipe's `next`, `last` and `prev` among them.
fn candidates(page: &ReadPage) -> impl Iterator<Item = &Url> {
    let p = &page.items;
    p.page_links
        .iter()
        .chain(p.next.iter())
        .chain(p.last.iter())
        .chain(p.prev.iter())
        .filter(|u| same_thread(u, &page.url))
}

/// A page after this one to jump to: the recipe's `last`, else the highest-numbered page link.
fn later_page(page: &ReadPage) -> Option<Url> {
    let here = page_number(&page.url)?;
    if let Some(last) = &page.items.last
        && page_number(last).is_some_and(|n| n > here)
    {
        return Some(last.clone());
    }
    candidates(page)
        .filter_map(|u| Some((page_number(u)?, u)))
        .filter(|(n, _)| *n > here)
        .max_by_key(|(n, _)| *n)
        .map(|(_, u)| u.clone())
}

/// The page before this one: the recipe's `prev`, else the highest-numbered link below this page.
fn earlier_page(page: &ReadPage) -> Option<Url> {
    let here = page_number(&page.url)?;
    if here <= 1 {
        return None;
    }
    if let Some(prev) = &page.items.prev
        && page_number(prev).is_some_and(|n| n < here)
    {
        return Some(prev.clone());
    }
    candidates(page)
        .filter_map(|u| Some((page_number(u)?, u)))
        .filter(|(n, _)| *n < here)
        .max_by_key(|(n, _)| *n)
        .map(|(_, u)| u.clone())
}

/// The thread's page count from its last page: its number, or for offsets (`start=50`) the offset over
/// the smallest step between the offsets the page links show.
fn page_count(last: &Url, links: &[Url]) -> u32 {
    let n = page_number(last).unwrap_or(1);
    let offset = last.query_pairs().any(|(k, _)| k == "start");
    let pages = if offset {
        let step = links
            .iter()
            .chain(std::iter::once(last))
            .filter_map(page_number)
            .filter(|&m| m > 1)
            .map(|m| m - 1)
            .min()
            .unwrap_or(0);
        (n - 1).checked_div(step).map_or(1, |q| q + 1)
    } else {
        n
    };
    u32::try_from(pages).unwrap_or(u32::MAX)
}

/// Whether a page's posts reach what the cursor has seen: a known post, or none newer than its newest.
fn reaches(cursor: &ThreadCursor, items: &[Item]) -> bool {
    if items.iter().any(|i| cursor.has_key(&post_key(i))) {
        return true;
    }
    match (
        cursor.last_post_at,
        items.iter().filter_map(|i| i.published_at).min(),
    ) {
        (Some(seen), Some(oldest)) => oldest <= seen,
        _ => false,
    }
}

/// The cursor after a read: the newest post read, the thread's pages, the last page's address, and the
/// posts read (newest kept) with their hashes.
fn next_cursor(old: &ThreadCursor, read: &[Item], last_url: &Url, pages: u32) -> ThreadCursor {
    let newest = read.last();
    let mut seen: Vec<SeenPost> = old.seen.clone();
    let fresh: Vec<SeenPost> = read
        .iter()
        .map(|i| SeenPost {
            key: post_key(i),
            hash: post_hash(i),
        })
        .collect();
    seen.retain(|s| !fresh.iter().any(|f| f.key == s.key));
    seen.extend(fresh);
    if seen.len() > SEEN_POSTS_KEPT {
        seen.drain(..seen.len() - SEEN_POSTS_KEPT);
    }
    let newest_at = read.iter().filter_map(|i| i.published_at).max();
    ThreadCursor {
        last_post_id: newest.map(post_key).or_else(|| old.last_post_id.clone()),
        last_post_at: match (old.last_post_at, newest_at) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        },
        pages: pages.max(1),
        last_page_url: Some(last_url.to_string()),
        seen,
    }
}
