//! The inbox's reads: filtered, keyset-paginated lists of mentions and the counts in the navigation.

use super::{
    Backend, MENTION_COLUMNS, MentionRecord, Store, StoreError, StoreResult, col, mention_from_row,
    sort_rank, ts,
};
use crate::domain::mention::Status;
use crate::domain::search::parse_search;
use crate::domain::sentiment::Label;
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

/// The inbox's clock: when the post was written where the source says so, else when Lyssna found it,
/// stored as `posted_at` when a mention is written. Rows are ordered by it and show it, and the date
/// filters use it (index `mentions_inbox_posted`).
pub(crate) const POSTED_AT: &str = "m.posted_at";

/// What the inbox (or the API) asks for. `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct InboxQuery {
    /// Defaults to `new` in the dashboard; the API passes what it is given.
    pub status: Option<Status>,
    pub sentiment: Option<Label>,
    pub brand: Option<String>,
    pub source: Option<String>,
    /// On the inbox's clock ([`POSTED_AT`]).
    pub posted_from: Option<DateTime<Utc>>,
    pub posted_before: Option<DateTime<Utc>>,
    /// Held back as probably not about us (`Some(true)`: only those; `Some(false)`: the inbox).
    pub held_back: Option<bool>,
    /// A search in the query language (`crate::domain::search`): what is typed into the inbox's
    /// search box; a search it cannot run is [`StoreError::Invalid`] with the reason.
    pub search: Option<String>,
    pub cursor: Option<Cursor>,
    pub limit: i64,
}

/// Where a page ends, in the inbox order: criticism first, then oldest first (by [`POSTED_AT`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub rank: i64,
    pub posted_at: i64,
    pub id: String,
}

impl Cursor {
    /// An opaque-looking but readable token: `RANK.POSTED_AT.ID`.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.rank, self.posted_at, self.id)
    }

    /// Where `m` stands in the inbox order.
    pub fn of(m: &MentionRecord) -> Cursor {
        Cursor {
            rank: sort_rank(m.effective_sentiment()),
            posted_at: ts(m.posted_at()),
            id: m.id.clone(),
        }
    }

    pub fn decode(s: &str) -> Result<Cursor, StoreError> {
        let bad = || StoreError::Invalid(format!("'{s}' is not a cursor from a previous page"));
        let mut parts = s.splitn(3, '.');
        let rank = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let posted_at = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let id = parts
            .next()
            .filter(|p| !p.is_empty())
            .ok_or_else(bad)?
            .to_string();
        Ok(Cursor {
            rank,
            posted_at,
            id,
        })
    }
}

/// One page of mentions and where the next begins.
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<MentionRecord>,
    pub next: Option<Cursor>,
}

/// The numbers in the navigation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxCounts {
    pub new: i64,
    pub new_criticism: i64,
    pub snoozed: i64,
    /// New mentions held back as probably not about us (not counted in `new`).
    pub held_back: i64,
}

/// Binds collected while a query is built (text or integer).
enum Bind {
    Text(String),
    Int(i64),
}

impl Store {
    /// A page of mentions in inbox order (criticism first, then oldest first).
    pub async fn inbox(&self, q: &InboxQuery) -> StoreResult<Page> {
        let mut wh: Vec<String> = vec![super::VISIBLE.to_string()];
        let mut binds: Vec<Bind> = Vec::new();
        let mut push = |clause: &str, b: Bind, wh: &mut Vec<String>| {
            binds.push(b);
            wh.push(clause.replace('?', &format!("${}", binds.len())));
        };
        if let Some(st) = q.status {
            push("m.status = ?", Bind::Text(st.as_str().into()), &mut wh);
        }
        if let Some(s) = &q.sentiment {
            push(
                "COALESCE(m.sentiment_override, m.sentiment) = ?",
                Bind::Text(s.as_str().into()),
                &mut wh,
            );
        }
        if let Some(b) = &q.brand {
            push(
                "EXISTS (SELECT 1 FROM mention_brands mb WHERE mb.mention_id = m.id AND mb.brand = ?)",
                Bind::Text(b.clone()),
                &mut wh,
            );
        }
        if let Some(s) = &q.source {
            push("s.name = ?", Bind::Text(s.clone()), &mut wh);
        }
        if let Some(h) = q.held_back {
            push("m.held_back = ?", Bind::Int(h as i64), &mut wh);
        }
        if let Some(t) = q.posted_from {
            push(&format!("{POSTED_AT} >= ?"), Bind::Int(ts(t)), &mut wh);
        }
        if let Some(t) = q.posted_before {
            push(&format!("{POSTED_AT} < ?"), Bind::Int(ts(t)), &mut wh);
        }
        if let Some(text) = q.search.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
            let parsed = parse_search(text).map_err(|e| StoreError::Invalid(e.0))?;
            let (clause, param) = self.search_condition(&parsed, binds.len() + 1).await?;
            binds.push(Bind::Text(param));
            wh.push(clause);
        }
        if let Some(c) = &q.cursor {
            binds.push(Bind::Int(c.rank));
            let a = binds.len();
            binds.push(Bind::Int(c.posted_at));
            binds.push(Bind::Text(c.id.clone()));
            wh.push(format!(
                "(m.sort_rank, {POSTED_AT}, m.id) > (${a}, ${}, ${})",
                a + 1,
                a + 2
            ));
        }
        let limit = q.limit.clamp(1, 500);
        let sql = format!(
            "SELECT {MENTION_COLUMNS}, m.sort_rank FROM mentions m JOIN sources s ON s.id = m.source_id {} \
             ORDER BY m.sort_rank, {POSTED_AT}, m.id LIMIT {}",
            format_args!("WHERE {}", wh.join(" AND ")),
            limit + 1
        );
        // A search is planned with its words (an unnamed statement): PostgreSQL's cached generic
        // plan cannot know a word is rare, walks the inbox order and probes the index for every open
        // mention (1.4 s at 1 M mentions) instead of starting from the few the index finds.
        let cached = q.search.is_none() || self.backend() == Backend::Sqlite;
        let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(cached);
        for b in &binds {
            query = match b {
                Bind::Text(s) => query.bind(s.as_str()),
                Bind::Int(i) => query.bind(*i),
            };
        }
        let rows = query.fetch_all(self.pool()).await?;
        let mut items = Vec::with_capacity(rows.len());
        let mut last: Option<Cursor> = None;
        for (i, r) in rows.iter().enumerate() {
            if i as i64 == limit {
                break;
            }
            let m = mention_from_row(r)?;
            last = Some(Cursor {
                rank: col(r, "sort_rank")?,
                posted_at: ts(m.posted_at()),
                id: m.id.clone(),
            });
            items.push(m);
        }
        let next = if rows.len() as i64 > limit {
            last
        } else {
            None
        };
        Ok(Page { items, next })
    }

    pub async fn inbox_counts(&self) -> StoreResult<InboxCounts> {
        // Each count less the mentions of big crawls still being written: the counts stay on the
        // status indexes (a visibility test per row would read every row), and the staged part is a
        // probe of the small stage index per pending crawl (none, nearly always). There the status
        // terms are written so that no index serves them (`status || ''`, `held_back + 0`), or
        // SQLite would walk every open mention through the status index instead.
        let count = |on_index: &str, off_index: &str| {
            format!(
                "(SELECT COUNT(*) FROM mentions WHERE {on_index}) - (SELECT COUNT(*) FROM mentions \
                 WHERE stage IS NOT NULL AND stage IN (SELECT cs.id FROM crawl_stages cs) AND {off_index})"
            )
        };
        let sql = format!(
            "SELECT {} AS n, {} AS c, {} AS s, {} AS h",
            count(
                "status = 'new' AND held_back = 0",
                "status || '' = 'new' AND held_back + 0 = 0"
            ),
            count(
                "status = 'new' AND held_back = 0 AND sort_rank = 0",
                "status || '' = 'new' AND held_back + 0 = 0 AND sort_rank + 0 = 0"
            ),
            count("status = 'snoozed'", "status || '' = 'snoozed'"),
            count(
                "status = 'new' AND held_back = 1",
                "status || '' = 'new' AND held_back + 0 = 1"
            ),
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .fetch_one(self.pool())
            .await?;
        Ok(InboxCounts {
            new: col(&row, "n")?,
            new_criticism: col(&row, "c")?,
            snoozed: col(&row, "s")?,
            held_back: col(&row, "h")?,
        })
    }

    /// The brand names that occur in stored mentions (for the inbox's filter menu).
    pub async fn brand_names(&self) -> StoreResult<Vec<String>> {
        let rows = sqlx::query("SELECT DISTINCT brand FROM mention_brands ORDER BY brand")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| col(r, "brand")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = Cursor {
            rank: 0,
            posted_at: 1_700_000_000,
            id: "m_abc.def".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        assert!(Cursor::decode("x.y.z").is_err());
        assert!(Cursor::decode("1.2.").is_err());
    }
}
