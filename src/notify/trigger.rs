//! When a calendar job is due, from its cron schedule and the scheduler's ticks.

use crate::config::CronSchedule;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::sync::Mutex;

/// Turns ticks into occurrences of a cron schedule.
///
/// It remembers (in memory) up to when it has looked; it starts `catch_up` in the past, so an
/// occurrence missed while Lyssna was not running is still caught if it is at most that old. A
/// restart may therefore see an occurrence again: the jobs make that harmless with their marker
/// rows in the store (see `store::deliveries`).
#[derive(Debug)]
pub struct CalendarTrigger {
    schedule: CronSchedule,
    tz: Tz,
    checked_until: Mutex<DateTime<Utc>>,
}

impl CalendarTrigger {
    pub fn new(schedule: CronSchedule, tz: Tz, now: DateTime<Utc>, catch_up: Duration) -> Self {
        CalendarTrigger {
            schedule,
            tz,
            checked_until: Mutex::new(now - catch_up),
        }
    }

    /// The latest occurrence in `(last poll, now]`, if any (older ones in that range are skipped: a
    /// job runs once for the latest).
    pub fn poll(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut checked = self.checked_until.lock().unwrap_or_else(|e| e.into_inner());
        if now <= *checked {
            return None;
        }
        let mut latest = None;
        let mut t = *checked;
        // Bounded: a per-minute schedule over the first day's catch-up is 1,440 steps.
        for _ in 0..100_000 {
            match self.schedule.next_after(t, self.tz) {
                Some(occ) if occ <= now => {
                    latest = Some(occ);
                    t = occ;
                }
                _ => break,
            }
        }
        *checked = now;
        latest
    }

    /// Makes `occurrence` due again at the next poll: a run that failed (the database was away, say)
    /// is retried instead of waiting a week. The job's marker row keeps a retry from sending twice.
    pub fn retry(&self, occurrence: DateTime<Utc>) {
        let mut checked = self.checked_until.lock().unwrap_or_else(|e| e.into_inner());
        let before = occurrence - Duration::seconds(1);
        if before < *checked {
            *checked = before;
        }
    }

    /// The occurrence before `occurrence` (searched up to 8 days back; `occurrence − 1 day` when
    /// there is none): the start of the period a digest covers.
    pub fn previous(&self, occurrence: DateTime<Utc>) -> DateTime<Utc> {
        let mut prev = occurrence - Duration::days(1);
        let mut t = occurrence - Duration::days(8);
        for _ in 0..100_000 {
            match self.schedule.next_after(t, self.tz) {
                Some(occ) if occ < occurrence => {
                    prev = occ;
                    t = occ;
                }
                _ => break,
            }
        }
        prev
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn monday_eight_local_fires_once() {
        let tz = chrono_tz::Europe::Stockholm;
        let s = CronSchedule::parse("0 8 * * MON").unwrap();
        let t = CalendarTrigger::new(s, tz, at("2026-11-23T06:00:00Z"), Duration::hours(1));
        assert_eq!(t.poll(at("2026-11-23T06:59:59Z")), None);
        // 08:00 in Stockholm (UTC+1 in November) is 07:00 UTC.
        assert_eq!(
            t.poll(at("2026-11-23T07:00:05Z")),
            Some(Utc.with_ymd_and_hms(2026, 11, 23, 7, 0, 0).unwrap())
        );
        assert_eq!(t.poll(at("2026-11-23T07:00:10Z")), None);
        assert_eq!(t.poll(at("2026-11-29T07:00:10Z")), None);
    }

    #[test]
    fn a_failed_run_is_due_again_after_retry() {
        let tz = chrono_tz::Europe::Stockholm;
        let s = CronSchedule::parse("0 8 * * MON").unwrap();
        let t = CalendarTrigger::new(s, tz, at("2026-11-23T06:00:00Z"), Duration::hours(1));
        let occ = t.poll(at("2026-11-23T07:00:05Z")).unwrap();
        assert_eq!(t.poll(at("2026-11-23T07:01:00Z")), None);
        t.retry(occ);
        assert_eq!(t.poll(at("2026-11-23T07:02:00Z")), Some(occ));
        assert_eq!(t.poll(at("2026-11-23T07:03:00Z")), None);
    }

    #[test]
    fn a_missed_occurrence_is_caught_up_within_the_window() {
        let tz = chrono_tz::Europe::Stockholm;
        let s = CronSchedule::parse("0 8 * * MON").unwrap();
        let t = CalendarTrigger::new(
            s.clone(),
            tz,
            at("2026-11-23T09:00:00Z"),
            Duration::hours(24),
        );
        assert_eq!(
            t.poll(at("2026-11-23T09:00:00Z")),
            Some(at("2026-11-23T07:00:00Z"))
        );
        let late = CalendarTrigger::new(s, tz, at("2026-11-25T09:00:00Z"), Duration::hours(24));
        assert_eq!(late.poll(at("2026-11-25T09:00:00Z")), None);
    }

    #[test]
    fn previous_occurrence_of_a_weekday_digest() {
        let tz = chrono_tz::Europe::Stockholm;
        let s = CronSchedule::parse("30 7 * * 1-5").unwrap();
        let t = CalendarTrigger::new(s, tz, at("2026-11-23T00:00:00Z"), Duration::hours(1));
        // Monday's digest covers the weekend: from Friday 07:30 local.
        assert_eq!(
            t.previous(at("2026-11-23T06:30:00Z")),
            at("2026-11-20T06:30:00Z")
        );
    }
}
