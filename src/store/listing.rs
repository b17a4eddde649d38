//! Mentions with their events for the API: many mentions' events in one query, and the §8.1 line shape
//! the API shares with `lyssna export`.

use super::{
    EventRecord, ExportEvent, ExportLine, MentionRecord, Store, StoreResult, col, event_from_row,
    in_placeholders,
};
use sqlx::AssertSqlSafe;
use std::collections::HashMap;

/// The export line (PRODUCT §8.1) for a mention and its events (oldest first).
pub fn export_line(m: MentionRecord, events: Vec<EventRecord>) -> ExportLine {
    // Undo links become positions within the line, so that an import can restore them.
    let position: HashMap<i64, usize> = events.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
    ExportLine {
        events: events
            .into_iter()
            .map(|e| ExportEvent {
                undoes: e.undoes.and_then(|u| position.get(&u).copied()),
                recorded_at: (e.recorded_at != e.at).then_some(e.recorded_at),
                at: e.at,
                actor: e.actor,
                from: e.from,
                to: e.to,
                reason: e.reason,
                note: e.note,
                reply_url: e.reply_url,
                until: e.until,
                kind: e.kind,
            })
            .collect(),
        id: Some(m.id),
        source: m.source,
        url: m.url,
        thread_url: m.thread_url,
        title: m.title,
        body: m.body,
        author: m.author,
        published_at: m.published_at,
        found_at: m.found_at,
        brands: m.brands,
        sentiment: m.sentiment,
        sentiment_override: m.sentiment_override,
        status: m.status,
        rating: m.rating,
        rating_scale: m.rating_scale,
        lang: m.lang,
        sentiment_score: Some(m.sentiment_score),
        sentiment_reasons: Some(m.sentiment_reasons),
        matches: Some(m.matches),
    }
}

impl Store {
    /// A round trip to the database (the health check).
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1 AS one")
            .fetch_one(self.pool())
            .await?;
        Ok(())
    }

    /// The events of many mentions at once (one query per 30,000 ids), oldest first per mention.
    pub async fn events_for_mentions(
        &self,
        ids: &[&str],
    ) -> StoreResult<HashMap<String, Vec<EventRecord>>> {
        let mut out: HashMap<String, Vec<EventRecord>> = HashMap::new();
        for chunk in ids.chunks(super::chunk_rows(1)) {
            if chunk.is_empty() {
                continue;
            }
            let sql = format!(
                "SELECT id, mention_id, kind, at, recorded_at, actor, from_value, to_value, reason, note, reply_url, \
                 until, undoes FROM events WHERE mention_id IN ({}) ORDER BY id",
                in_placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(self.pool()).await? {
                let mention_id: String = col(&row, "mention_id")?;
                out.entry(mention_id)
                    .or_default()
                    .push(event_from_row(&row)?);
            }
        }
        Ok(out)
    }

    /// Mentions as export lines with their events, in the order given.
    pub async fn export_lines(&self, mentions: Vec<MentionRecord>) -> StoreResult<Vec<ExportLine>> {
        let ids: Vec<&str> = mentions.iter().map(|m| m.id.as_str()).collect();
        let mut events = self.events_for_mentions(&ids).await?;
        Ok(mentions
            .into_iter()
            .map(|m| {
                let ev = events.remove(&m.id).unwrap_or_default();
                export_line(m, ev)
            })
            .collect())
    }
}
