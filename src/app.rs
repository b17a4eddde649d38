//! The composition root: the store, the pipeline, the fetcher and the notifier are built once from the
//! configuration, and the web server and the scheduler run side by side on them, with graceful
//! shutdown. Tests start it on port 0.

use crate::config::Config;
use crate::ingest::Ingest;
use crate::net::{Fetcher, FetcherConfig, install_crypto_provider};
use crate::notify::Notifier;
use crate::scheduler::Scheduler;
use crate::store::{SourceSpec, Store};
use crate::web::Web;
use chrono::Utc;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;

/// How often the learned sentiment layer is retrained from the store.
const RELEARN_EVERY: chrono::Duration = chrono::Duration::minutes(10);

/// Everything a running Lyssna shares.
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    pub ingest: Ingest,
}

/// The fetcher settings a configuration asks for.
pub fn fetcher_config(config: &Config) -> FetcherConfig {
    FetcherConfig {
        user_agent: config.crawler.user_agent.clone(),
        per_host_delay: config.crawler.per_host_delay,
        connect_timeout: config.crawler.connect_timeout,
        timeout: config.crawler.timeout,
        max_body: config.crawler.max_body,
        max_redirects: config.crawler.max_redirects,
        respect_robots: config.crawler.respect_robots,
        robots_ttl: crate::net::ROBOTS_TTL,
        max_retry_wait: crate::net::MAX_RETRY_WAIT,
    }
}

impl App {
    /// Connects to the database (migrating it when `migrate` is set, else refusing an outdated
    /// schema), makes the sources table agree with the configuration, and compiles the pipeline.
    pub async fn build(config: Config, migrate: bool) -> anyhow::Result<App> {
        install_crypto_provider();
        for w in crate::config::warnings(&config) {
            tracing::warn!("{w}");
        }
        let store = Store::connect(&config.database_url).await?;
        if migrate {
            store.migrate().await?;
        } else {
            store.check_schema().await?;
        }
        // Disabled sources stay in the database with their mentions but are not scheduled.
        let specs: Vec<SourceSpec> = config
            .sources
            .iter()
            .filter(|s| s.enabled)
            .map(|s| SourceSpec {
                name: s.name.clone(),
                kind: s.kind,
                url: s.url.as_ref().map(|u| u.to_string()),
                schedule: s.schedule.to_string(),
            })
            .collect();
        store.sync_sources(&specs, Utc::now()).await?;
        let pipeline = Arc::new(config.pipeline().map_err(anyhow::Error::msg)?);
        let learned = crate::ingest::learning::relearn_overrides(&store, &pipeline).await?;
        let labels = crate::ingest::learning::relearn_relevance(&store, &pipeline).await?;
        if labels > 0 {
            tracing::info!(labels, "relevance: learned from the leader's marks");
        }
        if learned > 0 {
            tracing::info!(
                overrides = learned,
                "sentiment: learned from the leader's overrides"
            );
        }
        let fetcher = Fetcher::new(fetcher_config(&config))?;
        let config = Arc::new(config);
        let ingest = Ingest::new(config.clone(), store.clone(), fetcher, pipeline);
        Ok(App {
            config,
            store,
            ingest,
        })
    }

    /// A scheduler for this app (registered as `lyssna COMMAND`) with the notifier's calendar jobs and crawl listener, and the
    /// relearning of the sentiment overrides that other processes on the database may have added.
    pub fn scheduler(&self, command: &str) -> Scheduler {
        let mut scheduler = Scheduler::new(self.ingest.clone(), command);
        scheduler.add_job(self.relearn_job());
        match Notifier::new(self.store.clone(), self.config.clone()) {
            Ok(n) => {
                for job in n.calendar_jobs(Utc::now()) {
                    scheduler.add_job(job);
                }
                if let Some(listener) = n.new_mentions_listener() {
                    scheduler.on_crawl(Arc::new(move |report| listener(&report.new_mention_ids)));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "notifications are off: cannot build the webhook client")
            }
        }
        scheduler
    }

    /// Every `RELEARN_EVERY`, the learned layer is trained again from the stored overrides: a
    /// `worker` learns what the leader corrected on `serve`'s dashboard.
    fn relearn_job(&self) -> crate::notify::CalendarJob {
        let store = self.store.clone();
        let pipeline = self.ingest.pipeline.clone();
        let last = Arc::new(std::sync::Mutex::new(Utc::now()));
        Arc::new(move |now| {
            let due = {
                let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
                let due = now - *last >= RELEARN_EVERY;
                if due {
                    *last = now;
                }
                due
            };
            let (store, pipeline) = (store.clone(), pipeline.clone());
            Box::pin(async move {
                if due
                    && let Err(e) =
                        crate::ingest::learning::relearn_overrides(&store, &pipeline).await
                {
                    tracing::error!(error = %e, "relearning the sentiment overrides failed");
                }
                if due
                    && let Err(e) =
                        crate::ingest::learning::relearn_relevance(&store, &pipeline).await
                {
                    tracing::error!(error = %e, "relearning the relevance models failed");
                }
            })
        })
    }

    /// The dashboard's and the API's state.
    pub fn web(&self) -> Web {
        Web::new(
            self.config.clone(),
            self.store.clone(),
            self.ingest.pipeline.clone(),
        )
    }

    /// Binds the web server (port 0 picks a free port) and returns the address and the running task.
    pub async fn serve_web(
        &self,
        listen: SocketAddr,
        shutdown: watch::Receiver<bool>,
    ) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
        crate::web::serve(self.web(), listen, shutdown).await
    }
}

/// A watch channel that turns true on Ctrl-C or SIGTERM.
pub fn shutdown_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => {
                        let _ = ctrl_c.await;
                        let _ = tx.send(true);
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
        tracing::info!("shutting down: finishing crawls under way");
        let _ = tx.send(true);
    });
    rx
}
