//! Crawls whose pages all answered 304 Not Modified write only their source's next state and the
//! crawl run. Many of them end at once in a big cycle, so the
//! ingest step hands them over together and they share one transaction: one commit (one fsync on
//! SQLite) for the lot instead of one per source.

use super::mentions::{insert_crawl_runs, write_source_states};
use super::{CrawlRecord, Store, StoreResult};
use crate::domain::health::SourceState;

/// Unchanged crawls per statement (13 parameters each for the state, 10 for the run).
const CRAWLS_PER_STATEMENT: usize = 50;

impl Store {
    /// Stores each unchanged crawl's run and its source's next state (which also ends its lease),
    /// all in one transaction.
    pub async fn record_unchanged(&self, crawls: &[(CrawlRecord, SourceState)]) -> StoreResult<()> {
        if crawls.is_empty() {
            return Ok(());
        }
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        // Multi-row statements: each statement is a round trip to SQLite's connection thread,
        // which was a large part of what a 304 costs.
        for chunk in crawls.chunks(CRAWLS_PER_STATEMENT) {
            let states: Vec<_> = chunk.iter().map(|(rec, s)| (rec.source_id, s)).collect();
            write_source_states(&mut tx, self.backend(), &states).await?;
            let runs: Vec<_> = chunk.iter().map(|(rec, _)| (rec, 0, 0)).collect();
            insert_crawl_runs(&mut tx, self.backend(), &runs).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
