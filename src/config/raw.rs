//! The file as written: serde structures with spans, so that validation can name lines. Unknown keys
//! are refused (`deny_unknown_fields`) so that a misspelt option is an error, not silently ignored.

use super::{SmtpSecurity, WebhookFormat};
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub(super) timezone: Option<Spanned<String>>,
    pub(super) database_url: Option<String>,
    #[serde(default)]
    pub(super) server: RawServer,
    #[serde(default)]
    pub(super) leader: RawLeader,
    #[serde(default)]
    pub(super) crawler: RawCrawler,
    #[serde(default)]
    pub(super) sentiment: RawSentiment,
    #[serde(default)]
    pub(super) brands: Vec<RawBrand>,
    #[serde(default)]
    pub(super) identities: Vec<RawIdentity>,
    #[serde(default)]
    pub(super) sources: Vec<RawSource>,
    #[serde(default)]
    pub(super) report: RawReport,
    pub(super) smtp: Option<RawSmtp>,
    #[serde(default)]
    pub(super) webhooks: Vec<RawWebhook>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    pub(super) listen: Option<Spanned<String>>,
    pub(super) base_url: Option<Spanned<String>>,
    pub(super) language: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) trusted_proxies: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLeader {
    pub(super) sla: Option<Spanned<String>>,
    pub(super) working_hours: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCrawler {
    pub(super) user_agent: Option<String>,
    pub(super) per_host_delay: Option<Spanned<String>>,
    pub(super) timeout: Option<Spanned<String>>,
    pub(super) connect_timeout: Option<Spanned<String>>,
    pub(super) max_body: Option<Spanned<String>>,
    pub(super) max_redirects: Option<usize>,
    pub(super) respect_robots: Option<bool>,
    pub(super) concurrency: Option<usize>,
    pub(super) max_items: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSentiment {
    pub(super) lexicon: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBrand {
    pub(super) name: Spanned<String>,
    pub(super) query: Spanned<String>,
    #[serde(default)]
    pub(super) exclude: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) context: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) fold_diacritics: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIdentity {
    pub(super) site: String,
    pub(super) handle: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    pub(super) name: Spanned<String>,
    pub(super) kind: Spanned<String>,
    pub(super) url: Option<Spanned<String>>,
    pub(super) recipe: Option<Spanned<String>>,
    pub(super) every: Option<Spanned<String>>,
    pub(super) schedule: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) ignore_robots: bool,
    #[serde(default)]
    pub(super) allow_private: bool,
    pub(super) expected_quiet: Option<Spanned<String>>,
    #[serde(default = "yes")]
    pub(super) enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReport {
    pub(super) schedule: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) email_to: Vec<String>,
    pub(super) digest_schedule: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSmtp {
    pub(super) host: String,
    pub(super) port: Option<u16>,
    pub(super) security: Option<SmtpSecurity>,
    pub(super) username: Option<String>,
    pub(super) password_env: Option<String>,
    pub(super) from: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebhook {
    pub(super) url: Spanned<String>,
    #[serde(default = "slack")]
    pub(super) format: WebhookFormat,
    #[serde(default = "default_webhook_events")]
    pub(super) events: Vec<Spanned<String>>,
    pub(super) secret_env: Option<String>,
}

fn slack() -> WebhookFormat {
    WebhookFormat::Slack
}

fn default_webhook_events() -> Vec<Spanned<String>> {
    super::defaults::WEBHOOK_EVENTS
        .iter()
        .map(|e| Spanned::new(0..0, e.to_string()))
        .collect()
}
