//! When things run: a source's `every` interval or a standard 5-field crontab expression, evaluated
//! in the configured time zone.

use crate::domain::units::format_duration;
use chrono_tz::Tz;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A standard 5-field crontab expression (minute hour day-of-month month day-of-week; Sunday is 0 or
/// 7; names allowed) or an alias such as `@daily`. Six-field (seconds) patterns are refused so that a
/// schedule always means what crontab would make of it.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    pub pattern: String,
    cron: croner::Cron,
}

/// The five crontab fields: name, lowest and highest number, and the names allowed instead.
const CRON_FIELDS: [(&str, u32, u32, &[&str]); 5] = [
    ("minute", 0, 59, &[]),
    ("hour", 0, 23, &[]),
    ("day-of-month", 1, 31, &[]),
    (
        "month",
        1,
        12,
        &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
    ),
    (
        "day-of-week",
        0,
        7,
        &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    ),
];

/// Checks one field of a crontab expression (`*`, `5`, `1-5`, `*/15`, `MON-FRI`, lists of these) and
/// says in words what is wrong with it. Extensions croner knows (`L`, `W`, `#`, `?`) are left to it.
fn check_cron_field(
    value: &str,
    (name, lo, hi, names): (&str, u32, u32, &[&str]),
) -> Result<(), String> {
    if value.contains(['L', 'W', '#', '?']) {
        return Ok(());
    }
    let number = |part: &str| -> Result<u32, String> {
        let up = part.to_ascii_uppercase();
        if let Some(i) = names.iter().position(|n| *n == up) {
            return Ok(i as u32 + if name == "month" { 1 } else { 0 });
        }
        let n: u32 = part.parse().map_err(|_| {
            let also = if names.is_empty() {
                String::new()
            } else {
                format!(" or a name such as {}", names[1])
            };
            format!("the {name} field has '{part}', which is not a number{also}")
        })?;
        if n < lo || n > hi {
            return Err(format!("the {name} field has {n}, outside {lo}–{hi}"));
        }
        Ok(n)
    };
    for item in value.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, st)) => (r, Some(st)),
            None => (item, None),
        };
        if let Some(st) = step
            && st.parse::<u32>().map_or(true, |n| n == 0)
        {
            return Err(format!(
                "the {name} field has the step '/{st}'; a step is a whole number above 0, as in */15"
            ));
        }
        if range == "*" {
            continue;
        }
        if range.is_empty() {
            return Err(format!("the {name} field has an empty part in '{value}'"));
        }
        match range.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (number(a)?, number(b)?);
                if a > b {
                    return Err(format!(
                        "the {name} field has the range {range}, which runs backwards"
                    ));
                }
            }
            None => {
                number(range)?;
            }
        }
    }
    Ok(())
}

impl CronSchedule {
    pub fn parse(s: &str) -> Result<CronSchedule, String> {
        let t = s.trim();
        let example = "e.g. \"*/30 7-22 * * *\" (every 30 minutes from 07:00 to 22:59) or \"0 8 * * MON\" (Mondays at 08:00)";
        let fields: Vec<&str> = t.split_whitespace().collect();
        if !t.starts_with('@') {
            if fields.len() != 5 {
                return Err(format!(
                    "'{s}' has {} fields; a schedule has 5 (minute hour day-of-month month day-of-week), {example}",
                    fields.len()
                ));
            }
            for (value, spec) in fields.iter().zip(CRON_FIELDS) {
                check_cron_field(value, spec).map_err(|e| format!("'{s}': {e}; {example}"))?;
            }
        }
        let cron = croner::Cron::from_str(t)
            .map_err(|e| format!("'{s}' is not a schedule croner understands ({e}); {example}"))?;
        Ok(CronSchedule {
            pattern: t.to_string(),
            cron,
        })
    }

    /// The first occurrence strictly after `after`, evaluated in `tz` (so "0 8 * * MON" is 08:00 local
    /// time on both sides of a daylight-saving change).
    pub fn next_after(
        &self,
        after: chrono::DateTime<chrono::Utc>,
        tz: Tz,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        let local = after.with_timezone(&tz);
        self.cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    }
}

/// When a source is checked.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // few, long-lived values: boxing buys nothing
pub enum Schedule {
    Every(Duration),
    Cron(Box<CronSchedule>),
}

impl Schedule {
    /// The next regular check after `after` (before jitter and backoff).
    pub fn next_after(
        &self,
        after: chrono::DateTime<chrono::Utc>,
        tz: Tz,
    ) -> chrono::DateTime<chrono::Utc> {
        match self {
            Schedule::Every(d) => {
                after + chrono::Duration::from_std(*d).unwrap_or(chrono::Duration::minutes(30))
            }
            Schedule::Cron(c) => c
                .next_after(after, tz)
                .unwrap_or(after + chrono::Duration::hours(24)),
        }
    }

    /// The nominal interval, used to size jitter.
    pub fn nominal_interval(&self) -> Duration {
        match self {
            Schedule::Every(d) => *d,
            Schedule::Cron(_) => Duration::from_secs(3600),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Every(d) => write!(f, "every {}", format_duration(*d)),
            Schedule::Cron(c) => write!(f, "cron \"{}\"", c.pattern),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_is_standard_crontab_in_local_time() {
        use chrono::TimeZone;
        let c = CronSchedule::parse("0 8 * * 1").unwrap();
        // Saturday 2026-11-21 12:00 UTC → Monday 2026-11-23 08:00 Stockholm = 07:00 UTC.
        let next = c
            .next_after(
                chrono::Utc
                    .with_ymd_and_hms(2026, 11, 21, 12, 0, 0)
                    .unwrap(),
                chrono_tz::Europe::Stockholm,
            )
            .unwrap();
        assert_eq!(
            next,
            chrono::Utc.with_ymd_and_hms(2026, 11, 23, 7, 0, 0).unwrap()
        );
        let sunday = CronSchedule::parse("0 8 * * 0").unwrap();
        let next = sunday
            .next_after(
                chrono::Utc
                    .with_ymd_and_hms(2026, 11, 21, 12, 0, 0)
                    .unwrap(),
                chrono_tz::UTC,
            )
            .unwrap();
        assert_eq!(
            next,
            chrono::Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap()
        );
        assert!(
            CronSchedule::parse("0 0 8 * * 1").is_err(),
            "six fields are refused"
        );
        assert!(CronSchedule::parse("61 * * * *").is_err());
    }

    #[test]
    fn cron_errors_name_the_field_in_plain_words() {
        let err = |s: &str| CronSchedule::parse(s).unwrap_err();
        assert!(
            err("61 * * * *").contains("the minute field has 61, outside 0–59"),
            "{}",
            err("61 * * * *")
        );
        assert!(err("0 25 * * *").contains("the hour field has 25, outside 0–23"));
        assert!(err("0 8 32 * *").contains("the day-of-month field has 32, outside 1–31"));
        assert!(err("0 8 * 13 *").contains("the month field has 13, outside 1–12"));
        assert!(err("0 8 * * MOX").contains(
            "the day-of-week field has 'MOX', which is not a number or a name such as MON"
        ));
        assert!(err("*/0 * * * *").contains("the minute field has the step '/0'"));
        assert!(
            err("0 22-7 * * *").contains("the hour field has the range 22-7, which runs backwards")
        );
        assert!(err("0 8 * *").contains("has 4 fields"));
        for ok in [
            "*/30 7-22 * * *",
            "0 8 * * MON",
            "0 8 * * 1-5",
            "15 6,12,18 * JAN-MAR SUN",
            "@daily",
            "0 0 L * *",
        ] {
            assert!(CronSchedule::parse(ok).is_ok(), "{ok}");
        }
    }
}
