//! ISO weeks as reporting periods, and turning local wall-clock times into instants robustly.
//!
//! A report week is Monday 00:00 local time up to (not including) the next Monday 00:00 local time
//! (PRODUCT §7). Because the bounds are *local*, a week that contains a daylight-saving change is
//! 167 or 169 hours long; computing bounds as "start + 7 days" in UTC would silently move mentions
//! found late on a Sunday night into the wrong week.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One ISO 8601 week, written `2026-W47`.
///
/// The year is the ISO week-numbering year, which differs from the calendar year around New Year
/// (2025-12-29 is in `2026-W01`). Only weeks that exist are representable: `2027-W53` is rejected
/// because 2027 has 52 ISO weeks (2026, whose Jan 1 is a Thursday, has 53).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeekId {
    year: i32,
    week: u32,
}

/// Why a week id did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekParseError {
    input: String,
    reason: String,
}

impl fmt::Display for WeekParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid ISO week {:?}: {} (expected the form 2026-W47)",
            self.input, self.reason
        )
    }
}

impl std::error::Error for WeekParseError {}

impl IsoWeekId {
    /// The week `week` of ISO year `year`, if it exists.
    pub fn new(year: i32, week: u32) -> Option<Self> {
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|_| Self { year, week })
    }

    /// The ISO week containing a calendar date.
    pub fn from_date(date: NaiveDate) -> Self {
        let w = date.iso_week();
        Self {
            year: w.year(),
            week: w.week(),
        }
    }

    /// The week containing `at` as seen on a wall clock in `tz`.
    pub fn containing(at: DateTime<Utc>, tz: Tz) -> Self {
        Self::from_date(at.with_timezone(&tz).date_naive())
    }

    /// The ISO week-numbering year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The week number, 1..=53.
    pub fn week(self) -> u32 {
        self.week
    }

    /// The Monday that starts this week.
    pub fn monday(self) -> NaiveDate {
        // Constructed only through `new`/`from_date`, so the date exists; the fallback keeps this
        // total without a panic path.
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).unwrap_or(NaiveDate::MIN)
    }

    /// The following week.
    /// (Saturates at the end of chrono's date range instead of panicking.)
    pub fn next(self) -> Self {
        self.monday()
            .checked_add_days(chrono::Days::new(7))
            .map_or(self, Self::from_date)
    }

    /// The preceding week.
    pub fn prev(self) -> Self {
        self.monday()
            .checked_sub_days(chrono::Days::new(7))
            .map_or(self, Self::from_date)
    }

    /// The first instant of the week: Monday 00:00 local time in `tz` (or, if midnight does not
    /// exist that day because a DST gap starts at midnight, the first instant that does).
    pub fn start(self, tz: Tz) -> DateTime<Utc> {
        local_to_utc(
            tz,
            self.monday().and_time(chrono::NaiveTime::MIN),
            Pick::Earliest,
        )
    }

    /// The first instant *after* the week (the next week's start); the week is `start..end`.
    pub fn end(self, tz: Tz) -> DateTime<Utc> {
        self.next().start(tz)
    }
}

impl fmt::Display for IsoWeekId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

impl FromStr for IsoWeekId {
    type Err = WeekParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| WeekParseError {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        let t = s.trim();
        let (y, w) = t
            .split_once(['W', 'w'])
            .ok_or_else(|| err("missing the 'W' before the week number"))?;
        let y = y
            .strip_suffix('-')
            .ok_or_else(|| err("missing the '-' between year and 'W'"))?;
        if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("the year must be four digits"));
        }
        if w.is_empty() || w.len() > 2 || !w.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("the week must be one or two digits"));
        }
        let year: i32 = y.parse().map_err(|_| err("bad year"))?;
        let week: u32 = w.parse().map_err(|_| err("bad week number"))?;
        if !(1..=53).contains(&week) {
            return Err(err("the week number must be between 01 and 53"));
        }
        Self::new(year, week).ok_or_else(|| err(&format!("{year} has no ISO week {week}")))
    }
}

impl Serialize for IsoWeekId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoWeekId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Which instant to take when a local time occurs twice (the autumn DST fold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pick {
    Earliest,
    Latest,
}

/// The instant at which a wall clock in `tz` shows `local`.
///
/// - Ambiguous (shown twice, autumn fold): `pick` decides.
/// - Nonexistent (skipped, spring gap): the first instant whose wall-clock time is at or after
///   `local`, i.e. the end of the gap. For a day start that is "the first instant of that day",
///   which is what week bounds and working-hour intervals need.
///
/// The gap case is found by binary search over whole seconds in a ±26 h window (wall-clock time
/// only moves forward across a gap, so the predicate is monotonic there); no zone has a UTC offset
/// beyond ±14 h, so the window always brackets the answer.
pub(crate) fn local_to_utc(tz: Tz, local: NaiveDateTime, pick: Pick) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(a, b) => match pick {
            Pick::Earliest => a.min(b).with_timezone(&Utc),
            Pick::Latest => a.max(b).with_timezone(&Utc),
        },
        chrono::LocalResult::None => {
            let guess = local.and_utc().timestamp();
            let wall = |secs: i64| -> i64 {
                let utc = DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default();
                secs + i64::from(
                    tz.offset_from_utc_datetime(&utc.naive_utc())
                        .fix()
                        .local_minus_utc(),
                )
            };
            let target = guess; // wall-clock seconds of `local` (sub-second part ignored)
            let (mut lo, mut hi) = (guess - 26 * 3600, guess + 26 * 3600);
            // Invariant: wall(lo) < target <= wall(hi).
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if wall(mid) >= target {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            DateTime::<Utc>::from_timestamp(hi, 0).unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use chrono_tz::Europe::Stockholm;

    #[test]
    fn extreme_dates_do_not_panic() {
        for d in [NaiveDate::MAX, NaiveDate::MIN] {
            let w = IsoWeekId::from_date(d);
            let _ = (
                w.next(),
                w.prev(),
                w.start(Stockholm),
                w.end(Stockholm),
                w.to_string(),
            );
            let r = crate::domain::report::weekly_report(
                &[],
                w,
                DateTime::<Utc>::MAX_UTC,
                &crate::domain::report::ReportSettings::default(),
            );
            assert_eq!(r.trend.len(), 12);
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().expect("test timestamp")
    }

    #[test]
    fn parse_and_format_round_trip() {
        let w: IsoWeekId = "2026-W47".parse().expect("valid");
        assert_eq!((w.year(), w.week()), (2026, 47));
        assert_eq!(w.to_string(), "2026-W47");
        assert_eq!(
            "2026-w7".parse::<IsoWeekId>().map(|w| w.to_string()),
            Ok("2026-W07".into())
        );
        assert_eq!(
            w.monday(),
            NaiveDate::from_ymd_opt(2026, 11, 16).expect("date")
        );
    }

    #[test]
    fn parse_errors_say_what_is_wrong() {
        for (input, fragment) in [
            ("2026-47", "missing the 'W'"),
            ("2026W47", "missing the '-'"),
            ("26-W47", "four digits"),
            ("2026-W", "one or two digits"),
            ("2026-W00", "between 01 and 53"),
            ("2027-W53", "2027 has no ISO week 53"),
            ("", "missing the 'W'"),
        ] {
            let e = input.parse::<IsoWeekId>().expect_err(input).to_string();
            assert!(e.contains(fragment), "{input:?}: {e}");
        }
        // Checked with chrono rather than by hand: 2026 *does* have 53 ISO weeks (Jan 1 2026 is a
        // Thursday), 2025 and 2027 have 52. Dec 28 always lies in the last ISO week of its year.
        let last = |y| NaiveDate::from_ymd_opt(y, 12, 28).map(|d| d.iso_week().week());
        assert_eq!(
            (last(2025), last(2026), last(2027)),
            (Some(52), Some(53), Some(52))
        );
        assert!("2026-W53".parse::<IsoWeekId>().is_ok());
        assert!("2020-W53".parse::<IsoWeekId>().is_ok());
    }

    #[test]
    fn iso_year_differs_from_calendar_year_at_new_year() {
        let d = NaiveDate::from_ymd_opt(2025, 12, 29).expect("date");
        assert_eq!(IsoWeekId::from_date(d).to_string(), "2026-W01");
        let w: IsoWeekId = "2026-W01".parse().expect("valid");
        assert_eq!(w.prev().to_string(), "2025-W52");
        assert_eq!(w.prev().next(), w);
    }

    #[test]
    fn bounds_in_stockholm_normal_week_is_168h() {
        let w: IsoWeekId = "2026-W47".parse().expect("valid");
        // Winter time, UTC+1: Monday 2026-11-16 00:00 local = 2026-11-15 23:00 UTC.
        assert_eq!(w.start(Stockholm), utc("2026-11-15T23:00:00Z"));
        assert_eq!(w.end(Stockholm) - w.start(Stockholm), Duration::hours(168));
    }

    #[test]
    fn dst_weeks_are_169_and_167_hours() {
        // Oct 25 2026 (Sunday): clocks go back 03:00 CEST -> 02:00 CET. That Sunday ends ISO week
        // 2026-W43 (Mon Oct 19 - Mon Oct 26), so W43 is 169 h, not W44 (checked with chrono).
        let sunday = NaiveDate::from_ymd_opt(2026, 10, 25).expect("date");
        assert_eq!(IsoWeekId::from_date(sunday).to_string(), "2026-W43");
        let w43: IsoWeekId = "2026-W43".parse().expect("valid");
        // Monday Oct 19 00:00 CEST = Oct 18 22:00 UTC; Monday Oct 26 00:00 CET = Oct 25 23:00 UTC.
        assert_eq!(w43.start(Stockholm), utc("2026-10-18T22:00:00Z"));
        assert_eq!(w43.end(Stockholm), utc("2026-10-25T23:00:00Z"));
        assert_eq!(
            w43.end(Stockholm) - w43.start(Stockholm),
            Duration::hours(169)
        );
        let w44 = w43.next();
        assert_eq!(
            w44.end(Stockholm) - w44.start(Stockholm),
            Duration::hours(168)
        );
        // Mar 29 2026 (Sunday): clocks go forward, so W13 is 167 h.
        let w13: IsoWeekId = "2026-W13".parse().expect("valid");
        assert_eq!(
            w13.end(Stockholm) - w13.start(Stockholm),
            Duration::hours(167)
        );
    }

    #[test]
    fn nonexistent_and_ambiguous_local_times_resolve() {
        // 02:30 on 2026-03-29 does not exist in Stockholm; the gap ends at 03:00 CEST = 01:00 UTC.
        let gap = NaiveDate::from_ymd_opt(2026, 3, 29)
            .and_then(|d| d.and_hms_opt(2, 30, 0))
            .expect("naive");
        assert_eq!(
            local_to_utc(Stockholm, gap, Pick::Earliest),
            utc("2026-03-29T01:00:00Z")
        );
        // 02:30 on 2026-10-25 happens twice: 00:30 UTC (CEST) and 01:30 UTC (CET).
        let fold = NaiveDate::from_ymd_opt(2026, 10, 25)
            .and_then(|d| d.and_hms_opt(2, 30, 0))
            .expect("naive");
        assert_eq!(
            local_to_utc(Stockholm, fold, Pick::Earliest),
            utc("2026-10-25T00:30:00Z")
        );
        assert_eq!(
            local_to_utc(Stockholm, fold, Pick::Latest),
            utc("2026-10-25T01:30:00Z")
        );
    }

    #[test]
    fn midnight_in_a_dst_gap_starts_the_week_at_the_gap_end() {
        // Chile moves its clocks forward at local midnight: Sunday 2026-09-06 00:00 does not exist
        // in America/Santiago, and that day starts at 01:00 local.
        let tz: Tz = "America/Santiago".parse().expect("zone");
        let day = NaiveDate::from_ymd_opt(2026, 9, 6).expect("date");
        let midnight = day.and_time(chrono::NaiveTime::MIN);
        assert!(
            tz.from_local_datetime(&midnight).single().is_none(),
            "expected a gap"
        );
        let t = local_to_utc(tz, midnight, Pick::Earliest);
        let local = t.with_timezone(&tz);
        assert_eq!(local.date_naive(), day);
        assert_eq!(
            local.time(),
            chrono::NaiveTime::from_hms_opt(1, 0, 0).expect("time")
        );
        // One second earlier is still the previous day.
        assert!((t - Duration::seconds(1)).with_timezone(&tz).date_naive() < day);
    }

    #[test]
    fn serde_as_string() {
        let w: IsoWeekId = "2026-W02".parse().expect("valid");
        assert_eq!(serde_json::to_string(&w).expect("json"), "\"2026-W02\"");
        let back: IsoWeekId = serde_json::from_str("\"2026-W02\"").expect("json");
        assert_eq!(back, w);
        assert!(serde_json::from_str::<IsoWeekId>("\"2026-W99\"").is_err());
    }
}
