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

impl CronSchedule {
    pub fn parse(s: &str) -> Result<CronSchedule, String> {
        let t = s.trim();
        let fields = t.split_whitespace().count();
        if !t.starts_with('@') && fields != 5 {
            return Err(format!(
                "'{s}' has {fields} fields; a schedule has 5 (minute hour day month weekday), e.g. \"*/30 7-22 * * *\" or \"0 8 * * MON\""
            ));
        }
        let cron = croner::Cron::from_str(t).map_err(|e| {
            format!("'{s}' is not a valid cron expression ({e}); e.g. \"*/30 7-22 * * *\" or \"0 8 * * MON\"")
        })?;
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
}
