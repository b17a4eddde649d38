//! Settings that are valid but risky: `config check` prints them and `serve`/`worker` log them at
//! start. Not errors, because each has a legitimate use (a relay on the same host, say).

use super::{Config, SmtpSecurity};

/// Every warning for this configuration, as sentences for the person who wrote it.
pub fn warnings(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(smtp) = &config.smtp
        && smtp.security == SmtpSecurity::None
        && !is_loopback_host(&smtp.host)
    {
        out.push(format!(
            "[smtp] security = \"none\" sends the SMTP password and every report unencrypted to {}; \
             use \"starttls\" or \"tls\" unless that relay is on this machine",
            smtp.host
        ));
    }
    out
}

/// `localhost`, `127.x.y.z`, `::1` (bracketed or not).
fn is_loopback_host(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.to_ascii_lowercase().ends_with(".localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A webhook URL for a message: scheme and host only. The path of a Slack or Mattermost incoming
/// webhook *is* its secret, so it is never printed.
pub fn redact_webhook_url(raw: &str) -> String {
    let (scheme, rest) = match raw.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), raw),
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = rest[..host_end].rsplit('@').next().unwrap_or_default();
    let hidden = if host_end < rest.len() { "/…" } else { "" };
    format!("{scheme}{host}{hidden}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(security: &str, host: &str) -> Config {
        let text = format!(
            "[smtp]\nhost = \"{host}\"\nsecurity = \"{security}\"\nfrom = \"Lyssna <l@example.org>\"\n"
        );
        Config::parse_str("t.toml", &text, None).unwrap()
    }

    #[test]
    fn clear_text_smtp_to_another_host_is_warned_about() {
        assert_eq!(warnings(&config("none", "smtp.example.org")).len(), 1);
        assert!(warnings(&config("none", "localhost")).is_empty());
        assert!(warnings(&config("none", "127.0.0.1")).is_empty());
        assert!(warnings(&config("none", "::1")).is_empty());
        assert!(warnings(&config("starttls", "smtp.example.org")).is_empty());
    }

    #[test]
    fn webhook_paths_are_hidden() {
        assert_eq!(
            redact_webhook_url("ftp://hooks.slack.com/services/T0/B0/s3cr3t"),
            "ftp://hooks.slack.com/…"
        );
        assert_eq!(
            redact_webhook_url("hooks.example/x/secret"),
            "hooks.example/…"
        );
        assert_eq!(
            redact_webhook_url("https://user:pw@h.example/s"),
            "https://h.example/…"
        );
        assert_eq!(redact_webhook_url("https://h.example"), "https://h.example");
    }
}
