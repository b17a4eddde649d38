//! Fetching a source's pages: the first page with conditional GET, then pagination up to the recipe's
//! page budget. Every page goes through the one fetcher (robots, pacing, caps) and is extracted as it
//! arrives.

use crate::crawl::extract::{Page, PageItems, Reader};
use crate::domain::item::Item;
use crate::net::{FetchError, FetchOutcome, FetchRequest, FetchedPage, Fetcher};
use chrono::{DateTime, Utc};
use url::Url;

/// What fetching and extracting all pages gave.
pub struct Harvest {
    pub items: Vec<Item>,
    /// A listing's thread links, from all its pages.
    pub threads: Vec<crate::domain::thread::ThreadLink>,
    pub first_url: Url,
    pub pages: usize,
    /// 1 when the first page answered 304 (nothing else was fetched).
    pub unchanged: usize,
    pub pages_failed: usize,
    pub no_items_matched: bool,
    pub errors: Vec<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// Why a crawl produced nothing: the site (fetch) or its content (parse).
#[derive(Debug, thiserror::Error)]
pub enum CrawlFailure {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{0}")]
    Parse(String),
}

impl CrawlFailure {
    pub fn is_blocked(&self) -> bool {
        matches!(self, CrawlFailure::Fetch(e) if e.is_blocked())
    }

    /// The source was not fetched at all because its host asked for a pause (on another page).
    pub fn is_deferred(&self) -> bool {
        matches!(self, CrawlFailure::Fetch(e) if e.is_deferred())
    }

    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            CrawlFailure::Fetch(e) => e.retry_after(),
            CrawlFailure::Parse(_) => None,
        }
    }
}

/// How to fetch one source: its address, the validators of its last full crawl, and its rules.
pub struct Target<'a> {
    pub url: &'a Url,
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
    pub ignore_robots: bool,
    pub allow_private: bool,
    /// Pages one crawl may follow (at least 1).
    pub max_pages: usize,
    /// Items read from all pages at most (`crawler.max_items`).
    pub max_items: usize,
    /// The source's credentials (headers, cookie, basic auth), sent to its own origin only.
    pub credentials: Option<&'a crate::net::Credentials>,
}

impl Target<'_> {
    fn request<'u>(&self, url: &'u Url, conditional: bool) -> FetchRequest<'u>
    where
        Self: 'u,
    {
        FetchRequest {
            url,
            etag: if conditional { self.etag } else { None },
            last_modified: if conditional {
                self.last_modified
            } else {
                None
            },
            ignore_robots: self.ignore_robots,
            allow_private: self.allow_private,
            credentials: self.credentials,
        }
    }
}

fn extract(
    reader: &Reader<'_>,
    page: &FetchedPage,
    now: DateTime<Utc>,
) -> Result<PageItems, String> {
    reader.extract(
        Page {
            body: &page.body,
            content_type: page.content_type.as_deref(),
            url: &page.final_url,
            link_header: page.link.as_deref(),
        },
        now,
    )
}

/// Keeps at most `max` items (`crawler.max_items`), saying so once: a hostile or runaway response
/// with hundreds of thousands of items would otherwise hold the database and memory for minutes.
fn cap_items(h: &mut Harvest, max: usize) {
    if h.items.len() <= max {
        return;
    }
    let had = h.items.len();
    h.items.truncate(max);
    h.errors.push(format!(
        "The response held {had} items; only the first {max} were read (crawler.max_items)."
    ));
}

/// Fetches and extracts the source's pages. `progress` is told how many pages have arrived.
pub async fn harvest(
    fetcher: &Fetcher,
    reader: &Reader<'_>,
    target: &Target<'_>,
    now: DateTime<Utc>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Harvest, CrawlFailure> {
    let mut h = Harvest {
        items: Vec::new(),
        threads: Vec::new(),
        first_url: target.url.clone(),
        pages: 0,
        unchanged: 0,
        pages_failed: 0,
        no_items_matched: false,
        errors: Vec::new(),
        etag: target.etag.map(str::to_string),
        last_modified: target.last_modified.map(str::to_string),
    };
    let page = match fetcher.fetch(&target.request(target.url, true)).await? {
        FetchOutcome::NotModified => {
            // Unchanged since last time: nothing to parse, nothing new.
            h.unchanged = 1;
            progress(1);
            return Ok(h);
        }
        FetchOutcome::Fetched(p) => p,
    };
    h.pages = 1;
    progress(1);
    h.etag = page.etag.clone();
    h.last_modified = page.last_modified.clone();
    h.first_url = page.final_url.clone();
    let mut current = page;
    let mut seen = vec![current.final_url.clone()];
    loop {
        let next = match extract(reader, &current, now) {
            Ok(PageItems {
                items,
                item_matches,
                next,
                warnings,
                threads,
                ..
            }) => {
                h.threads.extend(threads);
                if item_matches == Some(0) && h.pages == 1 {
                    h.no_items_matched = true;
                }
                h.errors.extend(warnings.into_iter().take(5));
                h.items.extend(items);
                cap_items(&mut h, target.max_items);
                next
            }
            Err(e) if h.pages == 1 => return Err(CrawlFailure::Parse(e)),
            Err(e) => {
                h.pages_failed += 1;
                h.errors.push(e);
                None
            }
        };
        let Some(next) = next.filter(|n| !seen.contains(n)) else {
            break;
        };
        if h.pages >= target.max_pages {
            break;
        }
        seen.push(next.clone());
        match fetcher.fetch(&target.request(&next, false)).await {
            Ok(FetchOutcome::Fetched(p)) => {
                h.pages += 1;
                progress(h.pages);
                current = p;
            }
            Ok(FetchOutcome::NotModified) => break,
            Err(e) => {
                // Later pages failing costs those pages only: what the first pages gave is kept.
                h.pages_failed += 1;
                h.errors.push(format!("page {}: {e}", next));
                break;
            }
        }
    }
    Ok(h)
}
