//! This process in the store's registry of crawling processes: registered when it starts crawling,
//! a heartbeat every few seconds (which also keeps its leases), and removed with everything it holds
//! when it ends. Processes on this host that died without ending (kill -9, a crash, a power cut of a
//! container) are recognised by their pid at once; elsewhere by their silent heartbeat.

use crate::store::{Store, StoreResult, WorkerRecord, WorkerSpec};
use chrono::Utc;
use std::time::Duration;

/// How often the heartbeat is written (well inside `store::WORKER_STALE_AFTER`).
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// How long a lease lasts past the last heartbeat of its owner.
pub const LEASE: Duration = Duration::from_secs(10 * 60);

/// This process's registration; [`Registration::end`] removes it. Dropped without `end` (a panic,
/// an abort), the heartbeat stops and the row goes stale.
pub struct Registration {
    store: Store,
    spec: WorkerSpec,
    beat: tokio::task::JoinHandle<()>,
}

fn lease_until(now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    now + chrono::Duration::from_std(LEASE).unwrap_or_default()
}

impl Registration {
    /// Registers this process as `lyssna COMMAND`, first clearing out processes of this host that
    /// died without saying so.
    pub async fn start(store: &Store, command: &str) -> StoreResult<Registration> {
        reap_dead(store).await?;
        let (pid_start, host) = (own_start_time(), host_name());
        let spec = WorkerSpec {
            id: format!("{host}:{}:{}", std::process::id(), random_suffix()),
            host,
            pid: i64::from(std::process::id()),
            pid_start,
            command: command.to_string(),
        };
        store.register_worker(&spec, Utc::now()).await?;
        let beat = tokio::spawn(heartbeat_loop(store.clone(), spec.clone()));
        Ok(Registration {
            store: store.clone(),
            spec,
            beat,
        })
    }

    /// The id leases name.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// Ends the registration and gives back every lease and host turn still held, and removes
    /// what a big crawl of this process cut short left staged.
    pub async fn end(self) -> StoreResult<()> {
        self.beat.abort();
        self.store
            .remove_dead_workers(std::slice::from_ref(&self.spec.id))
            .await?;
        self.store.discard_abandoned_crawls(Utc::now()).await?;
        Ok(())
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.beat.abort();
    }
}

async fn heartbeat_loop(store: Store, spec: WorkerSpec) {
    let mut tick = tokio::time::interval(HEARTBEAT);
    tick.tick().await;
    loop {
        tick.tick().await;
        let now = Utc::now();
        match store.heartbeat(&spec.id, now, lease_until(now)).await {
            Ok(true) => {}
            // Taken for dead by another process (a pause longer than the stale limit): say so and
            // come back; the leases it released may have been taken by others meanwhile.
            Ok(false) => {
                tracing::warn!(worker = %spec.id, "this process was taken for dead; registering again");
                if let Err(e) = store.register_worker(&spec, now).await {
                    tracing::error!(error = %e, "registering again failed");
                }
            }
            Err(e) => tracing::warn!(error = %e, "writing the heartbeat failed"),
        }
        if let Err(e) = reap_dead(&store).await {
            tracing::warn!(error = %e, "looking for dead crawling processes failed");
        }
    }
}

/// Removes registered processes of this host whose pid is gone (or belongs to another program now),
/// releasing their leases, and the staged rows of big crawls whose owner is gone (see
/// `store::staging`). Returns how many processes.
pub async fn reap_dead(store: &Store) -> StoreResult<usize> {
    let host = host_name();
    let dead: Vec<String> = store
        .workers()
        .await?
        .into_iter()
        .filter(|w| w.spec.host == host && !is_alive(w))
        .map(|w| w.spec.id)
        .collect();
    if !dead.is_empty() {
        tracing::info!(
            processes = dead.len(),
            "released the leases of crawling processes that ended without giving them back"
        );
    }
    store.remove_dead_workers(&dead).await?;
    let crawls = store.discard_abandoned_crawls(Utc::now()).await?;
    if crawls > 0 {
        tracing::info!(
            crawls,
            "removed what big crawls cut short by their process's end had staged"
        );
    }
    Ok(dead.len())
}

/// Whether a process of this host is still the one that registered. Without `/proc` (not Linux)
/// nothing is known and the heartbeat decides.
fn is_alive(w: &WorkerRecord) -> bool {
    if !std::path::Path::new("/proc/self/stat").exists() {
        return true;
    }
    match start_time_of(&format!("/proc/{}/stat", w.spec.pid)) {
        Some(start) => w.spec.pid_start == 0 || start == w.spec.pid_start,
        None => false,
    }
}

/// Field 22 of `/proc/PID/stat`: when the process started, in clock ticks since boot. The command
/// name (field 2) may hold spaces and parentheses, so the fields are counted after its last `)`.
fn start_time_of(path: &str) -> Option<i64> {
    let stat = std::fs::read_to_string(path).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

fn own_start_time() -> i64 {
    start_time_of("/proc/self/stat").unwrap_or(0)
}

/// This machine's name (containers share a PID namespace only within one host name).
pub fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

fn random_suffix() -> String {
    use rand::Rng;
    format!("{:08x}", rand::rng().random::<u32>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_time_is_read_after_a_command_name_with_spaces_and_parentheses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stat");
        let fields: Vec<String> = (3..=22).map(|n| n.to_string()).collect();
        std::fs::write(&path, format!("42 (a) b (c) {}", fields.join(" "))).unwrap();
        assert_eq!(start_time_of(path.to_str().unwrap()), Some(22));
        assert_eq!(start_time_of("/nonexistent/stat"), None);
    }

    #[test]
    fn this_process_is_alive_and_a_reused_pid_is_not() {
        let spec = WorkerSpec {
            id: "x".into(),
            host: host_name(),
            pid: i64::from(std::process::id()),
            pid_start: own_start_time(),
            command: "crawl".into(),
        };
        let now = Utc::now();
        let me = WorkerRecord {
            spec: spec.clone(),
            started_at: now,
            heartbeat_at: now,
        };
        assert!(is_alive(&me));
        if std::path::Path::new("/proc/self/stat").exists() {
            let other = WorkerRecord {
                spec: WorkerSpec {
                    pid_start: spec.pid_start + 1,
                    ..spec
                },
                ..me
            };
            assert!(!is_alive(&other), "same pid, another start time");
        }
    }
}
