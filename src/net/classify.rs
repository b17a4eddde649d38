//! Reading what a response says about us: `Retry-After`, and whether a "200 OK" is really a
//! captcha or bot wall. Pure functions (the clock is a parameter) so they are tested directly.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

/// The longest back-off a `Retry-After` can impose. A hostile or buggy server saying "come back
/// in ten years" must not silence a source forever; a day is the longest a user would wait
/// before asking why a source is quiet (and the source is shown as blocked meanwhile).
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Parses a `Retry-After` value: delay-seconds or an HTTP date (IMF-fixdate, RFC 850 or asctime,
/// RFC 9110 §10.2.3). A date in the past means "now" (zero). Values are capped at
/// [`MAX_RETRY_AFTER`]. Garbage gives `None`.
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: seconds. Too many digits for u64 is still "a very long time".
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    let at = parse_http_date(value)?;
    let wait = (at - now).to_std().unwrap_or(Duration::ZERO);
    Some(wait.min(MAX_RETRY_AFTER))
}

fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(dt) = DateTime::parse_from_rfc2822(value) {
        return Some(dt.with_timezone(&Utc));
    }
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; asctime: "Sun Nov  6 08:49:37 1994".
    let trimmed = value.strip_suffix("GMT").map_or(value, str::trim_end);
    ["%A, %d-%b-%y %H:%M:%S", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(trimmed, fmt).ok())
        .map(|naive| naive.and_utc())
}

/// How much of a page is inspected for bot-wall markers. Challenge pages put them in the head.
const SNIFF_BYTES: usize = 64 * 1024;

/// Pages larger than this are never judged by their title alone: a real article titled
/// "Why captchas fail" is long, a bot wall is short.
const SMALL_PAGE: usize = 100 * 1024;

/// True when a successful HTML response is obviously a captcha or bot wall rather than content.
///
/// The heuristic, chosen to avoid false "blocked" alarms on ordinary pages (many have a
/// reCAPTCHA on their comment form, and Cloudflare injects its challenge-platform script into
/// normal pages, so neither counts):
/// - Cloudflare's `cf-mitigated: challenge` response header, or its challenge page markers
///   (`cf_chl_opt`, `cf-challenge`) anywhere in the first 64 KiB;
/// - DataDome's captcha host (`captcha-delivery.com`);
/// - or, on a short page (< 100 KiB), a `<title>` containing "captcha", "are you a robot",
///   "attention required" or starting with "just a moment" (Cloudflare's interstitial).
///
/// Only HTML (or unlabelled) bodies are inspected: a feed or JSON document talking about
/// captchas is content.
pub(crate) fn is_bot_wall(
    content_type: Option<&str>,
    cf_mitigated: Option<&str>,
    body: &[u8],
) -> bool {
    if cf_mitigated.is_some_and(|v| v.trim().eq_ignore_ascii_case("challenge")) {
        return true;
    }
    let html = content_type.is_none_or(|ct| {
        let ct = ct.to_ascii_lowercase();
        ct.contains("html") || ct.starts_with("text/plain")
    });
    if !html {
        return false;
    }
    let head = body.get(..SNIFF_BYTES).unwrap_or(body).to_ascii_lowercase();
    if ["cf_chl_opt", "cf-challenge", "captcha-delivery.com"]
        .iter()
        .any(|marker| contains(&head, marker.as_bytes()))
    {
        return true;
    }
    if body.len() >= SMALL_PAGE {
        return false;
    }
    let Some(title) = title_of(&head) else {
        return false;
    };
    let title = String::from_utf8_lossy(title);
    let title = title.trim();
    ["captcha", "are you a robot", "attention required"]
        .iter()
        .any(|w| title.contains(w))
        || title.starts_with("just a moment")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The text of the first `<title>` element of lower-cased HTML.
fn title_of(html: &[u8]) -> Option<&[u8]> {
    let open = html.windows(6).position(|w| w == b"<title")?;
    let rest = html.get(open..)?;
    let start = rest.iter().position(|b| *b == b'>')? + 1;
    let rest = rest.get(start..)?;
    let end = rest
        .windows(7)
        .position(|w| w == b"</title")
        .unwrap_or(rest.len().min(512));
    rest.get(..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("1994-11-06T08:49:00Z")
            .expect("test date")
            .with_timezone(&Utc)
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let s = Duration::from_secs;
        assert_eq!(parse_retry_after("120", now()), Some(s(120)));
        assert_eq!(parse_retry_after(" 0 ", now()), Some(s(0)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now()),
            Some(s(37))
        );
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now()),
            Some(s(37))
        );
        assert_eq!(
            parse_retry_after("Sun Nov  6 08:49:37 1994", now()),
            Some(s(37))
        );
        // In the past: come back now.
        assert_eq!(
            parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", now()),
            Some(s(0))
        );
        // Absurd values are capped.
        assert_eq!(
            parse_retry_after("999999999999999999999999", now()),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT", now()),
            Some(MAX_RETRY_AFTER)
        );
        for junk in ["", "-5", "soon", "1.5", "Sun, 99 Nov 1994 08:49:37 GMT"] {
            assert_eq!(parse_retry_after(junk, now()), None, "{junk:?}");
        }
    }

    #[test]
    fn captcha_pages_are_recognised() {
        let html = Some("text/html; charset=utf-8");
        assert!(is_bot_wall(
            html,
            None,
            b"<html><head><TITLE>Please solve this CAPTCHA</TITLE></head></html>"
        ));
        assert!(is_bot_wall(
            html,
            None,
            b"<html><head><title>Just a moment...</title></head></html>"
        ));
        assert!(is_bot_wall(
            html,
            None,
            b"<html><script>window._cf_chl_opt={cType:'managed'}</script></html>"
        ));
        assert!(is_bot_wall(
            None,
            None,
            b"<title>Attention Required! | Cloudflare</title>"
        ));
        assert!(is_bot_wall(
            Some("application/json"),
            Some("challenge"),
            b"{}"
        ));
    }

    #[test]
    fn ordinary_pages_are_not_bot_walls() {
        let html = Some("text/html");
        // A comment form with reCAPTCHA on a normal page.
        assert!(!is_bot_wall(
            html,
            None,
            b"<title>Great product review</title><div class=\"g-recaptcha\"></div>"
        ));
        // A long article about captchas.
        let mut long = b"<title>Why captchas fail</title>".to_vec();
        long.resize(200 * 1024, b' ');
        assert!(!is_bot_wall(html, None, &long));
        // A feed item about captchas.
        assert!(!is_bot_wall(
            Some("application/rss+xml"),
            None,
            b"<rss><title>captcha</title></rss>"
        ));
        assert!(!is_bot_wall(html, None, b""));
        assert!(!is_bot_wall(html, None, b"<title"));
        assert!(!is_bot_wall(html, Some("none"), b"<p>hi</p>"));
    }
}
