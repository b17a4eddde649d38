//! Watched threads (PRODUCT §3.3b): after a source's own crawl, the threads its mentions live in that
//! are due are read again — newest first with their recipe, or an article's comments through its
//! comments feed, schema.org `Comment` markup, WordPress's comment list or the recipe configured for
//! its host — and their new posts go through the same pipeline and store step as any crawl's items,
//! so replies are linked and follow-ups noticed. Each thread keeps its own schedule and health: an
//! unreadable article backs off on its own and never marks its source unhealthy.

use super::Ingest;
use super::listing::thread_reader;
use super::threads::FetcherPages;
use crate::config::SourceConfig;
use crate::crawl::discover::comment_signs;
use crate::crawl::extract::{Page, Reader};
use crate::crawl::recipe::Recipe;
use crate::crawl::thread::{PageFetch, read_thread};
use crate::domain::health::CrawlOutcome;
use crate::domain::item::Item;
use crate::domain::source::SourceKind;
use crate::domain::thread::{canonical_thread_url, is_thread_root};
use crate::domain::watch::{ThreadReader, WatchState};
use crate::store::{CrawlRecord, SourceRecord, StoreResult, WatchCheck, WatchedThread};
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use url::Url;

/// What reading a source's due watched threads gave, for its crawl report.
#[derive(Debug, Default)]
pub(super) struct WatchRound {
    pub checked: usize,
    pub pages: usize,
    pub items: usize,
    pub new_mention_ids: Vec<String>,
    pub updated_mentions: usize,
    pub replies_detected: usize,
    pub errors: Vec<String>,
}

/// One read of one watched thread: its new posts, what it now knows, or why it could not be read.
#[derive(Default)]
struct ThreadCheck {
    items: Vec<Item>,
    cursor: Option<crate::domain::thread::ThreadCursor>,
    title: Option<String>,
    reader: Option<ThreadReader>,
    requests: usize,
    error: Option<String>,
}

impl Ingest {
    /// Starts watching the threads of a crawl's new mentions: first read one `[threads] every` later.
    pub(super) async fn watch_new_threads(
        &self,
        source: &SourceConfig,
        new_mention_ids: &[String],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        if new_mention_ids.is_empty() {
            return Ok(());
        }
        let own_page = source.url.as_ref().map(canonical_thread_url);
        let first = now + self.config.threads.policy.every;
        self.store
            .watch_threads_of(new_mention_ids, own_page.as_deref(), now, first)
            .await?;
        Ok(())
    }

    /// Reads the source's watched threads that are due (at most `[threads] max_per_crawl`) and stores
    /// what each found. Only a database error is returned as `Err`.
    pub(super) async fn check_watched(
        &self,
        source: &SourceConfig,
        rec: &SourceRecord,
        credentials: Option<&crate::net::Credentials>,
        crawl_started: DateTime<Utc>,
        read_now: &[&str],
    ) -> StoreResult<WatchRound> {
        let mut round = WatchRound::default();
        let max = self.config.threads.max_per_crawl;
        // The source as leased says whether any of its threads is due: most crawls (a 304, a
        // source watching nothing due) need not ask.
        let none_due = rec.next_thread_check_at.is_none_or(|at| at > crawl_started);
        if max == 0 || none_due {
            return Ok(round);
        }
        let mut checks = Vec::new();
        for thread in self.store.due_threads(rec.id, crawl_started, max).await? {
            // The listing read it in this very crawl: only its schedule moves on.
            if read_now.contains(&thread.url.as_str()) {
                checks.push(self.rescheduled(&thread, crawl_started));
                continue;
            }
            round.checked += 1;
            let check = self.read_watched(source, &thread, credentials).await;
            round.pages += check.requests;
            let finished = Utc::now().max(crawl_started);
            if let Some(e) = &check.error {
                round.errors.push(format!("thread {}: {e}", thread.url));
            }
            let mut open = thread.open_mentions > 0;
            if !check.items.is_empty() {
                let read = check.items.len();
                round.items += read;
                let first_url = Url::parse(&thread.url)
                    .or_else(|_| Url::parse("about:blank"))
                    .map_err(|e| crate::store::StoreError::Invalid(e.to_string()))?;
                let processed = self
                    .process(source, rec, check.items, &first_url, crawl_started)
                    .await
                    .unwrap_or_default();
                let record = CrawlRecord {
                    source_id: rec.id,
                    started_at: crawl_started,
                    finished_at: finished,
                    outcome: CrawlOutcome::Ok,
                    pages: check.requests as i64,
                    unchanged_pages: 0,
                    items: read as i64,
                    error: None,
                    candidates: processed.candidates,
                    thread_posts: processed.thread_posts,
                    reply_scope: source.reply_scope,
                    brand_reply_scopes: self.config.brand_reply_scopes.clone(),
                };
                let summary = self.store.record_thread_crawl(&record).await?;
                round.updated_mentions += summary.updated_mentions;
                round.replies_detected += summary.replies_detected;
                round.new_mention_ids.extend(summary.new_mentions);
                open = self.store.thread_has_open(&thread.url).await?;
            }
            let failed = check.error.is_some();
            let failures = if failed {
                thread.check_failures.saturating_add(1)
            } else {
                0
            };
            let last_post_at = check
                .cursor
                .as_ref()
                .and_then(|c| c.last_post_at)
                .or(thread.last_post_at);
            let next = self.config.threads.policy.next_check(
                &WatchState {
                    last_post_at,
                    watched_since: thread.watched_since,
                    open,
                    failures,
                },
                finished,
            );
            checks.push(WatchCheck {
                url: thread.url,
                title: check.title,
                cursor: check.cursor,
                reader: check.reader.as_ref().map(ThreadReader::to_string),
                failures,
                error: check.error,
                next_check_at: next,
                at: finished,
            });
        }
        self.store.record_watches(&checks).await?;
        Ok(round)
    }

    /// A thread's next read moved on without reading it.
    fn rescheduled(&self, t: &WatchedThread, now: DateTime<Utc>) -> WatchCheck {
        let next = self.config.threads.policy.next_check(
            &WatchState {
                last_post_at: t.last_post_at,
                watched_since: t.watched_since,
                open: t.open_mentions > 0,
                failures: t.check_failures,
            },
            now,
        );
        WatchCheck {
            url: t.url.clone(),
            title: None,
            cursor: None,
            reader: None,
            failures: t.check_failures,
            error: t.last_error.clone(),
            next_check_at: next,
            at: t.last_checked_at.unwrap_or(now),
        }
    }

    /// Reads one watched thread: with the way found before, else the way found now.
    async fn read_watched(
        &self,
        source: &SourceConfig,
        thread: &WatchedThread,
        credentials: Option<&crate::net::Credentials>,
    ) -> ThreadCheck {
        let mut check = ThreadCheck::default();
        let Ok(url) = Url::parse(&thread.url) else {
            check.error = Some(format!("'{}' is not a URL that can be read", thread.url));
            return check;
        };
        // The source's exceptions (robots, private addresses, credentials) are for its own site.
        let own_site = source
            .url
            .as_ref()
            .is_some_and(|s| s.host_str() == url.host_str());
        let pages = FetcherPages {
            fetcher: &self.fetcher,
            ignore_robots: own_site && source.ignore_robots,
            allow_private: own_site && source.allow_private,
            credentials: credentials.filter(|_| own_site),
        };
        // The way found before, unless it names a recipe no longer configured.
        let stored = thread
            .reader
            .as_deref()
            .and_then(|r| r.parse::<ThreadReader>().ok());
        let stored_recipe = stored
            .as_ref()
            .and_then(|r| self.recipe_of(source, r, &url));
        let (reader, recipe) = match stored {
            Some(r) if stored_recipe.is_some() || !matches!(r, ThreadReader::Recipe(_)) => {
                (r, stored_recipe)
            }
            _ => match self
                .discover(source, &url, own_site, &pages, &mut check)
                .await
            {
                Some(r) => {
                    let recipe = self.recipe_of(source, &r, &url);
                    (r, recipe)
                }
                None => return check,
            },
        };
        let read_url = match &reader {
            ThreadReader::CommentsFeed(feed) => match Url::parse(feed) {
                Ok(u) => u,
                Err(e) => {
                    check.error = Some(format!("comments feed '{feed}': {e}"));
                    return check;
                }
            },
            ThreadReader::Recipe(_) => url.clone(),
        };
        let page_reader = match &recipe {
            Some(r) => thread_reader(r, self.config.timezone),
            None => Reader {
                kind: SourceKind::Feed,
                recipe: None,
                timezone: self.config.timezone,
            },
        };
        let max_pages = recipe.as_ref().map_or(1, |r| r.max_pages().max(1));
        let now = Utc::now();
        match read_thread(
            &pages,
            &page_reader,
            &read_url,
            &thread.cursor,
            max_pages,
            now,
        )
        .await
        {
            Ok(read) => {
                check.requests += read.requests;
                if read.no_items_matched && !reader.reads_comments() {
                    check.error = Some(format!(
                        "the thread recipe '{}' matched no post (the layout may have changed)",
                        recipe.as_ref().map_or("", |r| r.name())
                    ));
                } else if let Some(e) = read.errors.first() {
                    check.error = Some(e.clone());
                }
                check.title = read.title.filter(|_| thread.title.is_none());
                check.items = as_thread_posts(read.items, &thread.url, reader.reads_comments());
                check.cursor = Some(read.cursor);
                check.reader = Some(reader);
            }
            Err(e) => {
                check.requests += 1;
                check.error = Some(e.to_string());
                // A comments feed that is gone is looked for again next time.
                if !matches!(reader, ThreadReader::CommentsFeed(_)) {
                    check.reader = Some(reader);
                }
            }
        }
        check
    }

    /// The recipe a stored reader names: the listing's thread recipe, the one configured for the
    /// thread's host, or a built-in one.
    fn recipe_of<'a>(
        &'a self,
        source: &'a SourceConfig,
        reader: &ThreadReader,
        url: &Url,
    ) -> Option<Cow<'a, Recipe>> {
        let ThreadReader::Recipe(name) = reader else {
            return None;
        };
        source
            .thread_recipe
            .as_deref()
            .filter(|r| r.name() == name)
            .or_else(|| {
                self.config
                    .threads
                    .recipe_for(url)
                    .filter(|r| r.name() == name)
            })
            .map(Cow::Borrowed)
            .or_else(|| Recipe::builtin(name).map(Cow::Owned))
    }

    /// Finds how a thread's posts can be read: its listing's thread recipe (a thread on the listing's
    /// own site), the recipe configured for its host, else from the article's page — its comments
    /// feed, WordPress's comment list, schema.org `Comment` markup. `None` (with `check.error` saying
    /// why) when the page shows none of them.
    async fn discover(
        &self,
        source: &SourceConfig,
        url: &Url,
        own_site: bool,
        pages: &FetcherPages<'_>,
        check: &mut ThreadCheck,
    ) -> Option<ThreadReader> {
        if let Some(r) = source.thread_recipe.as_ref().filter(|_| own_site) {
            return Some(ThreadReader::Recipe(r.name().to_string()));
        }
        if let Some(r) = self.config.threads.recipe_for(url) {
            return Some(ThreadReader::Recipe(r.name().to_string()));
        }
        check.requests += 1;
        let page = match pages.fetch_page(url).await {
            Ok(p) => p,
            Err(e) => {
                check.error = Some(e.to_string());
                return None;
            }
        };
        let html = crate::crawl::charset::decode_html(&page.body, page.content_type.as_deref());
        let signs = comment_signs(&html, &page.url);
        if let Some(feed) = signs.comments_feed {
            return Some(ThreadReader::CommentsFeed(feed.to_string()));
        }
        if signs.wordpress {
            return Some(ThreadReader::Recipe("wordpress-post".to_string()));
        }
        if let Some(schema) = Recipe::builtin("schema-org") {
            let reader = thread_reader(&schema, self.config.timezone);
            let found = reader.extract(
                Page {
                    body: &page.body,
                    content_type: page.content_type.as_deref(),
                    url: &page.url,
                    link_header: page.link.as_deref(),
                },
                Utc::now(),
            );
            let comments = found.map_or(0, |p| {
                p.items
                    .iter()
                    .filter(|i| !is_thread_root(i.url.as_deref(), &canonical_thread_url(url)))
                    .count()
            });
            if comments > 0 {
                return Some(ThreadReader::Recipe("schema-org".to_string()));
            }
        }
        check.error = Some(
            "no comments found to read on the page (no comments feed, schema.org Comment markup or \
             WordPress comment list); name a recipe for its host in [threads.recipes]"
                .to_string(),
        );
        None
    }
}

/// The posts of a watched thread as its thread's posts: each names the thread; the article itself is
/// left out (its mention is stored already); for an article's comments, a comment that answers no
/// other comment answers the article (its `reply_to` is the thread, the article mention's id there).
fn as_thread_posts(items: Vec<Item>, thread_url: &str, comments: bool) -> Vec<Item> {
    items
        .into_iter()
        .filter(|i| !(comments && is_thread_root(i.url.as_deref(), thread_url)))
        .map(|mut i| {
            i.thread_url = Some(thread_url.to_string());
            if comments
                && i.reply_to
                    .as_deref()
                    .is_none_or(|r| r.trim().is_empty() || r == "0")
                && i.quotes.is_empty()
            {
                i.reply_to = Some(thread_url.to_string());
            }
            i
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(url: &str, reply_to: Option<&str>) -> Item {
        Item {
            url: Some(url.to_string()),
            reply_to: reply_to.map(str::to_string),
            body: "text".to_string(),
            ..Item::default()
        }
    }

    #[test]
    fn comments_answer_the_article_unless_they_answer_a_comment() {
        let thread = "https://blogg.example/inlagg/";
        let posts = as_thread_posts(
            vec![
                item("https://blogg.example/inlagg/", None),
                item("https://blogg.example/inlagg/#comment-1", None),
                item("https://blogg.example/inlagg/#comment-2", Some("comment-1")),
            ],
            thread,
            true,
        );
        assert_eq!(
            posts.len(),
            2,
            "the article itself is not a post of its thread"
        );
        assert_eq!(posts[0].reply_to.as_deref(), Some(thread));
        assert_eq!(posts[1].reply_to.as_deref(), Some("comment-1"));
        assert!(
            posts
                .iter()
                .all(|p| p.thread_url.as_deref() == Some(thread))
        );
        let forum = as_thread_posts(
            vec![item("https://forum.example/t/1", None)],
            "https://forum.example/t/1",
            false,
        );
        assert_eq!(forum.len(), 1);
        assert_eq!(
            forum[0].reply_to, None,
            "a forum post answers nothing by being in the thread"
        );
    }
}
