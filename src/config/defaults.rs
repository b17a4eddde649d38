//! Every default, once. The parser falls back to these, `Config::default()` is built from them, and a
//! test holds `config/lyssna.example.toml` (what `lyssna config example` prints) to them, so the file
//! users copy can never drift from what the code does.

use std::time::Duration;

pub const TIMEZONE: chrono_tz::Tz = chrono_tz::Europe::Stockholm;
pub const DATABASE_URL: &str = "sqlite://lyssna.db";

pub const LISTEN: ([u8; 4], u16) = ([127, 0, 0, 1], 8080);

/// Criticism answered within this counts as "within SLA".
pub const SLA: Duration = Duration::from_secs(24 * 3600);

/// An honest user agent with a contact URL.
pub const USER_AGENT: &str = "Lyssna/0.1 (+https://example.org/lyssna-bot)";
pub const PER_HOST_DELAY: Duration = Duration::from_secs(2);
pub const TIMEOUT: Duration = Duration::from_secs(30);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const MAX_BODY: u64 = 10 << 20;
pub const MAX_REDIRECTS: usize = 5;
pub const RESPECT_ROBOTS: bool = true;
pub const CONCURRENCY: usize = 4;
/// Items read from one response at most: real feeds and pages hold hundreds, a hostile one millions.
pub const MAX_ITEMS: usize = 5_000;

/// How often a source without `every` or `schedule` is checked.
pub const SOURCE_EVERY: Duration = Duration::from_secs(30 * 60);
/// The shortest `every` accepted.
pub const SOURCE_EVERY_MIN: Duration = Duration::from_secs(60);
/// Silence longer than this makes a source "silent".
pub const EXPECTED_QUIET: Duration = Duration::from_secs(14 * 86_400);

/// A reply by the leader counts for the posts it answers (not every open mention in the thread).
pub const REPLY_SCOPE: crate::domain::conversation::ReplyScope =
    crate::domain::conversation::ReplyScope::Post;

/// The weekly report, local time.
pub const REPORT_SCHEDULE: &str = "0 8 * * MON";

/// The events a webhook may ask for, and gets when it names none.
pub const WEBHOOK_EVENTS: [&str; 2] = ["criticism", "weekly_report"];

/// The SMTP port for each kind of connection security.
pub fn smtp_port(security: super::SmtpSecurity) -> u16 {
    match security {
        super::SmtpSecurity::Starttls => 587,
        super::SmtpSecurity::Tls => 465,
        super::SmtpSecurity::None => 25,
    }
}

pub fn listen() -> std::net::SocketAddr {
    std::net::SocketAddr::from(LISTEN)
}

/// A watched thread with an open mention or fresh posts is read this often (`[threads] every`).
pub const THREAD_EVERY: Duration = Duration::from_secs(30 * 60);
/// A watched thread retires this long after its last post with nothing open (`[threads] watch_for`).
pub const THREAD_WATCH_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// Watched threads read at most in one crawl of their source (`[threads] max_per_crawl`): with the
/// politeness delay, a source with many threads due would otherwise hold its crawl for minutes.
pub const THREAD_MAX_PER_CRAWL: usize = 20;
