//! The registry of crawling processes: each `serve`, `worker`, `crawl` and `demo` has a row with a
//! heartbeat, and a source's lease names its row. A lease whose owner stopped beating for
//! [`WORKER_STALE_AFTER`] is free again, and one whose owner is known dead (its row removed by
//! [`Store::remove_dead_workers`]) is released with it, so a killed process holds nothing for long.
//! A lease naming no registered process (written by an older Lyssna) lasts until its `lease_until`.

use super::{Store, StoreResult, col, from_ts, ts};
use chrono::{DateTime, Utc};

/// A registered process whose last heartbeat is older than this is taken for dead anywhere (on its
/// own host it is recognised at once by its pid). Heartbeats come every few seconds.
pub const WORKER_STALE_AFTER: chrono::Duration = chrono::Duration::seconds(30);

/// The SQL condition "the lease of `sources` may be taken at `$now`" (with `$stale` = now minus
/// [`WORKER_STALE_AFTER`]), shared by every query that takes a lease.
pub(crate) fn lease_free(now: &str, stale: &str) -> String {
    format!(
        "(sources.lease_until IS NULL OR sources.lease_until < {now} \
         OR EXISTS (SELECT 1 FROM workers w WHERE w.id = sources.lease_owner AND w.heartbeat_at < {stale}))"
    )
}

/// A crawling process, as it registers itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerSpec {
    pub id: String,
    pub host: String,
    pub pid: i64,
    pub pid_start: i64,
    /// What it is: `serve`, `worker`, `crawl`, `demo`.
    pub command: String,
}

/// A registered process with its last heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerRecord {
    pub spec: WorkerSpec,
    pub started_at: DateTime<Utc>,
    pub heartbeat_at: DateTime<Utc>,
}

impl WorkerRecord {
    /// "`lyssna worker` (pid 812 on host db1, seen 3 s ago)": who holds a lease, for the person
    /// wondering why a source was skipped.
    pub fn describe(&self, now: DateTime<Utc>) -> String {
        let age = (now - self.heartbeat_at).num_seconds().max(0);
        format!(
            "`lyssna {}` (pid {} on host {}, seen {age} s ago)",
            self.spec.command, self.spec.pid, self.spec.host
        )
    }
}

fn worker_from_row(row: &sqlx::any::AnyRow) -> StoreResult<WorkerRecord> {
    Ok(WorkerRecord {
        spec: WorkerSpec {
            id: col(row, "id")?,
            host: col(row, "host")?,
            pid: col(row, "pid")?,
            pid_start: col(row, "pid_start")?,
            command: col(row, "command")?,
        },
        started_at: from_ts(col(row, "started_at")?),
        heartbeat_at: from_ts(col(row, "heartbeat_at")?),
    })
}

/// Why a source's lease could not be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseRefusal {
    /// A live, registered process holds it.
    HeldBy(WorkerRecord),
    /// A process of an older Lyssna (not registered) holds it until then.
    HeldUntil { owner: String, until: DateTime<Utc> },
}

impl LeaseRefusal {
    pub fn describe(&self, now: DateTime<Utc>) -> String {
        match self {
            LeaseRefusal::HeldBy(w) => format!("{} is crawling it now", w.describe(now)),
            LeaseRefusal::HeldUntil { owner, until } => format!(
                "'{owner}' leased it until {} UTC",
                until.format("%Y-%m-%d %H:%M:%S")
            ),
        }
    }
}

const WORKER_COLUMNS: &str = "id, host, pid, pid_start, command, started_at, heartbeat_at";

impl Store {
    /// Adds a crawling process to the registry (or renews its row).
    pub async fn register_worker(&self, w: &WorkerSpec, now: DateTime<Utc>) -> StoreResult<()> {
        let _writer = self.writer().await;
        sqlx::query(
            "INSERT INTO workers (id, host, pid, pid_start, command, started_at, heartbeat_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
        )
        .bind(&w.id)
        .bind(&w.host)
        .bind(w.pid)
        .bind(w.pid_start)
        .bind(&w.command)
        .bind(ts(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A heartbeat: the process is alive, and the leases it holds last until `lease_until` (a crawl
    /// behind a long `Crawl-delay` keeps its source). Returns false when the row is gone (another
    /// process took this one for dead): the caller registers again.
    pub async fn heartbeat(
        &self,
        id: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        let beat = sqlx::query("UPDATE workers SET heartbeat_at = $1 WHERE id = $2")
            .bind(ts(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE sources SET lease_until = $1 WHERE lease_owner = $2")
            .bind(ts(lease_until))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(beat.rows_affected() == 1)
    }

    /// Every registered process.
    pub async fn workers(&self) -> StoreResult<Vec<WorkerRecord>> {
        let sql = format!("SELECT {WORKER_COLUMNS} FROM workers ORDER BY started_at, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(worker_from_row).collect()
    }

    /// Removes processes from the registry — one ending normally, or ones found dead — and gives back
    /// everything they held: source leases and host turns.
    pub async fn remove_dead_workers(&self, ids: &[String]) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        for id in ids {
            sqlx::query(
                "UPDATE sources SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE host_turns SET owner = NULL, held_until_ms = 0 WHERE owner = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM workers WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Who holds a source's lease at `now`, if anyone may not take it.
    pub async fn lease_refusal(
        &self,
        source_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<LeaseRefusal>> {
        let row = sqlx::query("SELECT lease_owner, lease_until FROM sources WHERE id = $1")
            .bind(source_id)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let owner: Option<String> = col(&row, "lease_owner")?;
        let until: Option<i64> = col(&row, "lease_until")?;
        let (Some(owner), Some(until)) = (owner, until) else {
            return Ok(None);
        };
        if until < ts(now) {
            return Ok(None);
        }
        let sql = format!("SELECT {WORKER_COLUMNS} FROM workers WHERE id = $1");
        let worker = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&owner)
            .fetch_optional(self.pool())
            .await?;
        match worker.as_ref().map(worker_from_row).transpose()? {
            Some(w) if w.heartbeat_at >= now - WORKER_STALE_AFTER => {
                Ok(Some(LeaseRefusal::HeldBy(w)))
            }
            Some(_) => Ok(None),
            None => Ok(Some(LeaseRefusal::HeldUntil {
                owner,
                until: from_ts(until),
            })),
        }
    }
}

impl Store {
    /// Tries to take `host`'s turn shared between processes for `owner`, holding it at most until
    /// `hold_until_ms` (a process that dies mid-request frees it then). `Ok(token)` when taken,
    /// `Err(wait_ms)` with how long to wait before asking again.
    pub async fn take_host_turn(
        &self,
        host: &str,
        owner: &str,
        now_ms: i64,
        hold_until_ms: i64,
    ) -> StoreResult<Result<i64, i64>> {
        let _writer = self.writer().await;
        sqlx::query(
            "INSERT INTO host_turns (host, owner, held_until_ms, next_allowed_ms) VALUES ($1, NULL, 0, 0) \
             ON CONFLICT (host) DO NOTHING",
        )
        .bind(host)
        .execute(self.pool())
        .await?;
        // A turn this process still holds is the previous request's, whose give-back is on its way:
        // the token moves on, so that late give-back releases nothing.
        let taken = sqlx::query(
            "UPDATE host_turns SET owner = $2, \
             held_until_ms = CASE WHEN owner = $2 AND held_until_ms >= $3 THEN held_until_ms + 1 ELSE $3 END \
             WHERE host = $1 AND (owner IS NULL OR owner = $2 OR held_until_ms < $4) AND next_allowed_ms <= $4 \
             RETURNING held_until_ms",
        )
        .bind(host)
        .bind(owner)
        .bind(hold_until_ms)
        .bind(now_ms)
        .fetch_optional(self.pool())
        .await?;
        if let Some(row) = taken {
            return Ok(Ok(col(&row, "held_until_ms")?));
        }
        let row = sqlx::query("SELECT owner, next_allowed_ms FROM host_turns WHERE host = $1")
            .bind(host)
            .fetch_one(self.pool())
            .await?;
        let owner: Option<String> = col(&row, "owner")?;
        let next: i64 = col(&row, "next_allowed_ms")?;
        // Held by another process: its give-back sets the next allowed time, so look again soon.
        let wait = if owner.is_some() { 20 } else { next - now_ms };
        Ok(Err(wait.clamp(5, 1_000)))
    }

    /// Gives back the turn taken with `token`: nobody sends to `host` before `next_allowed_ms`.
    pub async fn give_back_host_turn(
        &self,
        host: &str,
        owner: &str,
        token: i64,
        next_allowed_ms: i64,
    ) -> StoreResult<()> {
        let _writer = self.writer().await;
        sqlx::query(
            "UPDATE host_turns SET owner = NULL, held_until_ms = 0, next_allowed_ms = $4 \
             WHERE host = $1 AND owner = $2 AND held_until_ms = $3",
        )
        .bind(host)
        .bind(owner)
        .bind(token)
        .bind(next_allowed_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
