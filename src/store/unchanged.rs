//! Crawls whose pages all answered 304 Not Modified write only their source's next state and the
//! crawl run. Many of them end at once in a big cycle, so the
//! ingest step hands them over together and they share one transaction: one commit (one fsync on
//! SQLite) for the lot instead of one per source.

use super::mentions::{insert_crawl_run, write_source_state};
use super::{CrawlRecord, Store, StoreResult};
use crate::domain::health::SourceState;

impl Store {
    /// Stores each unchanged crawl's run and its source's next state (which also ends its lease),
    /// all in one transaction.
    pub async fn record_unchanged(&self, crawls: &[(CrawlRecord, SourceState)]) -> StoreResult<()> {
        if crawls.is_empty() {
            return Ok(());
        }
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        for (rec, state) in crawls {
            write_source_state(&mut tx, rec.source_id, state).await?;
            insert_crawl_run(&mut tx, rec, 0, 0).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
