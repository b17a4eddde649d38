//! `LYSSNA_*` environment variables over the file.

use super::{Config, ConfigError, ConfigProblem, parse_duration};
use chrono_tz::Tz;
use std::net::SocketAddr;

impl Config {
    /// `LYSSNA_*` environment variables override the file (handy in containers and CI). The list is
    /// short on purpose: the settings that differ between machines running the same file.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        let mut bad = |var: &str, msg: String| {
            problems.push(ConfigProblem {
                file: format!("environment variable {var}"),
                line: 0,
                message: msg,
            })
        };
        if let Some(v) = get("LYSSNA_DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = get("LYSSNA_TIMEZONE") {
            match v.parse::<Tz>() {
                Ok(tz) => self.timezone = tz,
                Err(_) => bad("LYSSNA_TIMEZONE", format!("unknown time zone '{v}'")),
            }
        }
        if let Some(v) = get("LYSSNA_LISTEN") {
            match v.parse::<SocketAddr>() {
                Ok(a) => self.server.listen = a,
                Err(_) => bad("LYSSNA_LISTEN", format!("'{v}' is not IP:PORT")),
            }
        }
        if let Some(v) = get("LYSSNA_BASE_URL") {
            self.server.base_url = v.trim_end_matches('/').to_string();
        }
        if let Some(v) = get("LYSSNA_USER_AGENT") {
            self.crawler.user_agent = v;
        }
        if let Some(v) = get("LYSSNA_PER_HOST_DELAY") {
            match parse_duration(&v) {
                Ok(d) => self.crawler.per_host_delay = d,
                Err(e) => bad("LYSSNA_PER_HOST_DELAY", e),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError(problems))
        }
    }
}
