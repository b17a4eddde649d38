//! The whole configuration: defaults, the TOML file, `LYSSNA_*` environment overrides, and validation
//! that reports every problem with the file, the line, what is wrong and what would be right.
//!
//! Every option is declared once, in `config/lyssna.example.toml` (shown by `lyssna config example`),
//! with its default and a comment; `config check` on that file is part of the test suite.

use crate::crawl::recipe::Recipe;
use crate::domain::pipeline::Pipeline;
use crate::domain::query::{BrandSpec, Matcher};
use crate::domain::report::{ReportSettings, WorkingHours};
pub use crate::domain::schedule::{CronSchedule, Schedule};
use crate::domain::sentiment::Classifier;
pub use crate::domain::source::{Identity, SourceKind};
pub use crate::domain::units::{format_duration, parse_duration, parse_size};
use chrono_tz::Tz;
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

mod warnings;
pub use warnings::{redact_webhook_url, warnings};

pub const EXAMPLE: &str = include_str!("../config/lyssna.example.toml");
pub const DEFAULT_DATABASE_URL: &str = "sqlite://lyssna.db";
/// Items read from one response at most: real feeds and pages hold hundreds, a hostile one millions.
pub const DEFAULT_MAX_ITEMS: usize = 5_000;

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub file: String,
    /// 1-based; 0 when the problem has no place in the file (an environment variable, say).
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

/// All the problems found in a configuration; `Display` lists them one per line.
#[derive(Debug, Clone)]
pub struct ConfigError(pub Vec<ConfigProblem>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    Starttls,
    Tls,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    Slack,
    Json,
}

// ---------------------------------------------------------------------------------------------
// The file as written (with spans, so that validation can name lines)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    timezone: Option<Spanned<String>>,
    database_url: Option<String>,
    #[serde(default)]
    server: RawServer,
    #[serde(default)]
    leader: RawLeader,
    #[serde(default)]
    crawler: RawCrawler,
    #[serde(default)]
    sentiment: RawSentiment,
    #[serde(default)]
    brands: Vec<RawBrand>,
    #[serde(default)]
    identities: Vec<RawIdentity>,
    #[serde(default)]
    sources: Vec<RawSource>,
    #[serde(default)]
    report: RawReport,
    smtp: Option<RawSmtp>,
    #[serde(default)]
    webhooks: Vec<RawWebhook>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    language: Option<Spanned<String>>,
    #[serde(default)]
    trusted_proxies: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLeader {
    sla: Option<Spanned<String>>,
    working_hours: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCrawler {
    user_agent: Option<String>,
    per_host_delay: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    connect_timeout: Option<Spanned<String>>,
    max_body: Option<Spanned<String>>,
    max_redirects: Option<usize>,
    respect_robots: Option<bool>,
    concurrency: Option<usize>,
    max_items: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSentiment {
    lexicon: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBrand {
    name: Spanned<String>,
    query: Spanned<String>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    context: Vec<Spanned<String>>,
    #[serde(default)]
    fold_diacritics: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIdentity {
    site: String,
    handle: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Spanned<String>,
    kind: Spanned<String>,
    url: Option<Spanned<String>>,
    recipe: Option<Spanned<String>>,
    every: Option<Spanned<String>>,
    schedule: Option<Spanned<String>>,
    #[serde(default)]
    ignore_robots: bool,
    #[serde(default)]
    allow_private: bool,
    expected_quiet: Option<Spanned<String>>,
    #[serde(default = "yes")]
    enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    schedule: Option<Spanned<String>>,
    #[serde(default)]
    email_to: Vec<String>,
    digest_schedule: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    host: String,
    port: Option<u16>,
    security: Option<SmtpSecurity>,
    username: Option<String>,
    password_env: Option<String>,
    from: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    url: Spanned<String>,
    #[serde(default = "slack")]
    format: WebhookFormat,
    #[serde(default = "default_webhook_events")]
    events: Vec<Spanned<String>>,
    secret_env: Option<String>,
}

fn slack() -> WebhookFormat {
    WebhookFormat::Slack
}

fn default_webhook_events() -> Vec<Spanned<String>> {
    vec![
        Spanned::new(0..0, "criticism".to_string()),
        Spanned::new(0..0, "weekly_report".to_string()),
    ]
}

// ---------------------------------------------------------------------------------------------
// The validated configuration
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, if any; recipe files are looked up beside it.
    pub file: Option<PathBuf>,
    pub timezone: Tz,
    pub database_url: String,
    pub server: ServerConfig,
    pub leader: LeaderConfig,
    pub crawler: CrawlerConfig,
    pub sentiment_lexicon: Option<PathBuf>,
    pub brands: Vec<BrandSpec>,
    pub identities: Vec<Identity>,
    pub sources: Vec<SourceConfig>,
    pub report: ReportConfig,
    pub smtp: Option<SmtpConfig>,
    pub webhooks: Vec<WebhookConfig>,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub base_url: String,
    /// `sv` or `en`; `None` means follow the browser's Accept-Language.
    pub language: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (login limits count per client).
    pub trusted_proxies: Vec<crate::domain::ipnet::IpNet>,
}

#[derive(Debug, Clone)]
pub struct LeaderConfig {
    pub sla: Duration,
    pub working_hours: WorkingHours,
}

#[derive(Debug, Clone)]
pub struct CrawlerConfig {
    pub user_agent: String,
    pub per_host_delay: Duration,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_body: u64,
    pub max_redirects: usize,
    pub respect_robots: bool,
    /// How many sources are crawled at the same time (each host still sees one request at a time).
    pub concurrency: usize,
    /// Items read from one response at most; the rest are left out and the crawl says so.
    pub max_items: usize,
}

#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub name: String,
    pub kind: SourceKind,
    pub url: Option<url::Url>,
    pub recipe: Option<Recipe>,
    pub schedule: Schedule,
    pub ignore_robots: bool,
    pub allow_private: bool,
    pub expected_quiet: Duration,
    pub enabled: bool,
}

#[derive(Debug, Clone)]
pub struct ReportConfig {
    pub schedule: CronSchedule,
    pub email_to: Vec<String>,
    pub digest_schedule: Option<CronSchedule>,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// The *name* of the environment variable holding the password; the password itself is read
    /// only when mail is sent, so it never sits in the config or in logs.
    pub password_env: Option<String>,
    pub from: String,
}

#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub url: url::Url,
    pub format: WebhookFormat,
    pub events: Vec<String>,
    pub secret_env: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config::parse_str("<built-in defaults>", "", None).expect("the built-in defaults are valid")
    }
}

/// Maps byte offsets in a file to 1-based line numbers.
struct Lines<'a> {
    text: &'a str,
}

impl Lines<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }
}

struct Problems<'a> {
    file: &'a str,
    lines: Lines<'a>,
    list: Vec<ConfigProblem>,
}

impl Problems<'_> {
    fn at<T>(&mut self, spanned: &Spanned<T>, message: impl Into<String>) {
        let span = spanned.span();
        let line = if span == (0..0) {
            0
        } else {
            self.lines.line_of(span.start)
        };
        self.list.push(ConfigProblem {
            file: self.file.to_string(),
            line,
            message: message.into(),
        });
    }

    fn nowhere(&mut self, message: impl Into<String>) {
        self.list.push(ConfigProblem {
            file: self.file.to_string(),
            line: 0,
            message: message.into(),
        });
    }
}

impl Config {
    /// Reads `path`, or the built-in defaults when `path` is `None` and `lyssna.toml` does not exist.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let chosen = match path {
            Some(p) => Some(p.to_path_buf()),
            None => {
                let p = PathBuf::from("lyssna.toml");
                p.exists().then_some(p)
            }
        };
        let mut config = match chosen {
            Some(p) => {
                let text = std::fs::read_to_string(&p).map_err(|e| {
                    ConfigError(vec![ConfigProblem {
                        file: p.display().to_string(),
                        line: 0,
                        message: format!("cannot read the configuration file: {e}"),
                    }])
                })?;
                Config::parse_str(&p.display().to_string(), &text, Some(&p))?
            }
            None => Config::default(),
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        Ok(config)
    }

    /// Parses and validates a configuration text. `file_name` is used in messages; `path` locates
    /// recipe files (`config/recipes/NAME.toml` beside the file, or a path relative to it).
    pub fn parse_str(
        file_name: &str,
        text: &str,
        path: Option<&Path>,
    ) -> Result<Config, ConfigError> {
        let lines = Lines { text };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| lines.line_of(s.start)).unwrap_or(0);
            ConfigError(vec![ConfigProblem {
                file: file_name.to_string(),
                line,
                message: e.message().trim().to_string(),
            }])
        })?;
        let mut p = Problems {
            file: file_name,
            lines: Lines { text },
            list: Vec::new(),
        };
        let base_dir = path
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));

        let timezone = match &raw.timezone {
            Some(tz) => tz.get_ref().parse::<Tz>().unwrap_or_else(|_| {
                p.at(
                    tz,
                    format!(
                        "unknown time zone '{}'; use an IANA name such as Europe/Stockholm",
                        tz.get_ref()
                    ),
                );
                chrono_tz::Europe::Stockholm
            }),
            None => chrono_tz::Europe::Stockholm,
        };

        let listen = match &raw.server.listen {
            Some(l) => l.get_ref().parse::<SocketAddr>().unwrap_or_else(|_| {
                p.at(
                    l,
                    format!(
                        "'{}' is not an address to listen on; write IP:PORT such as 127.0.0.1:8080",
                        l.get_ref()
                    ),
                );
                default_listen()
            }),
            None => default_listen(),
        };
        let base_url = match &raw.server.base_url {
            Some(u) => {
                if url::Url::parse(u.get_ref())
                    .map(|u| matches!(u.scheme(), "http" | "https"))
                    .unwrap_or(false)
                {
                    u.get_ref().trim_end_matches('/').to_string()
                } else {
                    p.at(
                        u,
                        format!(
                            "'{}' is not an http(s) URL; e.g. http://127.0.0.1:8080",
                            u.get_ref()
                        ),
                    );
                    format!("http://{listen}")
                }
            }
            None => format!("http://{listen}"),
        };
        let language = match &raw.server.language {
            Some(l) if matches!(l.get_ref().as_str(), "sv" | "en") => Some(l.get_ref().clone()),
            Some(l) => {
                p.at(
                    l,
                    format!(
                        "unknown dashboard language '{}' (expected sv or en)",
                        l.get_ref()
                    ),
                );
                None
            }
            None => None,
        };
        let trusted_proxies = raw
            .server
            .trusted_proxies
            .iter()
            .filter_map(|t| {
                t.get_ref()
                    .parse::<crate::domain::ipnet::IpNet>()
                    .map_err(|e| p.at(t, format!("server.trusted_proxies: {e}")))
                    .ok()
            })
            .collect();

        let duration = |v: &Option<Spanned<String>>, default: Duration, p: &mut Problems| match v {
            Some(s) => parse_duration(s.get_ref()).unwrap_or_else(|e| {
                p.at(s, e);
                default
            }),
            None => default,
        };
        let sla = duration(&raw.leader.sla, Duration::from_secs(86_400), &mut p);
        let working_hours = match &raw.leader.working_hours {
            Some(w) => w.get_ref().parse::<WorkingHours>().unwrap_or_else(|e| {
                p.at(w, e.to_string());
                WorkingHours::default()
            }),
            None => WorkingHours::default(),
        };

        let crawler = CrawlerConfig {
            user_agent: raw
                .crawler
                .user_agent
                .clone()
                .unwrap_or_else(|| "Lyssna/0.1 (+https://example.org/lyssna-bot)".to_string()),
            per_host_delay: duration(&raw.crawler.per_host_delay, Duration::from_secs(2), &mut p),
            timeout: duration(&raw.crawler.timeout, Duration::from_secs(30), &mut p),
            connect_timeout: duration(
                &raw.crawler.connect_timeout,
                Duration::from_secs(10),
                &mut p,
            ),
            max_body: match &raw.crawler.max_body {
                Some(s) => parse_size(s.get_ref()).unwrap_or_else(|e| {
                    p.at(s, e);
                    10 << 20
                }),
                None => 10 << 20,
            },
            max_redirects: raw.crawler.max_redirects.unwrap_or(5),
            respect_robots: raw.crawler.respect_robots.unwrap_or(true),
            concurrency: raw.crawler.concurrency.unwrap_or(4).max(1),
            max_items: raw.crawler.max_items.unwrap_or(DEFAULT_MAX_ITEMS).max(1),
        };

        let sentiment_lexicon = raw.sentiment.lexicon.as_ref().map(|l| {
            let path = base_dir.join(l.get_ref());
            if !path.exists() {
                p.at(
                    l,
                    format!("the lexicon file '{}' does not exist", path.display()),
                );
            }
            path
        });

        // Brands: names unique, every query parses (all errors, with the caret from the parser).
        let mut brands = Vec::new();
        let mut seen_brands = std::collections::HashSet::new();
        for b in &raw.brands {
            if b.name.get_ref().trim().is_empty() {
                p.at(&b.name, "a brand needs a name");
            } else if !seen_brands.insert(b.name.get_ref().clone()) {
                p.at(
                    &b.name,
                    format!("the brand name '{}' is used twice", b.name.get_ref()),
                );
            }
            let spec = BrandSpec {
                name: b.name.get_ref().clone(),
                query: b.query.get_ref().clone(),
                exclude: b.exclude.iter().map(|e| e.get_ref().clone()).collect(),
                context: b.context.iter().map(|e| e.get_ref().clone()).collect(),
                fold_diacritics: b.fold_diacritics,
            };
            let checks = std::iter::once(("query".to_string(), &b.query))
                .chain(
                    b.exclude
                        .iter()
                        .enumerate()
                        .map(|(i, q)| (format!("exclude[{i}]"), q)),
                )
                .chain(
                    b.context
                        .iter()
                        .enumerate()
                        .map(|(i, q)| (format!("context[{i}]"), q)),
                );
            for (which, q) in checks {
                if let Err(e) = crate::domain::query::parse(q.get_ref()) {
                    p.at(
                        q,
                        format!("brand '{}': {which} has an error: {e}", b.name.get_ref()),
                    );
                }
            }
            brands.push(spec);
        }
        if p.list.is_empty()
            && let Err(errors) = Matcher::compile_all(&brands)
        {
            for e in errors {
                // Point at the query's line in the file.
                let spanned = raw.brands.get(e.brand_index).and_then(|b| match e.which {
                    crate::domain::query::QueryRef::Query => Some(&b.query),
                    crate::domain::query::QueryRef::Exclude(i) => b.exclude.get(i),
                    crate::domain::query::QueryRef::Context(i) => b.context.get(i),
                });
                match spanned {
                    Some(q) => p.at(q, e.to_string()),
                    None => p.nowhere(e.to_string()),
                }
            }
        }

        let identities = raw
            .identities
            .iter()
            .map(|i| {
                // `https://www.flashback.org/` and `www.flashback.org` mean the host `flashback.org`.
                let raw = i.site.trim();
                let host = url::Url::parse(raw)
                    .ok()
                    .filter(|u| u.has_host())
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_else(|| raw.trim_end_matches('/').to_string());
                Identity {
                    site: host.trim_start_matches("www.").to_lowercase(),
                    handle: i.handle.trim().to_string(),
                }
            })
            .collect();

        let mut sources = Vec::new();
        let mut seen_sources = std::collections::HashSet::new();
        for s in &raw.sources {
            let name = s.name.get_ref().trim().to_string();
            if name.is_empty() {
                p.at(&s.name, "a source needs a name");
            } else if !seen_sources.insert(name.clone()) {
                p.at(&s.name, format!("the source name '{name}' is used twice"));
            }
            let kind = s.kind.get_ref().parse::<SourceKind>().unwrap_or_else(|e| {
                p.at(&s.kind, e);
                SourceKind::Manual
            });
            let url = match &s.url {
                Some(u) => match url::Url::parse(u.get_ref()) {
                    Ok(parsed)
                        if matches!(parsed.scheme(), "http" | "https")
                            && parsed.host_str().is_some() =>
                    {
                        Some(parsed)
                    }
                    _ => {
                        p.at(
                            u,
                            format!("source '{name}': '{}' is not an http(s) URL", u.get_ref()),
                        );
                        None
                    }
                },
                None => {
                    if kind != SourceKind::Manual {
                        p.at(&s.name, format!("source '{name}' needs a url"));
                    }
                    None
                }
            };
            let recipe = match (&s.recipe, kind) {
                (Some(r), SourceKind::Html | SourceKind::Json) => {
                    match resolve_recipe(r.get_ref(), &base_dir) {
                        Ok(recipe) => {
                            let wanted = if kind == SourceKind::Html {
                                "html"
                            } else {
                                "json"
                            };
                            if recipe_kind_name(recipe.kind()) != wanted {
                                p.at(r, format!(
                                "source '{name}' is kind = \"{wanted}\" but recipe '{}' is for {} pages",
                                r.get_ref(),
                                recipe_kind_name(recipe.kind())
                            ));
                            }
                            Some(recipe)
                        }
                        Err(e) => {
                            p.at(r, format!("source '{name}': {e}"));
                            None
                        }
                    }
                }
                (Some(r), _) => {
                    p.at(
                        r,
                        format!("source '{name}': only html and json sources use a recipe"),
                    );
                    None
                }
                (None, SourceKind::Html) => {
                    p.at(&s.kind, format!(
                        "source '{name}' is an html source and needs a recipe, e.g. recipe = \"schema-org\" (built-in: {})",
                        Recipe::builtin_names().join(", ")
                    ));
                    None
                }
                (None, SourceKind::Json) => {
                    p.at(&s.kind, format!(
                        "source '{name}' is a json source and needs a recipe, e.g. recipe = \"discourse-search\""
                    ));
                    None
                }
                (None, _) => None,
            };
            let schedule = match (&s.every, &s.schedule) {
                (Some(e), Some(_)) => {
                    p.at(
                        e,
                        format!("source '{name}' has both every and schedule; keep one"),
                    );
                    Schedule::Every(Duration::from_secs(1800))
                }
                (Some(e), None) => {
                    match parse_duration(e.get_ref()) {
                        Ok(d) if d >= Duration::from_secs(60) => Schedule::Every(d),
                        Ok(_) => {
                            p.at(e, format!("source '{name}': every = \"{}\" is too often; the minimum is 1m", e.get_ref()));
                            Schedule::Every(Duration::from_secs(60))
                        }
                        Err(err) => {
                            p.at(e, err);
                            Schedule::Every(Duration::from_secs(1800))
                        }
                    }
                }
                (None, Some(c)) => match CronSchedule::parse(c.get_ref()) {
                    Ok(c) => Schedule::Cron(Box::new(c)),
                    Err(err) => {
                        p.at(c, err);
                        Schedule::Every(Duration::from_secs(1800))
                    }
                },
                (None, None) => Schedule::Every(Duration::from_secs(1800)),
            };
            sources.push(SourceConfig {
                name,
                kind,
                url,
                recipe,
                schedule,
                ignore_robots: s.ignore_robots,
                allow_private: s.allow_private,
                expected_quiet: duration(
                    &s.expected_quiet,
                    Duration::from_secs(14 * 86_400),
                    &mut p,
                ),
                enabled: s.enabled,
            });
        }

        let cron = |v: &Option<Spanned<String>>,
                    default: Option<&str>,
                    p: &mut Problems|
         -> Option<CronSchedule> {
            match v {
                Some(s) => CronSchedule::parse(s.get_ref())
                    .map_err(|e| p.at(s, e))
                    .ok()
                    .or_else(|| default.and_then(|d| CronSchedule::parse(d).ok())),
                None => default.and_then(|d| CronSchedule::parse(d).ok()),
            }
        };
        let report_schedule = cron(&raw.report.schedule, Some("0 8 * * MON"), &mut p)
            .expect("the default report schedule is valid");
        let digest_schedule = cron(&raw.report.digest_schedule, None, &mut p);
        let report = ReportConfig {
            schedule: report_schedule,
            email_to: raw.report.email_to.clone(),
            digest_schedule,
        };

        let smtp = raw.smtp.as_ref().map(|s| {
            if s.from.get_ref().parse::<lettre::message::Mailbox>().is_err() {
                p.at(&s.from, format!("smtp.from '{}' is not a mail address, e.g. \"Lyssna <lyssna@example.org>\"", s.from.get_ref()));
            }
            let security = s.security.unwrap_or(SmtpSecurity::Starttls);
            SmtpConfig {
                host: s.host.clone(),
                port: s.port.unwrap_or(match security {
                    SmtpSecurity::Starttls => 587,
                    SmtpSecurity::Tls => 465,
                    SmtpSecurity::None => 25,
                }),
                security,
                username: s.username.clone(),
                password_env: s.password_env.clone(),
                from: s.from.get_ref().clone(),
            }
        });
        if !report.email_to.is_empty() && smtp.is_none() {
            p.nowhere("report.email_to is set but there is no [smtp] section to send mail with");
        }

        let webhooks = raw
            .webhooks
            .iter()
            .filter_map(|w| {
                for e in &w.events {
                    if !matches!(e.get_ref().as_str(), "criticism" | "weekly_report") {
                        p.at(
                            e,
                            format!(
                                "unknown webhook event '{}' (expected criticism or weekly_report)",
                                e.get_ref()
                            ),
                        );
                    }
                }
                match url::Url::parse(w.url.get_ref()) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") => Some(WebhookConfig {
                        url: u,
                        format: w.format,
                        events: w.events.iter().map(|e| e.get_ref().clone()).collect(),
                        secret_env: w.secret_env.clone(),
                    }),
                    _ => {
                        p.at(
                            &w.url,
                            format!(
                                "webhook url '{}' is not an http(s) URL (its path is not shown: it is the webhook's secret)",
                                warnings::redact_webhook_url(w.url.get_ref())
                            ),
                        );
                        None
                    }
                }
            })
            .collect();

        if !p.list.is_empty() {
            return Err(ConfigError(p.list));
        }
        Ok(Config {
            file: path.map(Path::to_path_buf),
            timezone,
            database_url: raw
                .database_url
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
            server: ServerConfig {
                listen,
                base_url,
                language,
                trusted_proxies,
            },
            leader: LeaderConfig { sla, working_hours },
            crawler,
            sentiment_lexicon,
            brands,
            identities,
            sources,
            report,
            smtp,
            webhooks,
        })
    }

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

    /// The source with this name.
    pub fn source(&self, name: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// The classifier this configuration asks for: the built-in lexicons plus `sentiment.lexicon`.
    pub fn classifier(&self) -> Result<Cow<'static, Classifier>, String> {
        match &self.sentiment_lexicon {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read the lexicon {}: {e}", path.display()))?;
                Ok(Cow::Owned(Classifier::builtin().with_user_lexicon(&text)?))
            }
            None => Ok(Cow::Borrowed(Classifier::builtin())),
        }
    }

    /// The configured brands, compiled (every error, one per line).
    pub fn matcher(&self) -> Result<Matcher, String> {
        Matcher::compile_all(&self.brands).map_err(|errors| {
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    /// The weekly report's settings: time zone, SLA and working hours.
    pub fn report_settings(&self) -> ReportSettings {
        ReportSettings {
            timezone: self.timezone,
            // Durations are capped at ten years when parsed, so this always fits.
            sla: chrono::Duration::from_std(self.leader.sla)
                .unwrap_or_else(|_| chrono::Duration::hours(24)),
            working_hours: self.leader.working_hours,
        }
    }

    /// The language of the report page and e-mail: `server.language`, else English.
    pub fn report_language(&self) -> &str {
        self.server.language.as_deref().unwrap_or("en")
    }

    /// The pipeline every crawl and manual mention goes through: brands, classifier and identities.
    pub fn pipeline(&self) -> Result<Pipeline, String> {
        Ok(Pipeline::new(
            self.matcher()?,
            self.classifier()?,
            self.identities.clone(),
        ))
    }
}

fn recipe_kind_name(kind: crate::crawl::recipe::RecipeKind) -> &'static str {
    match kind {
        crate::crawl::recipe::RecipeKind::Html => "html",
        crate::crawl::recipe::RecipeKind::Json => "json",
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

/// A recipe by built-in name, or a file: `NAME` → `recipes/NAME.toml` beside the config file (also
/// `config/recipes/NAME.toml`), or a path ending in `.toml` relative to the config file.
pub fn resolve_recipe(name: &str, base_dir: &Path) -> Result<Recipe, String> {
    if let Some(r) = Recipe::builtin(name) {
        return Ok(r);
    }
    let candidates: Vec<PathBuf> = if name.ends_with(".toml") {
        vec![base_dir.join(name), PathBuf::from(name)]
    } else {
        vec![
            base_dir.join("recipes").join(format!("{name}.toml")),
            base_dir.join("config/recipes").join(format!("{name}.toml")),
        ]
    };
    for c in &candidates {
        if let Ok(text) = std::fs::read_to_string(c) {
            return Recipe::from_toml(&c.display().to_string(), &text).map_err(|e| e.to_string());
        }
    }
    Err(format!(
        "unknown recipe '{name}': not built in ({}) and no file at {}",
        Recipe::builtin_names().join(", "),
        candidates
            .iter()
            .map(|c| c.display().to_string())
            .collect::<Vec<_>>()
            .join(" or ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_settings_from_defaults() {
        assert_eq!(
            Config::default().report_settings(),
            ReportSettings::default()
        );
    }

    #[test]
    fn the_example_config_is_valid() {
        let c = Config::parse_str(
            "config/lyssna.example.toml",
            EXAMPLE,
            Some(Path::new("config/lyssna.example.toml")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.timezone, chrono_tz::Europe::Stockholm);
        assert!(!c.brands.is_empty());
        assert!(!c.sources.is_empty());
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let text = r#"timezone = "Mars/Olympus"
[crawler]
per_host_delay = "soon"

[[brands]]
name = "GoMonday"
query = '"go monday" OR (gomonday'

[[sources]]
name = "Forum"
kind = "html"
url = "not a url"
recipe = "no-such-recipe"
schedule = "*/30 7-22 * *"
"#;
        let err = Config::parse_str("lyssna.toml", text, None).unwrap_err();
        let lines: Vec<usize> = err.0.iter().map(|p| p.line).collect();
        let all = err.to_string();
        assert!(lines.contains(&1), "{all}");
        assert!(lines.contains(&3), "{all}");
        assert!(lines.contains(&7), "{all}");
        assert!(lines.contains(&12), "{all}");
        assert!(lines.contains(&13), "{all}");
        assert!(lines.contains(&14), "{all}");
        assert!(
            all.contains("lyssna.toml:13: source 'Forum': unknown recipe 'no-such-recipe'"),
            "{all}"
        );
        assert!(all.contains("has 4 fields"), "{all}");
    }

    #[test]
    fn unknown_keys_name_the_right_ones() {
        let err = Config::parse_str("x.toml", "[crawler]\nuser_agnet = \"x\"\n", None).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("x.toml:2:"), "{msg}");
        assert!(msg.contains("user_agent"), "{msg}");
    }

    #[test]
    fn environment_overrides_the_file() {
        let mut c = Config::default();
        c.apply_env(|k| match k {
            "LYSSNA_DATABASE_URL" => Some("postgres://x@localhost/db".into()),
            "LYSSNA_TIMEZONE" => Some("UTC".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.database_url, "postgres://x@localhost/db");
        assert_eq!(c.timezone, chrono_tz::UTC);
        let err = c
            .apply_env(|k| (k == "LYSSNA_TIMEZONE").then(|| "Nowhere".to_string()))
            .unwrap_err();
        assert!(err.to_string().contains("LYSSNA_TIMEZONE"));
    }
}
