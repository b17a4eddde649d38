//! Times as people type them: on the command line, in a form, in an API body. One parser for all of
//! them, so `mention add --published 2026-11-20` and the API's `"published_at": "2026-11-20"` store the
//! same instant.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// The local hour a snooze wakes at when only a day is given ("tomorrow", "2026-12-02"): the start
/// of a working morning, not midnight.
pub const SNOOZE_HOUR: u32 = 8;

/// Parses RFC 3339 (`2026-11-20T10:00:00Z`, any offset), or a local time in `tz` written
/// `YYYY-MM-DDTHH:MM[:SS]` (what a browser's `datetime-local` field sends) or `YYYY-MM-DD HH:MM`, or a
/// bare date `YYYY-MM-DD`, which means midnight in `tz`. A local time that falls in a daylight-saving
/// gap is refused; in the repeated hour the earlier instant is taken.
pub fn parse_user_time(s: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let t = s.trim();
    if let Ok(parsed) = DateTime::parse_from_rfc3339(t) {
        return Ok(parsed.with_timezone(&Utc));
    }
    let local = [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()
            .map(|d| d.and_time(NaiveTime::MIN))
    });
    local
        .and_then(|l| tz.from_local_datetime(&l).earliest())
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| {
            format!(
                "'{s}' is not a time; write RFC 3339 like 2026-11-20T10:00:00Z or a date like 2026-11-20"
            )
        })
}

/// A snooze's `until` as people give it: like [`parse_user_time`], except that a bare date means
/// [`SNOOZE_HOUR`] o'clock local time on that day rather than midnight.
pub fn parse_snooze_until(s: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(day) => local_at(day, SNOOZE_HOUR, tz)
            .ok_or_else(|| format!("'{s}' has no {SNOOZE_HOUR}:00 in {tz}")),
        Err(_) => parse_user_time(s, tz),
    }
}

/// `day` at `hour`:00 in `tz` (the earlier instant in a repeated hour, the later side of a gap).
fn local_at(day: NaiveDate, hour: u32, tz: Tz) -> Option<DateTime<Utc>> {
    let local = day.and_hms_opt(hour, 0, 0)?;
    let r = tz.from_local_datetime(&local);
    r.earliest()
        .or_else(|| {
            tz.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

/// The quick choices of the snooze picker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnoozePreset {
    /// 18:00 today, offered until 15:00.
    LaterToday,
    /// Tomorrow at [`SNOOZE_HOUR`].
    TomorrowMorning,
    /// The coming Monday at [`SNOOZE_HOUR`] (a week ahead on a Monday).
    NextMonday,
}

impl SnoozePreset {
    pub fn as_str(self) -> &'static str {
        match self {
            SnoozePreset::LaterToday => "later_today",
            SnoozePreset::TomorrowMorning => "tomorrow_morning",
            SnoozePreset::NextMonday => "next_monday",
        }
    }
}

/// The snooze presets that make sense at `now`, each with its instant, in `tz` (the configured time
/// zone, so that the dashboard, the API and the scheduler agree on what "tomorrow morning" is). A
/// preset that falls on the same instant as an earlier one is left out (on a Sunday, next Monday
/// is tomorrow morning).
pub fn snooze_presets(now: DateTime<Utc>, tz: Tz) -> Vec<(SnoozePreset, DateTime<Utc>)> {
    let local = now.with_timezone(&tz);
    let today = local.date_naive();
    let mut out: Vec<(SnoozePreset, DateTime<Utc>)> = Vec::new();
    if local.time() < NaiveTime::from_hms_opt(15, 0, 0).unwrap_or(NaiveTime::MIN)
        && let Some(t) = local_at(today, 18, tz)
    {
        out.push((SnoozePreset::LaterToday, t));
    }
    if let Some(t) = today.succ_opt().and_then(|d| local_at(d, SNOOZE_HOUR, tz)) {
        out.push((SnoozePreset::TomorrowMorning, t));
    }
    let days_to_monday = match today.weekday().num_days_from_monday() {
        0 => 7,
        n => 7 - n,
    };
    let monday = today.checked_add_days(chrono::Days::new(u64::from(days_to_monday)));
    if let Some(t) = monday.and_then(|d| local_at(d, SNOOZE_HOUR, tz))
        && !out.iter().any(|(_, at)| *at == t)
    {
        out.push((SnoozePreset::NextMonday, t));
    }
    debug_assert!(monday.is_none_or(|d| d.weekday() == Weekday::Mon));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn every_written_form_gives_one_instant() {
        let sthlm = chrono_tz::Europe::Stockholm;
        for (text, want) in [
            ("2026-11-20T10:00:00Z", utc(2026, 11, 20, 10, 0)),
            ("2026-11-20T12:00:00+02:00", utc(2026, 11, 20, 10, 0)),
            ("2026-11-20T11:00", utc(2026, 11, 20, 10, 0)),
            ("2026-11-20T11:00:00", utc(2026, 11, 20, 10, 0)),
            ("2026-11-20 11:00", utc(2026, 11, 20, 10, 0)),
            (" 2026-11-20 ", utc(2026, 11, 19, 23, 0)),
            // Summer time: midnight in Stockholm is 22:00 UTC the day before.
            ("2026-07-01", utc(2026, 6, 30, 22, 0)),
        ] {
            assert_eq!(parse_user_time(text, sthlm), Ok(want), "{text}");
        }
        assert_eq!(
            parse_user_time("2026-11-20", chrono_tz::UTC),
            Ok(utc(2026, 11, 20, 0, 0))
        );
    }

    #[test]
    fn a_snooze_to_a_day_wakes_in_the_morning() {
        let sthlm = chrono_tz::Europe::Stockholm;
        assert_eq!(
            parse_snooze_until("2026-12-02", sthlm),
            Ok(utc(2026, 12, 2, 7, 0))
        );
        assert_eq!(
            parse_snooze_until("2026-12-02T13:30", sthlm),
            Ok(utc(2026, 12, 2, 12, 30))
        );
        assert!(parse_snooze_until("tomorrow", sthlm).is_err());
    }

    #[test]
    fn snooze_presets_in_local_time() {
        let sthlm = chrono_tz::Europe::Stockholm;
        use SnoozePreset::*;
        // Wednesday 2026-11-25 10:00 local: later today 18:00, tomorrow 08:00, Monday 30th 08:00.
        assert_eq!(
            snooze_presets(utc(2026, 11, 25, 9, 0), sthlm),
            vec![
                (LaterToday, utc(2026, 11, 25, 17, 0)),
                (TomorrowMorning, utc(2026, 11, 26, 7, 0)),
                (NextMonday, utc(2026, 11, 30, 7, 0)),
            ]
        );
        // 16:00 local is too late for "later today".
        assert_eq!(
            snooze_presets(utc(2026, 11, 25, 15, 0), sthlm)[0].0,
            TomorrowMorning
        );
        // Sunday: next Monday is tomorrow morning, offered once.
        assert_eq!(
            snooze_presets(utc(2026, 11, 29, 16, 0), sthlm),
            vec![(TomorrowMorning, utc(2026, 11, 30, 7, 0))]
        );
        // Monday: a week ahead. Just before midnight UTC on Sunday is already Monday in Stockholm.
        let monday = snooze_presets(utc(2026, 11, 29, 23, 30), sthlm);
        assert_eq!(monday.last(), Some(&(NextMonday, utc(2026, 12, 7, 7, 0))));
        // Across the spring change, 08:00 is still 08:00 local (06:00 UTC in summer time).
        assert_eq!(
            snooze_presets(utc(2026, 3, 28, 16, 0), sthlm)[0],
            (TomorrowMorning, utc(2026, 3, 29, 6, 0))
        );
    }

    #[test]
    fn nonsense_and_daylight_saving_gaps_are_refused_with_the_fix() {
        let sthlm = chrono_tz::Europe::Stockholm;
        for bad in [
            "yesterday",
            "",
            "2026-13-01",
            "20.11.2026",
            "2026-03-29T02:30",
        ] {
            let err = parse_user_time(bad, sthlm).unwrap_err();
            assert!(err.contains("RFC 3339"), "{bad}: {err}");
        }
        // The repeated hour in October: the first 02:30 (summer time, +02:00).
        assert_eq!(
            parse_user_time("2026-10-25T02:30", sthlm),
            Ok(utc(2026, 10, 25, 0, 30))
        );
    }
}
