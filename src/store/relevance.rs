//! What the relevance models learn from: every mention the leader has said something about, as one
//! labelled example per brand its text matched; and the leader's "about us", which ends a mention's
//! being held back.

use super::mentions::{NewEvent, insert_events};
use super::{MENTION_COLUMNS, MentionRecord, Store, StoreError, StoreResult, mention_from_row};
use crate::domain::mention::{EventKind, Status};
use crate::domain::relevance::{ABOUT_US, Example, label_of};
use chrono::{DateTime, Utc};

impl Store {
    /// One example per brand of every mention whose state says whether it is about us (see
    /// [`label_of`]), oldest first. Brands a mention has only by context are left out: where it was
    /// written made it ours, so its text teaches nothing about the name.
    pub async fn relevance_examples(&self) -> StoreResult<Vec<Example>> {
        let sql = format!(
            "SELECT {MENTION_COLUMNS} FROM mentions m JOIN sources s ON s.id = m.source_id \
             WHERE (m.status IN ('replied', 'no_reply_needed') OR m.sentiment_override IS NOT NULL \
             OR EXISTS (SELECT 1 FROM events e WHERE e.mention_id = m.id AND e.kind = 'relevance')) \
             AND {VISIBLE} ORDER BY m.found_at, m.id",
            VISIBLE = super::VISIBLE
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        let mentions: Vec<MentionRecord> = rows
            .iter()
            .map(mention_from_row)
            .collect::<StoreResult<_>>()?;
        let ids: Vec<&str> = mentions.iter().map(|m| m.id.as_str()).collect();
        let events = self.events_for_mentions(&ids).await?;
        let mut out = Vec::new();
        for m in &mentions {
            let ev = events.get(&m.id).map(Vec::as_slice).unwrap_or_default();
            let reason = ev
                .iter()
                .rev()
                .find(|e| e.kind == EventKind::Status && e.to.as_deref() == Some(m.status.as_str()))
                .and_then(|e| e.reason.as_deref());
            let confirmed = ev.iter().any(|e| e.kind == EventKind::Relevance);
            let Some(about_us) =
                label_of(m.status, reason, m.sentiment_override.is_some(), confirmed)
            else {
                continue;
            };
            out.extend(examples_of(m, about_us));
        }
        Ok(out)
    }

    /// The leader says a mention is about us: it leaves "Probably not about us" for the inbox, and
    /// the confirmation is an event (a positive label, carried by export and import).
    pub async fn confirm_about_us(
        &self,
        id: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<MentionRecord> {
        let m = self
            .mention(id)
            .await?
            .ok_or_else(|| StoreError::MentionNotFound(id.to_string()))?;
        let mut matches = m.matches.clone();
        matches.iter_mut().for_each(|x| x.held = false);
        let matches = serde_json::to_string(&matches).unwrap_or_else(|_| "[]".into());
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE mentions SET held_back = 0, matches = $1 WHERE id = $2")
            .bind(matches)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let event = NewEvent {
            to: Some(ABOUT_US),
            ..NewEvent::new(id, EventKind::Relevance, now, actor)
        };
        insert_events(&mut tx, &[event]).await?;
        tx.commit().await?;
        self.mention(id)
            .await?
            .ok_or_else(|| StoreError::MentionNotFound(id.to_string()))
    }
}

/// A stored mention as examples for its brands' models (brands it matched by its text only).
pub fn examples_of(m: &MentionRecord, about_us: bool) -> Vec<Example> {
    // A mention imported from another tool may name its brands without Lyssna's match details:
    // those brands count as matched by the text.
    let by_context = |brand: &str| {
        m.matches
            .iter()
            .any(|x| x.brand == brand && x.context.is_some())
    };
    m.brands
        .iter()
        .filter(|b| !by_context(b))
        .map(|brand| Example {
            brand: brand.clone(),
            title: m.title.clone().unwrap_or_default(),
            body: m.body.clone(),
            author: m.author.clone().unwrap_or_default(),
            url: m.url.clone().unwrap_or_default(),
            about_us,
        })
        .collect()
}

/// Whether a new status makes a label: see [`label_of`].
pub fn label_of_status(status: Status, reason: Option<&str>) -> Option<bool> {
    label_of(status, reason, false, false)
}

impl Store {
    /// The brands of the stored mentions among `post_ids` (the site's own ids of posts seen
    /// through source `source_id`): what a reply to one of them is about.
    pub async fn brands_of_posts(
        &self,
        source_id: i64,
        post_ids: &[String],
    ) -> StoreResult<std::collections::HashMap<String, Vec<String>>> {
        let mut out: std::collections::HashMap<String, Vec<String>> = Default::default();
        for id in post_ids {
            let key = format!("id:{source_id}:{id}");
            let rows = sqlx::query(
                "SELECT mb.brand FROM mention_keys k JOIN mention_brands mb ON mb.mention_id = k.mention_id \
                 WHERE k.key = $1 ORDER BY mb.brand",
            )
            .bind(key)
            .fetch_all(self.pool())
            .await?;
            for r in rows {
                out.entry(id.clone())
                    .or_default()
                    .push(super::col(&r, "brand")?);
            }
        }
        Ok(out)
    }
}
