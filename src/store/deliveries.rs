//! Outgoing notifications (emails, webhooks) and their state, so that a report is never sent twice
//! for the same week and recipient — across restarts and with several processes — and failures are
//! retried and shown.
//!
//! One row per `(kind, key, recipient)` (UNIQUE in the schema). A row's life:
//!
//! ```text
//! pending ──claim──▶ sending ──▶ sent
//!    ▲                  │
//!    └──── failure ─────┤ (attempts < max: pending again, next_attempt_at = now + backoff)
//!                       ├──▶ failed       (gave up after the last attempt)
//!                       └──▶ interrupted  (the claim expired: the process died mid-send)
//! ```
//!
//! A claim is one conditional `UPDATE … WHERE status = 'pending'`: of two processes, exactly one sees
//! a changed row. An `interrupted` row is **not** retried automatically: the message may have gone
//! out before the process died, and "never twice" wins over "at least once"; it is listed by
//! [`Store::delivery_problems`] for a human to look at.
//!
//! Marker rows (`report_run`, `digest_run`) record that a calendar job ran for a week or an
//! occurrence; they are inserted in the same transaction as the deliveries they cause.

use super::{
    MENTION_COLUMNS, MentionRecord, Store, StoreResult, col, from_ts, mention_from_row,
    opt_from_ts, ts,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

/// A delivery about to be queued: what, for which key (a week, a mention id, a digest time), to
/// whom, and the exact payload to send (so that a retry sends the same bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub kind: String,
    pub key: String,
    pub recipient: String,
    pub payload: String,
}

/// One stored delivery, without its payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryRecord {
    pub id: i64,
    /// `report_email`, `report_webhook`, `criticism_webhook`, `digest_email`.
    pub kind: String,
    /// The week (`2026-W47`), the mention id, or the digest's time.
    pub key: String,
    /// A mail address or a webhook URL (see [`DeliveryRecord::recipient_label`] for display).
    pub recipient: String,
    /// `pending`, `sending`, `sent`, `failed`, `interrupted`.
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl DeliveryRecord {
    /// The recipient as it may be shown: webhook URLs often carry a secret in their path (Slack's
    /// do), so only scheme and host are kept.
    pub fn recipient_label(&self) -> String {
        match url::Url::parse(&self.recipient) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {
                format!("{}://{}/…", u.scheme(), u.host_str().unwrap_or(""))
            }
            _ => self.recipient.clone(),
        }
    }
}

/// A claimed delivery with its payload, ready to send.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub record: DeliveryRecord,
    pub payload: String,
}

/// The fields `match --stored` looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredText {
    pub id: String,
    pub title: Option<String>,
    pub body: String,
    pub author: Option<String>,
    pub url: Option<String>,
    pub lang: Option<String>,
    pub brands: Vec<String>,
}

const DELIVERY_COLUMNS: &str =
    "id, kind, key, recipient, status, attempts, last_error, next_attempt_at, sent_at";

fn delivery_from_row(r: &AnyRow) -> StoreResult<DeliveryRecord> {
    Ok(DeliveryRecord {
        id: col(r, "id")?,
        kind: col(r, "kind")?,
        key: col(r, "key")?,
        recipient: col(r, "recipient")?,
        status: col(r, "status")?,
        attempts: col(r, "attempts")?,
        last_error: col(r, "last_error")?,
        next_attempt_at: opt_from_ts(col(r, "next_attempt_at")?),
        sent_at: opt_from_ts(col(r, "sent_at")?),
    })
}

/// Kinds of marker rows (not deliveries: never listed as problems).
const MARKER_KINDS: &str = "('report_run', 'digest_run')";

impl Store {
    /// Records that the calendar job `marker_kind` ran for `key`, stores the generated report (when
    /// given) and queues `deliveries`, all in one transaction. Returns false, changing nothing, when
    /// the marker already exists: another process, or this one before a restart, did it.
    pub async fn enqueue_job(
        &self,
        marker_kind: &str,
        key: &str,
        report: Option<&str>,
        deliveries: &[NewDelivery],
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO deliveries (kind, key, recipient, status, attempts, sent_at) \
             VALUES ($1, $2, '', 'sent', 1, $3) ON CONFLICT (kind, key, recipient) DO NOTHING",
        )
        .bind(marker_kind)
        .bind(key)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Some(body) = report {
            sqlx::query(
                "INSERT INTO reports (week, generated_at, body) VALUES ($1, $2, $3) \
                 ON CONFLICT (week) DO UPDATE SET generated_at = excluded.generated_at, body = excluded.body",
            )
            .bind(key)
            .bind(ts(now))
            .bind(body)
            .execute(&mut *tx)
            .await?;
        }
        for d in deliveries {
            insert_delivery(&mut tx, d, now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Queues one delivery unless a row for `(kind, key, recipient)` exists. Returns whether it was
    /// queued.
    pub async fn enqueue_delivery(&self, d: &NewDelivery, now: DateTime<Utc>) -> StoreResult<bool> {
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        let n = insert_delivery(&mut tx, d, now).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Whether the marker `(kind, key)` exists (the job ran).
    pub async fn job_done(&self, marker_kind: &str, key: &str) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM deliveries WHERE kind = $1 AND key = $2 AND recipient = ''",
        )
        .bind(marker_kind)
        .bind(key)
        .fetch_one(self.pool())
        .await?;
        Ok(col::<i64>(&row, "n")? > 0)
    }

    /// Claims up to `limit` pending deliveries that are due at `now`, marking each `sending` until
    /// `lease_until`. Only rows this call changed are returned, so two processes never get the same
    /// row.
    pub async fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        let rows = sqlx::query(
            "SELECT id FROM deliveries WHERE status = 'pending' \
             AND (next_attempt_at IS NULL OR next_attempt_at <= $1) ORDER BY id LIMIT $2",
        )
        .bind(ts(now))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let id: i64 = col(&r, "id")?;
            let changed = sqlx::query(
                "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, next_attempt_at = $2 \
                 WHERE id = $1 AND status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= $3)",
            )
            .bind(id)
            .bind(ts(lease_until))
            .bind(ts(now))
            .execute(self.pool())
            .await?
            .rows_affected();
            if changed == 0 {
                continue;
            }
            let sql = format!("SELECT {DELIVERY_COLUMNS}, payload FROM deliveries WHERE id = $1");
            let row = sqlx::query(AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(self.pool())
                .await?;
            out.push(ClaimedDelivery {
                record: delivery_from_row(&row)?,
                payload: col(&row, "payload")?,
            });
        }
        Ok(out)
    }

    /// A claimed delivery went out.
    pub async fn delivery_sent(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE deliveries SET status = 'sent', sent_at = $2, next_attempt_at = NULL, last_error = NULL \
             WHERE id = $1",
        )
        .bind(id)
        .bind(ts(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A claimed delivery failed: pending again at `retry_at`, or `failed` for good when `None`.
    pub async fn delivery_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let status = if retry_at.is_some() {
            "pending"
        } else {
            "failed"
        };
        sqlx::query(
            "UPDATE deliveries SET status = $2, last_error = $3, next_attempt_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(error)
        .bind(retry_at.map(ts))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Claims whose lease ran out (the process died while sending) become `interrupted`: not retried,
    /// because the message may have gone out. Returns how many.
    pub async fn expire_delivery_claims(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        Ok(sqlx::query(
            "UPDATE deliveries SET status = 'interrupted', \
             last_error = 'Lyssna stopped while sending; not retried automatically, as it may have been sent' \
             WHERE status = 'sending' AND next_attempt_at < $1",
        )
        .bind(ts(now))
        .execute(self.pool())
        .await?
        .rows_affected())
    }

    /// Deliveries that need attention, newest first: given up (`failed`), `interrupted`, or waiting
    /// for a retry after an error. For the dashboard.
    pub async fn delivery_problems(&self) -> StoreResult<Vec<DeliveryRecord>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE kind NOT IN {MARKER_KINDS} \
             AND (status IN ('failed', 'interrupted') OR (status = 'pending' AND last_error IS NOT NULL)) \
             ORDER BY id DESC LIMIT 200"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(delivery_from_row).collect()
    }

    /// Every delivery of `kind` (and `key`, when given), oldest first.
    pub async fn deliveries(
        &self,
        kind: &str,
        key: Option<&str>,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE kind = $1 AND ($2 = '' OR key = $2) ORDER BY id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(kind)
            .bind(key.unwrap_or(""))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(delivery_from_row).collect()
    }

    /// A stored report (its JSON) and when it was generated.
    pub async fn stored_report(&self, week: &str) -> StoreResult<Option<(DateTime<Utc>, String)>> {
        let row = sqlx::query("SELECT generated_at, body FROM reports WHERE week = $1")
            .bind(week)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok((from_ts(col(&r, "generated_at")?), col(&r, "body")?)))
            .transpose()
    }

    /// Criticism (effective sentiment) found in `[from, before)` that is still open (`new` or
    /// `snoozed`), oldest first: the morning digest.
    pub async fn open_criticism_found(
        &self,
        from: DateTime<Utc>,
        before: DateTime<Utc>,
    ) -> StoreResult<Vec<MentionRecord>> {
        let sql = format!(
            "SELECT {MENTION_COLUMNS} FROM mentions m JOIN sources s ON s.id = m.source_id \
             WHERE m.found_at >= $1 AND m.found_at < $2 AND m.status IN ($3, $4) \
             AND COALESCE(m.sentiment_override, m.sentiment) = $5 AND {VISIBLE} ORDER BY m.found_at, m.id",
            VISIBLE = super::VISIBLE
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(ts(from))
            .bind(ts(before))
            .bind(crate::domain::mention::Status::New.as_str())
            .bind(crate::domain::mention::Status::Snoozed.as_str())
            .bind(crate::domain::sentiment::Label::Criticism.as_str())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(mention_from_row).collect()
    }

    /// One page of stored mentions' matchable text, in id order after `after` (exclusive; `""` to
    /// start): `match --stored` walks all mentions this way without holding them all in memory.
    pub async fn stored_texts(&self, after: &str, limit: i64) -> StoreResult<Vec<StoredText>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, title, body, author, url, lang, brands FROM mentions m WHERE id > $1 AND {} \
             ORDER BY id LIMIT $2",
            super::VISIBLE
        )))
        .bind(after)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let brands: String = col(r, "brands")?;
                Ok(StoredText {
                    id: col(r, "id")?,
                    title: col(r, "title")?,
                    body: col(r, "body")?,
                    author: col(r, "author")?,
                    url: col(r, "url")?,
                    lang: col(r, "lang")?,
                    brands: serde_json::from_str(&brands).unwrap_or_default(),
                })
            })
            .collect()
    }
}

async fn insert_delivery(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    d: &NewDelivery,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let n = sqlx::query(
        "INSERT INTO deliveries (kind, key, recipient, status, attempts, next_attempt_at, payload) \
         VALUES ($1, $2, $3, 'pending', 0, $4, $5) ON CONFLICT (kind, key, recipient) DO NOTHING",
    )
    .bind(d.kind.as_str())
    .bind(d.key.as_str())
    .bind(d.recipient.as_str())
    .bind(ts(now))
    .bind(d.payload.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}
