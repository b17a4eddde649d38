//! Export and import of all mentions with their events (PRODUCT §8.1): backups, moving between SQLite
//! and PostgreSQL, and migrating from another tool. Import is all or nothing.

use super::mentions::{
    Candidate, MentionRow, NewEvent, insert_events, insert_keys, insert_mentions,
};
use super::{MENTION_COLUMNS, Store, StoreError, StoreResult, col, mention_from_row, new_id, ts};
use crate::domain::dedup;
use crate::domain::mention::{EventKind, Status};
use crate::domain::source::SourceKind;
pub use crate::domain::transfer::{ExportEvent, ExportLine, ImportError, parse_import};
use chrono::{DateTime, Utc};
use sqlx::{Any, AssertSqlSafe, Transaction};
use std::collections::{HashMap, HashSet};

/// Lines per chunk of an import: a chunk is checked, looked up and inserted together, and only one
/// chunk is held in memory at a time.
pub const IMPORT_CHUNK_LINES: usize = 2_000;

/// Mentions per page of an export.
const EXPORT_PAGE: i64 = 1_000;

/// Where an export page ends: the last mention's found time and id (the export's order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportCursor {
    found_at: i64,
    id: String,
}

/// An import in progress, all or nothing in constant memory.
///
/// The design: one write transaction from [`Store::begin_import`] to [`Import::commit`]. The
/// caller streams the file and hands over checked lines in chunks ([`Import::add`]); each chunk's
/// mentions, keys, events and index entries are written at once with multi-row statements and then
/// dropped, so memory holds one chunk whatever the file's size, while the database holds the rest
/// in the transaction (SQLite in its write-ahead log, PostgreSQL in its row versions). Nobody
/// sees a mention before the commit, and dropping the `Import` (an error in any later line, a
/// failed statement, the process stopped) rolls every chunk back. An id that repeats one of an
/// earlier chunk is found like one already stored, by the database inside the transaction. A
/// staging table swapped in at the end would give the same guarantee with every row written twice.
/// The price of one transaction: on SQLite other writers (a crawl) wait until the import ends.
pub struct Import {
    tx: Transaction<'static, Any>,
    _writer: Option<tokio::sync::OwnedMutexGuard<()>>,
    source_ids: HashMap<String, i64>,
    now: DateTime<Utc>,
    stored: usize,
}

impl Store {
    /// Every mention with its events, oldest first, as export lines (for a few; `lyssna export`
    /// pages through [`Store::export_page`]).
    pub async fn export_all(&self) -> StoreResult<Vec<ExportLine>> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let (lines, next) = self.export_page(after.as_ref()).await?;
            all.extend(lines);
            match next {
                Some(c) => after = Some(c),
                None => return Ok(all),
            }
        }
    }

    /// One page of the export, oldest first (by found time, then id), after `after`, and where the
    /// next page starts (`None` after the last).
    pub async fn export_page(
        &self,
        after: Option<&ExportCursor>,
    ) -> StoreResult<(Vec<ExportLine>, Option<ExportCursor>)> {
        // The plain bound lets both databases seek the found_at index; the row comparison breaks
        // ties in the order.
        let filter = match after {
            Some(_) => format!(
                "WHERE m.found_at >= $1 AND (m.found_at, m.id) > ($1, $2) AND {}",
                super::VISIBLE
            ),
            None => format!("WHERE {}", super::VISIBLE),
        };
        let sql = format!(
            "SELECT {MENTION_COLUMNS} FROM mentions m JOIN sources s ON s.id = m.source_id {filter} \
             ORDER BY m.found_at, m.id LIMIT {EXPORT_PAGE}"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        if let Some(c) = after {
            query = query.bind(c.found_at).bind(c.id.as_str());
        }
        let rows = query.fetch_all(self.pool()).await?;
        let mentions = rows
            .iter()
            .map(mention_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        let next = match mentions.last() {
            Some(m) if mentions.len() as i64 == EXPORT_PAGE => Some(ExportCursor {
                found_at: ts(m.found_at),
                id: m.id.clone(),
            }),
            _ => None,
        };
        Ok((self.export_lines(mentions).await?, next))
    }

    /// Stores checked import lines in one transaction: everything or, on any error, nothing.
    pub async fn import(
        &self,
        lines: &[(usize, ExportLine)],
        now: DateTime<Utc>,
    ) -> Result<usize, ImportError> {
        let mut import = self.begin_import(now).await?;
        for chunk in lines.chunks(IMPORT_CHUNK_LINES) {
            import.add(chunk).await?;
        }
        import.commit().await
    }

    /// Starts an import (see [`Import`]).
    pub async fn begin_import(&self, now: DateTime<Utc>) -> Result<Import, ImportError> {
        let writer = self.writer().await;
        let tx = self.begin_write().await.map_err(dbx)?;
        Ok(Import {
            tx,
            _writer: writer,
            source_ids: HashMap::new(),
            now,
            stored: 0,
        })
    }
}

impl Import {
    /// Writes a chunk of checked lines (from `domain::transfer::check_line`) into the import's
    /// transaction. After an error the import can only be dropped, which undoes it.
    pub async fn add(&mut self, lines: &[(usize, ExportLine)]) -> Result<(), ImportError> {
        let tx = &mut self.tx;
        ensure_sources(tx, lines, self.now, &mut self.source_ids).await?;
        let ids: Vec<String> = lines
            .iter()
            .map(|(_, l)| l.id.clone().unwrap_or_else(|| new_id("m_")))
            .collect();
        refuse_taken_ids(tx, lines, &ids).await?;
        let candidates: Vec<Candidate> = lines.iter().map(|(_, l)| candidate_of(l)).collect();
        let mut rows = Vec::with_capacity(lines.len());
        let mut keys = Vec::new();
        let mut events = Vec::new();
        for (((_, l), id), c) in lines.iter().zip(&ids).zip(&candidates) {
            rows.push(mention_row(l, id, self.source_ids[&l.source], c));
            keys.push(match l.url.as_deref().and_then(dedup::url_key) {
                Some(u) => (format!("url:{u}"), id.clone()),
                None => (format!("hash:{}", c.content_hash), id.clone()),
            });
            events.extend(l.events.iter().map(|e| NewEvent {
                mention_id: id,
                kind: e.kind,
                at: e.at,
                recorded_at: e.recorded_at.unwrap_or(e.at),
                actor: e.actor.as_str(),
                from: e.from.as_deref(),
                to: e.to.as_deref(),
                reason: e.reason.as_deref(),
                note: e.note.as_deref(),
                reply_url: e.reply_url.as_deref(),
                until: e.until,
                undoes: None,
            }));
        }
        insert_mentions(tx, &rows).await.map_err(db)?;
        insert_keys(tx, &keys).await.map_err(db)?;
        insert_events(tx, &events).await.map_err(db)?;
        restore_undo_links(tx, lines, &ids).await?;
        self.stored += rows.len();
        Ok(())
    }

    /// Mentions added so far.
    pub fn stored(&self) -> usize {
        self.stored
    }

    /// Makes the import visible; returns how many mentions it stored.
    pub async fn commit(self) -> Result<usize, ImportError> {
        self.tx.commit().await.map_err(dbx)?;
        Ok(self.stored)
    }
}

fn db(e: StoreError) -> ImportError {
    ImportError {
        line: 0,
        message: e.to_string(),
    }
}

fn dbx(e: sqlx::Error) -> ImportError {
    ImportError {
        line: 0,
        message: format!("database error: {e}"),
    }
}

/// Each line's source, created as a `manual` source when it does not exist: name → id, kept in
/// `source_ids` across the import's chunks.
async fn ensure_sources(
    tx: &mut Transaction<'_, Any>,
    lines: &[(usize, ExportLine)],
    now: DateTime<Utc>,
    source_ids: &mut HashMap<String, i64>,
) -> Result<(), ImportError> {
    for (_, l) in lines {
        if source_ids.contains_key(&l.source) {
            continue;
        }
        sqlx::query(
            "INSERT INTO sources (name, kind, in_config, health, created_at) VALUES ($1, $2, 0, 'ok', $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(l.source.as_str())
        .bind(SourceKind::Manual.as_str())
        .bind(ts(now))
        .execute(&mut **tx)
        .await
        .map_err(dbx)?;
        let row = sqlx::query("SELECT id FROM sources WHERE name = $1")
            .bind(l.source.as_str())
            .fetch_one(&mut **tx)
            .await
            .map_err(dbx)?;
        source_ids.insert(l.source.clone(), col(&row, "id").map_err(db)?);
    }
    Ok(())
}

/// Refuses the import when any of its ids is already stored, naming the line (looked up in batches:
/// an import may hold a million lines).
async fn refuse_taken_ids(
    tx: &mut Transaction<'_, Any>,
    lines: &[(usize, ExportLine)],
    ids: &[String],
) -> Result<(), ImportError> {
    let numbered: Vec<(usize, &String)> = lines.iter().map(|(n, _)| *n).zip(ids).collect();
    let mut in_chunk = HashSet::new();
    for (n, id) in &numbered {
        if !in_chunk.insert(id.as_str()) {
            return Err(ImportError {
                line: *n,
                message: format!("the id {id} appears twice in the file"),
            });
        }
    }
    let backend = super::search::backend_of(tx);
    for chunk in numbered.chunks(backend.chunk_rows(1)) {
        let sql = format!(
            "SELECT id FROM mentions WHERE id IN ({})",
            super::in_list(backend, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (_, id) in chunk {
            q = q.bind(id.as_str());
        }
        let taken: HashSet<String> = q
            .fetch_all(&mut **tx)
            .await
            .map_err(dbx)?
            .iter()
            .filter_map(|r| col::<String>(r, "id").ok())
            .collect();
        if let Some((n, id)) = chunk.iter().find(|(_, id)| taken.contains(*id)) {
            return Err(ImportError {
                line: *n,
                message: format!(
                    "a mention with id {id} is already stored (or appears earlier in the file)"
                ),
            });
        }
    }
    Ok(())
}

/// A line's mention as the store keeps it (import never re-classifies or re-matches).
fn candidate_of(l: &ExportLine) -> Candidate {
    Candidate {
        keys: Vec::new(),
        canonical_url: l.url.as_deref().and_then(dedup::canonical_url),
        url: l.url.clone(),
        thread_url: l.thread_url.clone(),
        title: l.title.clone(),
        body: l.body.clone(),
        author: l.author.clone(),
        published_at: l.published_at,
        rating: l.rating,
        rating_scale: l.rating_scale,
        brands: l.brands.clone(),
        matches: l.matches.clone().unwrap_or_default(),
        lang: l.lang.clone(),
        sentiment: l.sentiment,
        sentiment_score: l.sentiment_score.unwrap_or(0.0),
        sentiment_reasons: l.sentiment_reasons.clone().unwrap_or_default(),
        content_hash: dedup::content_hash(l.title.as_deref(), &l.body),
    }
}

/// The mentions row of a line: its first reply (undone ones never happened) and, when snoozed, until
/// when.
fn mention_row<'a>(
    l: &'a ExportLine,
    id: &'a str,
    source_id: i64,
    c: &'a Candidate,
) -> MentionRow<'a> {
    let undone: HashSet<usize> = l.events.iter().filter_map(|e| e.undoes).collect();
    let replied_at = l
        .events
        .iter()
        .enumerate()
        .find(|(j, e)| {
            e.kind == EventKind::Status
                && e.undoes.is_none()
                && !undone.contains(j)
                && e.to.as_deref() == Some("replied")
        })
        .map(|(_, e)| e.at);
    let snoozed_until = if l.status == Status::Snoozed {
        l.events
            .iter()
            .rev()
            .filter(|e| e.kind == EventKind::Status)
            .find_map(|e| e.until)
    } else {
        None
    };
    MentionRow {
        id,
        source_id,
        c,
        found_at: l.found_at,
        updated_at: l.found_at,
        sentiment_override: l.sentiment_override,
        status: l.status,
        snoozed_until,
        replied_at,
        stage: None,
    }
}

/// Undo links point at event ids, known only once the events are written; undo events are rare, so
/// one small query per line that has them.
async fn restore_undo_links(
    tx: &mut Transaction<'_, Any>,
    lines: &[(usize, ExportLine)],
    ids: &[String],
) -> Result<(), ImportError> {
    for ((_, l), id) in lines.iter().zip(ids) {
        if l.events.iter().all(|e| e.undoes.is_none()) {
            continue;
        }
        let stored: Vec<i64> =
            sqlx::query("SELECT id FROM events WHERE mention_id = $1 ORDER BY id")
                .bind(id.as_str())
                .fetch_all(&mut **tx)
                .await
                .map_err(dbx)?
                .iter()
                .map(|r| col::<i64>(r, "id"))
                .collect::<StoreResult<_>>()
                .map_err(db)?;
        for (j, e) in l.events.iter().enumerate() {
            let target = e.undoes.and_then(|u| stored.get(u));
            if let (Some(own), Some(target)) = (stored.get(j), target) {
                sqlx::query("UPDATE events SET undoes = $1 WHERE id = $2")
                    .bind(*target)
                    .bind(*own)
                    .execute(&mut **tx)
                    .await
                    .map_err(dbx)?;
            }
        }
    }
    Ok(())
}
