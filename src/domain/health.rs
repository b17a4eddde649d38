//! Source health (PRODUCT §3.3) and the backoff after failures: what a crawl's outcome means for the
//! next check. Pure: the scheduler passes the previous state and `now`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::time::Duration;

/// A source's health as shown in the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Never crawled yet.
    Pending,
    Ok,
    /// Loaded, but some pages (pagination) failed.
    Degraded,
    /// The last crawls failed; backing off.
    Failing,
    /// The site refused us (403, 429, a captcha page).
    Blocked,
    /// Nothing new for longer than the source's `expected_quiet`.
    Silent,
    /// The page loaded but the recipe's item selector matched nothing: the layout probably changed.
    BrokenRecipe,
}

impl Health {
    pub const ALL: [Health; 7] = [
        Health::Pending,
        Health::Ok,
        Health::Degraded,
        Health::Failing,
        Health::Blocked,
        Health::Silent,
        Health::BrokenRecipe,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Health::Pending => "pending",
            Health::Ok => "ok",
            Health::Degraded => "degraded",
            Health::Failing => "failing",
            Health::Blocked => "blocked",
            Health::Silent => "silent",
            Health::BrokenRecipe => "broken_recipe",
        }
    }

    /// The words the dashboard and the crawl summary show.
    pub fn label(self) -> &'static str {
        match self {
            Health::BrokenRecipe => "broken recipe",
            other => other.as_str(),
        }
    }
}

impl std::str::FromStr for Health {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Health::ALL
            .into_iter()
            .find(|h| h.as_str() == s)
            .ok_or_else(|| format!("unknown health '{s}'"))
    }
}

/// What the previous crawls left.
#[derive(Debug, Clone, Copy)]
pub struct Previous {
    pub consecutive_failures: i64,
    pub empty_streak: i64,
    /// The last time the source yielded items it had not yielded before (or, before that ever
    /// happened, when it was created).
    pub last_news_at: DateTime<Utc>,
}

/// How one crawl went.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The first page loaded (possibly unchanged, 304).
    Loaded {
        pages_failed: usize,
        /// The item selector matched nothing on a page that loaded.
        no_items_matched: bool,
        /// Items appeared that were not there last time.
        news: bool,
    },
    Failed {
        blocked: bool,
        retry_after: Option<Duration>,
    },
}

/// The health after a crawl, and the counters to store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub health: Health,
    pub consecutive_failures: i64,
    pub empty_streak: i64,
    /// Set after a failure: wait this long before the next try (instead of the regular schedule).
    pub backoff: Option<Duration>,
}

/// The first retry after a failure waits this long; each further failure doubles it.
pub const BACKOFF_BASE: Duration = Duration::from_secs(5 * 60);
/// Backoff never grows past this: a failing source is retried at least every few hours, forever.
pub const BACKOFF_MAX: Duration = Duration::from_secs(6 * 3600);

/// Exponential backoff for the n-th consecutive failure (n ≥ 1), never shorter than `Retry-After`.
pub fn backoff(failures: i64, retry_after: Option<Duration>) -> Duration {
    let exp = u32::try_from(failures.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    let d = BACKOFF_BASE.saturating_mul(1u32 << exp).min(BACKOFF_MAX);
    retry_after.map_or(d, |r| d.max(r))
}

/// Judges one crawl (PRODUCT §3.3). A failed crawl changes only these fields, never stored mentions.
pub fn judge(
    prev: Previous,
    outcome: &Outcome,
    now: DateTime<Utc>,
    expected_quiet: Duration,
) -> Verdict {
    match outcome {
        Outcome::Failed {
            blocked,
            retry_after,
        } => {
            let failures = prev.consecutive_failures + 1;
            Verdict {
                health: if *blocked {
                    Health::Blocked
                } else {
                    Health::Failing
                },
                consecutive_failures: failures,
                empty_streak: prev.empty_streak,
                backoff: Some(backoff(failures, *retry_after)),
            }
        }
        Outcome::Loaded {
            pages_failed,
            no_items_matched,
            news,
        } => {
            let empty_streak = if *no_items_matched {
                prev.empty_streak + 1
            } else {
                0
            };
            let quiet_for = if *news {
                chrono::Duration::zero()
            } else {
                now - prev.last_news_at
            };
            let quiet_limit =
                chrono::Duration::from_std(expected_quiet).unwrap_or(chrono::Duration::days(14));
            let health = if *no_items_matched {
                Health::BrokenRecipe
            } else if *pages_failed > 0 {
                Health::Degraded
            } else if quiet_for > quiet_limit {
                Health::Silent
            } else {
                Health::Ok
            };
            Verdict {
                health,
                consecutive_failures: 0,
                empty_streak,
                backoff: None,
            }
        }
    }
}

/// What one crawl of a source ended as (the `crawl_runs.outcome` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrawlOutcome {
    /// Pages were fetched and parsed.
    Ok,
    /// The first page answered 304 Not Modified: nothing was parsed.
    Unchanged,
    /// Nothing could be loaded (or the first page could not be read).
    Failed,
    /// Not fetched: its host asked for a pause (on another of its pages).
    Deferred,
}

impl CrawlOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CrawlOutcome::Ok => "ok",
            CrawlOutcome::Unchanged => "unchanged",
            CrawlOutcome::Failed => "failed",
            CrawlOutcome::Deferred => "deferred",
        }
    }
}

impl std::fmt::Display for CrawlOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the store remembers about a source between crawls: the inputs of the next decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceMemory {
    pub health: Health,
    pub last_error: Option<String>,
    pub consecutive_failures: i64,
    pub empty_streak: i64,
    pub created_at: DateTime<Utc>,
    pub last_new_item_at: Option<DateTime<Utc>>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub items_fingerprint: Option<String>,
}

/// How a crawl went, summarised for the decision.
#[derive(Debug, Clone, PartialEq)]
pub enum Harvested {
    Failed {
        message: String,
        blocked: bool,
        /// Not fetched at all because the host asked for a pause: nothing is known about the source.
        deferred: bool,
        retry_after: Option<Duration>,
    },
    /// The first page answered 304: nothing was parsed.
    Unchanged,
    Loaded {
        pages_failed: usize,
        /// The item selector matched nothing on the first page.
        no_items_matched: bool,
        /// The first warning or page error, for a degraded source's message.
        first_error: Option<String>,
        etag: Option<String>,
        last_modified: Option<String>,
        items: usize,
        /// The fingerprint of the items' keys; `None` when the items could not be processed.
        fingerprint: Option<String>,
        /// Mentions the crawl stored that were not stored before.
        new_mentions: usize,
    },
}

/// The source's settings the decision reads.
#[derive(Debug, Clone, Copy)]
pub struct Expectations<'a> {
    pub expected_quiet: Duration,
    /// The recipe's name, for the "broken recipe" message.
    pub recipe: Option<&'a str>,
}

/// The state a crawl leaves on its source (written in the crawl's transaction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceState {
    pub health: Health,
    pub last_error: Option<String>,
    pub consecutive_failures: i64,
    pub empty_streak: i64,
    pub last_attempt_at: DateTime<Utc>,
    /// `Some` only when the crawl succeeded.
    pub last_success_at: Option<DateTime<Utc>>,
    /// `Some` when the crawl brought something new; `None` keeps the stored time.
    pub last_new_item_at: Option<DateTime<Utc>>,
    pub next_check_at: DateTime<Utc>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// How many items the crawl extracted; `None` (a failed or unchanged crawl) keeps the last figure.
    pub items_found: Option<i64>,
    /// `None` keeps the stored fingerprint (a failed or unchanged crawl says nothing about items).
    pub items_fingerprint: Option<String>,
}

/// The one decision about a source after a crawl: its health, message, counters, validators and next
/// check. `regular_next` is the next check by the schedule (with jitter); a failure backs off instead.
pub fn next_state(
    prev: &SourceMemory,
    harvested: &Harvested,
    expect: Expectations<'_>,
    finished_at: DateTime<Utc>,
    regular_next: DateTime<Utc>,
) -> SourceState {
    let previous = Previous {
        consecutive_failures: prev.consecutive_failures,
        empty_streak: prev.empty_streak,
        last_news_at: prev.last_new_item_at.unwrap_or(prev.created_at),
    };
    let judged = |outcome: &Outcome| judge(previous, outcome, finished_at, expect.expected_quiet);
    let loaded = |health, empty_streak, last_error| SourceState {
        health,
        last_error,
        consecutive_failures: 0,
        empty_streak,
        last_attempt_at: finished_at,
        last_success_at: Some(finished_at),
        last_new_item_at: None,
        next_check_at: regular_next,
        etag: prev.etag.clone(),
        last_modified: prev.last_modified.clone(),
        items_found: None,
        items_fingerprint: None,
    };
    match harvested {
        Harvested::Failed {
            message,
            blocked,
            deferred,
            retry_after,
        } => {
            let mut v = judged(&Outcome::Failed {
                blocked: *blocked,
                retry_after: *retry_after,
            });
            if *deferred {
                // Nothing is known about this source: its health and counters stay, and it waits
                // out the host's pause.
                v.health = prev.health;
                v.consecutive_failures = prev.consecutive_failures;
                v.backoff = *retry_after;
            }
            let wait =
                chrono::Duration::from_std(v.backoff.unwrap_or_default()).unwrap_or_default();
            SourceState {
                health: v.health,
                last_error: Some(message.clone()),
                consecutive_failures: v.consecutive_failures,
                empty_streak: v.empty_streak,
                last_success_at: None,
                next_check_at: finished_at + wait,
                // A failed crawl keeps the validators of the last good one.
                ..loaded(v.health, v.empty_streak, None)
            }
        }
        Harvested::Unchanged => {
            // An unchanged page (304) says nothing new about the recipe or the later pages: a broken
            // or degraded source stays so until the page is parsed again.
            if matches!(prev.health, Health::BrokenRecipe | Health::Degraded) {
                return loaded(prev.health, prev.empty_streak, prev.last_error.clone());
            }
            let v = judged(&Outcome::Loaded {
                pages_failed: 0,
                no_items_matched: false,
                news: false,
            });
            let message = loaded_message(v.health, None, previous, expect, v.empty_streak);
            loaded(v.health, v.empty_streak, message)
        }
        Harvested::Loaded {
            pages_failed,
            no_items_matched,
            first_error,
            etag,
            last_modified,
            items,
            fingerprint,
            new_mentions,
        } => {
            let news =
                fingerprint.is_some() && fingerprint != &prev.items_fingerprint && *items > 0;
            let v = judged(&Outcome::Loaded {
                pages_failed: *pages_failed,
                no_items_matched: *no_items_matched,
                news,
            });
            // Validators are kept only from a crawl that was parsed in full: after a broken recipe or
            // a failed page, the next crawl must fetch (and parse) the page again, not get a 304.
            let parsed_in_full = !no_items_matched && *pages_failed == 0 && fingerprint.is_some();
            let message = loaded_message(
                v.health,
                first_error.as_deref(),
                previous,
                expect,
                v.empty_streak,
            );
            SourceState {
                last_new_item_at: (news || *new_mentions > 0).then_some(finished_at),
                etag: etag.clone().filter(|_| parsed_in_full),
                last_modified: last_modified.clone().filter(|_| parsed_in_full),
                items_found: Some(*items as i64),
                items_fingerprint: fingerprint.clone(),
                ..loaded(v.health, v.empty_streak, message)
            }
        }
    }
}

/// The message a source that loaded shows for its health.
fn loaded_message(
    health: Health,
    first_error: Option<&str>,
    previous: Previous,
    expect: Expectations<'_>,
    empty_streak: i64,
) -> Option<String> {
    match health {
        Health::BrokenRecipe => Some(format!(
            "The page loaded but the recipe '{}' found no items on it ({empty_streak} times in a row): the site's layout has probably changed; check the recipe with `lyssna source test`.",
            expect.recipe.unwrap_or("?"),
        )),
        Health::Degraded => first_error.map(str::to_string),
        Health::Silent => Some(format!(
            "Nothing new since {}; the source may have moved or gone quiet.",
            previous.last_news_at.format("%Y-%m-%d")
        )),
        _ => None,
    }
}

/// A stable offset in `[0, min(interval / 10, 5 min))` for a source, so that sources configured with
/// the same schedule do not all hit the network in the same second.
pub fn jitter(source_name: &str, interval: Duration) -> Duration {
    let span = (interval / 10).min(Duration::from_secs(300)).as_millis() as u64;
    if span == 0 {
        return Duration::ZERO;
    }
    // FNV-1a: tiny, stable across runs and platforms (std's hasher is randomly seeded).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in source_name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    Duration::from_millis(h % span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()
    }

    fn prev(failures: i64) -> Previous {
        Previous {
            consecutive_failures: failures,
            empty_streak: 0,
            last_news_at: now() - chrono::Duration::days(1),
        }
    }

    const QUIET: Duration = Duration::from_secs(14 * 86_400);

    #[test]
    fn backoff_doubles_and_is_capped_but_never_stops() {
        assert_eq!(backoff(1, None), Duration::from_secs(300));
        assert_eq!(backoff(2, None), Duration::from_secs(600));
        assert_eq!(backoff(4, None), Duration::from_secs(2400));
        assert_eq!(backoff(50, None), BACKOFF_MAX);
        assert_eq!(
            backoff(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(3600)
        );
    }

    #[test]
    fn failures_count_up_and_blocked_is_its_own_state() {
        let v = judge(
            prev(2),
            &Outcome::Failed {
                blocked: false,
                retry_after: None,
            },
            now(),
            QUIET,
        );
        assert_eq!((v.health, v.consecutive_failures), (Health::Failing, 3));
        assert_eq!(v.backoff, Some(Duration::from_secs(1200)));
        let v = judge(
            prev(0),
            &Outcome::Failed {
                blocked: true,
                retry_after: None,
            },
            now(),
            QUIET,
        );
        assert_eq!(v.health, Health::Blocked);
    }

    #[test]
    fn loaded_pages_give_ok_degraded_broken_or_silent() {
        let ok = Outcome::Loaded {
            pages_failed: 0,
            no_items_matched: false,
            news: false,
        };
        let v = judge(prev(3), &ok, now(), QUIET);
        assert_eq!(
            (v.health, v.consecutive_failures, v.backoff),
            (Health::Ok, 0, None)
        );
        let degraded = Outcome::Loaded {
            pages_failed: 1,
            no_items_matched: false,
            news: true,
        };
        assert_eq!(
            judge(prev(0), &degraded, now(), QUIET).health,
            Health::Degraded
        );
        let broken = Outcome::Loaded {
            pages_failed: 0,
            no_items_matched: true,
            news: false,
        };
        let v = judge(prev(0), &broken, now(), QUIET);
        assert_eq!((v.health, v.empty_streak), (Health::BrokenRecipe, 1));
        let mut old = prev(0);
        old.last_news_at = now() - chrono::Duration::days(15);
        assert_eq!(judge(old, &ok, now(), QUIET).health, Health::Silent);
        let news = Outcome::Loaded {
            pages_failed: 0,
            no_items_matched: false,
            news: true,
        };
        assert_eq!(judge(old, &news, now(), QUIET).health, Health::Ok);
    }

    fn memory(health: Health) -> SourceMemory {
        SourceMemory {
            health,
            last_error: Some("earlier message".into()),
            consecutive_failures: 2,
            empty_streak: 1,
            created_at: now() - chrono::Duration::days(30),
            last_new_item_at: Some(now() - chrono::Duration::days(1)),
            etag: Some("\"old\"".into()),
            last_modified: None,
            items_fingerprint: Some("fp-old".into()),
        }
    }

    fn loaded(items: usize, fingerprint: Option<&str>) -> Harvested {
        loaded_with(0, false, None, items, fingerprint, 0)
    }

    fn loaded_with(
        pages_failed: usize,
        no_items_matched: bool,
        first_error: Option<&str>,
        items: usize,
        fingerprint: Option<&str>,
        new_mentions: usize,
    ) -> Harvested {
        Harvested::Loaded {
            pages_failed,
            no_items_matched,
            first_error: first_error.map(str::to_string),
            etag: Some("\"new\"".into()),
            last_modified: None,
            items,
            fingerprint: fingerprint.map(str::to_string),
            new_mentions,
        }
    }

    #[test]
    fn next_state_decides_health_message_counters_validators_and_next_check() {
        let regular = now() + chrono::Duration::minutes(30);
        let expect = Expectations {
            expected_quiet: QUIET,
            recipe: Some("forum"),
        };
        let failed = |blocked, deferred| Harvested::Failed {
            message: "the site is down".into(),
            blocked,
            deferred,
            retry_after: Some(Duration::from_secs(3600)),
        };
        let degraded = loaded_with(1, false, Some("page 2: timeout"), 5, Some("fp-new"), 0);
        let broken = loaded_with(0, true, None, 0, Some("fp-empty"), 0);
        let with_new = loaded_with(0, false, None, 5, Some("fp-old"), 1);
        let mut quiet = memory(Health::Ok);
        quiet.last_new_item_at = Some(now() - chrono::Duration::days(20));
        // (case, before, harvested, health, failures, empty streak, message contains, next check,
        //  etag, last_new_item_at set)
        #[allow(clippy::type_complexity)]
        let table: Vec<(
            &str,
            SourceMemory,
            Harvested,
            Health,
            i64,
            i64,
            Option<&str>,
            DateTime<Utc>,
            Option<&str>,
            bool,
        )> = vec![
            (
                "a failure backs off, keeps validators",
                memory(Health::Ok),
                failed(false, false),
                Health::Failing,
                3,
                1,
                Some("the site is down"),
                now() + chrono::Duration::hours(1),
                Some("\"old\""),
                false,
            ),
            (
                "a refusal is blocked",
                memory(Health::Ok),
                failed(true, false),
                Health::Blocked,
                3,
                1,
                Some("the site is down"),
                now() + chrono::Duration::hours(1),
                Some("\"old\""),
                false,
            ),
            (
                "deferred keeps health and counters, waits out the pause",
                memory(Health::Degraded),
                failed(false, true),
                Health::Degraded,
                2,
                1,
                Some("the site is down"),
                now() + chrono::Duration::hours(1),
                Some("\"old\""),
                false,
            ),
            (
                "304 on a healthy source: ok, validators kept",
                memory(Health::Failing),
                Harvested::Unchanged,
                Health::Ok,
                0,
                0,
                None,
                regular,
                Some("\"old\""),
                false,
            ),
            (
                "304 keeps broken recipe and its message",
                memory(Health::BrokenRecipe),
                Harvested::Unchanged,
                Health::BrokenRecipe,
                0,
                1,
                Some("earlier message"),
                regular,
                Some("\"old\""),
                false,
            ),
            (
                "304 after long quiet: silent",
                quiet.clone(),
                Harvested::Unchanged,
                Health::Silent,
                0,
                0,
                Some("Nothing new since"),
                regular,
                Some("\"old\""),
                false,
            ),
            (
                "new items: ok, new validators, news",
                memory(Health::Ok),
                loaded(5, Some("fp-new")),
                Health::Ok,
                0,
                0,
                None,
                regular,
                Some("\"new\""),
                true,
            ),
            (
                "same items: ok, no news",
                memory(Health::Ok),
                loaded(5, Some("fp-old")),
                Health::Ok,
                0,
                0,
                None,
                regular,
                Some("\"new\""),
                false,
            ),
            (
                "same items but a new mention (a new brand): news",
                memory(Health::Ok),
                with_new,
                Health::Ok,
                0,
                0,
                None,
                regular,
                Some("\"new\""),
                true,
            ),
            (
                "a failed page: degraded, its error, validators dropped",
                memory(Health::Ok),
                degraded,
                Health::Degraded,
                0,
                0,
                Some("page 2: timeout"),
                regular,
                None,
                true,
            ),
            (
                "nothing matched: broken recipe, named, validators dropped",
                memory(Health::Ok),
                broken,
                Health::BrokenRecipe,
                0,
                2,
                Some("recipe 'forum' found no items on it (2 times"),
                regular,
                None,
                false,
            ),
            (
                "items not processed: no fingerprint, validators dropped",
                memory(Health::Ok),
                loaded(5, None),
                Health::Ok,
                0,
                0,
                None,
                regular,
                None,
                false,
            ),
            (
                "quiet and nothing new: silent",
                quiet,
                loaded(5, Some("fp-old")),
                Health::Silent,
                0,
                0,
                Some("Nothing new since"),
                regular,
                Some("\"new\""),
                false,
            ),
        ];
        for (case, before, harvested, health, failures, streak, message, next, etag, news) in table
        {
            let s = next_state(&before, &harvested, expect, now(), regular);
            assert_eq!(s.health, health, "{case}");
            assert_eq!(s.consecutive_failures, failures, "{case}");
            assert_eq!(s.empty_streak, streak, "{case}");
            match message {
                Some(m) => assert!(
                    s.last_error.as_deref().is_some_and(|e| e.contains(m)),
                    "{case}: {:?}",
                    s.last_error
                ),
                None => assert_eq!(s.last_error, None, "{case}"),
            }
            assert_eq!(s.next_check_at, next, "{case}");
            assert_eq!(s.etag.as_deref(), etag, "{case}");
            assert_eq!(s.last_new_item_at.is_some(), news, "{case}");
            assert_eq!(s.last_attempt_at, now(), "{case}");
            let succeeded = !matches!(harvested, Harvested::Failed { .. });
            assert_eq!(s.last_success_at.is_some(), succeeded, "{case}");
            let parsed = matches!(harvested, Harvested::Loaded { .. });
            assert_eq!(s.items_found.is_some(), parsed, "{case}");
        }
    }

    #[test]
    fn jitter_is_stable_and_bounded() {
        let i = Duration::from_secs(1800);
        assert_eq!(jitter("Forum", i), jitter("Forum", i));
        assert!(jitter("Forum", i) < Duration::from_secs(180));
        assert_ne!(jitter("Forum", i), jitter("Blogg", i));
        assert_eq!(jitter("x", Duration::ZERO), Duration::ZERO);
    }
}
