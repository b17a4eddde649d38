//! Settings that are valid but risky: `config check` prints them and `serve`/`worker` log them at
//! start. Not errors, because each has a legitimate use (a relay on the same host, say).

use super::{Config, SmtpSecurity};

/// Names that are private by convention: a crawl of them is refused after DNS unless the source says
/// `allow_private = true`.
const PRIVATE_SUFFIXES: [&str; 7] = [
    ".localhost",
    ".local",
    ".internal",
    ".intranet",
    ".lan",
    ".home.arpa",
    ".corp",
];

/// Why `url` is most likely a private address (a crawl would be refused), or `None`.
fn private_reason(url: &url::Url) -> Option<&'static str> {
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    if crate::net::is_private_literal(url) {
        return Some("is a private, loopback or link-local address");
    }
    if host == "localhost" || PRIVATE_SUFFIXES.iter().any(|s| host.ends_with(s)) {
        return Some("is a name for this machine or a local network");
    }
    if url.domain().is_some() && !host.contains('.') {
        return Some("is a single-label name, which only a local network resolves");
    }
    None
}

/// Every warning for this configuration, as sentences for the person who wrote it.
pub fn warnings(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    for s in config.sources.iter().filter(|s| !s.allow_private) {
        if let Some(u) = &s.url
            && let Some(why) = private_reason(u)
        {
            out.push(format!(
                "source '{}': {} {why}; the crawler refuses private addresses, so this source will fail \
                 unless it says allow_private = true (meant for your own intranet)",
                s.name,
                u.host_str().unwrap_or_default()
            ));
        }
    }
    if config.brands.is_empty() {
        out.push(
            "no [[brands]]: nothing will be found; add one (see `lyssna config example`)"
                .to_string(),
        );
    }
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
            "[[brands]]\nname = \"B\"\nquery = \"b\"\n[smtp]\nhost = \"{host}\"\nsecurity = \"{security}\"\nfrom = \"Lyssna <l@example.org>\"\n"
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
    fn private_sources_without_allow_private_are_warned_about() {
        let text = |url: &str, allow: bool| {
            format!(
                "[[brands]]\nname = \"B\"\nquery = \"b\"\n[[sources]]\nname = \"S\"\nkind = \"feed\"\nurl = \"{url}\"\nallow_private = {allow}\n"
            )
        };
        for url in [
            "http://127.0.0.1:8081/feed",
            "http://10.1.2.3/feed",
            "http://[::1]/feed",
            "http://localhost/feed",
            "http://wiki.corp/feed",
            "http://intranet/feed",
            "http://printer.local/feed",
        ] {
            let c = Config::parse_str("t.toml", &text(url, false), None).unwrap();
            let w = warnings(&c);
            assert_eq!(w.len(), 1, "{url}: {w:?}");
            assert!(
                w[0].starts_with("source 'S': ") && w[0].contains("allow_private = true"),
                "{w:?}"
            );
            let allowed = Config::parse_str("t.toml", &text(url, true), None).unwrap();
            assert!(warnings(&allowed).is_empty(), "{url}");
        }
        let public =
            Config::parse_str("t.toml", &text("https://www.flashback.org/f1", false), None)
                .unwrap();
        assert!(warnings(&public).is_empty());
    }

    #[test]
    fn a_configuration_without_brands_is_warned_about() {
        let w = warnings(&Config::default());
        assert!(w.iter().any(|w| w.starts_with("no [[brands]]")), "{w:?}");
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
