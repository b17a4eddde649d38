//! Working hours (`"Mon-Fri 08:00-17:00"`) and the business-hours length of a time span.
//!
//! The business-hours variant of time-to-reply (PRODUCT §7) answers "how much of the leader's
//! working time passed before the reply": a mention found Friday 16:00 and answered Monday 09:00
//! took 2 h of working time (Fri 16–17, Mon 08–09), not 65 h.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use super::week::{Pick, local_to_utc};

const DAY_S: u32 = 86_400;
const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const DAY_NAMES_SV: [&str; 7] = ["mån", "tis", "ons", "tor", "fre", "lör", "sön"];

/// The leader's working hours: a set of weekdays and one daily interval `start..end` of local
/// wall-clock time, the same on every working day.
///
/// `end` may be `24:00` (the end of the day), so `"Mon-Sun 00:00-24:00"` means "all the time".
/// Intervals that cross midnight (`22:00-06:00`) are rejected rather than guessed at: a night shift
/// would need to say which day the hours belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorkingHours {
    /// Bit `i` set = weekday `i` (Monday = 0) is a working day.
    days: u8,
    /// Seconds after local midnight, `start < end <= 86400`.
    start_s: u32,
    end_s: u32,
}

/// Why a working-hours string did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingHoursError {
    input: String,
    reason: String,
}

impl fmt::Display for WorkingHoursError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid working hours {:?}: {} (expected e.g. \"Mon-Fri 08:00-17:00\" or \"Mon,Wed,Fri 09:00-16:30\")",
            self.input, self.reason
        )
    }
}

impl std::error::Error for WorkingHoursError {}

impl Default for WorkingHours {
    /// Mon–Fri 08:00–17:00, PRODUCT §7's default.
    fn default() -> Self {
        Self {
            days: 0b001_1111,
            start_s: 8 * 3600,
            end_s: 17 * 3600,
        }
    }
}

impl WorkingHours {
    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: Weekday) -> bool {
        self.days & (1 << day.num_days_from_monday()) != 0
    }

    /// The daily start time.
    pub fn start(&self) -> NaiveTime {
        NaiveTime::from_num_seconds_from_midnight_opt(self.start_s, 0).unwrap_or(NaiveTime::MIN)
    }

    /// The daily end time; `None` means 24:00 (which `NaiveTime` cannot represent).
    pub fn end(&self) -> Option<NaiveTime> {
        NaiveTime::from_num_seconds_from_midnight_opt(self.end_s, 0).filter(|_| self.end_s < DAY_S)
    }

    /// How much of `from..to` lies inside working hours in `tz`; zero when `to <= from`.
    ///
    /// Each working day's interval is turned into instants separately, so days with a DST change
    /// count real elapsed time (a `00:00-24:00` day on the autumn change is 25 h). A start that
    /// falls in a DST gap begins when the gap ends; a start or end that occurs twice (the autumn
    /// fold) takes the earlier start and the later end, so all wall-clock working time counts.
    ///
    /// Cost is one pass over the local days between the two instants (a few hundred nanoseconds
    /// per day); replies normally come within days.
    pub fn business_time(&self, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from || self.days == 0 {
            return Duration::zero();
        }
        let first = from.with_timezone(&tz).date_naive();
        let last = to.with_timezone(&tz).date_naive();
        let mut total = Duration::zero();
        let mut day = first;
        while day <= last {
            if self.is_working_day(day.weekday()) {
                let (s, e) = self.interval_on(tz, day);
                let s = s.max(from);
                let e = e.min(to);
                if e > s {
                    total += e - s;
                }
            }
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
        total
    }

    /// The working interval of local date `day` as instants.
    fn interval_on(&self, tz: Tz, day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = local_to_utc(tz, day.and_time(self.start()), Pick::Earliest);
        let end = match self.end() {
            Some(t) => local_to_utc(tz, day.and_time(t), Pick::Latest),
            None => match day.succ_opt() {
                Some(next) => local_to_utc(tz, next.and_time(NaiveTime::MIN), Pick::Earliest),
                None => DateTime::<Utc>::MAX_UTC,
            },
        };
        (start, end)
    }
}

impl fmt::Display for WorkingHours {
    /// The canonical form, e.g. `Mon-Fri 08:00-17:00` or `Mon,Wed,Fri 09:00-16:30`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Runs of consecutive days (Monday-first, no wrap-around) are written as ranges.
        let mut parts = Vec::new();
        let mut i = 0;
        while i < 7 {
            if self.days & (1 << i) != 0 {
                let mut j = i;
                while j + 1 < 7 && self.days & (1 << (j + 1)) != 0 {
                    j += 1;
                }
                parts.push(match j - i {
                    0 => DAY_NAMES[i].to_string(),
                    1 => format!("{},{}", DAY_NAMES[i], DAY_NAMES[j]),
                    _ => format!("{}-{}", DAY_NAMES[i], DAY_NAMES[j]),
                });
                i = j + 1;
            } else {
                i += 1;
            }
        }
        let hm = |s: u32| format!("{:02}:{:02}", s / 3600, s % 3600 / 60);
        write!(
            f,
            "{} {}-{}",
            parts.join(","),
            hm(self.start_s),
            hm(self.end_s)
        )
    }
}

impl FromStr for WorkingHours {
    type Err = WorkingHoursError;

    /// Parses `DAYS START-END`. DAYS is a comma-separated list of days (`Mon`…`Sun`, any case;
    /// Swedish `mån`…`sön` too) and ranges (`Mon-Fri`; `Sun-Thu` wraps over the week end).
    /// Times are `HH:MM`, 24-hour; `24:00` only as the end.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| WorkingHoursError {
            input: s.to_string(),
            reason,
        };
        let t = s.trim();
        let (days_part, time_part) = t
            .split_once(char::is_whitespace)
            .ok_or_else(|| err("expected days, a space, then a time range".into()))?;
        let mut days = 0u8;
        for item in days_part.split(',') {
            let item = item.trim();
            if item.is_empty() {
                return Err(err("empty day in the day list".into()));
            }
            match item.split_once('-') {
                Some((a, b)) => {
                    let a = parse_day(a).ok_or_else(|| err(format!("unknown day {a:?}")))?;
                    let b = parse_day(b).ok_or_else(|| err(format!("unknown day {b:?}")))?;
                    let mut d = a;
                    loop {
                        days |= 1 << d;
                        if d == b {
                            break;
                        }
                        d = (d + 1) % 7;
                    }
                }
                None => {
                    let d = parse_day(item).ok_or_else(|| err(format!("unknown day {item:?}")))?;
                    days |= 1 << d;
                }
            }
        }
        let compact: String = time_part.chars().filter(|c| !c.is_whitespace()).collect();
        let (a, b) = compact
            .split_once('-')
            .ok_or_else(|| err("expected a time range like 08:00-17:00".into()))?;
        let start_s =
            parse_hm(a).ok_or_else(|| err(format!("bad start time {a:?} (use HH:MM)")))?;
        let end_s = parse_hm(b).ok_or_else(|| err(format!("bad end time {b:?} (use HH:MM)")))?;
        if start_s == DAY_S {
            return Err(err("24:00 can only be an end time".into()));
        }
        if end_s <= start_s {
            return Err(err(format!(
                "the end {b} must be after the start {a} (hours crossing midnight are not supported)"
            )));
        }
        Ok(Self {
            days,
            start_s,
            end_s,
        })
    }
}

/// Monday = 0 … Sunday = 6, from an English or Swedish name or abbreviation.
fn parse_day(s: &str) -> Option<u32> {
    let lower = s.trim().to_lowercase();
    if lower.chars().count() < 2 {
        return None;
    }
    const EN_FULL: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    const SV_FULL: [&str; 7] = [
        "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag",
    ];
    (0..7u32).find(|&i| {
        let i = i as usize;
        lower == DAY_NAMES[i].to_lowercase()
            || lower == DAY_NAMES_SV[i]
            || (lower.len() >= 3
                && (EN_FULL[i].starts_with(&lower) || SV_FULL[i].starts_with(&lower)))
    })
}

/// `HH:MM` → seconds after midnight; `24:00` allowed (the caller restricts it to the end).
fn parse_hm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    if !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(DAY_S),
        (0..=23, 0..=59) => Some(h * 3600 + m * 60),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Stockholm;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().expect("test timestamp")
    }

    fn wh(s: &str) -> WorkingHours {
        s.parse().expect("valid working hours")
    }

    #[test]
    fn parses_the_documented_forms() {
        let d = wh("Mon-Fri 08:00-17:00");
        assert_eq!(d, WorkingHours::default());
        assert!(d.is_working_day(Weekday::Fri) && !d.is_working_day(Weekday::Sat));
        assert_eq!(d.to_string(), "Mon-Fri 08:00-17:00");

        let mwf = wh("Mon,Wed,Fri 09:00-16:30");
        assert!(mwf.is_working_day(Weekday::Wed) && !mwf.is_working_day(Weekday::Tue));
        assert_eq!(mwf.start(), NaiveTime::from_hms_opt(9, 0, 0).expect("t"));
        assert_eq!(mwf.end(), NaiveTime::from_hms_opt(16, 30, 0));
        assert_eq!(mwf.to_string(), "Mon,Wed,Fri 09:00-16:30");

        let all = wh("Mon-Sun 00:00-24:00");
        assert_eq!(all.end(), None);
        assert_eq!(all.to_string(), "Mon-Sun 00:00-24:00");

        // Wrap-around range, Swedish names, spaces around the dash, case.
        let sun_thu = wh("sön-tor 8:00 - 16:00");
        assert!(sun_thu.is_working_day(Weekday::Sun) && sun_thu.is_working_day(Weekday::Thu));
        assert!(!sun_thu.is_working_day(Weekday::Fri));
        assert_eq!(sun_thu.to_string(), "Mon-Thu,Sun 08:00-16:00");
        assert_eq!(wh("MON-tue 08:00-09:00").to_string(), "Mon,Tue 08:00-09:00");
    }

    #[test]
    fn errors_are_clear() {
        for (input, fragment) in [
            ("Mon-Fri", "expected days, a space, then a time range"),
            ("Mon-Fry 08:00-17:00", "unknown day \"Fry\""),
            ("Mon,,Fri 08:00-17:00", "empty day"),
            ("Mon-Fri 0800-1700", "bad start time \"0800\" (use HH:MM)"),
            ("Mon-Fri 08:00", "expected a time range"),
            ("Mon-Fri 08:00-17", "bad end time \"17\""),
            ("Mon-Fri 25:00-26:00", "bad start time"),
            ("Mon-Fri 08:60-17:00", "bad start time"),
            ("Mon-Fri 24:00-24:00", "24:00 can only be an end time"),
            ("Mon-Fri 22:00-06:00", "crossing midnight"),
            ("Mon-Fri 08:00-08:00", "must be after the start"),
            ("", "expected days"),
        ] {
            let e = input.parse::<WorkingHours>().expect_err(input).to_string();
            assert!(e.contains(fragment), "{input:?} gave {e}");
            assert!(
                e.contains("Mon-Fri 08:00-17:00"),
                "error shows an example: {e}"
            );
        }
    }

    #[test]
    fn friday_afternoon_to_monday_morning_is_two_business_hours() {
        // Fri 2026-11-20 16:00 CET = 15:00 UTC; Mon 2026-11-23 09:00 CET = 08:00 UTC.
        // Fri 16:00-17:00 (1 h) + Sat/Sun (0) + Mon 08:00-09:00 (1 h) = 2 h.
        let t = WorkingHours::default().business_time(
            Stockholm,
            utc("2026-11-20T15:00:00Z"),
            utc("2026-11-23T08:00:00Z"),
        );
        assert_eq!(t, Duration::hours(2));
    }

    #[test]
    fn outside_hours_and_reversed_spans_are_zero() {
        let d = WorkingHours::default();
        // Sat 10:00 -> Sun 20:00 local.
        let t = d.business_time(
            Stockholm,
            utc("2026-11-21T09:00:00Z"),
            utc("2026-11-22T19:00:00Z"),
        );
        assert_eq!(t, Duration::zero());
        let t = d.business_time(
            Stockholm,
            utc("2026-11-23T10:00:00Z"),
            utc("2026-11-23T09:00:00Z"),
        );
        assert_eq!(t, Duration::zero());
        // Within one day: Tue 09:15 -> 10:45 local = 1 h 30 min.
        let t = d.business_time(
            Stockholm,
            utc("2026-11-24T08:15:00Z"),
            utc("2026-11-24T09:45:00Z"),
        );
        assert_eq!(t, Duration::minutes(90));
        // Mon 07:00 -> Tue 18:00 local = 2 full days of 9 h.
        let t = d.business_time(
            Stockholm,
            utc("2026-11-23T06:00:00Z"),
            utc("2026-11-24T17:00:00Z"),
        );
        assert_eq!(t, Duration::hours(18));
    }

    #[test]
    fn all_hours_equals_elapsed_time_even_across_dst() {
        let all = wh("Mon-Sun 00:00-24:00");
        // Sat 2026-10-24 12:00 CEST (10:00 UTC) -> Mon 2026-10-26 12:00 CET (11:00 UTC): 49 h.
        let (a, b) = (utc("2026-10-24T10:00:00Z"), utc("2026-10-26T11:00:00Z"));
        assert_eq!(all.business_time(Stockholm, a, b), b - a);
        assert_eq!(b - a, Duration::hours(49));
        // Spring: Sat 2026-03-28 12:00 CET -> Mon 2026-03-30 12:00 CEST: 47 h.
        let (a, b) = (utc("2026-03-28T11:00:00Z"), utc("2026-03-30T10:00:00Z"));
        assert_eq!(all.business_time(Stockholm, a, b), Duration::hours(47));
    }

    #[test]
    fn a_working_interval_over_the_autumn_fold_counts_the_repeated_hour() {
        // Sunday hours 01:00-04:00 on 2026-10-25: the wall clock shows 02:00-03:00 twice, so the
        // day has 4 h of working time (01:00 CEST = 23:00 UTC to 04:00 CET = 03:00 UTC).
        let h = wh("Sun 01:00-04:00");
        let t = h.business_time(
            Stockholm,
            utc("2026-10-24T20:00:00Z"),
            utc("2026-10-25T12:00:00Z"),
        );
        assert_eq!(t, Duration::hours(4));
        // Spring: 01:00-04:00 on 2026-03-29 has only 2 h (02:00-03:00 is skipped).
        let t = h.business_time(
            Stockholm,
            utc("2026-03-28T20:00:00Z"),
            utc("2026-03-29T12:00:00Z"),
        );
        assert_eq!(t, Duration::hours(2));
    }
}
