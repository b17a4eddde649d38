//! Big crawls in bounded transactions, still all-or-nothing as seen from outside.
//!
//! SQLite has one writer at a time: a crawl of 270,000 items stored in one transaction held the write
//! lock for ~41 s, and every other writer (the leader's status changes, `mention add` from another
//! process, the scheduler's leases) waited until its busy timeout and failed. A crawl with more than
//! [`STAGE_ABOVE`] candidates is therefore stored in four steps:
//!
//! 1. **Plan** without the write lock: the known keys, `dedup::resolve` and the thread linking are
//!    read in a read transaction (on SQLite's WAL it blocks nobody).
//! 2. **Open a stage**: a row in `crawl_stages` naming the source and its lease owner (the worker of
//!    `workers`), in its own short transaction.
//! 3. **Stage** the new mentions in chunks (the first of [`STAGE_CHUNK`], the next ones sized to hold
//!    the lock about [`CHUNK_TIME`]), each chunk one short transaction with its keys, `new` events,
//!    brands and search entries, the mentions carrying `stage` = the stage's id.
//!    Every reader leaves out mentions whose stage is still pending ([`super::VISIBLE`], and the inbox
//!    counts subtract them), so nobody sees a half-stored crawl. Between chunks the writer lock is
//!    given back: a writer of this process queued on it gets its turn at once (the lock is FIFO), and
//!    on SQLite the crawl pauses [`CROSS_PROCESS_GAP`] so a writer of another process, which polls
//!    for the lock in SQLite's busy handler at most that far apart, finds it free.
//! 4. **Publish** in one transaction: the keys of stored mentions, the edits, the thread links and
//!    reply detection, the source's state, the crawl run, and the deletion of the stage's row, which
//!    makes all its mentions visible at once (their `stage` is left as it is; a stage id is never
//!    reused, so it stays visible).
//!
//! Dedup sees staged keys (the crawl's own, chunk after chunk, and another pending crawl's: such an
//! item counts as known, as it would behind that crawl's single transaction). A key taken meanwhile
//! by another writer, or a mention whose status changed under the thread linking, makes the plan
//! stale: the stage is discarded and the crawl planned again, as the single transaction does.
//!
//! A crawl that dies while staging (kill -9, an abort, a dropped future) leaves a stage whose owner
//! leaves the `workers` registry (recognised dead by its pid at the next start or by its silent
//! heartbeat) or that stops being touched for [`STAGE_STALE_AFTER`]:
//! [`Store::discard_abandoned_crawls`], run by the registry, removes its mentions chunk by chunk
//! (they were never visible) and then its row. Chunk, publish and discard all write the stage's row
//! first, so on PostgreSQL they wait for each other on that row: a discard never races a publish.
//!
//! Crawls of at most [`STAGE_ABOVE`] candidates keep the single transaction: it is short anyway.

use super::conversation::{self, Linked, ThreadLinking};
use super::mentions::{
    CrawlRecord, IngestSummary, KeyTaken, MAX_KEY_RACES, MentionRow, NewEvent, SYSTEM_ACTOR,
    insert_crawl_runs, insert_events, insert_keys, insert_mentions, known_for, update_edited,
    write_source_states,
};
use super::{Backend, Store, StoreError, StoreResult, col, from_ts, in_list, new_id, search, ts};
use crate::domain::dedup::{self, IngestPlan, Owner};
use crate::domain::health::SourceState;
use crate::domain::mention::{EventKind, EventReason, Status};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Any, AssertSqlSafe, Transaction};
use std::ops::Range;
use std::time::Duration;

/// A crawl with more candidates than this is staged in chunks; a smaller one is one transaction.
pub const STAGE_ABOVE: usize = 2_000;
/// New mentions in a crawl's first staged chunk, and at most in any: about 0.3 s of writing on an
/// idle 2-core machine with SQLite (BENCHMARKS.md, store).
pub const STAGE_CHUNK: usize = 2_000;
/// The fewest new mentions in a chunk, however slow the machine.
const STAGE_CHUNK_MIN: usize = 100;
/// How long a chunk should hold the write lock: the next chunk is sized from how long the last one
/// took, so that on a loaded machine (or a slow disk) other writers still wait a fraction of a
/// second, not a chunk's worth of whatever the machine can do.
const CHUNK_TIME: Duration = Duration::from_millis(250);
/// SQLite only: the pause after each chunk, as long as the longest sleep of SQLite's busy handler
/// (it polls after 1, 2, 5 … then every 100 ms), so a writer of another process sees the lock free.
const CROSS_PROCESS_GAP: Duration = Duration::from_millis(100);
/// A stage not written for this long belongs to a crawl that is gone, whatever its owner says (a
/// live crawl writes it every chunk, well under a second apart).
pub const STAGE_STALE_AFTER: chrono::Duration = chrono::Duration::minutes(5);

/// A big crawl being stored: its mentions so far are invisible until it is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingCrawl {
    pub id: i64,
    pub source_id: i64,
    /// The worker that holds (or held) the source's lease.
    pub owner: Option<String>,
    pub started_at: DateTime<Utc>,
    pub touched_at: DateTime<Utc>,
    /// Mentions staged so far.
    pub staged: i64,
}

/// One planned crawl on its way through the stage.
struct Staged<'a> {
    stage: i64,
    rec: &'a CrawlRecord,
    plan: &'a IngestPlan,
    threads: &'a [ThreadLinking],
    new_ids: &'a [String],
    now: DateTime<Utc>,
}

impl Store {
    /// [`Store::record_crawl`] for a crawl of more than [`STAGE_ABOVE`] candidates (see the module).
    pub(super) async fn record_staged(
        &self,
        rec: &CrawlRecord,
        decide_state: &mut impl FnMut(&IngestPlan) -> Option<SourceState>,
    ) -> StoreResult<(IngestSummary, Option<SourceState>)> {
        let now = rec.finished_at;
        let mut races = 0;
        loop {
            let (plan, threads) = self.plan_crawl(rec).await?;
            let state = decide_state(&plan);
            let new_ids: Vec<String> = plan.new.iter().map(|_| new_id("m_")).collect();
            let stage = self.open_stage(rec.source_id).await?;
            let staged = Staged {
                stage,
                rec,
                plan: &plan,
                threads: &threads,
                new_ids: &new_ids,
                now,
            };
            let outcome = match self.write_staged(&staged).await {
                Ok(Ok(())) => self.publish(&staged, state.as_ref()).await,
                Ok(Err(KeyTaken)) => Ok(Err(KeyTaken)),
                Err(e) => Err(e),
            };
            match outcome {
                Ok(Ok(linked)) => {
                    let summary = IngestSummary {
                        new_mentions: new_ids,
                        updated_mentions: plan.edits.len(),
                        already_known: plan.already_known,
                        replies_detected: linked.replied,
                        reopened: linked.reopened,
                    };
                    return Ok((summary, state));
                }
                Ok(Err(KeyTaken)) if races < MAX_KEY_RACES => {
                    races += 1;
                    self.discard_stage(stage).await?;
                }
                Ok(Err(KeyTaken)) => {
                    self.discard_stage(stage).await?;
                    return Err(StoreError::Invalid(format!(
                        "the crawl's items were stored by other crawls {races} times while it was \
                         being stored; it will be tried again on the next crawl"
                    )));
                }
                Err(e) => {
                    if let Err(d) = self.discard_stage(stage).await {
                        tracing::warn!(error = %d, stage, "discarding a failed crawl's stage failed; the registry will");
                    }
                    return Err(e);
                }
            }
        }
    }

    /// Step 1: what the crawl means, read without the write lock.
    async fn plan_crawl(&self, rec: &CrawlRecord) -> StoreResult<(IngestPlan, Vec<ThreadLinking>)> {
        let mut tx = self.pool().begin().await?;
        let known = known_for(&mut tx, &rec.candidates).await?;
        let mut plan = dedup::resolve(rec.source_id, &rec.candidates, &known);
        let threads = conversation::link_threads(&mut tx, rec, &mut plan, rec.finished_at).await?;
        tx.rollback().await?;
        Ok((plan, threads))
    }

    /// Step 2: the stage's row, owned by the source's lease holder when that is a registered
    /// worker (a lease of an unregistered holder names nobody whose death could be seen).
    async fn open_stage(&self, source_id: i64) -> StoreResult<i64> {
        let _writer = self.writer().await;
        let row = sqlx::query(
            "INSERT INTO crawl_stages (source_id, owner, started_at, touched_at) \
             SELECT s.id, w.id, $2, $2 FROM sources s LEFT JOIN workers w ON w.id = s.lease_owner \
             WHERE s.id = $1 RETURNING id",
        )
        .bind(source_id)
        .bind(ts(Utc::now()))
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::Invalid(format!("no source with id {source_id}")))?;
        col(&row, "id")
    }

    /// Step 3: the new mentions, chunk by chunk, each chunk its own transaction.
    async fn write_staged(&self, s: &Staged<'_>) -> StoreResult<Result<(), KeyTaken>> {
        let mut keys_of: Vec<Vec<(String, String)>> = vec![Vec::new(); s.new_ids.len()];
        for (key, owner) in &s.plan.new_keys {
            if let Owner::New(n) = owner {
                keys_of[*n].push((key.clone(), s.new_ids[*n].clone()));
            }
        }
        let (mut start, mut size) = (0, STAGE_CHUNK);
        while start < s.new_ids.len() {
            let end = (start + size).min(s.new_ids.len());
            let Ok(held) = self.write_chunk(s, start..end, &keys_of).await? else {
                return Ok(Err(KeyTaken));
            };
            size = next_chunk_size(end - start, held);
            if self.backend() == Backend::Sqlite {
                tokio::time::sleep(CROSS_PROCESS_GAP).await;
            }
            start = end;
        }
        Ok(Ok(()))
    }

    /// One chunk in one transaction; how long it held the write lock.
    async fn write_chunk(
        &self,
        s: &Staged<'_>,
        range: Range<usize>,
        keys_of: &[Vec<(String, String)>],
    ) -> StoreResult<Result<Duration, KeyTaken>> {
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        let held = std::time::Instant::now();
        touch_stage(&mut tx, s.stage).await?;
        let rows: Vec<MentionRow> = range
            .clone()
            .map(|n| MentionRow {
                id: &s.new_ids[n],
                source_id: s.rec.source_id,
                c: &s.rec.candidates[s.plan.new[n]],
                found_at: s.now,
                updated_at: s.now,
                sentiment_override: None,
                status: Status::New,
                snoozed_until: None,
                replied_at: None,
                stage: Some(s.stage),
            })
            .collect();
        insert_mentions(&mut tx, &rows).await?;
        let mut keys: Vec<(String, String)> = keys_of[range.clone()].concat();
        keys.sort_unstable();
        if insert_keys(&mut tx, &keys).await? != keys.len() as u64 {
            return Ok(Err(KeyTaken));
        }
        let events: Vec<NewEvent> = range
            .map(|n| NewEvent {
                to: Some("new"),
                reason: Some(EventReason::Found.as_str()),
                ..NewEvent::new(&s.new_ids[n], EventKind::Status, s.now, SYSTEM_ACTOR)
            })
            .collect();
        insert_events(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(Ok(held.elapsed()))
    }

    /// Step 4: everything that touches visible rows, and the stage's end, in one transaction.
    async fn publish(
        &self,
        s: &Staged<'_>,
        state: Option<&SourceState>,
    ) -> StoreResult<Result<Linked, KeyTaken>> {
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        touch_stage(&mut tx, s.stage).await?;
        let id_of = |owner: &Owner| match owner {
            Owner::Stored(id) => id.clone(),
            Owner::New(n) => s.new_ids[*n].clone(),
        };
        let mut keys: Vec<(String, String)> = s
            .plan
            .new_keys
            .iter()
            .filter(|(_, owner)| matches!(owner, Owner::Stored(_)))
            .map(|(key, owner)| (key.clone(), id_of(owner)))
            .collect();
        keys.sort_unstable();
        if insert_keys(&mut tx, &keys).await? != keys.len() as u64 {
            return Ok(Err(KeyTaken));
        }
        let edited: Vec<String> = s.plan.edits.iter().map(|(o, _)| id_of(o)).collect();
        for ((_, index), id) in s.plan.edits.iter().zip(&edited) {
            update_edited(&mut tx, id, &s.rec.candidates[*index], s.now).await?;
        }
        let events: Vec<NewEvent> = edited
            .iter()
            .map(|id| NewEvent {
                reason: Some(EventReason::Edited.as_str()),
                ..NewEvent::new(id, EventKind::Edit, s.now, SYSTEM_ACTOR)
            })
            .collect();
        insert_events(&mut tx, &events).await?;
        let linked =
            match conversation::apply_links(&mut tx, s.threads, s.plan, s.new_ids, s.now).await {
                Ok(linked) => linked,
                // A mention of the thread changed status since the plan: plan again.
                Err(StoreError::Conflict) => return Ok(Err(KeyTaken)),
                Err(e) => return Err(e),
            };
        if let Some(state) = state {
            write_source_states(&mut tx, self.backend(), &[(s.rec.source_id, state)]).await?;
            let run = (s.rec, s.new_ids.len(), s.plan.edits.len());
            insert_crawl_runs(&mut tx, self.backend(), &[run]).await?;
        }
        sqlx::query("DELETE FROM crawl_stages WHERE id = $1")
            .bind(s.stage)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(linked))
    }

    /// Removes a pending stage's mentions (never visible) chunk by chunk, then the stage. A stage
    /// published or discarded meanwhile is left alone.
    async fn discard_stage(&self, stage: i64) -> StoreResult<()> {
        loop {
            let _writer = self.writer().await;
            let mut tx = self.begin_write().await?;
            // Written first, like every step of a stage: on PostgreSQL this waits for a chunk or a
            // publish of the same stage in flight.
            let held = sqlx::query("UPDATE crawl_stages SET touched_at = touched_at WHERE id = $1")
                .bind(stage)
                .execute(&mut *tx)
                .await?;
            if held.rows_affected() == 0 {
                return Ok(());
            }
            let sql = format!("SELECT id FROM mentions WHERE stage = $1 LIMIT {STAGE_CHUNK}");
            let ids: Vec<String> = sqlx::query(AssertSqlSafe(sql))
                .bind(stage)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| col(r, "id"))
                .collect::<StoreResult<_>>()?;
            if ids.is_empty() {
                sqlx::query("DELETE FROM crawl_stages WHERE id = $1")
                    .bind(stage)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Ok(());
            }
            delete_mentions(&mut tx, &ids).await?;
            tx.commit().await?;
            drop(_writer);
            if self.backend() == Backend::Sqlite {
                tokio::time::sleep(CROSS_PROCESS_GAP).await;
            }
        }
    }

    /// Removes the stages of crawls that died while staging: their owner is no longer a live
    /// registered worker, or they were not written for [`STAGE_STALE_AFTER`]. Returns how many.
    pub async fn discard_abandoned_crawls(&self, now: DateTime<Utc>) -> StoreResult<usize> {
        let rows = sqlx::query(
            "SELECT cs.id FROM crawl_stages cs WHERE cs.touched_at < $1 OR (cs.owner IS NOT NULL AND \
             NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = cs.owner AND w.heartbeat_at >= $2)) \
             ORDER BY cs.id",
        )
        .bind(ts(now - STAGE_STALE_AFTER))
        .bind(ts(now - super::WORKER_STALE_AFTER))
        .fetch_all(self.pool())
        .await?;
        for row in &rows {
            self.discard_stage(col(row, "id")?).await?;
        }
        Ok(rows.len())
    }

    /// The big crawls being stored now (or left behind by a crawl that died), oldest first.
    pub async fn pending_crawls(&self) -> StoreResult<Vec<PendingCrawl>> {
        let rows = sqlx::query(
            "SELECT cs.id, cs.source_id, cs.owner, cs.started_at, cs.touched_at, \
             (SELECT COUNT(*) FROM mentions m WHERE m.stage = cs.id) AS staged \
             FROM crawl_stages cs ORDER BY cs.id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PendingCrawl {
                    id: col(r, "id")?,
                    source_id: col(r, "source_id")?,
                    owner: col(r, "owner")?,
                    started_at: from_ts(col(r, "started_at")?),
                    touched_at: from_ts(col(r, "touched_at")?),
                    staged: col(r, "staged")?,
                })
            })
            .collect()
    }
}

/// The next chunk's size after one of `size` mentions held the lock for `held`: scaled to take
/// [`CHUNK_TIME`], between [`STAGE_CHUNK_MIN`] and [`STAGE_CHUNK`].
fn next_chunk_size(size: usize, held: Duration) -> usize {
    let scaled = size as f64 * CHUNK_TIME.as_secs_f64() / held.as_secs_f64().max(1e-3);
    (scaled as usize).clamp(STAGE_CHUNK_MIN, STAGE_CHUNK)
}

/// Marks the stage alive, and fails when it is gone (taken for abandoned and discarded).
async fn touch_stage(tx: &mut Transaction<'_, Any>, stage: i64) -> StoreResult<()> {
    let r = sqlx::query("UPDATE crawl_stages SET touched_at = $1 WHERE id = $2")
        .bind(ts(Utc::now()))
        .bind(stage)
        .execute(&mut **tx)
        .await?;
    if r.rows_affected() != 1 {
        return Err(StoreError::Invalid(
            "the crawl stalled while it was being stored and was given up; it will be tried again \
             on the next crawl"
                .into(),
        ));
    }
    Ok(())
}

/// Deletes staged mentions with everything written with them.
async fn delete_mentions(tx: &mut Transaction<'_, Any>, ids: &[String]) -> StoreResult<()> {
    search::unindex_mentions(tx, ids).await?;
    let list = in_list(search::backend_of(tx), ids.len());
    for sql in [
        format!(
            "UPDATE thread_posts SET mention_id = NULL, role = NULL WHERE mention_id IN ({list})"
        ),
        format!("DELETE FROM mention_brands WHERE mention_id IN ({list})"),
        format!("DELETE FROM mention_keys WHERE mention_id IN ({list})"),
        format!("DELETE FROM events WHERE mention_id IN ({list})"),
        format!("DELETE FROM mentions WHERE id IN ({list})"),
    ] {
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            q = q.bind(id.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_sized_to_hold_the_lock_a_quarter_second() {
        assert_eq!(next_chunk_size(2_000, Duration::from_millis(500)), 1_000);
        assert_eq!(
            next_chunk_size(1_000, Duration::from_millis(100)),
            STAGE_CHUNK
        );
        assert_eq!(
            next_chunk_size(2_000, Duration::from_secs(60)),
            STAGE_CHUNK_MIN
        );
        assert_eq!(next_chunk_size(500, Duration::ZERO), STAGE_CHUNK);
    }
}
