//! Why a fetch failed, in words the user can act on.
//!
//! The `Display` text ends up in the dashboard's source health line, read by someone who is not
//! an engineer: each message says what happened and what to do, and never names a library.
//! The scheduler uses [`FetchError::is_blocked`] and [`FetchError::retry_after`] to pick the
//! source's health (`blocked`) and its back-off.

use std::time::Duration;

/// A failed fetch. No variant carries a library error type, so the enum is `Clone` and stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The URL cannot be fetched at all (not http/https, no host, …).
    #[error(
        "The address \u{201c}{url}\u{201d} cannot be fetched: {reason}. Check the source's URL."
    )]
    InvalidUrl { url: String, reason: String },

    /// The fetcher could not be set up (bad user agent, TLS initialisation).
    #[error("The web client could not be set up: {0}. Check the crawler settings.")]
    Config(String),

    /// robots.txt forbids this URL for our product token.
    #[error(
        "The site's robots.txt asks crawlers like Lyssna not to fetch {url}. If this is your own \
         site, set ignore_robots = true on the source."
    )]
    RobotsDisallowed { url: String },

    /// robots.txt could not be fetched (server error, 429, no answer): RFC 9309 says to crawl
    /// nothing until it can be read.
    #[error(
        "The site's robots.txt could not be read (the server failed or did not answer), so \
         Lyssna does not crawl {host} for now, as the robots.txt standard asks. It will try \
         again later."
    )]
    RobotsUnreachable { host: String },

    /// The host is, or resolves only to, a private/loopback address and the source does not
    /// allow that.
    #[error(
        "{host} is a private or local network address, which Lyssna does not visit by default. \
         If this is your intranet, set allow_private = true on the source."
    )]
    PrivateAddress { host: String },

    /// Connecting or the whole exchange took longer than allowed.
    #[error(
        "The site did not answer in time (limit {} s). It may be slow or down; Lyssna will try \
         again later.", after.as_secs_f64()
    )]
    Timeout { after: Duration },

    /// No connection within the connect limit (the server is down, or filters us silently).
    #[error(
        "The site did not accept a connection in time (limit {} s for connecting). It may be down \
         or unreachable from here; Lyssna will try again later.", after.as_secs_f64()
    )]
    ConnectTimeout { after: Duration },

    /// Another page of this host answered 429/503 with a `Retry-After` that has not passed yet:
    /// this source was not fetched, and is not to blame.
    #[error(
        "Not fetched this time: {host} asked Lyssna (on another of its pages) to wait {} before \
         asking again. This source will be tried after that.", human_duration(*retry_after)
    )]
    HostPaused { host: String, retry_after: Duration },

    /// HTTP 304 to a request that sent no validators: there is nothing it could be unchanged from.
    #[error(
        "The site answered \u{201c}304 Not Modified\u{201d} although Lyssna had asked for the page \
         unconditionally; this is a fault on the site's side. Lyssna will try again later."
    )]
    UnaskedNotModified,

    /// The (decompressed) body exceeded the cap; reading stopped there.
    #[error(
        "The page is larger than the {} limit, so it was not read. If the page really is this \
         big, raise max_body in the crawler settings.", human_bytes(*limit)
    )]
    BodyTooLarge { limit: u64 },

    /// More redirects than allowed.
    #[error(
        "The address redirected more than {max} times, so Lyssna stopped following it. Open it \
         in a browser and use the address it finally shows."
    )]
    TooManyRedirects { max: usize },

    /// A redirect pointed somewhere that cannot be followed (bad or non-web address).
    #[error(
        "The site redirected to \u{201c}{location}\u{201d}, which Lyssna cannot follow. Open the \
         address in a browser and use the one it finally shows."
    )]
    InvalidRedirect { location: String },

    /// The site refused us: HTTP 403, or a captcha/bot-check page instead of content.
    #[error("{}", blocked_message(*status, *captcha))]
    Blocked {
        status: u16,
        retry_after: Option<Duration>,
        captcha: bool,
    },

    /// HTTP 429, or a fetch refused without contacting the host because it is still inside a
    /// back-off it asked for earlier.
    #[error(
        "The site says Lyssna is asking too often (HTTP 429). Lyssna will wait {} before trying \
         again; a longer schedule for this source would help.", wait_phrase(*retry_after)
    )]
    RateLimited { retry_after: Option<Duration> },

    /// HTTP 503: the site is down for maintenance or overloaded.
    #[error(
        "The site is temporarily unavailable (HTTP 503). Lyssna will try again {}.",
        in_phrase(*retry_after)
    )]
    ServerBusy { retry_after: Option<Duration> },

    /// Any other non-success status.
    #[error("{}", status_message(*status))]
    HttpStatus { status: u16 },

    /// The connection failed (DNS, refused, reset, TLS).
    #[error(
        "Could not reach the site ({0}). Check the address and the network; Lyssna will try \
         again later."
    )]
    Network(String),

    /// The site answered with something that is not valid HTTP or a body that cannot be
    /// decoded (corrupt compression, impossible headers).
    #[error(
        "The site sent a response Lyssna could not read ({0}). This is a fault on the site's \
         side; Lyssna will try again later."
    )]
    InvalidResponse(String),
}

impl FetchError {
    /// True when the site is refusing us (403, 429, captcha page): the source's health is
    /// `blocked`, which needs a human rather than more retries.
    pub fn is_blocked(&self) -> bool {
        matches!(self, Self::Blocked { .. } | Self::RateLimited { .. })
    }

    /// True when the source was not fetched at all because its host asked for a pause: the
    /// source's health stays what it was and it is tried again when the pause ends.
    pub fn is_deferred(&self) -> bool {
        matches!(self, Self::HostPaused { .. })
    }

    /// How long the site asked us to stay away (`Retry-After`), for the scheduler's back-off.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Blocked { retry_after, .. }
            | Self::RateLimited { retry_after }
            | Self::ServerBusy { retry_after } => *retry_after,
            Self::HostPaused { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}

fn blocked_message(status: u16, captcha: bool) -> String {
    if captcha {
        format!(
            "The site answered with a captcha or bot check instead of the page (HTTP {status}). \
             It blocks automated visitors; ask the site owner, or watch it through a feed or API \
             instead."
        )
    } else {
        format!(
            "The site refused access (HTTP {status}). It may block crawlers; check the source or \
             ask the site owner."
        )
    }
}

fn status_message(status: u16) -> String {
    match status {
        401 => "The page needs a login (HTTP 401). Lyssna can only read public pages; check the \
                source's URL."
            .to_owned(),
        404 => "The page was not found (HTTP 404). It may have moved; check the source's URL."
            .to_owned(),
        410 => "The page has been removed (HTTP 410). Remove or update the source.".to_owned(),
        451 => "The page is not available for legal reasons (HTTP 451).".to_owned(),
        500..=599 => format!(
            "The site had a server error (HTTP {status}). This is usually temporary; Lyssna will \
             try again later."
        ),
        300..=399 => format!(
            "The site answered with a redirect Lyssna cannot follow (HTTP {status}). Open the \
             address in a browser and use the one it finally shows."
        ),
        _ => format!(
            "The site rejected the request (HTTP {status}). Check the source's URL; if it works \
             in a browser, the site may not accept crawlers."
        ),
    }
}

fn wait_phrase(wait: Option<Duration>) -> String {
    wait.map_or_else(|| "a while".to_owned(), human_duration)
}

fn in_phrase(wait: Option<Duration>) -> String {
    wait.map_or_else(
        || "later".to_owned(),
        |d| format!("in {}", human_duration(d)),
    )
}

/// "45 seconds", "3 minutes", "2 hours": rounded up, because "0 minutes" reads as a bug.
fn human_duration(d: Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    let (n, unit) = if secs < 120 {
        (secs, "second")
    } else if secs < 2 * 3600 {
        (secs.div_ceil(60), "minute")
    } else {
        (secs.div_ceil(3600), "hour")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn human_bytes(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= MIB {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    } else {
        format!("{} KiB", n.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_plain_sentences() {
        let all = [
            FetchError::InvalidUrl {
                url: "ftp://x".into(),
                reason: "only http and https are supported".into(),
            },
            FetchError::Config("bad user agent".into()),
            FetchError::RobotsDisallowed {
                url: "https://x.example/a".into(),
            },
            FetchError::RobotsUnreachable {
                host: "x.example".into(),
            },
            FetchError::PrivateAddress {
                host: "10.0.0.1".into(),
            },
            FetchError::Timeout {
                after: Duration::from_secs(30),
            },
            FetchError::BodyTooLarge {
                limit: 10 * 1024 * 1024,
            },
            FetchError::TooManyRedirects { max: 5 },
            FetchError::InvalidRedirect {
                location: "ftp://x".into(),
            },
            FetchError::Blocked {
                status: 403,
                retry_after: None,
                captcha: false,
            },
            FetchError::Blocked {
                status: 200,
                retry_after: None,
                captcha: true,
            },
            FetchError::RateLimited {
                retry_after: Some(Duration::from_secs(90)),
            },
            FetchError::ServerBusy { retry_after: None },
            FetchError::HttpStatus { status: 404 },
            FetchError::HttpStatus { status: 502 },
            FetchError::Network("connection refused".into()),
            FetchError::InvalidResponse("corrupt gzip data".into()),
        ];
        for e in &all {
            let msg = e.to_string();
            assert!(msg.ends_with('.'), "{msg}");
            assert!(msg.chars().next().is_some_and(char::is_uppercase) || msg.starts_with("10."));
            assert!(!msg.to_lowercase().contains("reqwest"), "{msg}");
        }
        assert_eq!(
            all[9].to_string(),
            "The site refused access (HTTP 403). It may block crawlers; check the source or ask \
             the site owner."
        );
        assert!(all[6].to_string().contains("10 MiB"));
        assert!(all[11].to_string().contains("90 seconds"));
    }

    #[test]
    fn blocked_and_retry_after_classification() {
        let minute = Some(Duration::from_secs(60));
        assert!(
            FetchError::Blocked {
                status: 403,
                retry_after: None,
                captcha: false
            }
            .is_blocked()
        );
        assert!(
            FetchError::RateLimited {
                retry_after: minute
            }
            .is_blocked()
        );
        assert!(
            !FetchError::ServerBusy {
                retry_after: minute
            }
            .is_blocked()
        );
        assert!(!FetchError::HttpStatus { status: 404 }.is_blocked());
        assert_eq!(
            FetchError::ServerBusy {
                retry_after: minute
            }
            .retry_after(),
            minute
        );
        assert_eq!(
            FetchError::RateLimited {
                retry_after: minute
            }
            .retry_after(),
            minute
        );
        assert_eq!(
            FetchError::Timeout {
                after: Duration::from_secs(1)
            }
            .retry_after(),
            None
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(Duration::from_secs(1)), "1 second");
        assert_eq!(human_duration(Duration::from_millis(1500)), "2 seconds");
        assert_eq!(human_duration(Duration::from_secs(600)), "10 minutes");
        assert_eq!(human_duration(Duration::from_secs(3 * 3600)), "3 hours");
        assert_eq!(human_bytes(512 * 1024), "512 KiB");
        assert_eq!(human_bytes(1536 * 1024), "1.5 MiB");
    }
}
