//! Host turns held in the database, for several processes crawling from one PostgreSQL database:
//! "one request at a time per host, with the minimum delay" then holds across all of them, for
//! sources and thread pages alike (every fetch goes through the fetcher's turns).
//!
//! On SQLite one process crawls (the database has one writer), and a write per request would be
//! all cost: the in-process turns are the whole rule there.

use crate::ingest::Ingest;
use crate::net::SharedHostTurns;
use crate::store::{Backend, Store};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// The database's host turns, taken by one registered process.
struct DbHostTurns {
    store: Store,
    owner: String,
    /// A turn is held at most this long (the longest request and its body), so one held by a
    /// process that died mid-request frees itself.
    hold: Duration,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl SharedHostTurns for DbHostTurns {
    fn take<'a>(&'a self, host: &'a str) -> Pin<Box<dyn Future<Output = i64> + Send + 'a>> {
        Box::pin(async move {
            loop {
                let now = now_ms();
                let hold_until = now + self.hold.as_millis() as i64;
                match self
                    .store
                    .take_host_turn(host, &self.owner, now, hold_until)
                    .await
                {
                    Ok(Ok(token)) => return token,
                    Ok(Err(wait_ms)) => {
                        tokio::time::sleep(Duration::from_millis(wait_ms as u64)).await
                    }
                    Err(e) => {
                        // The database is away: this process still keeps its own turns, and the
                        // crawl goes on rather than stopping every host.
                        tracing::warn!(%host, error = %e, "taking the shared host turn failed");
                        return -1;
                    }
                }
            }
        })
    }

    fn give_back(
        &self,
        host: String,
        token: i64,
        delay: Duration,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        let store = self.store.clone();
        let owner = self.owner.clone();
        Box::pin(async move {
            let next = now_ms() + delay.as_millis() as i64;
            if let Err(e) = store.give_back_host_turn(&host, &owner, token, next).await {
                tracing::warn!(%host, error = %e, "giving back the shared host turn failed");
            }
        })
    }
}

/// Makes the fetcher take host turns from the database when it is PostgreSQL.
pub(super) fn share_on_postgres(ctx: &Ingest, owner: &str) {
    if ctx.store.backend() != Backend::Postgres {
        return;
    }
    let config = &ctx.config.crawler;
    ctx.fetcher.share_host_turns(Arc::new(DbHostTurns {
        store: ctx.store.clone(),
        owner: owner.to_string(),
        hold: config.timeout + config.connect_timeout + Duration::from_secs(5),
    }));
}
