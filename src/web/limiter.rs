//! The login gate: how many password guesses a user name, a client address and a known browser get.
//!
//! Design, and why:
//! - **Counted before the check, atomically.** An attempt reserves its slot under one lock before the
//!   password is looked at; a burst of parallel guesses cannot all pass a check that is counted
//!   later. Refused attempts cost no argon2 work.
//! - **Delays that grow, not a hard block.** The first few failures are free; after that each attempt
//!   must wait longer (30 s, 1 min, 2 min … at most 15 min). An attacker gets at most 10 guesses per
//!   user name in any 15 minutes, while the real user is never shut out for long.
//! - **Known browsers keep their own count.** After a successful login the browser gets a device
//!   cookie, an HMAC of the user id and a random nonce keyed with the user's stored password hash (so
//!   a new password revokes every device, and nothing new has to be stored). A login with a valid
//!   device cookie is counted for that device only: an attacker hammering the leader's name cannot
//!   delay the leader's own browser.
//! - **Bounded memory.** Keys are short (user names cut to 64 characters, IPv6 clients by /64), each
//!   table holds at most [`MAX_KEYS`] entries, idle entries are pruned, and when a table is full, new
//!   keys share one overflow bucket instead of growing it.
//! - **Behind a reverse proxy** the client is the address the trusted proxy saw: the right-most
//!   `X-Forwarded-For` entry that is not itself a trusted proxy (`server.trusted_proxies`).
//!
//! Everything is in memory: a restart forgets the counts (and a restart is no lockout either).

use crate::domain::ipnet::{IpNet, unmapped};
use axum::http::HeaderMap;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The cookie of a browser that has logged in before.
pub const DEVICE_COOKIE: &str = "lyssna_device";
/// A key unused this long is forgotten (and its count starts again).
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// At most this many keys per table (user names, addresses, devices).
pub const MAX_KEYS: usize = 10_000;
/// User names longer than this are cut for the key (the rest cannot matter for counting).
const MAX_KEY_CHARS: usize = 64;

/// How quickly the delay grows for one kind of key.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Attempts without any delay.
    pub free: u32,
    /// The delay after the first attempt past `free`; it doubles with each further attempt.
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Policy {
    /// The wait imposed after the `n`-th attempt.
    pub fn delay_after(&self, n: u32) -> Duration {
        if n < self.free {
            return Duration::ZERO;
        }
        let doublings = (n - self.free).min(20);
        self.first_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }
}

/// Per user name: 5 free, then 30 s doubling to 15 min — at most 10 guesses in any 15 minutes.
pub const USER_POLICY: Policy = Policy {
    free: 5,
    first_delay: Duration::from_secs(30),
    max_delay: WINDOW,
};
/// Per client address: more free attempts (an office shares one address), the same growth.
pub const IP_POLICY: Policy = Policy {
    free: 20,
    first_delay: Duration::from_secs(30),
    max_delay: WINDOW,
};
/// Per known browser: the user's own schedule, so a stolen device cookie is no free pass.
pub const DEVICE_POLICY: Policy = USER_POLICY;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    attempts: u32,
    next_at: Instant,
    last: Instant,
}

impl Bucket {
    fn new(now: Instant) -> Bucket {
        Bucket {
            attempts: 0,
            next_at: now,
            last: now,
        }
    }

    /// Forgets a bucket unused for a whole window; then how long the next attempt must wait.
    fn wait(&mut self, now: Instant) -> Option<Duration> {
        if now.saturating_duration_since(self.last) >= WINDOW {
            *self = Bucket::new(now);
        }
        (now < self.next_at).then(|| self.next_at - now)
    }

    fn record(&mut self, now: Instant, policy: Policy) {
        self.attempts = self.attempts.saturating_add(1);
        self.next_at = now + policy.delay_after(self.attempts);
        self.last = now;
    }

    fn refund(&mut self, policy: Policy) {
        self.attempts = self.attempts.saturating_sub(1);
        self.next_at = self
            .next_at
            .min(self.last + policy.delay_after(self.attempts));
    }
}

/// One kind of key, bounded.
#[derive(Debug)]
struct Table {
    policy: Policy,
    map: HashMap<String, Bucket>,
    /// Shared by new keys while the table is full.
    overflow: Bucket,
}

/// Which bucket of a table an attempt used.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    Key(String),
    Overflow,
}

impl Table {
    fn new(policy: Policy, now: Instant) -> Table {
        Table {
            policy,
            map: HashMap::new(),
            overflow: Bucket::new(now),
        }
    }

    /// The bucket for `key`, making room by pruning idle keys, else the overflow bucket.
    fn slot(&mut self, key: &str, now: Instant) -> Slot {
        if self.map.contains_key(key) {
            return Slot::Key(key.to_string());
        }
        if self.map.len() >= MAX_KEYS {
            self.prune(now);
        }
        if self.map.len() >= MAX_KEYS {
            return Slot::Overflow;
        }
        self.map.insert(key.to_string(), Bucket::new(now));
        Slot::Key(key.to_string())
    }

    fn bucket(&mut self, slot: &Slot) -> Option<&mut Bucket> {
        match slot {
            Slot::Key(k) => self.map.get_mut(k),
            Slot::Overflow => Some(&mut self.overflow),
        }
    }

    fn prune(&mut self, now: Instant) {
        self.map
            .retain(|_, b| now.saturating_duration_since(b.last) < WINDOW);
    }
}

#[derive(Debug)]
struct Tables {
    users: Table,
    ips: Table,
    devices: Table,
    last_prune: Instant,
}

/// Failed-login bookkeeping shared by all requests of one process.
#[derive(Debug)]
pub struct LoginLimiter {
    tables: Mutex<Tables>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        let now = Instant::now();
        LoginLimiter {
            tables: Mutex::new(Tables {
                users: Table::new(USER_POLICY, now),
                ips: Table::new(IP_POLICY, now),
                devices: Table::new(DEVICE_POLICY, now),
                last_prune: now,
            }),
        }
    }
}

/// A reserved attempt: handed back on success so that the slot it used is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant(GrantKind);

#[derive(Debug, Clone, PartialEq, Eq)]
enum GrantKind {
    Anonymous { user: Slot, ip: Slot },
    Device(Slot),
}

impl Grant {
    /// Whether the attempt came from a verified known browser.
    pub fn is_device(&self) -> bool {
        matches!(self.0, GrantKind::Device(_))
    }
}

impl LoginLimiter {
    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reserves one attempt for `user` from `ip` (no known device), or says how long to wait.
    pub fn admit(&self, ip: IpAddr, user: &str, now: Instant) -> Result<Grant, Duration> {
        let mut t = self.lock();
        t.prune_now_and_then(now);
        let user_slot = t.users.slot(&user_key(user), now);
        let ip_slot = t.ips.slot(&ip_key(ip), now);
        let wait_user = t.users.bucket(&user_slot).and_then(|b| b.wait(now));
        let wait_ip = t.ips.bucket(&ip_slot).and_then(|b| b.wait(now));
        if let Some(wait) = wait_user.max(wait_ip) {
            return Err(wait);
        }
        let (up, ipp) = (t.users.policy, t.ips.policy);
        if let Some(b) = t.users.bucket(&user_slot) {
            b.record(now, up);
        }
        if let Some(b) = t.ips.bucket(&ip_slot) {
            b.record(now, ipp);
        }
        Ok(Grant(GrantKind::Anonymous {
            user: user_slot,
            ip: ip_slot,
        }))
    }

    /// Reserves one attempt for a verified known browser (its nonce), or says how long to wait.
    pub fn admit_device(&self, nonce: &str, now: Instant) -> Result<Grant, Duration> {
        let mut t = self.lock();
        t.prune_now_and_then(now);
        let slot = t.devices.slot(nonce, now);
        let policy = t.devices.policy;
        let Some(b) = t.devices.bucket(&slot) else {
            return Err(WINDOW);
        };
        if let Some(wait) = b.wait(now) {
            return Err(wait);
        }
        b.record(now, policy);
        Ok(Grant(GrantKind::Device(slot)))
    }

    /// The password was right: the attempt does not count (a known browser starts afresh).
    pub fn succeeded(&self, grant: &Grant) {
        let mut t = self.lock();
        match &grant.0 {
            GrantKind::Anonymous { user, ip } => {
                let (up, ipp) = (t.users.policy, t.ips.policy);
                if let Some(b) = t.users.bucket(user) {
                    b.refund(up);
                }
                if let Some(b) = t.ips.bucket(ip) {
                    b.refund(ipp);
                }
            }
            GrantKind::Device(Slot::Key(k)) => {
                t.devices.map.remove(k);
            }
            GrantKind::Device(Slot::Overflow) => {}
        }
    }

    /// Keys held, over all tables (for tests and the benchmark).
    pub fn keys(&self) -> usize {
        let t = self.lock();
        t.users.map.len() + t.ips.map.len() + t.devices.map.len()
    }
}

impl Tables {
    /// Idle keys are dropped at most once a minute (a full scan under the lock is cheap, but not
    /// for every request of a burst).
    fn prune_now_and_then(&mut self, now: Instant) {
        if now.saturating_duration_since(self.last_prune) < Duration::from_secs(60) {
            return;
        }
        self.last_prune = now;
        self.users.prune(now);
        self.ips.prune(now);
        self.devices.prune(now);
    }
}

/// The key of a user name: case-insensitive, cut to 64 characters (a cut name gets a mark of its
/// own, so it never shares a bucket with a real 64-character name).
fn user_key(user: &str) -> String {
    let mut chars = user.chars();
    let mut key: String = chars
        .by_ref()
        .take(MAX_KEY_CHARS)
        .flat_map(char::to_lowercase)
        .collect();
    if chars.next().is_some() {
        key.push('\u{2026}');
    }
    key
}

/// The key of a client address: IPv4 as it is, IPv6 by its /64 (one subscriber's whole network).
fn ip_key(ip: IpAddr) -> String {
    match unmapped(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The client's address: the peer, or — when the peer is a trusted proxy — the right-most
/// `X-Forwarded-For` entry that is not a trusted proxy itself (entries left of it are written by
/// the client and cannot be believed).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            // Garbage in the header: the last address we could trust is the answer.
            Err(_) => break,
        }
    }
    client
}

fn device_mac(user_id: i64, nonce: &str, password_hash: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(password_hash.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(format!("lyssna-device\0{user_id}\0{nonce}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A device cookie value for this user (a fresh random nonce).
pub fn device_cookie(user_id: i64, password_hash: &str) -> String {
    let nonce = crate::web::auth::random_token();
    format!(
        "{user_id}.{nonce}.{}",
        device_mac(user_id, &nonce, password_hash)
    )
}

/// The nonce of a device cookie when it is genuine for this user (and their current password).
pub fn verified_device(cookie: &str, user_id: i64, password_hash: &str) -> Option<String> {
    let mut parts = cookie.splitn(3, '.');
    let (id, nonce, mac) = (parts.next()?, parts.next()?, parts.next()?);
    if id.parse::<i64>().ok()? != user_id || nonce.len() != 43 {
        return None;
    }
    let expected = device_mac(user_id, nonce, password_hash);
    crate::web::session::same(&expected, mac).then(|| nonce.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// An attacker who guesses whenever the gate lets them, for two hours, never gets more than 10
    /// guesses into any 15-minute window.
    #[test]
    fn at_most_ten_guesses_per_user_in_any_fifteen_minutes() {
        let limiter = LoginLimiter::default();
        let t0 = Instant::now();
        let mut granted = Vec::new();
        for s in 0..(2 * 3600) {
            let now = t0 + Duration::from_secs(s);
            // A new address each time: the per-user limit must hold on its own.
            let addr = IpAddr::from([10, 0, (s / 256) as u8, (s % 256) as u8]);
            for _ in 0..3 {
                if limiter.admit(addr, "Erik", now).is_ok() {
                    granted.push(s);
                }
            }
        }
        let most = granted
            .iter()
            .map(|&start| {
                granted
                    .iter()
                    .filter(|&&g| g >= start && g < start + 900)
                    .count()
            })
            .max()
            .unwrap();
        assert!(most <= 10, "{most} guesses in 15 minutes");
        assert!(
            granted.len() >= 10,
            "the user is delayed, not blocked: {}",
            granted.len()
        );
    }

    #[test]
    fn the_sixth_guess_waits_and_case_does_not_matter() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for _ in 0..5 {
            limiter.admit(ip("192.0.2.1"), "erik", now).unwrap();
        }
        let wait = limiter.admit(ip("192.0.2.9"), "ERIK", now).unwrap_err();
        assert_eq!(wait, Duration::from_secs(30));
        assert!(limiter.admit(ip("192.0.2.9"), "ERIK", now + wait).is_ok());
        assert!(
            limiter
                .admit(ip("192.0.2.9"), "someone-else", now + wait)
                .is_ok()
        );
    }

    #[test]
    fn a_known_device_is_not_delayed_by_attacks_on_its_user() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for _ in 0..50 {
            let _ = limiter.admit(ip("192.0.2.1"), "erik", now);
        }
        assert!(limiter.admit(ip("192.0.2.1"), "erik", now).is_err());
        let cookie = device_cookie(7, "$argon2id$hash");
        let nonce = verified_device(&cookie, 7, "$argon2id$hash").unwrap();
        let grant = limiter.admit_device(&nonce, now).unwrap();
        limiter.succeeded(&grant);
        // Forged, for another user, or after a password change: not a known device.
        assert!(verified_device(&cookie, 8, "$argon2id$hash").is_none());
        assert!(verified_device(&cookie, 7, "$argon2id$new").is_none());
        assert!(verified_device("7.x.y", 7, "$argon2id$hash").is_none());
    }

    #[test]
    fn memory_is_bounded_and_long_names_are_cut() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        let long = "x".repeat(2 << 20);
        assert_eq!(user_key(&long).chars().count(), MAX_KEY_CHARS + 1);
        assert_ne!(user_key(&long), user_key(&"x".repeat(MAX_KEY_CHARS)));
        for i in 0..(MAX_KEYS + 500) {
            let addr = IpAddr::from([10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
            let _ = limiter.admit(addr, &format!("{i}{long}"), now);
        }
        assert!(limiter.keys() <= 2 * MAX_KEYS, "{}", limiter.keys());
        // A whole window later the idle keys are gone.
        let later = now + WINDOW + Duration::from_secs(61);
        let _ = limiter.admit(ip("192.0.2.1"), "erik", later);
        assert_eq!(limiter.keys(), 2);
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["127.0.0.1".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "6.6.6.6, 203.0.113.7, 10.1.1.1".parse().unwrap(),
        );
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &trusted), ip("203.0.113.7"));
        assert_eq!(
            client_ip(ip("198.51.100.1"), &h, &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), &HeaderMap::new(), &trusted),
            ip("127.0.0.1")
        );
        h.insert("x-forwarded-for", "nonsense".parse().unwrap());
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &trusted), ip("127.0.0.1"));
        assert_eq!(
            ip_key(ip("2001:db8:1:2:3:4:5:6")),
            ip_key(ip("2001:db8:1:2::9"))
        );
    }
}
