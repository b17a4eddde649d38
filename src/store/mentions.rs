//! Mentions, their dedup keys and their events: ingest from crawls, the leader's actions, export/import.

use super::{
    Store, StoreError, StoreResult, chunk_rows, col, from_ts, in_placeholders, new_id, opt_from_ts,
    ts, values_placeholders,
};
use crate::domain::mention::{self, Action, Status};
use crate::store::sources::SourceState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Transaction};
use std::collections::{HashMap, HashSet};

/// The actor name Lyssna itself uses in events.
pub const SYSTEM_ACTOR: &str = "lyssna";

/// An item that matched a brand, ready to be stored (or recognised as already stored).
#[derive(Debug, Clone, Default)]
pub struct Candidate {
    /// Dedup keys, strongest first (see `domain::dedup`).
    pub keys: Vec<String>,
    pub url: Option<String>,
    pub canonical_url: Option<String>,
    pub thread_url: Option<String>,
    pub title: Option<String>,
    pub body: String,
    pub author: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub rating: Option<f64>,
    pub rating_scale: Option<f64>,
    pub brands: Vec<String>,
    /// JSON: `[{brand, spans: [{field, start, end}], explanation}]`.
    pub matches_json: String,
    pub lang: Option<String>,
    pub sentiment: String,
    pub sentiment_score: f64,
    /// JSON array of strings.
    pub sentiment_reasons_json: String,
    pub content_hash: String,
}

/// A post by one of the leader's identities in a thread: a reply to the open mentions written there
/// before it.
#[derive(Debug, Clone)]
pub struct DetectedReply {
    pub thread_url: String,
    pub at: DateTime<Utc>,
    pub reply_url: Option<String>,
    pub handle: String,
}

/// Everything one crawl of one source wants stored, committed together or not at all.
#[derive(Debug, Clone)]
pub struct CrawlRecord {
    pub source_id: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// `ok`, `unchanged` or `failed`.
    pub outcome: String,
    pub pages: i64,
    pub unchanged_pages: i64,
    pub items: i64,
    pub error: Option<String>,
    pub state: SourceState,
    pub candidates: Vec<Candidate>,
    pub replies: Vec<DetectedReply>,
    /// Posts (thread URL, author, time) used to notice follow-ups after a reply.
    pub posts: Vec<(String, String, DateTime<Utc>)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    pub new_mentions: Vec<String>,
    pub updated_mentions: usize,
    pub already_known: usize,
    pub replies_detected: usize,
    pub reopened: usize,
}

/// A stored mention.
#[derive(Debug, Clone, Serialize)]
pub struct MentionRecord {
    pub id: String,
    pub source_id: i64,
    pub source: String,
    pub url: Option<String>,
    pub thread_url: Option<String>,
    pub title: Option<String>,
    pub body: String,
    pub author: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub found_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub rating: Option<f64>,
    pub rating_scale: Option<f64>,
    pub brands: Vec<String>,
    pub matches: serde_json::Value,
    pub lang: Option<String>,
    pub sentiment: String,
    pub sentiment_score: f64,
    pub sentiment_reasons: Vec<String>,
    pub sentiment_override: Option<String>,
    pub status: Status,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub replied_at: Option<DateTime<Utc>>,
}

impl MentionRecord {
    /// The leader's override, else the classifier's label.
    pub fn effective_sentiment(&self) -> &str {
        self.sentiment_override
            .as_deref()
            .unwrap_or(&self.sentiment)
    }
}

/// One recorded event (PRODUCT §5).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EventRecord {
    #[serde(skip)]
    pub id: i64,
    /// `status` (a lifecycle transition), `sentiment` (an override) or `edit` (the post changed).
    pub kind: String,
    pub at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub reply_url: Option<String>,
    pub until: Option<DateTime<Utc>>,
    /// Set on an undo event: the id of the event it takes back.
    #[serde(skip)]
    pub undoes: Option<i64>,
}

pub(crate) const MENTION_COLUMNS: &str = "m.id, m.source_id, s.name AS source_name, m.url, m.thread_url, m.title, m.body, \
     m.author, m.published_at, m.found_at, m.updated_at, m.rating, m.rating_scale, m.brands, m.matches, m.lang, \
     m.sentiment, m.sentiment_score, m.sentiment_reasons, m.sentiment_override, m.status, m.snoozed_until, m.replied_at";

pub(crate) fn mention_from_row(row: &AnyRow) -> StoreResult<MentionRecord> {
    let brands: String = col(row, "brands")?;
    let matches: String = col(row, "matches")?;
    let reasons: String = col(row, "sentiment_reasons")?;
    let status: String = col(row, "status")?;
    Ok(MentionRecord {
        id: col(row, "id")?,
        source_id: col(row, "source_id")?,
        source: col(row, "source_name")?,
        url: col(row, "url")?,
        thread_url: col(row, "thread_url")?,
        title: col(row, "title")?,
        body: col(row, "body")?,
        author: col(row, "author")?,
        published_at: opt_from_ts(col(row, "published_at")?),
        found_at: from_ts(col(row, "found_at")?),
        updated_at: from_ts(col(row, "updated_at")?),
        rating: col(row, "rating")?,
        rating_scale: col(row, "rating_scale")?,
        brands: serde_json::from_str(&brands).unwrap_or_default(),
        matches: serde_json::from_str(&matches).unwrap_or(serde_json::Value::Null),
        lang: col(row, "lang")?,
        sentiment: col(row, "sentiment")?,
        sentiment_score: col(row, "sentiment_score")?,
        sentiment_reasons: serde_json::from_str(&reasons).unwrap_or_default(),
        sentiment_override: col(row, "sentiment_override")?,
        status: status.parse().map_err(StoreError::Invalid)?,
        snoozed_until: opt_from_ts(col(row, "snoozed_until")?),
        replied_at: opt_from_ts(col(row, "replied_at")?),
    })
}

pub(crate) fn event_from_row(row: &AnyRow) -> StoreResult<EventRecord> {
    Ok(EventRecord {
        id: col(row, "id")?,
        kind: col(row, "kind")?,
        at: from_ts(col(row, "at")?),
        recorded_at: from_ts(col(row, "recorded_at")?),
        actor: col(row, "actor")?,
        from: col(row, "from_value")?,
        to: col(row, "to_value")?,
        reason: col(row, "reason")?,
        note: col(row, "note")?,
        reply_url: col(row, "reply_url")?,
        until: opt_from_ts(col(row, "until")?),
        undoes: col(row, "undoes")?,
    })
}

fn sort_rank(effective_sentiment: &str) -> i64 {
    if effective_sentiment == "criticism" {
        0
    } else {
        1
    }
}

/// An event about to be written.
#[derive(Debug, Clone)]
pub(crate) struct NewEvent<'a> {
    pub mention_id: &'a str,
    pub kind: &'a str,
    pub at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub actor: &'a str,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub note: Option<&'a str>,
    pub reply_url: Option<&'a str>,
    pub until: Option<DateTime<Utc>>,
    pub undoes: Option<i64>,
}

impl<'a> NewEvent<'a> {
    /// An event with only its subject, kind, time and actor set; `recorded_at` is `at`.
    pub(crate) fn new(
        mention_id: &'a str,
        kind: &'a str,
        at: DateTime<Utc>,
        actor: &'a str,
    ) -> Self {
        NewEvent {
            mention_id,
            kind,
            at,
            recorded_at: at,
            actor,
            from: None,
            to: None,
            reason: None,
            note: None,
            reply_url: None,
            until: None,
            undoes: None,
        }
    }
}

const EVENT_COLS: usize = 12;

pub(super) async fn insert_events(
    tx: &mut Transaction<'_, Any>,
    events: &[NewEvent<'_>],
) -> StoreResult<()> {
    for chunk in events.chunks(chunk_rows(EVENT_COLS)) {
        let sql = format!(
            "INSERT INTO events (mention_id, kind, at, recorded_at, actor, from_value, to_value, reason, note, \
             reply_url, until, undoes) VALUES {}",
            values_placeholders(chunk.len(), EVENT_COLS)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(e.mention_id)
                .bind(e.kind)
                .bind(ts(e.at))
                .bind(ts(e.recorded_at))
                .bind(e.actor)
                .bind(e.from)
                .bind(e.to)
                .bind(e.reason)
                .bind(e.note)
                .bind(e.reply_url)
                .bind(e.until.map(ts))
                .bind(e.undoes);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Which of `keys` are known, and to which mention.
pub(super) async fn known_keys(
    tx: &mut Transaction<'_, Any>,
    keys: &[&str],
) -> StoreResult<HashMap<String, String>> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(chunk_rows(1)) {
        let sql = format!(
            "SELECT key, mention_id FROM mention_keys WHERE key IN ({})",
            in_placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for k in chunk {
            q = q.bind(*k);
        }
        for row in q.fetch_all(&mut **tx).await? {
            found.insert(
                col::<String>(&row, "key")?,
                col::<String>(&row, "mention_id")?,
            );
        }
    }
    Ok(found)
}

pub(super) async fn insert_keys(
    tx: &mut Transaction<'_, Any>,
    keys: &[(String, String)],
) -> StoreResult<()> {
    for chunk in keys.chunks(chunk_rows(2)) {
        let sql = format!(
            "INSERT INTO mention_keys (key, mention_id) VALUES {} ON CONFLICT (key) DO NOTHING",
            values_placeholders(chunk.len(), 2)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (k, m) in chunk {
            q = q.bind(k.as_str()).bind(m.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// A full row for the mentions table (ingest and import share it).
pub(super) struct MentionRow<'a> {
    pub id: &'a str,
    pub source_id: i64,
    pub c: &'a Candidate,
    pub found_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sentiment_override: Option<&'a str>,
    pub status: &'a str,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub replied_at: Option<DateTime<Utc>>,
}

const MENTION_COLS: usize = 25;

pub(super) async fn insert_mentions(
    tx: &mut Transaction<'_, Any>,
    rows: &[MentionRow<'_>],
) -> StoreResult<()> {
    for chunk in rows.chunks(chunk_rows(MENTION_COLS)) {
        let sql = format!(
            "INSERT INTO mentions (id, source_id, url, canonical_url, thread_url, title, body, author, published_at, \
             found_at, updated_at, content_hash, rating, rating_scale, brands, matches, lang, sentiment, \
             sentiment_score, sentiment_reasons, sentiment_override, sort_rank, status, snoozed_until, replied_at) \
             VALUES {}",
            values_placeholders(chunk.len(), MENTION_COLS)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for r in chunk {
            let c = r.c;
            let brands = serde_json::to_string(&c.brands).unwrap_or_else(|_| "[]".into());
            let effective = r.sentiment_override.unwrap_or(&c.sentiment);
            q = q
                .bind(r.id)
                .bind(r.source_id)
                .bind(c.url.as_deref())
                .bind(c.canonical_url.as_deref())
                .bind(c.thread_url.as_deref())
                .bind(c.title.as_deref())
                .bind(c.body.as_str())
                .bind(c.author.as_deref())
                .bind(c.published_at.map(ts))
                .bind(ts(r.found_at))
                .bind(ts(r.updated_at))
                .bind(c.content_hash.as_str())
                .bind(c.rating)
                .bind(c.rating_scale)
                .bind(brands)
                .bind(c.matches_json.as_str())
                .bind(c.lang.as_deref())
                .bind(c.sentiment.as_str())
                .bind(c.sentiment_score)
                .bind(c.sentiment_reasons_json.as_str())
                .bind(r.sentiment_override)
                .bind(sort_rank(effective))
                .bind(r.status)
                .bind(r.snoozed_until.map(ts))
                .bind(r.replied_at.map(ts));
        }
        q.execute(&mut **tx).await?;
    }
    let brand_rows: Vec<(&str, &str)> = rows
        .iter()
        .flat_map(|r| {
            let mut seen = HashSet::new();
            r.c.brands
                .iter()
                .filter(move |b| seen.insert(b.as_str()))
                .map(move |b| (b.as_str(), r.id))
        })
        .collect();
    for chunk in brand_rows.chunks(chunk_rows(2)) {
        let sql = format!(
            "INSERT INTO mention_brands (brand, mention_id) VALUES {} ON CONFLICT DO NOTHING",
            values_placeholders(chunk.len(), 2)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (b, m) in chunk {
            q = q.bind(*b).bind(*m);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// Stores one crawl: new mentions (each with its `new` event), edits of known ones, detected replies,
    /// follow-ups, the source's new state and the crawl run — in one transaction, so a crawl killed
    /// half-way leaves nothing behind, and the writes are batched, not one commit per item.
    pub async fn record_crawl(&self, rec: &CrawlRecord) -> StoreResult<IngestSummary> {
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        // Dedup reads the known keys and then inserts the new ones: two crawls committing at once on
        // PostgreSQL (READ COMMITTED, several workers) could both miss a key and store one post twice.
        // Ingest commits are short, so they take turns (SQLite's single writer already does this).
        if self.backend() == super::Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7302145)")
                .execute(&mut *tx)
                .await?;
        }
        let now = rec.finished_at;
        let mut summary = IngestSummary::default();

        let all_keys: Vec<&str> = rec
            .candidates
            .iter()
            .flat_map(|c| c.keys.iter().map(String::as_str))
            .collect();
        let mut key_owner = known_keys(&mut tx, &all_keys).await?;

        // Existing mentions' content hashes, to tell an edit from a re-crawl of the same text.
        let existing_ids: Vec<String> = key_owner
            .values()
            .cloned()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        // (content hash, source) of the mentions already known: only their own source may edit them; the
        // same post seen through another source (an aggregator's title, say) is no edit.
        let mut existing_hash: HashMap<String, (String, i64)> = HashMap::new();
        for chunk in existing_ids.chunks(chunk_rows(1)) {
            let sql = format!(
                "SELECT id, content_hash, source_id FROM mentions WHERE id IN ({})",
                in_placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.as_str());
            }
            for row in q.fetch_all(&mut *tx).await? {
                existing_hash.insert(
                    col(&row, "id")?,
                    (col(&row, "content_hash")?, col(&row, "source_id")?),
                );
            }
        }

        let mut new_rows: Vec<(String, &Candidate)> = Vec::new();
        let mut new_keys: Vec<(String, String)> = Vec::new();
        let mut edits: Vec<(String, &Candidate)> = Vec::new();
        for c in &rec.candidates {
            let owner = c.keys.iter().find_map(|k| key_owner.get(k).cloned());
            match owner {
                Some(id) => {
                    if existing_hash
                        .get(&id)
                        .is_some_and(|(h, src)| *h != c.content_hash && *src == rec.source_id)
                    {
                        existing_hash.insert(id.clone(), (c.content_hash.clone(), rec.source_id));
                        edits.push((id.clone(), c));
                    } else {
                        summary.already_known += 1;
                    }
                    for k in &c.keys {
                        if !key_owner.contains_key(k) {
                            key_owner.insert(k.clone(), id.clone());
                            new_keys.push((k.clone(), id.clone()));
                        }
                    }
                }
                None => {
                    let id = new_id("m_");
                    for k in &c.keys {
                        key_owner.insert(k.clone(), id.clone());
                        new_keys.push((k.clone(), id.clone()));
                    }
                    existing_hash.insert(id.clone(), (c.content_hash.clone(), rec.source_id));
                    new_rows.push((id, c));
                }
            }
        }

        let rows: Vec<MentionRow> = new_rows
            .iter()
            .map(|(id, c)| MentionRow {
                id,
                source_id: rec.source_id,
                c,
                found_at: now,
                updated_at: now,
                sentiment_override: None,
                status: "new",
                snoozed_until: None,
                replied_at: None,
            })
            .collect();
        insert_mentions(&mut tx, &rows).await?;
        insert_keys(&mut tx, &new_keys).await?;
        let mut events: Vec<NewEvent> = new_rows
            .iter()
            .map(|(id, _)| NewEvent {
                to: Some("new"),
                reason: Some("found"),
                ..NewEvent::new(id, "status", now, SYSTEM_ACTOR)
            })
            .collect();

        for (id, c) in &edits {
            // An edited post is matched and classified again (the leader's override still wins).
            sqlx::query(
                "UPDATE mentions SET title = $1, body = $2, author = $3, content_hash = $4, updated_at = $5, \
                 matches = $6, brands = $7, sentiment = $8, sentiment_score = $9, sentiment_reasons = $10, \
                 lang = $11, sort_rank = CASE WHEN COALESCE(sentiment_override, $8) = 'criticism' THEN 0 ELSE 1 END \
                 WHERE id = $12",
            )
            .bind(c.title.as_deref())
            .bind(c.body.as_str())
            .bind(c.author.as_deref())
            .bind(c.content_hash.as_str())
            .bind(ts(now))
            .bind(c.matches_json.as_str())
            .bind(serde_json::to_string(&c.brands).unwrap_or_else(|_| "[]".into()))
            .bind(c.sentiment.as_str())
            .bind(c.sentiment_score)
            .bind(c.sentiment_reasons_json.as_str())
            .bind(c.lang.as_deref())
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
            for b in &c.brands {
                sqlx::query("INSERT INTO mention_brands (brand, mention_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(b.as_str())
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            events.push(NewEvent {
                reason: Some("the post was edited"),
                ..NewEvent::new(id, "edit", now, SYSTEM_ACTOR)
            });
        }
        summary.updated_mentions = edits.len();
        insert_events(&mut tx, &events).await?;

        summary.replies_detected = self.detect_replies(&mut tx, &rec.replies, now).await?;
        summary.reopened = self.detect_follow_ups(&mut tx, &rec.posts, now).await?;

        let s = &rec.state;
        sqlx::query(
            "UPDATE sources SET health = $1, last_error = $2, consecutive_failures = $3, empty_streak = $4, \
             last_attempt_at = $5, last_success_at = COALESCE($6, last_success_at), \
             last_new_item_at = COALESCE($7, last_new_item_at), next_check_at = $8, \
             etag = $9, last_modified = $10, items_found = COALESCE($11, items_found), lease_owner = NULL, lease_until = NULL, \
             items_fingerprint = COALESCE($13, items_fingerprint) WHERE id = $12",
        )
        .bind(s.health.as_str())
        .bind(s.last_error.as_deref())
        .bind(s.consecutive_failures)
        .bind(s.empty_streak)
        .bind(ts(s.last_attempt_at))
        .bind(s.last_success_at.map(ts))
        .bind(if new_rows.is_empty() { s.last_new_item_at.map(ts) } else { Some(ts(now)) })
        .bind(ts(s.next_check_at))
        .bind(s.etag.as_deref())
        .bind(s.last_modified.as_deref())
        .bind(s.items_found)
        .bind(rec.source_id)
        .bind(s.items_fingerprint.as_deref())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO crawl_runs (source_id, started_at, finished_at, outcome, pages, unchanged, items, \
             new_mentions, updated_mentions, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(rec.source_id)
        .bind(ts(rec.started_at))
        .bind(ts(rec.finished_at))
        .bind(rec.outcome.as_str())
        .bind(rec.pages)
        .bind(rec.unchanged_pages)
        .bind(rec.items)
        .bind(new_rows.len() as i64)
        .bind(edits.len() as i64)
        .bind(rec.error.as_deref())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        summary.new_mentions = new_rows.into_iter().map(|(id, _)| id).collect();
        Ok(summary)
    }

    /// Open mentions in a thread, written before the leader's post, become replied at the post's time.
    async fn detect_replies(
        &self,
        tx: &mut Transaction<'_, Any>,
        replies: &[DetectedReply],
        now: DateTime<Utc>,
    ) -> StoreResult<usize> {
        let mut count = 0;
        for r in replies {
            let rows = sqlx::query(
                // A leader post counts only if it is later than the mention's last status change:
                // after a follow-up reopened it, the old reply must not close it again on every crawl.
                "SELECT m.id, m.status FROM mentions m WHERE m.thread_url = $1 AND m.status IN ('new', 'snoozed') \
                 AND COALESCE(m.published_at, m.found_at) <= $2 \
                 AND NOT EXISTS (SELECT 1 FROM events e WHERE e.mention_id = m.id AND e.kind = 'status' \
                                 AND e.from_value IS NOT NULL AND e.at >= $2)",
            )
            .bind(r.thread_url.as_str())
            .bind(ts(r.at))
            .fetch_all(&mut **tx)
            .await?;
            for row in rows {
                let id: String = col(&row, "id")?;
                let status: String = col(&row, "status")?;
                let note = format!("reply by {} detected in the thread", r.handle);
                let action = Action::Replied {
                    at: r.at,
                    reply_url: r.reply_url.clone(),
                    note: Some(note),
                };
                let from: Status = status.parse().map_err(StoreError::Invalid)?;
                if mention::apply(from, &action, now).is_ok() {
                    transition_in_tx(tx, &id, from, &action, "lyssna (reply detection)", now)
                        .await?;
                    count += 1;
                }
            }
        }
        Ok(count)
    }

    /// A replied mention whose author posts again in the thread after the reply goes back to the inbox.
    async fn detect_follow_ups(
        &self,
        tx: &mut Transaction<'_, Any>,
        posts: &[(String, String, DateTime<Utc>)],
        now: DateTime<Utc>,
    ) -> StoreResult<usize> {
        if posts.is_empty() {
            return Ok(0);
        }
        // One query finds the threads that hold replied mentions at all; posts elsewhere (nearly all of
        // them) need no further look.
        let threads: Vec<&str> = posts
            .iter()
            .map(|(t, _, _)| t.as_str())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut live: HashSet<String> = HashSet::new();
        for chunk in threads.chunks(chunk_rows(1)) {
            let sql = format!(
                "SELECT DISTINCT thread_url FROM mentions WHERE status = 'replied' AND thread_url IN ({})",
                in_placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for t in chunk {
                q = q.bind(*t);
            }
            for row in q.fetch_all(&mut **tx).await? {
                live.insert(col(&row, "thread_url")?);
            }
        }
        let mut count = 0;
        for (thread, author, at) in posts.iter().filter(|(t, _, _)| live.contains(t)) {
            let rows = sqlx::query(
                // Compared with the latest reply, not the first: after the leader answers a follow-up,
                // the same follow-up post must not reopen the mention again on the next crawl.
                "SELECT m.id FROM mentions m WHERE m.thread_url = $1 AND m.author = $2 AND m.status = 'replied' \
                 AND (SELECT MAX(e.at) FROM events e WHERE e.mention_id = m.id AND e.kind = 'status' \
                      AND e.to_value = 'replied') < $3",
            )
            .bind(thread.as_str())
            .bind(author.as_str())
            .bind(ts(*at))
            .fetch_all(&mut **tx)
            .await?;
            for row in rows {
                let id: String = col(&row, "id")?;
                let action = Action::Reopen {
                    note: Some(format!(
                        "{author} posted again in the thread after the reply"
                    )),
                };
                transition_in_tx(tx, &id, Status::Replied, &action, "lyssna (follow-up)", now)
                    .await?;
                count += 1;
            }
        }
        Ok(count)
    }

    /// A mention with its source name, or `None`.
    pub async fn mention(&self, id: &str) -> StoreResult<Option<MentionRecord>> {
        let sql = format!(
            "SELECT {MENTION_COLUMNS} FROM mentions m JOIN sources s ON s.id = m.source_id WHERE m.id = $1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(mention_from_row).transpose()
    }

    /// A mention's events, oldest first.
    pub async fn events(&self, mention_id: &str) -> StoreResult<Vec<EventRecord>> {
        let rows = sqlx::query(
            "SELECT id, kind, at, recorded_at, actor, from_value, to_value, reason, note, reply_url, until, undoes \
             FROM events WHERE mention_id = $1 ORDER BY id",
        )
        .bind(mention_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Applies one of the leader's actions (PRODUCT §5): checked against the lifecycle, written with its
    /// event. Two people acting on the same mention at once: the second gets `Conflict`.
    pub async fn apply_action(
        &self,
        id: &str,
        action: &Action,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<MentionRecord> {
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT status FROM mentions WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::MentionNotFound(id.to_string()))?;
        let current: Status = col::<String>(&row, "status")?
            .parse()
            .map_err(StoreError::Invalid)?;
        mention::apply(current, action, now)?;
        transition_in_tx(&mut tx, id, current, action, actor, now).await?;
        tx.commit().await?;
        self.mention(id)
            .await?
            .ok_or_else(|| StoreError::MentionNotFound(id.to_string()))
    }

    /// Takes back the last status change that has not been taken back yet, as a new event (events are
    /// never deleted). An undone reply no longer counts as the first reply.
    pub async fn undo_last(
        &self,
        id: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<MentionRecord> {
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT id, kind, at, recorded_at, actor, from_value, to_value, reason, note, reply_url, until, undoes \
             FROM events WHERE mention_id = $1 AND kind = 'status' ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let events: Vec<EventRecord> = rows
            .iter()
            .map(event_from_row)
            .collect::<StoreResult<_>>()?;
        let undone: HashSet<i64> = events.iter().filter_map(|e| e.undoes).collect();
        let last = events
            .iter()
            .rev()
            .find(|e| e.undoes.is_none() && !undone.contains(&e.id) && e.from.is_some())
            .ok_or_else(|| {
                StoreError::Invalid("there is nothing to undo on this mention".into())
            })?;
        let row = sqlx::query("SELECT status FROM mentions WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::MentionNotFound(id.to_string()))?;
        let current: String = col(&row, "status")?;
        if last.to.as_deref() != Some(current.as_str()) {
            return Err(StoreError::Conflict);
        }
        let back: Status = last
            .from
            .as_deref()
            .unwrap_or("new")
            .parse()
            .map_err(StoreError::Invalid)?;
        // Undone events are ignored when the first reply and the snooze time are worked out again.
        let mut still = undone.clone();
        still.insert(last.id);
        let first_reply = events
            .iter()
            .filter(|e| {
                e.undoes.is_none() && !still.contains(&e.id) && e.to.as_deref() == Some("replied")
            })
            .map(|e| e.at)
            .next();
        let snoozed_until = if back == Status::Snoozed {
            events
                .iter()
                .rev()
                .find(|e| {
                    e.undoes.is_none()
                        && !still.contains(&e.id)
                        && e.to.as_deref() == Some("snoozed")
                })
                .and_then(|e| e.until)
        } else {
            None
        };
        let updated = sqlx::query(
            "UPDATE mentions SET status = $1, replied_at = $2, snoozed_until = $3 WHERE id = $4 AND status = $5",
        )
        .bind(back.as_str())
        .bind(first_reply.map(ts))
        .bind(snoozed_until.map(ts))
        .bind(id)
        .bind(current.as_str())
        .execute(&mut *tx)
        .await?;
        // Two undos at once (a double key press): the second finds the status changed.
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        insert_events(
            &mut tx,
            &[NewEvent {
                from: Some(current.as_str()),
                to: Some(back.as_str()),
                reason: Some("undo"),
                until: snoozed_until,
                undoes: Some(last.id),
                ..NewEvent::new(id, "status", now, actor)
            }],
        )
        .await?;
        tx.commit().await?;
        self.mention(id)
            .await?
            .ok_or_else(|| StoreError::MentionNotFound(id.to_string()))
    }

    /// The leader's sentiment override (`None` clears it); recorded as an event, and the inbox order
    /// follows the effective label.
    pub async fn set_sentiment_override(
        &self,
        id: &str,
        label: Option<&str>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<MentionRecord> {
        if let Some(l) = label
            && !matches!(l, "criticism" | "praise" | "neutral")
        {
            return Err(StoreError::Invalid(format!(
                "unknown sentiment '{l}' (expected criticism, praise or neutral)"
            )));
        }
        let before = self
            .mention(id)
            .await?
            .ok_or_else(|| StoreError::MentionNotFound(id.to_string()))?;
        if before.sentiment_override.as_deref() == label {
            // Nothing changes: no event (the history records changes, not clicks).
            return Ok(before);
        }
        let from = before.effective_sentiment().to_string();
        let to = label.unwrap_or(&before.sentiment).to_string();
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE mentions SET sentiment_override = $1, sort_rank = $2 WHERE id = $3")
            .bind(label)
            .bind(sort_rank(&to))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        insert_events(
            &mut tx,
            &[NewEvent {
                from: Some(from.as_str()),
                to: Some(to.as_str()),
                reason: Some(if label.is_some() {
                    "override"
                } else {
                    "override cleared"
                }),
                ..NewEvent::new(id, "sentiment", now, actor)
            }],
        )
        .await?;
        tx.commit().await?;
        self.mention(id)
            .await?
            .ok_or_else(|| StoreError::MentionNotFound(id.to_string()))
    }

    /// Snoozed mentions whose time has come go back to the inbox. Returns how many woke.
    pub async fn wake_snoozed(&self, now: DateTime<Utc>) -> StoreResult<usize> {
        let rows =
            sqlx::query("SELECT id FROM mentions WHERE status = 'snoozed' AND snoozed_until <= $1")
                .bind(ts(now))
                .fetch_all(self.pool())
                .await?;
        let mut woke = 0;
        for row in rows {
            let id: String = col(&row, "id")?;
            let _writer = self.writer().await;
            let mut tx = self.begin_write().await?;
            // Changed since the query (replied meanwhile, or another worker woke it): nothing to do.
            match transition_in_tx(
                &mut tx,
                &id,
                Status::Snoozed,
                &Action::Wake,
                SYSTEM_ACTOR,
                now,
            )
            .await
            {
                Ok(()) => {
                    tx.commit().await?;
                    woke += 1;
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(woke)
    }

    /// A mention the leader adds by hand (a phone call, a LinkedIn post), so it counts in the metrics.
    pub async fn add_manual_mention(
        &self,
        source_name: &str,
        candidate: &Candidate,
        now: DateTime<Utc>,
    ) -> StoreResult<String> {
        let source_id = self.ensure_manual_source(source_name, now).await?;
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        let keys: Vec<&str> = candidate.keys.iter().map(String::as_str).collect();
        let known = known_keys(&mut tx, &keys).await?;
        if let Some(existing) = known.values().next() {
            return Err(StoreError::Invalid(format!(
                "this mention is already stored as {existing}"
            )));
        }
        let id = new_id("m_");
        insert_mentions(
            &mut tx,
            &[MentionRow {
                id: &id,
                source_id,
                c: candidate,
                found_at: now,
                updated_at: now,
                sentiment_override: None,
                status: "new",
                snoozed_until: None,
                replied_at: None,
            }],
        )
        .await?;
        let keys: Vec<(String, String)> = candidate
            .keys
            .iter()
            .map(|k| (k.clone(), id.clone()))
            .collect();
        insert_keys(&mut tx, &keys).await?;
        insert_events(
            &mut tx,
            &[NewEvent {
                to: Some("new"),
                reason: Some("added by hand"),
                ..NewEvent::new(&id, "status", now, SYSTEM_ACTOR)
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// How many mentions are stored.
    pub async fn mention_count(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM mentions")
            .fetch_one(self.pool())
            .await?;
        col(&row, "n")
    }
}

/// Writes one lifecycle transition (already checked by the caller) and its event.
async fn transition_in_tx(
    tx: &mut Transaction<'_, Any>,
    id: &str,
    from: Status,
    action: &Action,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let to = action.target();
    let (at, reply_url, note, reason, until) = match action {
        Action::Replied {
            at,
            reply_url,
            note,
        } => (*at, reply_url.as_deref(), note.as_deref(), None, None),
        Action::NoReplyNeeded { reason, note } => {
            (now, None, note.as_deref(), Some(reason.as_str()), None)
        }
        Action::Snooze { until } => (now, None, None, None, Some(*until)),
        Action::Reopen { note } => (now, None, note.as_deref(), Some("reopen"), None),
        Action::Wake => (now, None, None, Some("snooze ended"), None),
    };
    let r = sqlx::query(
        "UPDATE mentions SET status = $1, snoozed_until = $2, \
         replied_at = CASE WHEN $3 = 1 THEN COALESCE(replied_at, $4) ELSE replied_at END \
         WHERE id = $5 AND status = $6",
    )
    .bind(to.as_str())
    .bind(until.map(ts))
    .bind(i64::from(to == Status::Replied))
    .bind(ts(at))
    .bind(id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    if r.rows_affected() != 1 {
        return Err(StoreError::Conflict);
    }
    insert_events(
        tx,
        &[NewEvent {
            recorded_at: now,
            from: Some(from.as_str()),
            to: Some(to.as_str()),
            reason,
            note,
            reply_url,
            until,
            ..NewEvent::new(id, "status", at, actor)
        }],
    )
    .await
}
