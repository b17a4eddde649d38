//! The file as written: serde structures with spans, so that validation can name lines. Unknown keys
//! are refused (`deny_unknown_fields`) so that a misspelt option is an error, not silently ignored.

use super::problems::{ConfigProblem, Lines};
use super::{SmtpSecurity, WebhookFormat};
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Reads the file into [`RawConfig`], reporting **every** unknown key with the valid ones and the
/// likeliest meant one ("did you mean"). Serde stops at the first unknown key, so each is taken out
/// of the parsed document and the rest is read again: three typos are three messages in one run.
/// `None` when the file cannot be read into the structure at all (a syntax or type error, reported).
pub(super) fn read(file: &str, text: &str) -> (Option<RawConfig>, Vec<ConfigProblem>) {
    let lines = Lines { text };
    let problem = |span: Option<std::ops::Range<usize>>, message: String| ConfigProblem {
        file: file.to_string(),
        line: span.map(|s| lines.line_of(s.start)).unwrap_or(0),
        message,
    };
    let mut doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            return (
                None,
                vec![problem(e.span(), e.message().trim().to_string())],
            );
        }
    };
    let mut problems = Vec::new();
    // Each round removes one key; a file has far fewer than this.
    for _ in 0..500 {
        let err = match RawConfig::deserialize(toml::de::Deserializer::from(doc.clone())) {
            Ok(raw) => return (Some(raw), problems),
            Err(e) => e,
        };
        let unknown = unknown_key(err.message());
        let removed = match (&unknown, err.span()) {
            (Some(_), Some(span)) => remove_key(doc.get_mut(), &span, ""),
            _ => None,
        };
        match (unknown, removed) {
            (Some((key, valid)), Some(section)) => {
                let msg = format!(
                    "unknown key `{key}`{section}{}; valid keys: {}",
                    crate::domain::spelling::did_you_mean(&key, &valid),
                    valid.join(", ")
                );
                problems.push(problem(err.span(), msg));
            }
            _ => {
                problems.push(problem(err.span(), err.message().trim().to_string()));
                return (None, problems);
            }
        }
    }
    (None, problems)
}

/// `unknown field `x`, expected one of `a`, `b`` → (`x`, [`a`, `b`]).
fn unknown_key(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let valid = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((key.to_string(), valid))
}

/// Removes the key whose name is at `span`, wherever it is; returns where it was (` in [crawler]`,
/// ` in [[sources]] #2`, or nothing at the top level).
fn remove_key(
    table: &mut DeTable<'_>,
    span: &std::ops::Range<usize>,
    path: &str,
) -> Option<String> {
    let found = table.keys().find(|k| k.span() == *span).cloned();
    if let Some(key) = found {
        table.remove(&key);
        return Some(if path.is_empty() {
            String::new()
        } else {
            format!(" in {path}")
        });
    }
    for (k, v) in table.iter_mut() {
        let name = k.get_ref().as_ref();
        let inner = if path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", path.trim_matches(['[', ']']))
        };
        match v.get_mut() {
            DeValue::Table(t) => {
                if let Some(found) = remove_key(t, span, &format!("[{inner}]")) {
                    return Some(found);
                }
            }
            DeValue::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    if let DeValue::Table(t) = item.get_mut()
                        && let Some(found) = remove_key(t, span, &format!("[[{inner}]] #{}", i + 1))
                    {
                        return Some(found);
                    }
                }
            }
            _ => {}
        }
    }
    None
}

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
    pub(super) threads: RawThreads,
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
pub(super) struct RawThreads {
    pub(super) every: Option<Spanned<String>>,
    pub(super) watch_for: Option<Spanned<String>>,
    pub(super) max_per_crawl: Option<usize>,
    /// Host → recipe that reads an article's comments (or a thread's posts) on that host.
    #[serde(default)]
    pub(super) recipes: std::collections::BTreeMap<String, Spanned<String>>,
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
    #[serde(default)]
    pub(super) compounds: bool,
    #[serde(default = "yes")]
    pub(super) thread_context: bool,
    pub(super) relevance_threshold: Option<Spanned<f64>>,
    pub(super) reply_scope: Option<Spanned<String>>,
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
    pub(super) thread_recipe: Option<Spanned<String>>,
    pub(super) auth: Option<Spanned<RawAuth>>,
    pub(super) every: Option<Spanned<String>>,
    pub(super) schedule: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) ignore_robots: bool,
    #[serde(default)]
    pub(super) allow_private: bool,
    pub(super) expected_quiet: Option<Spanned<String>>,
    #[serde(default = "yes")]
    pub(super) enabled: bool,
    #[serde(default)]
    pub(super) about: Vec<Spanned<String>>,
    #[serde(default = "yes")]
    pub(super) thread_context: bool,
    pub(super) reply_scope: Option<Spanned<String>>,
}

/// A source's credentials: every value is the *name* of an environment variable holding it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuth {
    #[serde(default)]
    pub(super) headers: std::collections::BTreeMap<String, String>,
    pub(super) cookie_env: Option<String>,
    pub(super) username_env: Option<String>,
    pub(super) password_env: Option<String>,
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
