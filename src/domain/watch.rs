//! Watched threads (PRODUCT §3.3b): every thread that holds a mention is read again on its own
//! schedule — often while a mention in it is open or its posts are new, less as it goes quiet — and
//! retired `watch_for` after its last post once nothing in it is open. Pure: the store keeps the
//! times, ingest reads the threads, this decides when.

use chrono::{DateTime, Duration, Utc};
use std::fmt;
use std::str::FromStr;

/// The schedule of watched threads (`[threads]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchPolicy {
    /// How often a thread with an open mention, or with posts from the last day, is read.
    pub every: Duration,
    /// How long after its last post a thread with nothing open is still read.
    pub watch_for: Duration,
}

/// The longest pause between two reads of a watched thread, however quiet it is.
pub const MAX_WATCH_INTERVAL: Duration = Duration::hours(24);

/// Where a watched thread stands, for the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchState {
    /// Its newest post's time, when one is known.
    pub last_post_at: Option<DateTime<Utc>>,
    /// When Lyssna began to watch it (stands in for the last post of a thread without dated posts).
    pub watched_since: DateTime<Utc>,
    /// Whether a mention in it waits for an answer.
    pub open: bool,
    /// Reads in a row that failed (or found no comments to read): each doubles the pause.
    pub failures: u32,
}

impl WatchPolicy {
    /// When the thread is next read, or `None` when it retires: nothing open and quiet for longer than
    /// `watch_for`. A quiet thread's pause is a quarter of its quiet time (a day quiet: 6 hours), never
    /// shorter than `every` nor longer than [`MAX_WATCH_INTERVAL`]; failures back off from there.
    pub fn next_check(&self, state: &WatchState, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let activity = state
            .last_post_at
            .map_or(state.watched_since, |t| t.max(state.watched_since));
        let quiet = (now - activity).max(Duration::zero());
        if !state.open && quiet > self.watch_for {
            return None;
        }
        let every = self.every.max(Duration::minutes(1));
        let base = if state.open {
            every
        } else {
            (quiet / 4).clamp(every, MAX_WATCH_INTERVAL.max(every))
        };
        let backoff = 2_i32.saturating_pow(state.failures.min(10));
        let interval = (base * backoff).min(MAX_WATCH_INTERVAL.max(every));
        Some(now + interval)
    }
}

/// The built-in recipes that read an article's comments.
pub const COMMENT_RECIPES: &[&str] = &["schema-org", "wordpress-post", "wordpress-comments"];

/// How a watched thread's posts are read, once found: with a recipe (the listing's thread recipe, the
/// one configured for the thread's host, `schema-org` for pages that mark their comments up, or
/// `wordpress-post`), or from the comments feed the page links to. Stored as text on the thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadReader {
    Recipe(String),
    CommentsFeed(String),
}

impl ThreadReader {
    /// Whether the posts read are an article's comments, so that a top-level comment answers the
    /// article itself (a forum thread's posts answer nothing by being in it).
    pub fn reads_comments(&self) -> bool {
        match self {
            ThreadReader::CommentsFeed(_) => true,
            ThreadReader::Recipe(name) => COMMENT_RECIPES.contains(&name.as_str()),
        }
    }
}

impl fmt::Display for ThreadReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThreadReader::Recipe(name) => write!(f, "recipe:{name}"),
            ThreadReader::CommentsFeed(url) => write!(f, "feed:{url}"),
        }
    }
}

impl FromStr for ThreadReader {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            Some(("recipe", name)) if !name.is_empty() => {
                Ok(ThreadReader::Recipe(name.to_string()))
            }
            Some(("feed", url)) if !url.is_empty() => {
                Ok(ThreadReader::CommentsFeed(url.to_string()))
            }
            _ => Err(format!(
                "unknown thread reader '{s}' (expected recipe:NAME or feed:URL)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> WatchPolicy {
        WatchPolicy {
            every: Duration::minutes(30),
            watch_for: Duration::days(30),
        }
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn state(last_post: &str, open: bool) -> WatchState {
        WatchState {
            last_post_at: Some(t(last_post)),
            watched_since: t("2026-11-01T00:00:00Z"),
            open,
            failures: 0,
        }
    }

    #[test]
    fn an_open_or_fresh_thread_is_read_every_interval() {
        let now = t("2026-11-20T12:00:00Z");
        let open_old = state("2026-11-02T00:00:00Z", true);
        assert_eq!(
            policy().next_check(&open_old, now),
            Some(now + Duration::minutes(30))
        );
        let fresh = state("2026-11-20T11:00:00Z", false);
        assert_eq!(
            policy().next_check(&fresh, now),
            Some(now + Duration::minutes(30))
        );
    }

    #[test]
    fn a_quiet_thread_is_read_less_often_up_to_a_day() {
        let now = t("2026-11-20T12:00:00Z");
        let a_day = state("2026-11-19T12:00:00Z", false);
        assert_eq!(
            policy().next_check(&a_day, now),
            Some(now + Duration::hours(6))
        );
        let a_week = state("2026-11-13T12:00:00Z", false);
        assert_eq!(
            policy().next_check(&a_week, now),
            Some(now + Duration::hours(24))
        );
    }

    #[test]
    fn a_thread_retires_after_watch_for_unless_something_is_open() {
        let now = t("2026-12-20T12:00:00Z");
        let quiet = state("2026-11-19T12:00:00Z", false);
        assert_eq!(policy().next_check(&quiet, now), None);
        let open = state("2026-11-19T12:00:00Z", true);
        assert!(policy().next_check(&open, now).is_some());
        // Without dated posts the watch began stands in for the last post.
        let undated = WatchState {
            last_post_at: None,
            watched_since: t("2026-12-01T00:00:00Z"),
            open: false,
            failures: 0,
        };
        assert!(policy().next_check(&undated, now).is_some());
    }

    #[test]
    fn failures_back_off_but_never_past_a_day() {
        let now = t("2026-11-20T12:00:00Z");
        let mut s = state("2026-11-20T11:00:00Z", true);
        s.failures = 2;
        assert_eq!(policy().next_check(&s, now), Some(now + Duration::hours(2)));
        s.failures = 40;
        assert_eq!(
            policy().next_check(&s, now),
            Some(now + Duration::hours(24))
        );
    }

    #[test]
    fn readers_round_trip_as_text() {
        for r in [
            ThreadReader::Recipe("schema-org".into()),
            ThreadReader::CommentsFeed("https://blogg.example/inlagg/feed/".into()),
        ] {
            assert_eq!(r.to_string().parse::<ThreadReader>(), Ok(r));
        }
        assert!("page".parse::<ThreadReader>().is_err());
    }
}
