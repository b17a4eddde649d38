//! Listings (PRODUCT §3.3b): a source whose recipe has `[follow]` yields thread links; each new thread,
//! and each thread whose row changed (a later last post, another reply count) since Lyssna last read it,
//! is read newest first with the source's thread recipe. The threads' posts then go through the same
//! pipeline and store step as any crawl's items.

use super::Ingest;
use super::harvest::{CrawlFailure, Harvest, Target, harvest};
use super::threads::FetcherPages;
use crate::config::SourceConfig;
use crate::crawl::extract::Reader;
use crate::crawl::recipe::{Recipe, RecipeKind};
use crate::crawl::thread::read_thread;
use crate::domain::query::BrandSpec;
use crate::domain::source::SourceKind;
use crate::domain::thread::{ThreadCursor, ThreadLink};
use crate::net::Fetcher;
use crate::store::{SourceRecord, StoreResult, ThreadRead};
use chrono::{DateTime, Utc};
use url::Url;

/// The placeholder a site-search source's URL carries, filled with each brand's name.
const QUERY_PLACEHOLDER: &str = "{query}";

/// The addresses a source's URL stands for: itself, or for a site search with `{query}` one per brand
/// (its name, URL-encoded; in a query string spaces become `+`).
pub fn search_urls(url: &Url, brands: &[BrandSpec]) -> Vec<Url> {
    let text = url.as_str();
    let encoded = "%7Bquery%7D";
    if !text.contains(QUERY_PLACEHOLDER) && !text.contains(encoded) {
        return vec![url.clone()];
    }
    let mut out: Vec<Url> = Vec::new();
    for brand in brands {
        let term: String = url::form_urlencoded::byte_serialize(brand.name.as_bytes()).collect();
        let filled = text
            .replace(QUERY_PLACEHOLDER, &term)
            .replace(encoded, &term);
        if let Ok(u) = Url::parse(&filled)
            && !out.contains(&u)
        {
            out.push(u);
        }
    }
    out
}

/// Harvests the source's URL, or each of a site search's URLs ([`search_urls`]) in turn, into one
/// harvest. A search is never fetched conditionally: one source's validators cannot stand for several
/// addresses.
pub(super) async fn harvest_each_query(
    fetcher: &Fetcher,
    reader: &Reader<'_>,
    target: &Target<'_>,
    brands: &[BrandSpec],
    now: DateTime<Utc>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Harvest, CrawlFailure> {
    let urls = search_urls(target.url, brands);
    if urls.len() == 1 && &urls[0] == target.url {
        return harvest(fetcher, reader, target, now, progress).await;
    }
    let mut merged: Option<Harvest> = None;
    let mut first_failure = None;
    for url in &urls {
        let one = Target {
            url,
            etag: None,
            last_modified: None,
            ..*target
        };
        match harvest(fetcher, reader, &one, now, progress).await {
            Ok(h) => match &mut merged {
                None => merged = Some(h),
                Some(m) => {
                    m.items.extend(h.items);
                    m.threads.extend(h.threads);
                    m.pages += h.pages;
                    m.pages_failed += h.pages_failed;
                    m.no_items_matched &= h.no_items_matched;
                    m.errors.extend(h.errors);
                }
            },
            Err(e) => {
                if let Some(m) = &mut merged {
                    m.pages_failed += 1;
                    m.errors.push(format!("{url}: {e}"));
                } else if first_failure.is_none() {
                    first_failure = Some(e);
                }
            }
        }
    }
    match (merged, first_failure) {
        (Some(mut m), failure) => {
            if let Some(e) = failure {
                m.pages_failed += 1;
                m.errors.push(e.to_string());
            }
            m.etag = None;
            m.last_modified = None;
            Ok(m)
        }
        (None, Some(e)) => Err(e),
        (None, None) => Err(CrawlFailure::Parse(
            "the source's URL has {query} but no brand is configured to fill it with".to_string(),
        )),
    }
}

/// One thread read during a listing's crawl, to be stored once the crawl's mentions are.
pub(super) struct FollowedThread {
    link: ThreadLink,
    title: Option<String>,
    cursor: ThreadCursor,
}

impl FollowedThread {
    /// The canonical URL of the thread read.
    pub(super) fn url(&self) -> &str {
        &self.link.thread_url
    }
}

impl Ingest {
    /// Reads the threads of a listing's harvest that are new or changed (at most the recipe's
    /// `max_threads`, in the listing's order), adding their new posts to the harvest's items and their
    /// requests to its pages. A thread that cannot be read costs that thread only, as a failed page.
    pub(super) async fn follow_listing(
        &self,
        source: &SourceConfig,
        h: &mut Harvest,
        credentials: Option<&crate::net::Credentials>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<FollowedThread>> {
        let (Some(recipe), Some(thread_recipe)) = (&source.recipe, &source.thread_recipe) else {
            return Ok(Vec::new());
        };
        let max_threads = recipe.follow().map_or(1, |f| f.max_threads);
        let links = std::mem::take(&mut h.threads);
        let urls: Vec<&str> = links.iter().map(|l| l.thread_url.as_str()).collect();
        let known = self.store.threads_by_url(&urls).await?;
        let due: Vec<&ThreadLink> = links
            .iter()
            .filter(|l| {
                known
                    .get(&l.thread_url)
                    .is_none_or(|k| k.listing_changed(l))
            })
            .take(max_threads)
            .collect();
        let reader = thread_reader(thread_recipe, self.config.timezone);
        let pages = FetcherPages {
            fetcher: &self.fetcher,
            ignore_robots: source.ignore_robots,
            allow_private: source.allow_private,
            credentials,
        };
        let mut followed = Vec::new();
        for link in due {
            let Ok(url) = url::Url::parse(link.read_url.as_deref().unwrap_or(&link.thread_url))
            else {
                continue;
            };
            let cursor = known
                .get(&link.thread_url)
                .map(|k| k.cursor.clone())
                .unwrap_or_default();
            match read_thread(
                &pages,
                &reader,
                &url,
                &cursor,
                thread_recipe.max_pages(),
                now,
            )
            .await
            {
                Ok(read) => {
                    h.pages += read.requests;
                    h.pages_failed += read.pages_failed;
                    h.errors.extend(
                        read.errors
                            .iter()
                            .take(3)
                            .map(|e| format!("thread {}: {e}", link.thread_url)),
                    );
                    if read.no_items_matched {
                        h.errors.push(format!(
                            "thread {}: the thread recipe '{}' matched no post (the layout may have changed)",
                            link.thread_url,
                            thread_recipe.name()
                        ));
                    }
                    h.items.extend(read.items);
                    followed.push(FollowedThread {
                        link: link.clone(),
                        title: read.title,
                        cursor: read.cursor,
                    });
                }
                Err(e) => {
                    tracing::warn!(source = %source.name, thread = %link.thread_url, error = %e, "thread not read");
                    h.pages += 1;
                    h.pages_failed += 1;
                    h.errors.push(format!("thread {}: {e}", link.thread_url));
                }
            }
        }
        Ok(followed)
    }

    /// Stores what was read of each followed thread (after the crawl's mentions are stored, so that a
    /// failed store leaves the threads to be read again).
    pub(super) async fn record_followed(
        &self,
        rec: &SourceRecord,
        followed: &[FollowedThread],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        for f in followed {
            self.store
                .record_thread_read(&ThreadRead {
                    source_id: rec.id,
                    url: &f.link.thread_url,
                    title: f.link.title.as_deref().or(f.title.as_deref()),
                    listed: Some(&f.link),
                    cursor: &f.cursor,
                    at,
                })
                .await?;
        }
        Ok(())
    }
}

/// How a thread recipe's pages are read.
pub fn thread_reader(recipe: &Recipe, timezone: chrono_tz::Tz) -> Reader<'_> {
    Reader {
        kind: match recipe.kind() {
            RecipeKind::Html => SourceKind::Html,
            RecipeKind::Json => SourceKind::Json,
        },
        recipe: Some(recipe),
        timezone,
    }
}
