//! Group commit for unchanged crawls: whoever finds the queue without a writer becomes it and stores
//! everything queued so far in one transaction ([`Store::record_unchanged`]); the others wait for
//! their answer. With one crawl at a time this is a plain write; with hundreds of 304s finishing
//! together they share a few commits.

use crate::domain::health::SourceState;
use crate::store::{CrawlRecord, Store, StoreError, StoreResult};
use std::sync::Mutex;
use tokio::sync::oneshot;

type Waiting = (
    CrawlRecord,
    SourceState,
    oneshot::Sender<Result<(), String>>,
);

#[derive(Default)]
pub struct GroupCommit {
    queue: Mutex<Vec<Waiting>>,
    writer: tokio::sync::Mutex<()>,
}

impl GroupCommit {
    /// Stores one unchanged crawl, with whatever others are queued beside it.
    pub async fn record(
        &self,
        store: &Store,
        record: CrawlRecord,
        state: SourceState,
    ) -> StoreResult<()> {
        let (tx, rx) = oneshot::channel();
        self.lock_queue().push((record, state, tx));
        {
            let _writer = self.writer.lock().await;
            let batch = std::mem::take(&mut *self.lock_queue());
            if !batch.is_empty() {
                let (crawls, answers): (Vec<_>, Vec<_>) =
                    batch.into_iter().map(|(r, s, a)| ((r, s), a)).unzip();
                let result = store
                    .record_unchanged(&crawls)
                    .await
                    .map_err(|e| e.to_string());
                for a in answers {
                    // A crawl that stopped waiting has nobody to tell.
                    let _ = a.send(result.clone());
                }
            }
        }
        match rx.await {
            Ok(result) => result.map_err(StoreError::Invalid),
            Err(_) => Err(StoreError::Invalid(
                "the crawl's result was not stored: the writer stopped".into(),
            )),
        }
    }

    fn lock_queue(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}
