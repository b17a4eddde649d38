//! Loading what the weekly report needs, and keeping generated reports.

use super::{Store, StoreError, StoreResult, col, from_ts, opt_from_ts, parsed_col, ts};
use crate::domain::mention::EventKind;
use crate::domain::mention::Status;
use crate::domain::report::{
    EventFacts, IsoWeekId, LoadWindow, MentionFacts, ReportSettings, WeeklyReport, load_window,
    weekly_report,
};
use crate::domain::sentiment::Label;
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;
use std::collections::{HashMap, HashSet};

/// What each mention contributes. Brands only matter for criticism (the by-brand table), so other
/// mentions send none: over a million rows, every string that is not decoded counts.
static FACT_COLUMNS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "m.id, m.source_id, \
         CASE WHEN COALESCE(m.sentiment_override, m.sentiment) = '{}' THEN m.brands END AS brands, \
         COALESCE(m.sentiment_override, m.sentiment) AS eff, m.found_at, m.published_at",
        Label::Criticism.as_str()
    )
});

impl Store {
    /// The weekly report for `week` as of `as_of` (PRODUCT §7): the facts loaded here, the arithmetic
    /// in `domain::report`. The CLI, the dashboard, the API and the mailer all ask this one function.
    pub async fn weekly_report(
        &self,
        week: IsoWeekId,
        as_of: DateTime<Utc>,
        settings: &ReportSettings,
    ) -> StoreResult<WeeklyReport> {
        let window = load_window(week, settings.timezone);
        let facts = self.report_facts(&window, as_of).await?;
        Ok(weekly_report(&facts, week, as_of, settings))
    }

    /// The facts the weekly report needs (see `domain::report::LoadWindow`): every mention found in the
    /// 12-week window, plus criticism found outside it that may still be open at `as_of`. Status events
    /// that were undone, and the undo events themselves, are left out: they never happened.
    pub async fn report_facts(
        &self,
        window: &LoadWindow,
        as_of: DateTime<Utc>,
    ) -> StoreResult<Vec<MentionFacts>> {
        let (facts, index) = self.report_mentions(window, as_of).await?;
        self.attach_report_events(window, facts, &index).await
    }

    /// The mentions of the report's window, plus criticism outside it that may still be open at
    /// `as_of`; with an index from mention id to position.
    async fn report_mentions(
        &self,
        window: &LoadWindow,
        as_of: DateTime<Utc>,
    ) -> StoreResult<(Vec<MentionFacts>, HashMap<String, usize>)> {
        let from = ts(window.found_from);
        let before = ts(window.found_before);
        let criticism = Label::Criticism.as_str();
        let fact_columns = FACT_COLUMNS.as_str();
        let open = format!("'{}', '{}'", Status::New.as_str(), Status::Snoozed.as_str());
        let inside = format!(
            "SELECT {fact_columns} FROM mentions m \
             WHERE m.found_at >= $1 AND m.found_at < $2 AND {VISIBLE}",
            VISIBLE = super::VISIBLE
        );
        // Criticism outside the window that may be open at as_of, in two index-friendly halves
        // (one query with `OR EXISTS` scanned every mention: 0.46 s of 1 M on SQLite): open now,
        // found through the inbox index (status, sort_rank = 0 for criticism, found_at); and
        // changed after as_of, found through events_at. A mention in both is kept once.
        let outside_open = format!(
            "SELECT {fact_columns} FROM mentions m \
             WHERE m.status IN ({open}) AND m.sort_rank = 0 \
             AND (m.found_at < $1 OR m.found_at >= $2) AND m.found_at <= $3 \
             AND COALESCE(m.sentiment_override, m.sentiment) = '{criticism}' AND {VISIBLE}",
            VISIBLE = super::VISIBLE
        );
        let outside_changed = format!(
            "SELECT {fact_columns} FROM mentions m \
             WHERE m.id IN (SELECT e.mention_id FROM events e WHERE e.at > $3) \
             AND (m.found_at < $1 OR m.found_at >= $2) AND m.found_at <= $3 \
             AND COALESCE(m.sentiment_override, m.sentiment) = '{criticism}' AND {VISIBLE}",
            VISIBLE = super::VISIBLE
        );
        let source_names: HashMap<i64, String> = sqlx::query("SELECT id, name FROM sources")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| Ok((col(r, "id")?, col(r, "name")?)))
            .collect::<StoreResult<_>>()?;
        let mut facts: Vec<MentionFacts> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        // Brand lists repeat a lot: parse each distinct JSON text once.
        let mut brand_cache: HashMap<String, Vec<String>> = HashMap::new();
        for sql in [inside, outside_open, outside_changed] {
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(from)
                .bind(before)
                .bind(ts(as_of))
                .fetch_all(self.pool())
                .await?;
            for r in &rows {
                let id: String = col(r, "id")?;
                if index.contains_key(&id) {
                    continue;
                }
                let brands = match col::<Option<String>>(r, "brands")? {
                    None => Vec::new(),
                    Some(json) => match brand_cache.get(&json) {
                        Some(b) => b.clone(),
                        None => {
                            let b: Vec<String> = serde_json::from_str(&json)
                                .map_err(|e| StoreError::Corrupt(format!("column brands: {e}")))?;
                            brand_cache.insert(json, b.clone());
                            b
                        }
                    },
                };
                let source_id: i64 = col(r, "source_id")?;
                index.insert(id, facts.len());
                facts.push(MentionFacts {
                    source: source_names.get(&source_id).cloned().unwrap_or_default(),
                    brands,
                    sentiment: parsed_col(r, "eff")?,
                    found_at: from_ts(col(r, "found_at")?),
                    published_at: opt_from_ts(col(r, "published_at")?),
                    events: Vec::new(),
                });
            }
        }
        Ok((facts, index))
    }

    /// The status events of the report's mentions (undone ones, and the undos, left out): the
    /// window's by a join on found_at, the few outside ones by id.
    async fn attach_report_events(
        &self,
        window: &LoadWindow,
        mut facts: Vec<MentionFacts>,
        index: &HashMap<String, usize>,
    ) -> StoreResult<Vec<MentionFacts>> {
        let from = ts(window.found_from);
        let before = ts(window.found_before);
        let status = EventKind::Status.as_str();
        let neutral = Label::Neutral.as_str();
        let ev_cols = "e.id, e.mention_id, e.at, e.from_value, e.to_value, e.undoes";
        let window_sql = format!(
            "SELECT {ev_cols} FROM events e JOIN mentions m ON m.id = e.mention_id \
             WHERE e.kind = '{status}' AND e.from_value IS NOT NULL AND m.found_at >= $1 AND m.found_at < $2 \
             AND COALESCE(m.sentiment_override, m.sentiment) <> '{neutral}' AND {VISIBLE}",
            VISIBLE = super::VISIBLE
        );
        let mut rows = sqlx::query(AssertSqlSafe(window_sql))
            .bind(from)
            .bind(before)
            .fetch_all(self.pool())
            .await?;
        let outside_ids: Vec<&String> = index
            .iter()
            .filter(|(_, i)| {
                let f = ts(facts[**i].found_at);
                f < from || f >= before
            })
            .map(|(id, _)| id)
            .collect();
        for chunk in outside_ids.chunks(super::chunk_rows(1)) {
            let sql = format!(
                "SELECT {ev_cols} FROM events e WHERE e.kind = '{status}' AND e.from_value IS NOT NULL \
                 AND e.mention_id IN ({})",
                super::in_placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.as_str());
            }
            rows.extend(q.fetch_all(self.pool()).await?);
        }
        let mut undone: HashSet<i64> = HashSet::new();
        let mut events: Vec<(i64, usize, EventFacts)> = Vec::with_capacity(rows.len());
        for r in &rows {
            if let Some(u) = col::<Option<i64>>(r, "undoes")? {
                undone.insert(u);
                continue;
            }
            let mention_id: String = col(r, "mention_id")?;
            let Some(&i) = index.get(&mention_id) else {
                continue;
            };
            events.push((
                col(r, "id")?,
                i,
                EventFacts {
                    at: from_ts(col(r, "at")?),
                    from: parsed_col(r, "from_value")?,
                    to: parsed_col(r, "to_value")?,
                },
            ));
        }
        // Events keep their recorded order (by id) within each mention.
        events.sort_unstable_by_key(|(id, _, _)| *id);
        for (id, i, e) in events {
            if !undone.contains(&id) {
                facts[i].events.push(e);
            }
        }
        Ok(facts)
    }
}
