//! Threads Lyssna reads: what a listing row last said about each, and the cursor of what was read.

use super::{Store, StoreError, StoreResult, col, in_placeholders, opt_from_ts, ts};
use crate::domain::thread::{SeenPost, ThreadCursor, ThreadLink};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use std::collections::HashMap;

/// One stored thread.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadRecord {
    /// The canonical thread URL.
    pub url: String,
    /// The source that found it first.
    pub source_id: i64,
    pub title: Option<String>,
    pub cursor: ThreadCursor,
    /// What the listing row said when the thread was last read.
    pub listed_last_post_at: Option<DateTime<Utc>>,
    pub listed_replies: Option<u64>,
    pub first_seen_at: DateTime<Utc>,
    pub last_crawled_at: Option<DateTime<Utc>>,
}

impl ThreadRecord {
    /// Whether a listing row shows something this record has not read: a later last post or another
    /// reply count. A row that shows neither never counts as changed (the thread's own crawl decides).
    pub fn listing_changed(&self, link: &ThreadLink) -> bool {
        let time_changed = link
            .last_post_at
            .is_some_and(|t| self.listed_last_post_at.is_none_or(|seen| t > seen));
        let replies_changed = link.replies.is_some_and(|r| self.listed_replies != Some(r));
        time_changed || replies_changed
    }
}

const THREAD_COLUMNS: &str = "url, source_id, title, last_post_id, last_post_at, pages, last_page_url, \
     seen_posts, listed_last_post_at, listed_replies, first_seen_at, last_crawled_at";

/// The cursor columns of a thread row.
fn cursor_from_row(row: &AnyRow) -> StoreResult<ThreadCursor> {
    let seen_text: String = col(row, "seen_posts")?;
    let seen: Vec<SeenPost> = serde_json::from_str(&seen_text)
        .map_err(|e| StoreError::Corrupt(format!("threads.seen_posts: {e}")))?;
    let pages: i64 = col(row, "pages")?;
    Ok(ThreadCursor {
        last_post_id: col(row, "last_post_id")?,
        last_post_at: opt_from_ts(col(row, "last_post_at")?),
        pages: u32::try_from(pages.max(0)).unwrap_or(u32::MAX),
        last_page_url: col(row, "last_page_url")?,
        seen,
    })
}

fn thread_from_row(row: &AnyRow) -> StoreResult<ThreadRecord> {
    let replies: Option<i64> = col(row, "listed_replies")?;
    Ok(ThreadRecord {
        url: col(row, "url")?,
        source_id: col(row, "source_id")?,
        title: col(row, "title")?,
        cursor: cursor_from_row(row)?,
        listed_last_post_at: opt_from_ts(col(row, "listed_last_post_at")?),
        listed_replies: replies.and_then(|r| u64::try_from(r).ok()),
        first_seen_at: super::from_ts(col(row, "first_seen_at")?),
        last_crawled_at: opt_from_ts(col(row, "last_crawled_at")?),
    })
}

/// What one read of a thread leaves behind.
#[derive(Debug, Clone, Copy)]
pub struct ThreadRead<'a> {
    pub source_id: i64,
    /// The canonical thread URL.
    pub url: &'a str,
    pub title: Option<&'a str>,
    /// The listing row the thread was found through, when it was (its last-post time and replies are
    /// what the next listing is compared with).
    pub listed: Option<&'a ThreadLink>,
    pub cursor: &'a ThreadCursor,
    pub at: DateTime<Utc>,
}

impl Store {
    /// The stored thread with this canonical URL.
    pub async fn thread(&self, url: &str) -> StoreResult<Option<ThreadRecord>> {
        let sql = format!("SELECT {THREAD_COLUMNS} FROM threads WHERE url = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(url)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(thread_from_row).transpose()
    }

    /// The stored threads among these canonical URLs, by URL (one query per 30,000 URLs).
    pub async fn threads_by_url(
        &self,
        urls: &[&str],
    ) -> StoreResult<HashMap<String, ThreadRecord>> {
        let mut out = HashMap::new();
        for chunk in urls.chunks(super::chunk_rows(1)) {
            if chunk.is_empty() {
                continue;
            }
            let sql = format!(
                "SELECT {THREAD_COLUMNS} FROM threads WHERE url IN ({})",
                in_placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for url in chunk {
                q = q.bind(*url);
            }
            for row in q.fetch_all(self.pool()).await? {
                let t = thread_from_row(&row)?;
                out.insert(t.url.clone(), t);
            }
        }
        Ok(out)
    }

    /// The threads a source found, most recently read first.
    pub async fn threads_of_source(&self, source_id: i64) -> StoreResult<Vec<ThreadRecord>> {
        let sql = format!(
            "SELECT {THREAD_COLUMNS} FROM threads WHERE source_id = $1 \
             ORDER BY COALESCE(last_crawled_at, first_seen_at) DESC, url"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(source_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(thread_from_row).collect()
    }

    /// Stores what one read of a thread saw: a new thread gets its row, a known one its new cursor (the
    /// source that found it first stays its source; a title or listing row not given keeps the stored one).
    pub async fn record_thread_read(&self, read: &ThreadRead<'_>) -> StoreResult<()> {
        let seen = serde_json::to_string(&read.cursor.seen)
            .map_err(|e| StoreError::Invalid(format!("thread cursor: {e}")))?;
        let _writer = self.writer().await;
        sqlx::query(
            "INSERT INTO threads (url, source_id, title, last_post_id, last_post_at, pages, last_page_url, \
             seen_posts, listed_last_post_at, listed_replies, first_seen_at, last_crawled_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
             ON CONFLICT (url) DO UPDATE SET title = COALESCE(excluded.title, threads.title), \
             last_post_id = excluded.last_post_id, last_post_at = excluded.last_post_at, \
             pages = excluded.pages, last_page_url = excluded.last_page_url, seen_posts = excluded.seen_posts, \
             listed_last_post_at = COALESCE(excluded.listed_last_post_at, threads.listed_last_post_at), \
             listed_replies = COALESCE(excluded.listed_replies, threads.listed_replies), \
             last_crawled_at = excluded.last_crawled_at",
        )
        .bind(read.url)
        .bind(read.source_id)
        .bind(read.title)
        .bind(read.cursor.last_post_id.as_deref())
        .bind(read.cursor.last_post_at.map(ts))
        .bind(i64::from(read.cursor.pages))
        .bind(read.cursor.last_page_url.as_deref())
        .bind(seen)
        .bind(read.listed.and_then(|l| l.last_post_at).map(ts))
        .bind(
            read.listed
                .and_then(|l| l.replies)
                .map(|r| i64::try_from(r).unwrap_or(i64::MAX)),
        )
        .bind(ts(read.at))
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

/// A watched thread, as its next read and the sources page need it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatchedThread {
    /// The canonical thread URL.
    pub url: String,
    pub source_id: i64,
    pub source: String,
    pub title: Option<String>,
    #[serde(skip)]
    pub cursor: ThreadCursor,
    pub last_post_at: Option<DateTime<Utc>>,
    pub watched_since: DateTime<Utc>,
    /// `None` once it retired.
    pub next_check_at: Option<DateTime<Utc>>,
    pub last_checked_at: Option<DateTime<Utc>>,
    /// How its posts are read (`recipe:NAME`, `feed:URL`), once found.
    pub reader: Option<String>,
    pub check_failures: u32,
    pub last_error: Option<String>,
    /// Mentions in it, and those of them that wait for an answer.
    pub mentions: i64,
    pub open_mentions: i64,
}

/// A source's watched threads in two figures, for the sources page: how many are still watched, and
/// the open mentions in all it has watched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchSummary {
    pub watching: i64,
    pub open_mentions: i64,
}

/// What one read of a watched thread leaves behind: its cursor and title when it was read, how it is
/// read, its own health, and when it is read next (`None`: retired).
#[derive(Debug, Clone)]
pub struct WatchCheck {
    pub url: String,
    pub title: Option<String>,
    pub cursor: Option<ThreadCursor>,
    pub reader: Option<String>,
    pub failures: u32,
    pub error: Option<String>,
    pub next_check_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

/// Mentions whose threads one statement starts watching.
const WATCH_CHUNK: usize = 1_000;

const WATCHED_SELECT: &str = "SELECT t.url, t.source_id, s.name AS source_name, t.title, t.last_post_id, \
     t.last_post_at, t.pages, t.last_page_url, t.seen_posts, t.watched_since, t.next_check_at, \
     t.last_crawled_at, t.reader, t.check_failures, t.last_error, \
     (SELECT COUNT(*) FROM mentions m WHERE m.thread_url = t.url AND m.held_back = 0 AND {visible}) AS mentions, \
     (SELECT COUNT(*) FROM mentions m WHERE m.thread_url = t.url AND m.status = 'new' AND m.held_back = 0 \
      AND {visible}) AS open_mentions \
     FROM threads t JOIN sources s ON s.id = t.source_id";

fn watched_sql(rest: &str) -> String {
    format!(
        "{} {rest}",
        WATCHED_SELECT.replace("{visible}", super::VISIBLE)
    )
}

fn watched_from_row(row: &AnyRow) -> StoreResult<WatchedThread> {
    let t = cursor_from_row(row)?;
    let failures: i64 = col(row, "check_failures")?;
    Ok(WatchedThread {
        url: col(row, "url")?,
        source_id: col(row, "source_id")?,
        source: col(row, "source_name")?,
        title: col(row, "title")?,
        last_post_at: t.last_post_at,
        cursor: t,
        watched_since: super::from_ts(col(row, "watched_since")?),
        next_check_at: opt_from_ts(col(row, "next_check_at")?),
        last_checked_at: opt_from_ts(col(row, "last_crawled_at")?),
        reader: col(row, "reader")?,
        check_failures: u32::try_from(failures.max(0)).unwrap_or(u32::MAX),
        last_error: col(row, "last_error")?,
        mentions: col(row, "mentions")?,
        open_mentions: col(row, "open_mentions")?,
    })
}

impl Store {
    /// Starts watching the threads the given mentions live in (a thread already watched keeps its
    /// schedule; a retired one is watched again). `except` is the source's own page, which its own
    /// crawls read anyway.
    pub async fn watch_threads_of(
        &self,
        mention_ids: &[String],
        except: Option<&str>,
        now: DateTime<Utc>,
        first_check: DateTime<Utc>,
    ) -> StoreResult<usize> {
        let mut watched = 0;
        // Short statements: a big crawl's threads must not hold the write lock for long at once.
        for chunk in mention_ids.chunks(WATCH_CHUNK) {
            if chunk.is_empty() {
                continue;
            }
            let sql = format!(
                "INSERT INTO threads (url, source_id, first_seen_at, watched_since, next_check_at) \
                 SELECT m.thread_url, MIN(m.source_id), $1, $1, $2 FROM mentions m \
                 WHERE m.thread_url IS NOT NULL AND m.thread_url <> $3 AND m.id IN ({}) \
                 GROUP BY m.thread_url \
                 ON CONFLICT (url) DO UPDATE SET \
                 watched_since = COALESCE(threads.watched_since, excluded.watched_since), \
                 next_check_at = COALESCE(threads.next_check_at, excluded.next_check_at)",
                in_placeholders(4, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql))
                .bind(ts(now))
                .bind(ts(first_check))
                .bind(except.unwrap_or(""));
            for id in chunk {
                q = q.bind(id.as_str());
            }
            let _writer = self.writer().await;
            watched += q.execute(self.pool()).await?.rows_affected() as usize;
        }
        Ok(watched)
    }

    /// The source's watched threads due by `now`, the longest waiting first, at most `limit`.
    pub async fn due_threads(
        &self,
        source_id: i64,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<WatchedThread>> {
        let sql = watched_sql(&format!(
            "WHERE t.source_id = $1 AND t.next_check_at IS NOT NULL AND t.next_check_at <= $2 \
             ORDER BY t.next_check_at, t.url LIMIT {}",
            limit.clamp(1, 10_000)
        ));
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(source_id)
            .bind(ts(now))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(watched_from_row).collect()
    }

    /// Every thread Lyssna watches or watched (of one source, or all), the next to be read first and
    /// the retired last.
    pub async fn watched_threads(&self, source_id: Option<i64>) -> StoreResult<Vec<WatchedThread>> {
        self.watched_threads_first(source_id, None).await
    }

    /// The first `limit` threads of [`Store::watched_threads`] (all of them with `None`).
    pub async fn watched_threads_first(
        &self,
        source_id: Option<i64>,
        limit: Option<usize>,
    ) -> StoreResult<Vec<WatchedThread>> {
        let filter = if source_id.is_some() {
            "AND t.source_id = $1"
        } else {
            ""
        };
        let limit = limit.map_or(String::new(), |n| format!(" LIMIT {n}"));
        let sql = watched_sql(&format!(
            "WHERE t.watched_since IS NOT NULL {filter} \
             ORDER BY CASE WHEN t.next_check_at IS NULL THEN 1 ELSE 0 END, t.next_check_at, \
             t.last_post_at DESC, t.url{limit}"
        ));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        if let Some(id) = source_id {
            q = q.bind(id);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(watched_from_row).collect()
    }

    /// How many of a source's threads are watched and how many open mentions its watched threads
    /// hold, counted in the database: a forum source can have thousands of threads.
    pub async fn watch_summary(&self, source_id: i64) -> StoreResult<WatchSummary> {
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM threads t WHERE t.source_id = $1 \
             AND t.watched_since IS NOT NULL AND t.next_check_at IS NOT NULL) AS watching, \
             (SELECT COUNT(*) FROM threads t JOIN mentions m ON m.thread_url = t.url \
             WHERE t.source_id = $1 AND t.watched_since IS NOT NULL AND m.status = 'new' \
             AND m.held_back = 0 AND {}) AS open_mentions",
            super::VISIBLE
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(source_id)
            .fetch_one(self.pool())
            .await?;
        Ok(WatchSummary {
            watching: col(&row, "watching")?,
            open_mentions: col(&row, "open_mentions")?,
        })
    }

    /// The watched thread with this canonical URL.
    pub async fn watched_thread(&self, url: &str) -> StoreResult<Option<WatchedThread>> {
        let sql = watched_sql("WHERE t.url = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(url)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(watched_from_row).transpose()
    }

    /// Stores the checks of a crawl's watched threads, in one transaction: thousands of threads
    /// checked would otherwise cost a commit each.
    pub async fn record_watches(&self, checks: &[WatchCheck]) -> StoreResult<()> {
        if checks.is_empty() {
            return Ok(());
        }
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        for check in checks {
            let c = check.cursor.as_ref();
            let seen = c
                .map(|c| serde_json::to_string(&c.seen))
                .transpose()
                .map_err(|e| StoreError::Invalid(format!("thread cursor: {e}")))?;
            sqlx::query(
                "UPDATE threads SET title = COALESCE($2, title), \
                 last_post_id = CASE WHEN $3 = 1 THEN $4 ELSE last_post_id END, \
                 last_post_at = CASE WHEN $3 = 1 THEN $5 ELSE last_post_at END, \
                 pages = CASE WHEN $3 = 1 THEN $6 ELSE pages END, \
                 last_page_url = CASE WHEN $3 = 1 THEN $7 ELSE last_page_url END, \
                 seen_posts = CASE WHEN $3 = 1 THEN $8 ELSE seen_posts END, \
                 reader = COALESCE($9, reader), check_failures = $10, last_error = $11, \
                 next_check_at = $12, last_crawled_at = $13 WHERE url = $1",
            )
            .bind(check.url.as_str())
            .bind(check.title.as_deref())
            .bind(i64::from(c.is_some()))
            .bind(c.and_then(|c| c.last_post_id.as_deref()))
            .bind(c.and_then(|c| c.last_post_at).map(ts))
            .bind(c.map_or(0, |c| i64::from(c.pages)))
            .bind(c.and_then(|c| c.last_page_url.as_deref()))
            .bind(seen.unwrap_or_else(|| "[]".to_string()))
            .bind(check.reader.as_deref())
            .bind(i64::from(check.failures))
            .bind(check.error.as_deref())
            .bind(check.next_check_at.map(ts))
            .bind(ts(check.at))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether a mention in the thread waits for an answer.
    pub async fn thread_has_open(&self, url: &str) -> StoreResult<bool> {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM mentions m WHERE m.thread_url = $1 AND m.status = 'new' \
             AND m.held_back = 0 AND {}",
            super::VISIBLE
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(url)
            .fetch_one(self.pool())
            .await?;
        let n: i64 = col(&row, "n")?;
        Ok(n > 0)
    }
}
