//! Sources and their crawl state: health, conditional-GET validators, backoff, leases.

use super::{Backend, Store, StoreResult, col, from_ts, opt_from_ts, parsed_col, ts};
use crate::domain::health::SourceMemory;
use crate::domain::source::SourceKind;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;

pub use crate::domain::health::{Health, SourceState};

/// A source as stored, with its crawl state.
#[derive(Debug, Clone, Serialize)]
pub struct SourceRecord {
    pub id: i64,
    pub name: String,
    pub kind: SourceKind,
    pub url: Option<String>,
    pub schedule: String,
    pub in_config: bool,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub health: Health,
    pub last_error: Option<String>,
    pub consecutive_failures: i64,
    pub empty_streak: i64,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_new_item_at: Option<DateTime<Utc>>,
    pub next_check_at: Option<DateTime<Utc>>,
    pub items_found: i64,
    pub items_fingerprint: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the first of its watched threads is due (`None`: it watches none), read with the
    /// source so that a crawl asks for due threads only when there are some.
    #[serde(skip)]
    pub next_thread_check_at: Option<DateTime<Utc>>,
}

/// Sources named per statement when leasing or syncing them (SQLite looks up each `$N` by name, so
/// a statement's parameters cost quadratically: a few hundred keep that negligible).
const NAMES_PER_STATEMENT: usize = 250;

const SOURCE_COLUMNS: &str = "id, name, kind, url, schedule, in_config, etag, last_modified, health, last_error, \
     consecutive_failures, empty_streak, last_attempt_at, last_success_at, last_new_item_at, next_check_at, \
     items_found, items_fingerprint, created_at, \
     (SELECT MIN(t.next_check_at) FROM threads t WHERE t.source_id = sources.id \
      AND t.next_check_at IS NOT NULL) AS next_thread_check_at";

fn source_from_row(row: &AnyRow) -> StoreResult<SourceRecord> {
    Ok(SourceRecord {
        id: col(row, "id")?,
        name: col(row, "name")?,
        kind: parsed_col(row, "kind")?,
        url: col(row, "url")?,
        schedule: col(row, "schedule")?,
        in_config: col::<i64>(row, "in_config")? != 0,
        etag: col(row, "etag")?,
        last_modified: col(row, "last_modified")?,
        health: parsed_col(row, "health")?,
        last_error: col(row, "last_error")?,
        consecutive_failures: col(row, "consecutive_failures")?,
        empty_streak: col(row, "empty_streak")?,
        last_attempt_at: opt_from_ts(col(row, "last_attempt_at")?),
        last_success_at: opt_from_ts(col(row, "last_success_at")?),
        last_new_item_at: opt_from_ts(col(row, "last_new_item_at")?),
        next_check_at: opt_from_ts(col(row, "next_check_at")?),
        items_found: col(row, "items_found")?,
        items_fingerprint: col(row, "items_fingerprint")?,
        created_at: from_ts(col(row, "created_at")?),
        next_thread_check_at: opt_from_ts(col(row, "next_thread_check_at")?),
    })
}

impl SourceRecord {
    /// What the next crawl's health decision needs to know of the past.
    pub fn memory(&self) -> SourceMemory {
        SourceMemory {
            health: self.health,
            last_error: self.last_error.clone(),
            consecutive_failures: self.consecutive_failures,
            empty_streak: self.empty_streak,
            created_at: self.created_at,
            last_new_item_at: self.last_new_item_at,
            etag: self.etag.clone(),
            last_modified: self.last_modified.clone(),
            items_fingerprint: self.items_fingerprint.clone(),
        }
    }
}

/// What the configuration says about a source; `sync_sources` makes the table agree.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    pub name: String,
    pub kind: SourceKind,
    pub url: Option<String>,
    pub schedule: String,
}

impl Store {
    /// Upserts the configured sources by name (kind, url, schedule may change) and marks sources no
    /// longer in the configuration, without deleting them: their mentions stay. A source whose address
    /// or kind changed forgets its conditional-GET validators (the new page must be fetched in full),
    /// and one whose schedule changed is checked at once rather than at the old schedule's time.
    pub async fn sync_sources(&self, specs: &[SourceSpec], now: DateTime<Utc>) -> StoreResult<()> {
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        // Every start reads the sources once and writes only what the configuration changed: an
        // unchanged source costs nothing (before, 2,000 sources were two writes each per start).
        let rows = sqlx::query(
            "SELECT name, kind, url, schedule, in_config FROM sources WHERE kind <> $1",
        )
        .bind(SourceKind::Manual.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let mut stored = std::collections::HashMap::with_capacity(rows.len());
        for r in &rows {
            let name: String = col(r, "name")?;
            let kind: String = col(r, "kind")?;
            let url: Option<String> = col(r, "url")?;
            let schedule: String = col(r, "schedule")?;
            let in_config: i64 = col(r, "in_config")?;
            stored.insert(name, (kind, url, schedule, in_config == 1));
        }
        let configured: std::collections::HashSet<&str> =
            specs.iter().map(|s| s.name.as_str()).collect();
        let dropped: Vec<&str> = stored
            .iter()
            .filter(|(name, (.., in_config))| *in_config && !configured.contains(name.as_str()))
            .map(|(name, _)| name.as_str())
            .collect();
        for chunk in dropped.chunks(NAMES_PER_STATEMENT) {
            let sql = format!(
                "UPDATE sources SET in_config = 0 WHERE name IN ({})",
                super::in_placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for name in chunk {
                query = query.bind(*name);
            }
            query.execute(&mut *tx).await?;
        }
        for s in specs {
            let unchanged = stored
                .get(&s.name)
                .is_some_and(|(kind, url, schedule, in_config)| {
                    *in_config
                        && kind == s.kind.as_str()
                        && *url == s.url
                        && *schedule == s.schedule
                });
            if unchanged {
                continue;
            }
            sqlx::query(
                "INSERT INTO sources (name, kind, url, schedule, in_config, created_at) VALUES ($1, $2, $3, $4, 1, $5) \
                 ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, url = excluded.url, \
                 schedule = excluded.schedule, in_config = 1, \
                 etag = CASE WHEN sources.kind = excluded.kind AND COALESCE(sources.url, '') = COALESCE(excluded.url, '') \
                        THEN sources.etag END, \
                 last_modified = CASE WHEN sources.kind = excluded.kind AND COALESCE(sources.url, '') = COALESCE(excluded.url, '') \
                        THEN sources.last_modified END, \
                 items_fingerprint = CASE WHEN COALESCE(sources.url, '') = COALESCE(excluded.url, '') \
                        THEN sources.items_fingerprint END, \
                 next_check_at = CASE WHEN sources.schedule = excluded.schedule AND COALESCE(sources.url, '') = COALESCE(excluded.url, '') \
                        THEN sources.next_check_at END",
            )
            .bind(&s.name)
            .bind(s.kind.as_str())
            .bind(s.url.as_deref())
            .bind(&s.schedule)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The id of a source by name, creating it as a `manual` source when it does not exist (for manual
    /// mentions and for imports from another tool).
    pub async fn ensure_manual_source(&self, name: &str, now: DateTime<Utc>) -> StoreResult<i64> {
        sqlx::query(
            "INSERT INTO sources (name, kind, in_config, health, created_at) VALUES ($1, $3, 0, 'ok', $2) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(ts(now))
        .bind(SourceKind::Manual.as_str())
        .execute(self.pool())
        .await?;
        let row = sqlx::query("SELECT id FROM sources WHERE name = $1")
            .bind(name)
            .fetch_one(self.pool())
            .await?;
        col(&row, "id")
    }

    pub async fn sources(&self) -> StoreResult<Vec<SourceRecord>> {
        let sql = format!("SELECT {SOURCE_COLUMNS} FROM sources ORDER BY name");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(source_from_row).collect()
    }

    pub async fn source_by_name(&self, name: &str) -> StoreResult<Option<SourceRecord>> {
        let sql = format!("SELECT {SOURCE_COLUMNS} FROM sources WHERE name = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(source_from_row).transpose()
    }

    /// Leases up to `limit` configured sources that are due at `now` to `owner` until `lease_until`, so
    /// that several `lyssna worker` processes sharing one PostgreSQL database never crawl the same source
    /// at once (`FOR UPDATE SKIP LOCKED`). On SQLite there is one process, and a single UPDATE is atomic.
    pub async fn lease_due_sources(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<SourceRecord>> {
        let pick = match self.backend() {
            Backend::Postgres => {
                "SELECT id FROM sources WHERE in_config = 1 AND kind <> $5 \
                 AND (next_check_at IS NULL OR next_check_at <= $3) \
                 AND {free} \
                 ORDER BY next_check_at NULLS FIRST LIMIT $4 FOR UPDATE SKIP LOCKED"
            }
            Backend::Sqlite => {
                "SELECT id FROM sources WHERE in_config = 1 AND kind <> $5 \
                 AND (next_check_at IS NULL OR next_check_at <= $3) \
                 AND {free} \
                 ORDER BY next_check_at LIMIT $4"
            }
        };
        let pick = pick.replace("{free}", &super::lease_free("$3", "$6"));
        let sql = format!(
            "UPDATE sources SET lease_owner = $1, lease_until = $2 WHERE id IN ({pick}) RETURNING id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(owner)
            .bind(ts(lease_until))
            .bind(ts(now))
            .bind(limit)
            .bind(SourceKind::Manual.as_str())
            .bind(ts(now - super::WORKER_STALE_AFTER))
            .fetch_all(self.pool())
            .await?;
        let mut leased = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = col(r, "id")?;
            let sql = format!("SELECT {SOURCE_COLUMNS} FROM sources WHERE id = $1");
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(self.pool())
                .await?;
            leased.push(source_from_row(&row)?);
        }
        Ok(leased)
    }

    /// When the next configured source falls due (`None`: none is scheduled), so that the scheduler
    /// sleeps exactly that long.
    pub async fn next_due_at(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let row = sqlx::query(
            "SELECT MIN(COALESCE(next_check_at, 0)) AS at FROM sources WHERE in_config = 1 AND kind <> $1",
        )
        .bind(SourceKind::Manual.as_str())
        .fetch_one(self.pool())
        .await?;
        Ok(opt_from_ts(col(&row, "at")?))
    }

    /// Takes the leases of the named sources for an immediate crawl (`lyssna crawl`) in one
    /// transaction, before any of them is crawled: every host's queue is complete from the start, so
    /// the order of the sources in the configuration cannot keep a host waiting for the leasing loop.
    /// `None` for a source a live process holds (see [`Store::lease_refusal`] for who); an unknown
    /// name takes no lease at all.
    pub async fn lease_sources(
        &self,
        names: &[&str],
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Vec<Option<SourceRecord>>> {
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        let mut records = std::collections::HashMap::with_capacity(names.len());
        let mut taken = std::collections::HashSet::with_capacity(names.len());
        // A statement per chunk, not per source: each statement is a round trip to SQLite's
        // connection thread, which cost a 304 cycle over 2,000 sources more than its requests.
        for chunk in names.chunks(NAMES_PER_STATEMENT) {
            let n = chunk.len();
            let list = super::in_placeholders(1, n);
            let select = format!("SELECT {SOURCE_COLUMNS} FROM sources WHERE name IN ({list})");
            let mut query = sqlx::query(sqlx::AssertSqlSafe(select));
            for name in chunk {
                query = query.bind(*name);
            }
            for row in query.fetch_all(&mut *tx).await? {
                let rec = source_from_row(&row)?;
                records.insert(rec.name.clone(), rec);
            }
            let update = format!(
                "UPDATE sources SET lease_owner = ${}, lease_until = ${} WHERE name IN ({list}) AND {} \
                 RETURNING id",
                n + 1,
                n + 2,
                super::lease_free(&format!("${}", n + 3), &format!("${}", n + 4))
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(update));
            for name in chunk {
                query = query.bind(*name);
            }
            let rows = query
                .bind(owner)
                .bind(ts(lease_until))
                .bind(ts(now))
                .bind(ts(now - super::WORKER_STALE_AFTER))
                .fetch_all(&mut *tx)
                .await?;
            for row in &rows {
                taken.insert(col::<i64>(row, "id")?);
            }
        }
        let mut leased = Vec::with_capacity(names.len());
        for name in names {
            let Some(rec) = records.get(*name) else {
                // Dropping the transaction gives back the leases taken so far.
                return Err(super::StoreError::SourceNotFound(name.to_string()));
            };
            leased.push(taken.contains(&rec.id).then(|| rec.clone()));
        }
        tx.commit().await?;
        Ok(leased)
    }

    /// Takes one source's lease for an immediate crawl (`lyssna crawl`), unless a live process holds
    /// it (see [`Store::lease_refusal`] for who). Returns whether the lease was taken.
    pub async fn lease_source(
        &self,
        source_id: i64,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let sql = format!(
            "UPDATE sources SET lease_owner = $1, lease_until = $2 WHERE id = $3 AND {}",
            super::lease_free("$4", "$5")
        );
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(owner)
            .bind(ts(lease_until))
            .bind(source_id)
            .bind(ts(now))
            .bind(ts(now - super::WORKER_STALE_AFTER))
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Gives a source back without crawling it (e.g. on shutdown).
    pub async fn release_lease(&self, source_id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE sources SET lease_owner = NULL, lease_until = NULL WHERE id = $1")
            .bind(source_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// "Check now": the source becomes due immediately.
    pub async fn check_source_now(&self, name: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let r = sqlx::query("UPDATE sources SET next_check_at = $1 WHERE name = $2")
            .bind(ts(now))
            .bind(name)
            .execute(self.pool())
            .await?;
        if r.rows_affected() == 0 {
            return Err(super::StoreError::SourceNotFound(name.to_string()));
        }
        Ok(())
    }

    /// The most recent crawl runs of a source, newest first.
    pub async fn recent_runs(
        &self,
        source_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<CrawlRunRecord>> {
        let rows = sqlx::query(
            "SELECT started_at, finished_at, outcome, pages, unchanged, items, new_mentions, updated_mentions, error \
             FROM crawl_runs WHERE source_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(source_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CrawlRunRecord {
                    started_at: from_ts(col(r, "started_at")?),
                    finished_at: from_ts(col(r, "finished_at")?),
                    outcome: col(r, "outcome")?,
                    pages: col(r, "pages")?,
                    unchanged: col(r, "unchanged")?,
                    items: col(r, "items")?,
                    new_mentions: col(r, "new_mentions")?,
                    updated_mentions: col(r, "updated_mentions")?,
                    error: col(r, "error")?,
                })
            })
            .collect()
    }
}

/// One crawl of one source, as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct CrawlRunRecord {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// `ok`, `unchanged` or `failed`.
    pub outcome: String,
    pub pages: i64,
    pub unchanged: i64,
    pub items: i64,
    pub new_mentions: i64,
    pub updated_mentions: i64,
    pub error: Option<String>,
}
