//! Times as people type them: on the command line, in a form, in an API body. One parser for all of
//! them, so `mention add --published 2026-11-20` and the API's `"published_at": "2026-11-20"` store the
//! same instant.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

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
