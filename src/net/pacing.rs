//! Per-host politeness: one request at a time, a minimum gap between requests, and the back-off a
//! server asked for with `Retry-After`.
//!
//! Each host gets a `tokio::sync::Mutex`; a fetch holds it (a [`HostTurn`]) for the whole
//! exchange, body included, so requests to one host queue up while other hosts proceed in
//! parallel. The gap is measured from the *end* of the previous request, which is the polite
//! reading of "a minimum delay between requests" when a server is slow. A small hand-written
//! pacer rather than `governor`: a token bucket does not give "one at a time", and the state per
//! host is three fields.
//!
//! Hosts are keyed by host name without port (two ports on one machine are one server to be
//! polite to). The map only grows with the number of distinct hosts the sources name, which is
//! small for a self-hosted monitor, so entries are never evicted.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};
use tokio::time::Instant;

/// What the fetcher remembers about one host.
#[derive(Debug, Default)]
pub(crate) struct HostState {
    /// No request may start before this instant (end of the last request + delay).
    next_allowed: Option<Instant>,
    /// The host's robots.txt `Crawl-delay`, already capped; raises the configured delay.
    crawl_delay: Option<Duration>,
    /// The server asked us to stay away until then (`Retry-After`), with the status that said so.
    backoff: Option<(Instant, u16)>,
}

/// Host turns shared with other Lyssna processes on one database (several `lyssna worker`s): the
/// in-process turn says "one request at a time from here"; this says "and from nowhere else", and
/// carries the gap between processes. Implemented over the store by the scheduler.
pub trait SharedHostTurns: Send + Sync + 'static {
    /// Waits until no other process is sending to `host` and its gap has passed, and takes the turn.
    /// Returns the token that gives back this turn and no later one.
    fn take<'a>(&'a self, host: &'a str) -> Pin<Box<dyn Future<Output = i64> + Send + 'a>>;
    /// Gives the turn back: no process may send to `host` for `delay` from now.
    fn give_back(
        &self,
        host: String,
        token: i64,
        delay: Duration,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
}

/// All hosts' states.
#[derive(Default)]
pub(crate) struct Pacer {
    hosts: Mutex<HashMap<String, Arc<AsyncMutex<HostState>>>>,
    shared: OnceLock<Arc<dyn SharedHostTurns>>,
}

impl std::fmt::Debug for Pacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pacer")
            .field("shared", &self.shared.get().is_some())
            .finish_non_exhaustive()
    }
}

impl Pacer {
    /// From now on, turns are also taken from `shared` (set once; later calls are ignored).
    pub(crate) fn share(&self, shared: Arc<dyn SharedHostTurns>) {
        let _ = self.shared.set(shared);
    }

    /// When a request to `host` may start (its gap and any back-off have passed), once no other
    /// fetch from here holds it; `None` when that is now. Nothing is taken: a crawl waits for its
    /// host before it takes a concurrency slot, so politeness on one host never idles the others.
    pub(crate) async fn ready_at(&self, host: &str) -> Option<Instant> {
        let cell = self.cell(host);
        let state = cell.lock().await;
        let backoff = state.backoff.map(|(until, _)| until);
        let ready = match (state.next_allowed, backoff) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        ready.filter(|at| *at > Instant::now())
    }

    fn cell(&self, host: &str) -> Arc<AsyncMutex<HostState>> {
        // A poisoned map only means another task panicked while inserting; the map itself
        // is still consistent, so keep using it rather than propagating the panic.
        let mut hosts = self
            .hosts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(hosts.entry(host.to_ascii_lowercase()).or_default())
    }

    /// Waits for exclusive use of `host` (other fetches to it queue here) and returns the turn.
    pub(crate) async fn acquire(&self, host: &str, base_delay: Duration) -> HostTurn {
        let cell = self.cell(host);
        HostTurn {
            state: cell.lock_owned().await,
            base_delay,
            in_flight: false,
            host: host.to_ascii_lowercase(),
            shared: self.shared.get().cloned(),
            shared_held: None,
        }
    }
}

/// Exclusive use of one host. Every request made through it is spaced from the previous one;
/// dropping the turn (also on error or cancellation) records the end of the last request.
pub(crate) struct HostTurn {
    state: OwnedMutexGuard<HostState>,
    base_delay: Duration,
    in_flight: bool,
    host: String,
    shared: Option<Arc<dyn SharedHostTurns>>,
    /// The token of the shared turn taken for the running request.
    shared_held: Option<i64>,
}

impl HostTurn {
    /// The delay this host gets between requests: the configured one, raised by `Crawl-delay`.
    pub(crate) fn delay(&self) -> Duration {
        self.state
            .crawl_delay
            .map_or(self.base_delay, |cd| cd.max(self.base_delay))
    }

    pub(crate) fn set_crawl_delay(&mut self, delay: Option<Duration>) {
        self.state.crawl_delay = delay;
    }

    /// Time left on a server-requested back-off, with the status (429/503) that asked for it.
    pub(crate) fn backoff_remaining(&self, now: Instant) -> Option<(Duration, u16)> {
        let (until, status) = self.state.backoff?;
        let left = until.checked_duration_since(now)?;
        (!left.is_zero()).then_some((left, status))
    }

    /// Records a `Retry-After`: no request to this host starts before `now + wait`.
    pub(crate) fn back_off(&mut self, now: Instant, wait: Duration, status: u16) {
        let until = now + wait;
        let later = self.state.backoff.is_none_or(|(old, _)| old < until);
        if later {
            self.state.backoff = Some((until, status));
        }
    }

    /// Sleeps until the host may be contacted again, then marks a request as running.
    pub(crate) async fn begin_request(&mut self) {
        let backoff = self.state.backoff.map(|(until, _)| until);
        let ready = match (self.state.next_allowed, backoff) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if let Some(at) = ready {
            tokio::time::sleep_until(at).await;
        }
        if let Some(shared) = &self.shared {
            self.shared_held = Some(shared.take(&self.host).await);
        }
        self.in_flight = true;
    }

    /// Marks the running request as finished: the next one waits `delay()` from now, here and,
    /// with shared turns, in every process.
    pub(crate) fn end_request(&mut self) {
        if self.in_flight {
            self.in_flight = false;
            self.state.next_allowed = Some(Instant::now() + self.delay());
        }
        // Drop cannot wait: the turn is given back on its own task. Until it is written, other
        // processes wait longer, never shorter.
        if let Some(token) = self.shared_held.take()
            && let (Some(shared), Ok(runtime)) =
                (&self.shared, tokio::runtime::Handle::try_current())
        {
            runtime.spawn(shared.give_back(self.host.clone(), token, self.delay()));
        }
    }
}

impl Drop for HostTurn {
    fn drop(&mut self) {
        self.end_request();
    }
}

#[cfg(test)]
mod tests {
    // On tokio's paused clock: time moves only when every task waits, so the waits asserted here are
    // exact, whatever the machine is doing.
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_to_one_host_are_spaced_by_the_delay() {
        let pacer = Pacer::default();
        let delay = Duration::from_millis(120);
        let start = Instant::now();
        {
            let mut turn = pacer.acquire("Example.org", delay).await;
            turn.begin_request().await;
            assert_eq!(
                Instant::now() - start,
                Duration::ZERO,
                "first request must not wait"
            );
        }
        let mut turn = pacer.acquire("example.org", delay).await;
        turn.begin_request().await;
        assert_eq!(Instant::now() - start, delay);
    }

    #[tokio::test(start_paused = true)]
    async fn crawl_delay_raises_but_never_lowers_the_delay() {
        let pacer = Pacer::default();
        let mut turn = pacer.acquire("a.example", Duration::from_secs(2)).await;
        turn.set_crawl_delay(Some(Duration::from_secs(5)));
        assert_eq!(turn.delay(), Duration::from_secs(5));
        turn.set_crawl_delay(Some(Duration::from_millis(10)));
        assert_eq!(turn.delay(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_delays_the_next_request_and_reports_what_is_left() {
        let pacer = Pacer::default();
        let start = Instant::now();
        {
            let mut turn = pacer.acquire("b.example", Duration::ZERO).await;
            turn.back_off(start, Duration::from_millis(200), 429);
            turn.back_off(start, Duration::from_millis(50), 503); // shorter: ignored
        }
        let mut turn = pacer.acquire("b.example", Duration::ZERO).await;
        assert_eq!(
            turn.backoff_remaining(start),
            Some((Duration::from_millis(200), 429))
        );
        turn.begin_request().await;
        assert_eq!(Instant::now() - start, Duration::from_millis(200));
        assert_eq!(turn.backoff_remaining(Instant::now()), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_turn_without_a_request_leaves_no_gap() {
        let pacer = Pacer::default();
        let start = Instant::now();
        drop(pacer.acquire("c.example", Duration::from_secs(5)).await);
        let mut turn = pacer.acquire("c.example", Duration::from_secs(5)).await;
        turn.begin_request().await;
        assert_eq!(Instant::now() - start, Duration::ZERO);
    }
}
