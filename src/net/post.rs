//! Outbound POSTs for webhooks: the second (and last) user of reqwest in Lyssna, kept here so that
//! "one module talks HTTP outward" stays true.
//!
//! Choices, and why:
//! - **Redirects are never followed.** A webhook endpoint that answers 3xx is misconfigured; following
//!   it would re-send a signed body to a host the user never named (and could be steered to a private
//!   address). The 3xx is reported as a failed delivery with the `Location` in the message.
//! - **Private addresses are allowed for the configured URL.** Webhook URLs are written by the
//!   operator in the config file (a Mattermost on the LAN is a normal target), unlike crawled URLs,
//!   which come from pages; with no redirects there is no way for a third party to pick the address.
//! - **Timeouts** (connect 10 s, total 30 s by default) and a **response body cap** (64 KiB; only
//!   the start is kept, for the error message): a slow or chatty endpoint cannot hold a delivery task.
//! - **No proxy**, like the crawler.

use std::time::Duration;

use reqwest::Client;
use url::Url;

use super::install_crypto_provider;

/// Settings for [`Poster`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PosterConfig {
    pub user_agent: String,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// Most response bytes read; the rest is dropped.
    pub max_response: usize,
}

/// What the endpoint answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostResponse {
    pub status: u16,
    /// The start of the body (lossy UTF-8, at most `max_response` bytes).
    pub body: String,
    /// `Location` of a redirect, if any.
    pub location: Option<String>,
}

impl PostResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why a POST did not get an answer.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("'{0}' is not an http(s) URL")]
    InvalidUrl(String),
    #[error("timed out")]
    Timeout,
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("{0}")]
    Other(String),
}

/// A small HTTP client for webhook deliveries. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Poster {
    client: Client,
    config: PosterConfig,
}

impl Poster {
    pub fn new(config: PosterConfig) -> Result<Poster, PostError> {
        install_crypto_provider();
        // This module is where outbound clients are built (clippy.toml keeps it that way).
        #[allow(clippy::disallowed_methods)]
        let client = Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .no_proxy()
            .build()
            .map_err(|e| PostError::Other(e.to_string()))?;
        Ok(Poster { client, config })
    }

    /// POSTs `body` to `url` with `headers`; any HTTP answer is `Ok` (the caller decides what a
    /// status means), no answer is `Err`.
    pub async fn post(
        &self,
        url: &Url,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<PostResponse, PostError> {
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(PostError::InvalidUrl(url.to_string()));
        }
        let mut req = self.client.post(url.clone()).body(body);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let mut resp = req.send().await.map_err(classify)?;
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut kept: Vec<u8> = Vec::new();
        // Read at most `max_response` bytes; a body that is too long is simply cut.
        while kept.len() < self.config.max_response {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    let room = self.config.max_response - kept.len();
                    kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                Ok(None) => break,
                Err(e) => {
                    if e.is_timeout() {
                        return Err(PostError::Timeout);
                    }
                    break;
                }
            }
        }
        Ok(PostResponse {
            status,
            body: String::from_utf8_lossy(&kept).into_owned(),
            location,
        })
    }
}

fn classify(e: reqwest::Error) -> PostError {
    // reqwest's messages end in "for url (…)": webhook URLs often carry their secret in the path.
    let e = e.without_url();
    if e.is_timeout() {
        PostError::Timeout
    } else if e.is_connect() {
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            msg = s.to_string();
            source = s.source();
        }
        PostError::Connect(msg)
    } else {
        PostError::Other(e.to_string())
    }
}
