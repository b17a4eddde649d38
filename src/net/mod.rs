//! The only outbound HTTP client of Lyssna.
//!
//! Every crawl request goes through [`Fetcher::fetch`], which makes the promises of PRODUCT §3.3
//! hold in one place: an honest user agent, robots.txt (cached per origin, matched on the
//! product token), one request at a time per host with a minimum gap, `Retry-After` and
//! `Crawl-delay`, conditional GET, timeouts, a body cap measured after decompression, at most
//! five redirects, and no private or loopback addresses unless the source allows them.
//!
//! Design choices, and the alternatives not taken:
//! - **Redirects are followed by hand** (reqwest's policy is `none`). Each hop is then an ordinary
//!   request: paced and robots-checked for *its* host, and checked for private IP literals. A
//!   reqwest redirect policy could count hops, but not wait for another host's turn.
//! - **Two reqwest clients**, one whose resolver drops private addresses and one that does not;
//!   a request picks one by `allow_private`. The private check therefore happens on the addresses
//!   actually connected to (after DNS), which a check on the host name cannot do.
//! - **`Retry-After`:** the host is not contacted before the time the server named. A later fetch
//!   to it *waits* when the remaining time is at most [`FetcherConfig::max_retry_wait`]
//!   (default 10 s) and otherwise *fails fast* with [`FetchError::RateLimited`] /
//!   [`FetchError::ServerBusy`] carrying the remaining time, so the scheduler backs the source
//!   off instead of parking a worker for minutes.
//! - **Proxies are never used** (`no_proxy`): through a proxy, the resolver would check the
//!   proxy's address, not the site's.
//! - **Timeouts apply per request**, i.e. per redirect hop and to robots.txt separately; time
//!   spent queueing for a host's turn is politeness, not slowness, and is not counted.
//! - **robots.txt is a request like any other**: the first fetch to a host fetches robots.txt
//!   and then waits the per-host delay before the page itself.

mod classify;
mod error;
mod pacing;
mod post;
mod private_ranges;
mod resolve;
mod robots;

#[cfg(test)]
mod tests;

use std::sync::{Arc, Once};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Client, Response, StatusCode};
use tokio::time::Instant;
use url::Url;

pub use self::error::FetchError;
pub use self::pacing::SharedHostTurns;
use self::pacing::{HostTurn, Pacer};
pub use self::post::{PostError, PostResponse, Poster, PosterConfig};
use self::resolve::{PrivateAddressError, PublicOnlyResolver};
use self::robots::{RobotsCache, RobotsRules};

/// How the fetcher behaves. The product defaults of PRODUCT §3.3 are `config::defaults`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetcherConfig {
    /// Sent on every request, robots.txt included. Its first word before `/` is the product
    /// token robots.txt groups are matched on.
    pub user_agent: String,
    /// Minimum gap between the end of one request to a host and the start of the next.
    pub per_host_delay: Duration,
    /// Limit for establishing a connection (DNS, TCP, TLS).
    pub connect_timeout: Duration,
    /// Limit for one whole request, from connecting to the last body byte.
    pub timeout: Duration,
    /// Largest body accepted, counted after decompression.
    pub max_body: u64,
    /// Most redirects followed for one fetch.
    pub max_redirects: usize,
    /// Whether robots.txt is fetched and obeyed (a request can still opt out).
    pub respect_robots: bool,
    /// How long robots.txt answers are cached per origin.
    pub robots_ttl: Duration,
    /// A fetch to a host inside a `Retry-After` back-off waits if at most this much is left,
    /// and fails fast with the remaining time otherwise.
    pub max_retry_wait: Duration,
}

/// How long robots.txt answers are cached per origin (not a setting: an hour is what crawlers do).
pub const ROBOTS_TTL: Duration = Duration::from_secs(3600);
/// A fetch inside a host's `Retry-After` waits when at most this much is left (else it fails fast).
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

/// One page to fetch.
#[derive(Debug, Clone, Copy)]
pub struct FetchRequest<'a> {
    pub url: &'a Url,
    /// The `ETag` stored from the last fetch: sent as `If-None-Match`.
    pub etag: Option<&'a str>,
    /// The `Last-Modified` stored from the last fetch: sent as `If-Modified-Since`.
    pub last_modified: Option<&'a str>,
    /// Skip robots.txt for this request (a site the user owns: `ignore_robots = true`).
    pub ignore_robots: bool,
    /// Allow private and loopback addresses (the intranet: `allow_private = true`).
    pub allow_private: bool,
    /// Headers a source sends to its own site (a token, a cookie, basic auth), never to another origin
    /// a redirect leads to, and never to robots.txt.
    pub credentials: Option<&'a Credentials>,
}

/// Request headers that carry a source's credentials, and the origin (`scheme://host:port`) they
/// belong to. Values are marked sensitive, so they never show in debug output.
#[derive(Clone, Default)]
pub struct Credentials {
    pub origin: String,
    pub headers: Vec<(reqwest::header::HeaderName, HeaderValue)>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        write!(
            f,
            "Credentials({} for {names:?}, values hidden)",
            self.origin
        )
    }
}

impl<'a> FetchRequest<'a> {
    /// A plain GET of `url` with no validators and the safe defaults.
    pub fn new(url: &'a Url) -> Self {
        Self {
            url,
            etag: None,
            last_modified: None,
            ignore_robots: false,
            allow_private: false,
            credentials: None,
        }
    }
}

/// What a successful fetch produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    /// HTTP 304: the page is unchanged since the validators were stored; no body was read.
    NotModified,
    /// Boxed: a page is many times the size of the other variant.
    Fetched(Box<FetchedPage>),
}

/// A page that was read in full (within the cap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedPage {
    /// The URL after redirects: relative links in the page resolve against it.
    pub final_url: Url,
    pub status: u16,
    pub content_type: Option<String>,
    /// Decompressed bytes; charset decoding is the next stage's job.
    pub body: Bytes,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The `Link` header (RFC 8288): APIs such as Mastodon's page through it.
    pub link: Option<String>,
}

/// Installs ring as the process-wide rustls crypto provider. reqwest is built without a
/// provider (one TLS stack for the whole binary: sqlx and lettre use ring too), and building a
/// client without one panics. Safe to call any number of times, from any thread; if another
/// provider was installed first, that one stays.
/// Whether the crawler will refuse `url` without `allow_private = true` before asking DNS: an IP
/// literal in a private, loopback or link-local range, or one of this machine's own addresses.
/// (A host name is judged only after DNS, when it is fetched.)
pub fn is_private_literal(url: &url::Url) -> bool {
    resolve::check_url_host(url).is_err()
}

pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err only means a provider is already installed, which is what we want.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The crawler's HTTP client. Cheap to clone; clones share connections, robots.txt cache and
/// per-host pacing, so all crawl tasks must use clones of one `Fetcher`.
#[derive(Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

struct Inner {
    config: FetcherConfig,
    product_token: String,
    /// Refuses private addresses after DNS resolution.
    public: Client,
    /// For sources with `allow_private = true`.
    private: Client,
    pacer: Pacer,
    robots: RobotsCache,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Fetcher {
    /// Builds the fetcher (and installs the TLS crypto provider if nobody did).
    pub fn new(config: FetcherConfig) -> Result<Self, FetchError> {
        install_crypto_provider();
        HeaderValue::from_str(&config.user_agent).map_err(|_| {
            FetchError::Config("the user agent contains characters not allowed in HTTP".into())
        })?;
        let public = build_client(&config, true)?;
        let private = build_client(&config, false)?;
        let product_token = robots::product_token(&config.user_agent).to_owned();
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                product_token,
                public,
                private,
                pacer: Pacer::default(),
                robots: RobotsCache::default(),
            }),
        })
    }

    /// The configuration the fetcher was built with.
    pub fn config(&self) -> &FetcherConfig {
        &self.inner.config
    }

    /// Takes every host turn also from `shared`, so that several processes on one database keep
    /// "one request at a time per host, with the delay" between them (set once per fetcher).
    pub fn share_host_turns(&self, shared: std::sync::Arc<dyn SharedHostTurns>) {
        self.inner.pacer.share(shared);
    }

    /// When `url`'s host may be sent a request (its delay and back-off have passed), `None` when
    /// it may now; nothing is taken: callers hold a scarce resource (a concurrency slot) only
    /// while the host may be contacted.
    pub async fn host_ready_at(&self, url: &Url) -> Option<tokio::time::Instant> {
        self.inner
            .pacer
            .ready_at(url.host_str().unwrap_or_default())
            .await
    }

    /// Fetches one page, politely. See the module documentation for the rules applied.
    pub async fn fetch(&self, req: &FetchRequest<'_>) -> Result<FetchOutcome, FetchError> {
        let config = &self.inner.config;
        check_fetchable(req.url)?;
        let client = if req.allow_private {
            &self.inner.private
        } else {
            &self.inner.public
        };
        let mut url = req.url.clone();
        let mut redirects = 0usize;
        loop {
            if !req.allow_private {
                resolve::check_url_host(&url).map_err(private_error)?;
            }
            let host = url.host_str().unwrap_or_default().to_owned();
            let mut turn = self.inner.pacer.acquire(&host, config.per_host_delay).await;
            check_backoff(&turn, config.max_retry_wait, &host)?;
            if config.respect_robots && !req.ignore_robots {
                self.check_robots(client, &mut turn, &url, req.allow_private)
                    .await?;
            }

            turn.begin_request().await;
            let response = client
                .get(url.clone())
                .headers(request_headers(req, &url))
                .send()
                .await
                .map_err(|e| map_send_error(&e, config))?;
            let status = response.status();

            if let Some(location) = redirect_target(&response) {
                if redirects >= config.max_redirects {
                    return Err(FetchError::TooManyRedirects {
                        max: config.max_redirects,
                    });
                }
                redirects += 1;
                let next = follow(&url, location)?;
                tracing::debug!(from = %url, to = %next, status = status.as_u16(), "redirect");
                url = next;
                // Ends this host's turn before waiting for the next hop's host: holding one
                // host while waiting for another could deadlock two crossing redirect chains.
                drop(turn);
                continue;
            }

            if status == StatusCode::NOT_MODIFIED {
                // Only an answer to our validators means "unchanged" (they are sent on every hop);
                // a 304 to a plain GET would otherwise freeze the source as "unchanged" forever.
                let asked = req.etag.is_some() || req.last_modified.is_some();
                if !asked {
                    return Err(FetchError::UnaskedNotModified);
                }
                return Ok(FetchOutcome::NotModified);
            }
            check_status(&response, &mut turn)?;

            let content_type = header_string(response.headers(), header::CONTENT_TYPE);
            let etag = header_string(response.headers(), header::ETAG);
            let last_modified = header_string(response.headers(), header::LAST_MODIFIED);
            let cf_mitigated = header_string(response.headers(), "cf-mitigated");
            let link = header_string(response.headers(), "link");
            let body = read_body(response, config.max_body, Overflow::Fail, config.timeout).await?;
            turn.end_request();
            if classify::is_bot_wall(content_type.as_deref(), cf_mitigated.as_deref(), &body) {
                return Err(FetchError::Blocked {
                    status: status.as_u16(),
                    retry_after: None,
                    captcha: true,
                });
            }
            tracing::debug!(%url, status = status.as_u16(), bytes = body.len(), "fetched");
            return Ok(FetchOutcome::Fetched(Box::new(FetchedPage {
                final_url: url,
                status: status.as_u16(),
                content_type,
                body,
                etag,
                last_modified,
                link,
            })));
        }
    }

    /// Applies robots.txt for `url`, fetching and caching it first if needed (inside the
    /// host's turn, so the robots.txt request is paced like any other).
    async fn check_robots(
        &self,
        client: &Client,
        turn: &mut HostTurn,
        url: &Url,
        allow_private: bool,
    ) -> Result<(), FetchError> {
        let origin = url.origin().ascii_serialization();
        let rules = match self.inner.robots.get(&origin, Instant::now()) {
            Some(rules) => rules,
            None => {
                turn.begin_request().await;
                let rules = self.load_robots(client, url, allow_private).await?;
                // Before ending the request, so the gap after it already honours Crawl-delay.
                turn.set_crawl_delay(rules.crawl_delay());
                turn.end_request();
                let ttl = rules.ttl(self.inner.config.robots_ttl);
                self.inner
                    .robots
                    .put(origin, rules.clone(), ttl, Instant::now());
                rules
            }
        };
        match rules.allows(url) {
            Some(true) => Ok(()),
            Some(false) => Err(FetchError::RobotsDisallowed {
                url: url.to_string(),
            }),
            None => Err(FetchError::RobotsUnreachable {
                host: url.host_str().unwrap_or_default().to_owned(),
            }),
        }
    }

    /// Fetches robots.txt and maps the result per RFC 9309 §2.3.1. Redirects are followed (up to
    /// five, even across hosts; the file then applies to the original host). Hops to other hosts
    /// are not paced: it is one small request, and waiting for another host's turn here could
    /// deadlock.
    ///
    /// A host that resolves only to private addresses, or cannot be connected to, fails here with
    /// that reason, not as "robots.txt could not be read": the page itself would fail the same way.
    async fn load_robots(
        &self,
        client: &Client,
        url: &Url,
        allow_private: bool,
    ) -> Result<RobotsRules, FetchError> {
        let Ok(mut target) = robotxt::robots_url(url) else {
            return Ok(RobotsRules::AllowAll);
        };
        for _ in 0..=5 {
            if !allow_private && resolve::check_url_host(&target).is_err() {
                // A redirect into a private network is not followed; treat as "no file".
                return Ok(RobotsRules::AllowAll);
            }
            let response = match client.get(target.clone()).send().await {
                Ok(r) => r,
                Err(e) => {
                    // When the site itself cannot be reached, that is the reason to show, not
                    // robots.txt (the page would fail the same way).
                    let mapped = map_send_error(&e, &self.inner.config);
                    if matches!(
                        mapped,
                        FetchError::PrivateAddress { .. }
                            | FetchError::ConnectTimeout { .. }
                            | FetchError::Network(_)
                    ) {
                        return Err(mapped);
                    }
                    tracing::debug!(%target, error = %e, "robots.txt unreachable");
                    return Ok(RobotsRules::Unreachable);
                }
            };
            if let Some(location) = redirect_target(&response) {
                match follow(&target, location) {
                    Ok(next) => {
                        target = next;
                        continue;
                    }
                    Err(_) => return Ok(RobotsRules::AllowAll),
                }
            }
            let status = response.status().as_u16();
            if !response.status().is_success() {
                return Ok(RobotsRules::for_status(status));
            }
            // A robots.txt longer than the parse limit is cut there (RFC 9309), not refused:
            // one byte more than the limit tells robotxt that the last line was cut.
            let cap = robots::ROBOTS_BYTE_LIMIT + 1;
            let timeout = self.inner.config.timeout;
            return Ok(
                match read_body(response, cap, Overflow::Truncate, timeout).await {
                    Ok(body) => RobotsRules::parse(&body, &self.inner.product_token),
                    Err(_) => RobotsRules::Unreachable,
                },
            );
        }
        // RFC 9309: more than five redirects may be treated as "unavailable" (allow all).
        Ok(RobotsRules::AllowAll)
    }
}

/// How long past the host's delay a connection is kept for its next request.
const IDLE_CONNECTION_SLACK: Duration = Duration::from_secs(2);

/// The one place in Lyssna that builds a `reqwest::Client` (a clippy `disallowed-methods` entry
/// is meant to keep it that way; this function is the sanctioned exception).
#[allow(clippy::disallowed_methods)]
fn build_client(config: &FetcherConfig, public_only: bool) -> Result<Client, FetchError> {
    let builder = Client::builder()
        .user_agent(config.user_agent.clone())
        .connect_timeout(config.connect_timeout)
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .no_proxy()
        .gzip(true)
        .brotli(true)
        .deflate(true)
        // A kept connection holds its read buffer (tens of kilobytes once a feed has gone
        // through it): kept only as long as the host's next request can come (its delay and a
        // moment), not the default 90 s, so a cycle over hundreds of hosts does not hold them all.
        .pool_idle_timeout(config.per_host_delay + IDLE_CONNECTION_SLACK);
    let builder = if public_only {
        builder.dns_resolver(PublicOnlyResolver)
    } else {
        builder
    };
    builder
        .build()
        .map_err(|e| FetchError::Config(innermost_cause(&e)))
}

/// Only absolute http(s) URLs with a host can be fetched.
fn check_fetchable(url: &Url) -> Result<(), FetchError> {
    let invalid = |reason: &str| FetchError::InvalidUrl {
        url: url.to_string(),
        reason: reason.to_owned(),
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("only http and https addresses are supported"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host name"));
    }
    Ok(())
}

/// Fails fast if the host asked us (via `Retry-After`) to stay away longer than we are willing
/// to wait; shorter back-offs are waited out by `begin_request`. The request is not made, so this
/// source was not refused: it is paused ([`FetchError::HostPaused`]), not blocked — the answer
/// that asked for the pause marked only the source that got it.
fn check_backoff(turn: &HostTurn, max_wait: Duration, host: &str) -> Result<(), FetchError> {
    match turn.backoff_remaining(Instant::now()) {
        Some((left, _status)) if left > max_wait => Err(FetchError::HostPaused {
            host: host.to_owned(),
            retry_after: left,
        }),
        _ => Ok(()),
    }
}

/// `If-None-Match` / `If-Modified-Since` from the stored validators. A stored value that is not
/// a valid header (it came from a server, so it could be anything) is skipped rather than
/// failing the fetch: the worst case is a full download.
/// The validators, and the source's credentials when `url` is on the origin they belong to.
fn request_headers(req: &FetchRequest<'_>, url: &Url) -> HeaderMap {
    let mut headers = conditional_headers(req);
    if let Some(c) = req.credentials
        && url.origin().ascii_serialization() == c.origin
    {
        for (name, value) in &c.headers {
            let mut v = value.clone();
            v.set_sensitive(true);
            headers.append(name.clone(), v);
        }
    }
    headers
}

fn conditional_headers(req: &FetchRequest<'_>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(v) = req.etag.and_then(|v| HeaderValue::from_str(v).ok()) {
        headers.insert(header::IF_NONE_MATCH, v);
    }
    if let Some(v) = req
        .last_modified
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        headers.insert(header::IF_MODIFIED_SINCE, v);
    }
    headers
}

/// The `Location` of a redirect we follow (301, 302, 303, 307, 308; always re-sent as GET).
/// A redirect status without a `Location` is not a redirect we can follow.
fn redirect_target(response: &Response) -> Option<&str> {
    let followed = matches!(response.status().as_u16(), 301 | 302 | 303 | 307 | 308);
    if !followed {
        return None;
    }
    let location = response.headers().get(header::LOCATION)?;
    // Non-UTF-8 bytes are kept as an empty string and rejected by `follow`.
    Some(location.to_str().unwrap_or(""))
}

/// Resolves a redirect `Location` against the current URL and checks it can be fetched.
fn follow(current: &Url, location: &str) -> Result<Url, FetchError> {
    let invalid = || FetchError::InvalidRedirect {
        location: location.chars().take(200).collect(),
    };
    if location.trim().is_empty() {
        return Err(invalid());
    }
    let next = current.join(location.trim()).map_err(|_| invalid())?;
    check_fetchable(&next).map_err(|_| invalid())?;
    Ok(next)
}

/// Maps an error status to its `FetchError`, recording any `Retry-After` back-off on the host.
fn check_status(response: &Response, turn: &mut HostTurn) -> Result<(), FetchError> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let code = status.as_u16();
    let retry_after = header_string(response.headers(), header::RETRY_AFTER)
        .and_then(|v| classify::parse_retry_after(&v, chrono::Utc::now()));
    if let Some(wait) = retry_after
        && matches!(code, 429 | 503)
    {
        turn.back_off(Instant::now(), wait, code);
    }
    let challenge = header_string(response.headers(), "cf-mitigated")
        .is_some_and(|v| v.eq_ignore_ascii_case("challenge"));
    Err(match code {
        _ if challenge => FetchError::Blocked {
            status: code,
            retry_after,
            captcha: true,
        },
        403 => FetchError::Blocked {
            status: code,
            retry_after,
            captcha: false,
        },
        429 => FetchError::RateLimited { retry_after },
        503 => FetchError::ServerBusy { retry_after },
        _ => FetchError::HttpStatus { status: code },
    })
}

/// What to do with a body longer than the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Overflow {
    /// A page: refuse it with `BodyTooLarge`.
    Fail,
    /// robots.txt: keep the first `cap` bytes.
    Truncate,
}

/// Reads the body chunk by chunk (already decompressed by reqwest) and stops as soon as it
/// would exceed `cap`, so a gzip bomb costs at most `cap` bytes of memory.
async fn read_body(
    mut response: Response,
    cap: u64,
    overflow: Overflow,
    timeout: Duration,
) -> Result<Bytes, FetchError> {
    if overflow == Overflow::Fail && response.content_length().is_some_and(|n| n > cap) {
        return Err(FetchError::BodyTooLarge { limit: cap });
    }
    let cap_len = usize::try_from(cap).unwrap_or(usize::MAX);
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| map_error(&e, timeout))? {
        if body.len().saturating_add(chunk.len()) > cap_len {
            if overflow == Overflow::Fail {
                return Err(FetchError::BodyTooLarge { limit: cap });
            }
            let room = cap_len - body.len();
            body.extend_from_slice(&chunk[..room]);
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn header_string(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn private_error(e: PrivateAddressError) -> FetchError {
    FetchError::PrivateAddress { host: e.host }
}

/// [`map_error`] for sending a request, where a timeout while connecting is told apart from one
/// of the whole exchange (each has its own limit, and the message names the right one).
fn map_send_error(e: &reqwest::Error, config: &FetcherConfig) -> FetchError {
    match map_error(e, config.timeout) {
        FetchError::Timeout { .. } if e.is_connect() => FetchError::ConnectTimeout {
            after: config.connect_timeout,
        },
        other => other,
    }
}

/// Turns a reqwest error into ours, looking through its source chain for the resolver's
/// private-address refusal and for timeouts.
fn map_error(e: &reqwest::Error, timeout: Duration) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(private) = err.downcast_ref::<PrivateAddressError>() {
            return private_error(private.clone());
        }
        source = err.source();
    }
    if e.is_timeout() {
        return FetchError::Timeout { after: timeout };
    }
    let cause = innermost_cause(e);
    let chain = full_chain(e).to_lowercase();
    let connection_lost = ["reset", "broken pipe", "connection closed", "aborted"]
        .iter()
        .any(|w| chain.contains(w));
    if e.is_connect() || connection_lost {
        return FetchError::Network(cause);
    }
    // A body that breaks off, corrupt compression, and responses hyper refuses to parse
    // ("invalid HTTP header parsed", "message head is too large") are the site's fault.
    let malformed = ["parse", "invalid", "too large", "length", "decod"]
        .iter()
        .any(|w| chain.contains(w));
    if e.is_body() || e.is_decode() || malformed {
        return FetchError::InvalidResponse(cause);
    }
    FetchError::Network(cause)
}

/// The deepest cause of an error, which is the one that says what happened ("Connection refused
/// (os error 111)", "invalid HTTP header parsed"); the outer layers only name library internals.
fn innermost_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last: &dyn std::error::Error = e;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// Every layer of an error, for classifying it (never shown to the user).
fn full_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(err) = source {
        parts.push(err.to_string());
        source = err.source();
    }
    parts.join(": ")
}
