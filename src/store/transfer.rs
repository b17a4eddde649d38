//! Export and import of all mentions with their events (PRODUCT §8.1): backups, moving between SQLite
//! and PostgreSQL, and migrating from another tool. Import is all or nothing.

use super::mentions::{
    Candidate, MentionRow, NewEvent, insert_events, insert_keys, insert_mentions,
};
use super::{
    MENTION_COLUMNS, Store, StoreError, StoreResult, col, event_from_row, mention_from_row, new_id,
    ts,
};
use crate::domain::dedup;
use crate::domain::mention::Status;
// One CSV escaper for every CSV Lyssna writes: quoting, and formula cells neutralised.
use crate::domain::report::csv_field;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;
use std::collections::{HashMap, HashSet};

/// One line of `lyssna export`. Keys up to `events` are PRODUCT §8.1; the ones after it carry what
/// Lyssna knows beyond that (rating, language, classifier score and reasons, match explanations), so
/// that export → import → export gives the same lines. All of them are optional on import.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExportLine {
    #[serde(default)]
    pub id: Option<String>,
    pub source: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub thread_url: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    pub found_at: DateTime<Utc>,
    #[serde(default)]
    pub brands: Vec<String>,
    #[serde(default = "neutral")]
    pub sentiment: String,
    #[serde(default)]
    pub sentiment_override: Option<String>,
    #[serde(default = "new_status")]
    pub status: String,
    #[serde(default)]
    pub events: Vec<ExportEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating_scale: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment_score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment_reasons: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<serde_json::Value>,
}

fn neutral() -> String {
    "neutral".into()
}
fn new_status() -> String {
    "new".into()
}
fn status_kind() -> String {
    "status".into()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExportEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub reply_url: Option<String>,
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// `status` (default), `sentiment` or `edit`.
    #[serde(default = "status_kind")]
    pub kind: String,
    /// When Lyssna wrote the event down, if it differs from `at` (a reply marked the day after).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<DateTime<Utc>>,
    /// On an undo event: the position (0-based) in this line's `events` of the event it takes back.
    /// Undone transitions never happened for the metrics (the first reply, SLA figures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<usize>,
}

/// A rejected import: the line and what is wrong with it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ImportError {
    pub line: usize,
    pub message: String,
}

fn is_sentiment(s: &str) -> bool {
    matches!(s, "criticism" | "praise" | "neutral")
}

/// Links in a line that are not http(s): they end up as links in pages and mails, where a
/// `javascript:` or `data:` URL is an attack, so they are refused rather than stored.
fn url_problems(line: &ExportLine) -> Vec<String> {
    let events = line.events.iter().enumerate().map(|(j, e)| {
        (
            format!("event {}: reply_url", j + 1),
            e.reply_url.as_deref(),
        )
    });
    [
        ("url".to_string(), line.url.as_deref()),
        ("thread_url".to_string(), line.thread_url.as_deref()),
    ]
    .into_iter()
    .chain(events)
    .filter_map(|(field, value)| {
        let v = value?;
        dedup::canonical_url(v).is_none().then(|| {
            let shown: String = v.chars().take(60).collect();
            format!("{field} '{shown}' is not an http(s) URL; only http:// and https:// links can be imported")
        })
    })
    .collect()
}

/// Parses and checks an export file's lines. Blank lines are skipped. Every problem is reported.
pub fn parse_import(text: &str) -> Result<Vec<(usize, ExportLine)>, Vec<ImportError>> {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let mut ids = HashSet::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let err = |m: String| ImportError {
            line: n,
            message: m,
        };
        let mut line: ExportLine = match serde_json::from_str(raw) {
            Ok(l) => l,
            Err(e) => {
                errors.push(err(format!("not a mention line: {e}")));
                continue;
            }
        };
        let mut problems = Vec::new();
        if let Some(id) = &line.id
            && (id.is_empty()
                || id.len() > 64
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        {
            problems.push(format!(
                "id '{id}' must be 1 to 64 letters, digits, '_' or '-' (it appears in URLs)"
            ));
        }
        if let Some(id) = &line.id
            && !ids.insert(id.clone())
        {
            problems.push(format!("the id {id} appears twice in the file"));
        }
        if line.source.trim().is_empty() {
            problems.push("source is empty".to_string());
        }
        if line.body.trim().is_empty() && line.title.as_deref().is_none_or(|t| t.trim().is_empty())
        {
            problems.push("a mention needs a title or a body".to_string());
        }
        if !is_sentiment(&line.sentiment) {
            problems.push(format!(
                "unknown sentiment '{}' (criticism, praise or neutral)",
                line.sentiment
            ));
        }
        if let Some(o) = &line.sentiment_override
            && !is_sentiment(o)
        {
            problems.push(format!("unknown sentiment_override '{o}'"));
        }
        if let Err(e) = line.status.parse::<Status>() {
            problems.push(e);
        }
        problems.extend(url_problems(&line));
        for (j, e) in line.events.iter().enumerate() {
            match e.kind.as_str() {
                "status" => {
                    for v in [&e.from, &e.to].into_iter().flatten() {
                        if let Err(msg) = v.parse::<Status>() {
                            problems.push(format!("event {}: {msg}", j + 1));
                        }
                    }
                    if e.to.is_none() {
                        problems.push(format!("event {}: a status event needs 'to'", j + 1));
                    }
                }
                "sentiment" => {
                    for v in [&e.from, &e.to].into_iter().flatten() {
                        if !is_sentiment(v) {
                            problems.push(format!("event {}: unknown sentiment '{v}'", j + 1));
                        }
                    }
                }
                "edit" => {}
                k => problems.push(format!(
                    "event {}: unknown kind '{k}' (status, sentiment or edit)",
                    j + 1
                )),
            }
        }
        let mut previous: Option<&str> = None;
        for (j, e) in line.events.iter().enumerate() {
            if let Some(u) = e.undoes
                && (u >= j || line.events[u].kind != "status")
            {
                problems.push(format!(
                    "event {}: undoes {u}, which is not an earlier status event of this line",
                    j + 1
                ));
            }
            if e.kind != "status" {
                continue;
            }
            if let (Some(prev), Some(from)) = (previous, e.from.as_deref())
                && prev != from
            {
                problems.push(format!(
                    "event {}: goes from '{from}' but the mention was '{prev}' by then",
                    j + 1
                ));
            }
            previous = e.to.as_deref();
        }
        let last_status = line
            .events
            .iter()
            .rev()
            .find(|e| e.kind == "status")
            .and_then(|e| e.to.clone());
        match last_status {
            Some(to) if to != line.status => problems.push(format!(
                "status '{}' disagrees with the last status event, which goes to '{to}'",
                line.status
            )),
            None if line.status != "new" => {
                // A tool that knows only the outcome: record the outcome as one event at found_at.
                line.events.push(ExportEvent {
                    at: line.found_at,
                    actor: "import".into(),
                    from: Some("new".into()),
                    to: Some(line.status.clone()),
                    reason: None,
                    note: None,
                    reply_url: None,
                    until: None,
                    kind: "status".into(),
                    recorded_at: None,
                    undoes: None,
                });
            }
            _ => {}
        }
        if line.status == "snoozed"
            && line
                .events
                .iter()
                .rev()
                .find(|e| e.kind == "status")
                .is_some_and(|e| e.until.is_none())
        {
            problems.push("a snoozed mention needs `until` on its last status event".to_string());
        }
        if problems.is_empty() {
            lines.push((n, line));
        } else {
            errors.extend(problems.into_iter().map(err));
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(errors)
    }
}

impl Store {
    /// Every mention with its events, oldest first, as export lines.
    pub async fn export_all(&self) -> StoreResult<Vec<ExportLine>> {
        let sql = format!(
            "SELECT {MENTION_COLUMNS} FROM mentions m JOIN sources s ON s.id = m.source_id ORDER BY m.found_at, m.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        let ev_rows = sqlx::query(
            "SELECT id, mention_id, kind, at, recorded_at, actor, from_value, to_value, reason, note, reply_url, until, undoes \
             FROM events ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        // One pass over all events, grouped by mention; the line shape is the API's (`export_line`).
        let mut events: HashMap<String, Vec<super::EventRecord>> = HashMap::new();
        for r in &ev_rows {
            let mention_id: String = col(r, "mention_id")?;
            events
                .entry(mention_id)
                .or_default()
                .push(event_from_row(r)?);
        }
        rows.iter()
            .map(|r| {
                let m = mention_from_row(r)?;
                let evs = events.remove(&m.id).unwrap_or_default();
                Ok(super::export_line(m, evs))
            })
            .collect()
    }

    /// Stores checked import lines in one transaction: everything or, on any error, nothing.
    pub async fn import(
        &self,
        lines: &[(usize, ExportLine)],
        now: DateTime<Utc>,
    ) -> Result<usize, ImportError> {
        let db = |e: StoreError| ImportError {
            line: 0,
            message: e.to_string(),
        };
        let dbx = |e: sqlx::Error| ImportError {
            line: 0,
            message: format!("database error: {e}"),
        };
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await.map_err(dbx)?;

        let mut source_ids: HashMap<String, i64> = HashMap::new();
        for (_, l) in lines {
            if source_ids.contains_key(&l.source) {
                continue;
            }
            sqlx::query(
                "INSERT INTO sources (name, kind, in_config, health, created_at) VALUES ($1, 'manual', 0, 'ok', $2) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(l.source.as_str())
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(dbx)?;
            let row = sqlx::query("SELECT id FROM sources WHERE name = $1")
                .bind(l.source.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(dbx)?;
            source_ids.insert(l.source.clone(), col(&row, "id").map_err(db)?);
        }

        let ids: Vec<String> = lines
            .iter()
            .map(|(_, l)| l.id.clone().unwrap_or_else(|| new_id("m_")))
            .collect();
        // Ids already stored, looked up in batches (an import may hold a million lines).
        let numbered: Vec<(usize, &String)> = lines.iter().map(|(n, _)| *n).zip(&ids).collect();
        for chunk in numbered.chunks(super::chunk_rows(1)) {
            let sql = format!(
                "SELECT id FROM mentions WHERE id IN ({})",
                super::in_placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (_, id) in chunk {
                q = q.bind(id.as_str());
            }
            let taken: HashSet<String> = q
                .fetch_all(&mut *tx)
                .await
                .map_err(dbx)?
                .iter()
                .filter_map(|r| col::<String>(r, "id").ok())
                .collect();
            if let Some((n, id)) = chunk.iter().find(|(_, id)| taken.contains(*id)) {
                return Err(ImportError {
                    line: *n,
                    message: format!("a mention with id {id} is already stored"),
                });
            }
        }

        let candidates: Vec<Candidate> = lines
            .iter()
            .map(|(_, l)| Candidate {
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
                matches_json: l
                    .matches
                    .as_ref()
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "[]".into()),
                lang: l.lang.clone(),
                sentiment: l.sentiment.clone(),
                sentiment_score: l.sentiment_score.unwrap_or(0.0),
                sentiment_reasons_json: serde_json::to_string(
                    &l.sentiment_reasons.clone().unwrap_or_default(),
                )
                .unwrap_or_else(|_| "[]".into()),
                content_hash: dedup::content_hash(l.title.as_deref(), &l.body),
            })
            .collect();
        let mut rows = Vec::with_capacity(lines.len());
        let mut keys = Vec::new();
        let mut events = Vec::new();
        for (((_, l), id), c) in lines.iter().zip(&ids).zip(&candidates) {
            let status_events: Vec<&ExportEvent> =
                l.events.iter().filter(|e| e.kind == "status").collect();
            let undone: HashSet<usize> = l.events.iter().filter_map(|e| e.undoes).collect();
            let replied_at = l
                .events
                .iter()
                .enumerate()
                .find(|(j, e)| {
                    e.kind == "status"
                        && e.undoes.is_none()
                        && !undone.contains(j)
                        && e.to.as_deref() == Some("replied")
                })
                .map(|(_, e)| e.at);
            let snoozed_until = if l.status == "snoozed" {
                status_events.iter().rev().find_map(|e| e.until)
            } else {
                None
            };
            rows.push(MentionRow {
                id,
                source_id: source_ids[&l.source],
                c,
                found_at: l.found_at,
                updated_at: l.found_at,
                sentiment_override: l.sentiment_override.as_deref(),
                status: l.status.as_str(),
                snoozed_until,
                replied_at,
            });
            if let Some(u) = l.url.as_deref().and_then(dedup::url_key) {
                keys.push((format!("url:{u}"), id.clone()));
            } else {
                keys.push((format!("hash:{}", c.content_hash), id.clone()));
            }
            for e in &l.events {
                events.push(NewEvent {
                    mention_id: id,
                    kind: e.kind.as_str(),
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
                });
            }
        }
        insert_mentions(&mut tx, &rows).await.map_err(db)?;
        insert_keys(&mut tx, &keys).await.map_err(db)?;
        insert_events(&mut tx, &events).await.map_err(db)?;
        // Undo links point at event ids, known only now; undo events are rare, so one small query
        // per line that has them.
        for ((_, l), id) in lines.iter().zip(&ids) {
            if l.events.iter().all(|e| e.undoes.is_none()) {
                continue;
            }
            let stored: Vec<i64> =
                sqlx::query("SELECT id FROM events WHERE mention_id = $1 ORDER BY id")
                    .bind(id.as_str())
                    .fetch_all(&mut *tx)
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
                        .execute(&mut *tx)
                        .await
                        .map_err(dbx)?;
                }
            }
        }
        tx.commit().await.map_err(dbx)?;
        Ok(rows.len())
    }
}

/// `export --format csv`: one row per mention for spreadsheets (events summarised: the first reply).
pub fn export_csv(lines: &[ExportLine]) -> Vec<String> {
    let mut out = vec![
        "id,source,url,title,author,published_at,found_at,brands,sentiment,sentiment_override,status,replied_at,body"
            .to_string(),
    ];
    let t = |d: Option<DateTime<Utc>>| {
        d.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    for l in lines {
        let replied = l
            .events
            .iter()
            .find(|e| e.kind == "status" && e.to.as_deref() == Some("replied"))
            .map(|e| e.at);
        let fields = [
            l.id.clone().unwrap_or_default(),
            l.source.clone(),
            l.url.clone().unwrap_or_default(),
            l.title.clone().unwrap_or_default(),
            l.author.clone().unwrap_or_default(),
            t(l.published_at),
            t(Some(l.found_at)),
            l.brands.join(";"),
            l.sentiment.clone(),
            l.sentiment_override.clone().unwrap_or_default(),
            l.status.clone(),
            t(replied),
            l.body.clone(),
        ];
        out.push(
            fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    out
}
