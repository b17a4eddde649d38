//! Threads Lyssna reads: what a listing row last said about each, and the cursor of what was read.

use super::{Store, StoreError, StoreResult, col, in_placeholders, opt_from_ts, ts};
use crate::domain::thread::{SeenPost, ThreadCursor, ThreadLink};
use chrono::{DateTime, Utc};
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

fn thread_from_row(row: &AnyRow) -> StoreResult<ThreadRecord> {
    let seen_text: String = col(row, "seen_posts")?;
    let seen: Vec<SeenPost> = serde_json::from_str(&seen_text)
        .map_err(|e| StoreError::Corrupt(format!("threads.seen_posts: {e}")))?;
    let pages: i64 = col(row, "pages")?;
    let replies: Option<i64> = col(row, "listed_replies")?;
    Ok(ThreadRecord {
        url: col(row, "url")?,
        source_id: col(row, "source_id")?,
        title: col(row, "title")?,
        cursor: ThreadCursor {
            last_post_id: col(row, "last_post_id")?,
            last_post_at: opt_from_ts(col(row, "last_post_at")?),
            pages: u32::try_from(pages.max(0)).unwrap_or(u32::MAX),
            last_page_url: col(row, "last_page_url")?,
            seen,
        },
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
