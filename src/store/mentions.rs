//! Mentions, their dedup keys and their events: ingest from crawls, the leader's actions, export/import.

use super::search::SearchRow;
use super::{
    Backend, Store, StoreError, StoreResult, VISIBLE, col, from_ts, in_list, json_col, new_id,
    opt_from_ts, opt_parsed_col, parsed_col, placeholders_for, search, ts,
};
pub use crate::domain::candidate::{Candidate, ThreadedPost};
use crate::domain::conversation::ReplyScope;
use crate::domain::dedup::{self, IngestPlan, Owner};
use crate::domain::health::{CrawlOutcome, SourceState};
use crate::domain::mention::{self, Action, EventKind, EventReason, Status};
use crate::domain::query::MatchedBrand;
use crate::domain::sentiment::Label;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Transaction};
use std::collections::{HashMap, HashSet};

/// The actor name Lyssna itself uses in events.
pub const SYSTEM_ACTOR: &str = "lyssna";
/// The actor of a reply Lyssna saw in the thread.
pub const REPLY_DETECTION_ACTOR: &str = "lyssna (reply detection)";
/// The actor of a reopen because the mention's author posted again after the reply.
pub const FOLLOW_UP_ACTOR: &str = "lyssna (follow-up)";

/// The status change an undo takes back: the latest one that is not an undo itself and has not been
/// undone. `None` when there is nothing left to undo. (The store also checks that the mention still
/// has that change's status: an undo never skips over a later change.)
pub fn undo_target(events: &[EventRecord]) -> Option<&EventRecord> {
    let undone: HashSet<i64> = events.iter().filter_map(|e| e.undoes).collect();
    events.iter().rev().find(|e| {
        e.kind == EventKind::Status
            && e.undoes.is_none()
            && !undone.contains(&e.id)
            && e.from.is_some()
    })
}

/// Everything one crawl of one source wants stored, committed together or not at all.
#[derive(Debug, Clone)]
pub struct CrawlRecord {
    pub source_id: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: CrawlOutcome,
    pub pages: i64,
    pub unchanged_pages: i64,
    pub items: i64,
    pub error: Option<String>,
    pub candidates: Vec<Candidate>,
    /// Every post of the threads the crawl read: replies are linked, follow-ups noticed from them.
    pub thread_posts: Vec<ThreadedPost>,
    /// The source's `reply_scope`.
    pub reply_scope: ReplyScope,
    /// Each brand's `reply_scope`.
    pub brand_reply_scopes: Vec<(String, ReplyScope)>,
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
    pub matches: Vec<MatchedBrand>,
    pub lang: Option<String>,
    pub sentiment: Label,
    pub sentiment_score: f64,
    pub sentiment_reasons: Vec<String>,
    pub sentiment_override: Option<Label>,
    pub status: Status,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub replied_at: Option<DateTime<Utc>>,
    /// The latest post by the leader in the thread after this one that answers nobody in
    /// particular ("you posted in this thread after this"), and its link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader_posted_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader_post_url: Option<String>,
}

impl MentionRecord {
    /// The leader's override, else the classifier's label.
    pub fn effective_sentiment(&self) -> Label {
        self.sentiment_override.unwrap_or(self.sentiment)
    }

    /// Its time on the inbox's clock (stored as `posted_at`).
    pub fn posted_at(&self) -> DateTime<Utc> {
        mention::posted_at(self.published_at, self.found_at)
    }
}

/// One recorded event (PRODUCT §5).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EventRecord {
    #[serde(skip)]
    pub id: i64,
    pub kind: EventKind,
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
     m.sentiment, m.sentiment_score, m.sentiment_reasons, m.sentiment_override, m.status, m.snoozed_until, m.replied_at, \
     m.leader_posted_at, m.leader_post_url";

pub(crate) fn mention_from_row(row: &AnyRow) -> StoreResult<MentionRecord> {
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
        brands: json_col(row, "brands")?,
        matches: json_col(row, "matches")?,
        lang: col(row, "lang")?,
        sentiment: parsed_col(row, "sentiment")?,
        sentiment_score: col(row, "sentiment_score")?,
        sentiment_reasons: json_col(row, "sentiment_reasons")?,
        sentiment_override: opt_parsed_col(row, "sentiment_override")?,
        status: parsed_col(row, "status")?,
        snoozed_until: opt_from_ts(col(row, "snoozed_until")?),
        replied_at: opt_from_ts(col(row, "replied_at")?),
        leader_posted_at: opt_from_ts(col(row, "leader_posted_at")?),
        leader_post_url: col(row, "leader_post_url")?,
    })
}

pub(crate) fn event_from_row(row: &AnyRow) -> StoreResult<EventRecord> {
    Ok(EventRecord {
        id: col(row, "id")?,
        kind: parsed_col(row, "kind")?,
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

/// The inbox sorts criticism first: the stored rank of a mention's effective label.
pub(crate) fn sort_rank(effective_sentiment: Label) -> i64 {
    if effective_sentiment == Label::Criticism {
        0
    } else {
        1
    }
}

/// A JSON array column's text (brands, matches, reasons); these types always serialise.
pub(super) fn json_text<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

/// An event about to be written.
#[derive(Debug, Clone)]
pub(crate) struct NewEvent<'a> {
    pub mention_id: &'a str,
    pub kind: EventKind,
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
        kind: EventKind,
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
    let backend = search::backend_of(tx);
    for chunk in events.chunks(backend.chunk_rows(EVENT_COLS)) {
        let sql = format!(
            "INSERT INTO events (mention_id, kind, at, recorded_at, actor, from_value, to_value, reason, note, \
             reply_url, until, undoes) VALUES {}",
            placeholders_for(backend, chunk.len(), EVENT_COLS)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(e.mention_id)
                .bind(e.kind.as_str())
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
    let backend = search::backend_of(tx);
    for chunk in keys.chunks(backend.chunk_rows(1)) {
        let sql = format!(
            "SELECT key, mention_id FROM mention_keys WHERE key IN ({})",
            in_list(backend, chunk.len())
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

/// Records keys not yet taken; returns how many were (a key another transaction holds is waited
/// for on PostgreSQL, then skipped). Callers pass them in key order, so two transactions taking
/// overlapping keys wait for each other in one order and never deadlock.
pub(super) async fn insert_keys(
    tx: &mut Transaction<'_, Any>,
    keys: &[(String, String)],
) -> StoreResult<u64> {
    let backend = search::backend_of(tx);
    let mut inserted = 0;
    for chunk in keys.chunks(backend.chunk_rows(2)) {
        let sql = format!(
            "INSERT INTO mention_keys (key, mention_id) VALUES {} ON CONFLICT (key) DO NOTHING",
            placeholders_for(backend, chunk.len(), 2)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (k, m) in chunk {
            q = q.bind(k.as_str()).bind(m.as_str());
        }
        inserted += q.execute(&mut **tx).await?.rows_affected();
    }
    Ok(inserted)
}

/// A full row for the mentions table (ingest and import share it).
pub(super) struct MentionRow<'a> {
    pub id: &'a str,
    pub source_id: i64,
    pub c: &'a Candidate,
    pub found_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sentiment_override: Option<Label>,
    pub status: Status,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub replied_at: Option<DateTime<Utc>>,
    /// The pending big crawl it belongs to (hidden until that crawl is published), or `None`.
    pub stage: Option<i64>,
}

const MENTION_COLS: usize = 28;

pub(super) async fn insert_mentions(
    tx: &mut Transaction<'_, Any>,
    rows: &[MentionRow<'_>],
) -> StoreResult<()> {
    let backend = search::backend_of(tx);
    for chunk in rows.chunks(backend.chunk_rows(MENTION_COLS)) {
        let sql = format!(
            "INSERT INTO mentions (id, source_id, url, canonical_url, thread_url, title, body, author, published_at, \
             found_at, updated_at, content_hash, rating, rating_scale, brands, matches, lang, sentiment, \
             sentiment_score, sentiment_reasons, sentiment_override, sort_rank, status, snoozed_until, replied_at, \
             posted_at, held_back, stage) \
             VALUES {}",
            placeholders_for(backend, chunk.len(), MENTION_COLS)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for r in chunk {
            let c = r.c;
            let effective = r.sentiment_override.unwrap_or(c.sentiment);
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
                .bind(json_text(&c.brands))
                .bind(json_text(&c.matches))
                .bind(c.lang.as_deref())
                .bind(c.sentiment.as_str())
                .bind(c.sentiment_score)
                .bind(json_text(&c.sentiment_reasons))
                .bind(r.sentiment_override.map(Label::as_str))
                .bind(sort_rank(effective))
                .bind(r.status.as_str())
                .bind(r.snoozed_until.map(ts))
                .bind(r.replied_at.map(ts))
                .bind(ts(mention::posted_at(c.published_at, r.found_at)))
                .bind(c.held_back() as i64)
                .bind(r.stage);
        }
        q.execute(&mut **tx).await?;
    }
    let search_rows: Vec<SearchRow> = rows
        .iter()
        .map(|r| {
            let c = r.c;
            SearchRow::new(
                r.id,
                c.title.as_deref().unwrap_or(""),
                &c.body,
                c.author.as_deref().unwrap_or(""),
                c.url.as_deref().unwrap_or(""),
            )
        })
        .collect();
    search::index_mentions(tx, &search_rows, false).await?;
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
    for chunk in brand_rows.chunks(backend.chunk_rows(2)) {
        let sql = format!(
            "INSERT INTO mention_brands (brand, mention_id) VALUES {} ON CONFLICT DO NOTHING",
            placeholders_for(backend, chunk.len(), 2)
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
    /// half-way leaves nothing behind, and the writes are batched, not one commit per item. A crawl of
    /// more than [`super::STAGE_ABOVE`] candidates is written in chunks of short transactions and
    /// published at once instead (`store::staging`), so it never holds SQLite's one write lock for
    /// long; from outside it is just as all-or-nothing.
    ///
    /// The decisions are not made here: `dedup::resolve` says what is new, and `decide_state` (given
    /// the plan, read inside the transaction) gives the source's next state; this applies both.
    pub async fn record_crawl(
        &self,
        rec: &CrawlRecord,
        mut decide_state: impl FnMut(&IngestPlan) -> SourceState,
    ) -> StoreResult<(IngestSummary, SourceState)> {
        let (summary, state) = self
            .record_posts(rec, &mut |plan| Some(decide_state(plan)))
            .await?;
        let state = state.ok_or_else(|| {
            StoreError::Invalid("the crawl was stored without its source's state".to_string())
        })?;
        Ok((summary, state))
    }

    /// Stores what one read of a watched thread found, like a crawl of its source, but leaves the
    /// source's state and crawl history alone: the thread keeps its own (`Store::record_watch`).
    pub async fn record_thread_crawl(&self, rec: &CrawlRecord) -> StoreResult<IngestSummary> {
        Ok(self.record_posts(rec, &mut |_| None).await?.0)
    }

    /// [`Store::record_crawl`]; the source's state and crawl run are written when `decide_state`
    /// gives a state.
    async fn record_posts(
        &self,
        rec: &CrawlRecord,
        decide_state: &mut impl FnMut(&IngestPlan) -> Option<SourceState>,
    ) -> StoreResult<(IngestSummary, Option<SourceState>)> {
        if rec.candidates.len() > super::STAGE_ABOVE {
            return self.record_staged(rec, decide_state).await;
        }
        let _writer = self.writer().await;
        // Dedup reads the known keys and then inserts the new ones. Two crawls committing at once on
        // PostgreSQL (READ COMMITTED, several workers) could both miss a key and store one post twice:
        // the unique index on the key makes the second wait for the first, and finding the key taken
        // it starts again and sees it. Only crawls that share keys wait for each other (SQLite's single
        // writer already takes turns).
        let mut races = 0;
        loop {
            let mut tx = self.begin_write().await?;
            let now = rec.finished_at;
            let known = known_for(&mut tx, &rec.candidates).await?;
            let mut plan = dedup::resolve(rec.source_id, &rec.candidates, &known);
            let threads = super::conversation::link_threads(&mut tx, rec, &mut plan, now).await?;
            let state = decide_state(&plan);
            let new_ids = match apply_plan(&mut tx, rec, &plan, now).await? {
                Ok(ids) => ids,
                Err(KeyTaken) if races < MAX_KEY_RACES => {
                    races += 1;
                    tx.rollback().await?;
                    continue;
                }
                Err(KeyTaken) => {
                    return Err(StoreError::Invalid(format!(
                        "the crawl's items were stored by other crawls {races} times while it was \
                         being stored; it will be tried again on the next crawl"
                    )));
                }
            };
            let linked =
                super::conversation::apply_links(&mut tx, &threads, &plan, &new_ids, now).await?;
            let mut summary = IngestSummary {
                updated_mentions: plan.edits.len(),
                already_known: plan.already_known,
                replies_detected: linked.replied,
                reopened: linked.reopened,
                ..IngestSummary::default()
            };
            if let Some(state) = &state {
                write_source_states(&mut tx, self.backend(), &[(rec.source_id, state)]).await?;
                let run = (rec, new_ids.len(), plan.edits.len());
                insert_crawl_runs(&mut tx, self.backend(), &[run]).await?;
            }
            tx.commit().await?;
            summary.new_mentions = new_ids;
            return Ok((summary, state));
        }
    }

    /// A mention with its source name, or `None`.
    pub async fn mention(&self, id: &str) -> StoreResult<Option<MentionRecord>> {
        let sql = format!(
            "SELECT {MENTION_COLUMNS} FROM mentions m JOIN sources s ON s.id = m.source_id WHERE m.id = $1 AND {VISIBLE}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(mention_from_row).transpose()
    }

    /// The mentions stored from one thread (the page a mention lives in), in the inbox's time order
    /// (post time, else found time); at most `limit`.
    pub async fn thread_mentions(
        &self,
        thread_url: &str,
        limit: i64,
    ) -> StoreResult<Vec<MentionRecord>> {
        let sql = format!(
            "SELECT {MENTION_COLUMNS} FROM mentions m JOIN sources s ON s.id = m.source_id \
             WHERE m.thread_url = $1 AND {VISIBLE} ORDER BY {posted}, m.id LIMIT {limit}",
            posted = super::POSTED_AT,
            limit = limit.clamp(1, 500)
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(thread_url)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(mention_from_row).collect()
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
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT status FROM mentions m WHERE id = $1 AND {VISIBLE}"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::MentionNotFound(id.to_string()))?;
        let current: Status = parsed_col(&row, "status")?;
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
        // An unknown mention is "not found", not "nothing to undo".
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT status FROM mentions m WHERE id = $1 AND {VISIBLE}"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::MentionNotFound(id.to_string()))?;
        let current: String = col(&row, "status")?;
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
        let last = undo_target(&events).ok_or(StoreError::NothingToUndo)?;
        if last.to.as_deref() != Some(current.as_str()) {
            return Err(StoreError::Conflict);
        }
        let back: Status = last
            .from
            .as_deref()
            .unwrap_or("new")
            .parse()
            .map_err(StoreError::Corrupt)?;
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
                reason: Some(EventReason::Undo.as_str()),
                until: snoozed_until,
                undoes: Some(last.id),
                ..NewEvent::new(id, EventKind::Status, now, actor)
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
        label: Option<Label>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<MentionRecord> {
        let before = self
            .mention(id)
            .await?
            .ok_or_else(|| StoreError::MentionNotFound(id.to_string()))?;
        if before.sentiment_override == label {
            // Nothing changes: no event (the history records changes, not clicks).
            return Ok(before);
        }
        let from = before.effective_sentiment();
        let to = label.unwrap_or(before.sentiment);
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE mentions SET sentiment_override = $1, sort_rank = $2 WHERE id = $3")
            .bind(label.map(Label::as_str))
            .bind(sort_rank(to))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        insert_events(
            &mut tx,
            &[NewEvent {
                from: Some(from.as_str()),
                to: Some(to.as_str()),
                reason: Some(
                    if label.is_some() {
                        EventReason::Override
                    } else {
                        EventReason::OverrideCleared
                    }
                    .as_str(),
                ),
                ..NewEvent::new(id, EventKind::Sentiment, now, actor)
            }],
        )
        .await?;
        tx.commit().await?;
        self.mention(id)
            .await?
            .ok_or_else(|| StoreError::MentionNotFound(id.to_string()))
    }

    /// The leader's standing sentiment overrides, as the texts the pipeline classifies (title and
    /// body) with the label given: what the learned layer learns from.
    pub async fn sentiment_overrides(&self) -> StoreResult<Vec<(String, Label)>> {
        let rows = sqlx::query(
            "SELECT title, body, sentiment_override FROM mentions WHERE sentiment_override IS NOT NULL ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let title: Option<String> = col(r, "title")?;
                let body: String = col(r, "body")?;
                let text = crate::domain::pipeline::classified_text(title.as_deref(), &body);
                Ok((text, parsed_col(r, "sentiment_override")?))
            })
            .collect()
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
                status: Status::New,
                snoozed_until: None,
                replied_at: None,
                stage: None,
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
                reason: Some(EventReason::AddedByHand.as_str()),
                ..NewEvent::new(&id, EventKind::Status, now, SYSTEM_ACTOR)
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// How many mentions are stored.
    pub async fn mention_count(&self) -> StoreResult<i64> {
        // All less those of big crawls still being written (as the inbox counts do).
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM mentions) - (SELECT COUNT(*) FROM mentions \
             WHERE stage IS NOT NULL AND stage IN (SELECT cs.id FROM crawl_stages cs)) AS n",
        )
        .fetch_one(self.pool())
        .await?;
        col(&row, "n")
    }
}

/// What the store knows about a crawl's candidates: the owner of each known key, and those mentions'
/// content hashes and sources.
pub(super) async fn known_for(
    tx: &mut Transaction<'_, Any>,
    candidates: &[Candidate],
) -> StoreResult<dedup::Known> {
    let all_keys: Vec<&str> = candidates
        .iter()
        .flat_map(|c| c.keys.iter().map(String::as_str))
        .collect();
    let key_owner = known_keys(tx, &all_keys).await?;
    let ids: Vec<&String> = key_owner
        .values()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut mentions = HashMap::new();
    let backend = search::backend_of(tx);
    for chunk in ids.chunks(backend.chunk_rows(1)) {
        let sql = format!(
            "SELECT id, content_hash, source_id FROM mentions WHERE id IN ({})",
            in_list(backend, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id.as_str());
        }
        for row in q.fetch_all(&mut **tx).await? {
            mentions.insert(
                col(&row, "id")?,
                (col(&row, "content_hash")?, col(&row, "source_id")?),
            );
        }
    }
    Ok(dedup::Known {
        key_owner,
        mentions,
    })
}

/// Writes what the plan decided: the new mentions with their keys and `new` events, and the edits (an
/// edited post is matched and classified again; the leader's override still wins). Returns the new
/// mentions' ids, in plan order.
/// A key the plan counted as unknown was stored by another crawl meanwhile: the plan is stale.
pub(super) struct KeyTaken;

/// How often a crawl starts again after losing keys to concurrent crawls before it gives up.
pub(super) const MAX_KEY_RACES: usize = 8;

async fn apply_plan(
    tx: &mut Transaction<'_, Any>,
    rec: &CrawlRecord,
    plan: &IngestPlan,
    now: DateTime<Utc>,
) -> StoreResult<Result<Vec<String>, KeyTaken>> {
    let new_ids: Vec<String> = plan.new.iter().map(|_| new_id("m_")).collect();
    fn id_of<'a>(owner: &'a Owner, new_ids: &'a [String]) -> &'a str {
        match owner {
            Owner::Stored(id) => id.as_str(),
            Owner::New(n) => new_ids[*n].as_str(),
        }
    }
    let rows: Vec<MentionRow> = plan
        .new
        .iter()
        .zip(&new_ids)
        .map(|(&index, id)| MentionRow {
            id,
            source_id: rec.source_id,
            c: &rec.candidates[index],
            found_at: now,
            updated_at: now,
            sentiment_override: None,
            status: Status::New,
            snoozed_until: None,
            replied_at: None,
            stage: None,
        })
        .collect();
    insert_mentions(tx, &rows).await?;
    let mut keys: Vec<(String, String)> = plan
        .new_keys
        .iter()
        .map(|(k, owner)| (k.clone(), id_of(owner, &new_ids).to_string()))
        .collect();
    keys.sort_unstable();
    if insert_keys(tx, &keys).await? != keys.len() as u64 {
        return Ok(Err(KeyTaken));
    }
    let mut events: Vec<NewEvent> = new_ids
        .iter()
        .map(|id| NewEvent {
            to: Some("new"),
            reason: Some(EventReason::Found.as_str()),
            ..NewEvent::new(id, EventKind::Status, now, SYSTEM_ACTOR)
        })
        .collect();
    for (owner, index) in &plan.edits {
        let id = id_of(owner, &new_ids);
        update_edited(tx, id, &rec.candidates[*index], now).await?;
        events.push(NewEvent {
            reason: Some(EventReason::Edited.as_str()),
            ..NewEvent::new(id, EventKind::Edit, now, SYSTEM_ACTOR)
        });
    }
    insert_events(tx, &events).await?;
    Ok(Ok(new_ids))
}

/// An edited post: the new text, matched and classified again (the override still wins the order).
pub(super) async fn update_edited(
    tx: &mut Transaction<'_, Any>,
    id: &str,
    c: &Candidate,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE mentions SET title = $1, body = $2, author = $3, content_hash = $4, updated_at = $5, \
         matches = $6, brands = $7, sentiment = $8, sentiment_score = $9, sentiment_reasons = $10, \
         lang = $11, sort_rank = CASE WHEN COALESCE(sentiment_override, $8) = $13 THEN 0 ELSE 1 END \
         WHERE id = $12",
    )
    .bind(c.title.as_deref())
    .bind(c.body.as_str())
    .bind(c.author.as_deref())
    .bind(c.content_hash.as_str())
    .bind(ts(now))
    .bind(json_text(&c.matches))
    .bind(json_text(&c.brands))
    .bind(c.sentiment.as_str())
    .bind(c.sentiment_score)
    .bind(json_text(&c.sentiment_reasons))
    .bind(c.lang.as_deref())
    .bind(id)
    .bind(Label::Criticism.as_str())
    .execute(&mut **tx)
    .await?;
    // The text changed, so its index entry does (its URL stays the one stored).
    let url: Option<String> = col(
        &sqlx::query("SELECT url FROM mentions WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?,
        "url",
    )?;
    let row = SearchRow::new(
        id,
        c.title.as_deref().unwrap_or(""),
        &c.body,
        c.author.as_deref().unwrap_or(""),
        url.as_deref().unwrap_or(""),
    );
    search::index_mentions(tx, &[row], true).await?;
    for b in &c.brands {
        sqlx::query(
            "INSERT INTO mention_brands (brand, mention_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(b.as_str())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Sources' states after their crawls, in one statement (each also ends the source's lease).
pub(super) async fn write_source_states(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    states: &[(i64, &SourceState)],
) -> StoreResult<()> {
    if states.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "WITH v (id, health, last_error, consecutive_failures, empty_streak, last_attempt_at, \
         last_success_at, last_new_item_at, next_check_at, etag, last_modified, items_found, \
         items_fingerprint) AS (VALUES {}) \
         UPDATE sources SET health = v.health, last_error = v.last_error, \
         consecutive_failures = v.consecutive_failures, empty_streak = v.empty_streak, \
         last_attempt_at = v.last_attempt_at, \
         last_success_at = COALESCE(v.last_success_at, sources.last_success_at), \
         last_new_item_at = COALESCE(v.last_new_item_at, sources.last_new_item_at), \
         next_check_at = v.next_check_at, etag = v.etag, last_modified = v.last_modified, \
         items_found = COALESCE(v.items_found, sources.items_found), \
         items_fingerprint = COALESCE(v.items_fingerprint, sources.items_fingerprint), \
         lease_owner = NULL, lease_until = NULL FROM v WHERE sources.id = v.id",
        placeholders_for(backend, states.len(), 13)
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (source_id, s) in states {
        query = query
            .bind(*source_id)
            .bind(s.health.as_str())
            .bind(s.last_error.as_deref())
            .bind(s.consecutive_failures)
            .bind(s.empty_streak)
            .bind(ts(s.last_attempt_at))
            .bind(s.last_success_at.map(ts))
            .bind(s.last_new_item_at.map(ts))
            .bind(ts(s.next_check_at))
            .bind(s.etag.as_deref())
            .bind(s.last_modified.as_deref())
            .bind(s.items_found)
            .bind(s.items_fingerprint.as_deref());
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// Crawl runs, each with its counts of new and updated mentions, in one statement.
pub(super) async fn insert_crawl_runs(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    runs: &[(&CrawlRecord, usize, usize)],
) -> StoreResult<()> {
    if runs.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO crawl_runs (source_id, started_at, finished_at, outcome, pages, unchanged, items, \
         new_mentions, updated_mentions, error) VALUES {}",
        placeholders_for(backend, runs.len(), 10)
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (rec, new_mentions, updated_mentions) in runs {
        query = query
            .bind(rec.source_id)
            .bind(ts(rec.started_at))
            .bind(ts(rec.finished_at))
            .bind(rec.outcome.as_str())
            .bind(rec.pages)
            .bind(rec.unchanged_pages)
            .bind(rec.items)
            .bind(*new_mentions as i64)
            .bind(*updated_mentions as i64)
            .bind(rec.error.as_deref());
    }
    query.execute(&mut **tx).await?;
    Ok(())
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
    transition_at(tx, id, from, action, actor, now, now).await
}

/// [`transition_in_tx`] for a change Lyssna saw in a thread: a follow-up's reopen happened at
/// `happened` (the post's time), recorded `now`. Replies carry their own time.
pub(super) async fn transition_at(
    tx: &mut Transaction<'_, Any>,
    id: &str,
    from: Status,
    action: &Action,
    actor: &str,
    happened: DateTime<Utc>,
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
        Action::Reopen { note } => (
            happened,
            None,
            note.as_deref(),
            Some(EventReason::Reopen.as_str()),
            None,
        ),
        Action::Wake => (
            now,
            None,
            None,
            Some(EventReason::SnoozeEnded.as_str()),
            None,
        ),
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
            ..NewEvent::new(id, EventKind::Status, at, actor)
        }],
    )
    .await
}
