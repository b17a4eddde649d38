//! The export line (PRODUCT §8.1): one mention with its events, as `lyssna export` writes it, the API
//! answers it and `lyssna import` reads it — and the rules an imported line must keep.

use crate::domain::dedup;
use crate::domain::mention::{EventKind, Status};
use crate::domain::query::MatchedBrand;
use crate::domain::sentiment::Label;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

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
    pub sentiment: Label,
    #[serde(default)]
    pub sentiment_override: Option<Label>,
    #[serde(default = "new_status")]
    pub status: Status,
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
    pub matches: Option<Vec<MatchedBrand>>,
}

fn neutral() -> Label {
    Label::Neutral
}
fn new_status() -> Status {
    Status::New
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
    #[serde(default)]
    pub kind: EventKind,
    /// When Lyssna wrote the event down, if it differs from `at` (a reply marked the day after).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<DateTime<Utc>>,
    /// On an undo event: the position (0-based) in this line's `events` of the event it takes back.
    /// Undone transitions never happened for the metrics (the first reply, SLA figures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<usize>,
}

impl ExportEvent {
    /// A status change with only its time, actor and statuses set (`from` is `None` for the event
    /// that records the mention as found).
    pub fn status(at: DateTime<Utc>, actor: &str, from: Option<Status>, to: Status) -> ExportEvent {
        ExportEvent {
            at,
            actor: actor.to_string(),
            from: from.map(|f| f.as_str().to_string()),
            to: Some(to.as_str().to_string()),
            reason: None,
            note: None,
            reply_url: None,
            until: None,
            kind: EventKind::Status,
            recorded_at: None,
            undoes: None,
        }
    }
}

/// A rejected import: the line and what is wrong with it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ImportError {
    pub line: usize,
    pub message: String,
}

fn is_sentiment(s: &str) -> bool {
    s.parse::<Label>().is_ok_and(|l| l.as_str() == s)
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

/// The longest line an import reads (a mention with a long text is a few hundred KB; a line of
/// gigabytes is a damaged file, and reading it whole would exhaust memory).
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Parses and checks an export file's lines. Blank lines are skipped. Every problem is reported.
pub fn parse_import(text: &str) -> Result<Vec<(usize, ExportLine)>, Vec<ImportError>> {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let mut ids = HashSet::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        match check_line(n, raw) {
            Ok(None) => {}
            Ok(Some(line)) => match &line.id {
                Some(id) if !ids.insert(id.clone()) => errors.push(ImportError {
                    line: n,
                    message: format!("the id {id} appears twice in the file"),
                }),
                _ => lines.push((n, line)),
            },
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(errors)
    }
}

/// Parses and checks one line of an export file (`n`: its number, from 1); `None` for a blank line.
/// Whether its id repeats another line's is the caller's to see: [`parse_import`] keeps the ids, a
/// streaming import lets the database tell (its ids are unique).
pub fn check_line(n: usize, raw: &str) -> Result<Option<ExportLine>, Vec<ImportError>> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    let err = |m: String| ImportError {
        line: n,
        message: m,
    };
    let mut line: ExportLine =
        serde_json::from_str(raw).map_err(|e| vec![err(format!("not a mention line: {e}"))])?;
    let mut problems = field_problems(&line);
    problems.extend(url_problems(&line));
    problems.extend(event_problems(&line.events));
    problems.extend(lifecycle_problems(&mut line));
    if problems.is_empty() {
        Ok(Some(line))
    } else {
        Err(problems.into_iter().map(err).collect())
    }
}

/// The line's own fields: a usable id, a source, some text.
fn field_problems(line: &ExportLine) -> Vec<String> {
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
    if line.source.trim().is_empty() {
        problems.push("source is empty".to_string());
    }
    if line.body.trim().is_empty() && line.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        problems.push("a mention needs a title or a body".to_string());
    }
    problems
}

/// Each event on its own: statuses and labels that exist, a status event that goes somewhere.
fn event_problems(events: &[ExportEvent]) -> Vec<String> {
    let mut problems = Vec::new();
    for (j, e) in events.iter().enumerate() {
        match e.kind {
            EventKind::Status => {
                for v in [&e.from, &e.to].into_iter().flatten() {
                    if let Err(msg) = v.parse::<Status>() {
                        problems.push(format!("event {}: {msg}", j + 1));
                    }
                }
                if e.to.is_none() {
                    problems.push(format!("event {}: a status event needs 'to'", j + 1));
                }
            }
            EventKind::Sentiment => {
                for v in [&e.from, &e.to].into_iter().flatten() {
                    if !is_sentiment(v) {
                        problems.push(format!("event {}: unknown sentiment '{v}'", j + 1));
                    }
                }
            }
            EventKind::Edit => {}
            EventKind::Relevance => {
                if e.to.as_deref() != Some(crate::domain::relevance::ABOUT_US) {
                    problems.push(format!(
                        "event {}: a relevance event's 'to' is '{}'",
                        j + 1,
                        crate::domain::relevance::ABOUT_US
                    ));
                }
            }
        }
    }
    problems
}

/// The events as a lifecycle: undo links point back at status events, each status event starts where
/// the previous one ended, the line's status is where the last one ends (a line with only an outcome
/// gets one event for it), and a snoozed mention says until when.
fn lifecycle_problems(line: &mut ExportLine) -> Vec<String> {
    let mut problems = Vec::new();
    let mut previous: Option<&str> = None;
    for (j, e) in line.events.iter().enumerate() {
        if let Some(u) = e.undoes
            && (u >= j || line.events[u].kind != EventKind::Status)
        {
            problems.push(format!(
                "event {}: undoes {u}, which is not an earlier status event of this line",
                j + 1
            ));
        }
        if e.kind != EventKind::Status {
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
        .find(|e| e.kind == EventKind::Status)
        .and_then(|e| e.to.clone());
    match last_status {
        Some(to) if to != line.status.as_str() => problems.push(format!(
            "status '{}' disagrees with the last status event, which goes to '{to}'",
            line.status
        )),
        None if line.status != Status::New => {
            // A tool that knows only the outcome: record the outcome as one event at found_at.
            line.events.push(ExportEvent::status(
                line.found_at,
                "import",
                Some(Status::New),
                line.status,
            ));
        }
        _ => {}
    }
    if line.status == Status::Snoozed
        && line
            .events
            .iter()
            .rev()
            .find(|e| e.kind == EventKind::Status)
            .is_some_and(|e| e.until.is_none())
    {
        problems.push("a snoozed mention needs `until` on its last status event".to_string());
    }
    problems
}
