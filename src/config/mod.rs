//! The whole configuration: defaults (one table, `defaults`), the TOML file as written (`raw`),
//! validation by section that reports every problem with the file, the line, what is wrong and what
//! would be right (`sections`, `brands`, `sources`), `LYSSNA_*` environment overrides (`env`) and
//! risky-but-valid settings (`warnings`).
//!
//! Every option is shown with its default in `config/lyssna.example.toml` (`lyssna config example`);
//! a test holds that file to the defaults here.

mod brands;
pub mod defaults;
mod env;
mod problems;
mod raw;
mod sections;
mod sources;
mod warnings;

use crate::crawl::recipe::Recipe;
use crate::domain::conversation::ReplyScope;
use crate::domain::pipeline::Pipeline;
use crate::domain::query::{BrandSpec, Matcher};
use crate::domain::report::{ReportSettings, WorkingHours};
pub use crate::domain::schedule::{CronSchedule, Schedule};
use crate::domain::sentiment::Classifier;
pub use crate::domain::source::{Identity, SourceKind};
pub use crate::domain::units::{format_duration, parse_duration, parse_size};
use chrono_tz::Tz;
pub use problems::{ConfigError, ConfigProblem};
use problems::{Lines, Problems};
use serde::Deserialize;
pub use sources::resolve_recipe;
use std::borrow::Cow;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
pub use warnings::{redact_webhook_url, warnings};

pub const EXAMPLE: &str = include_str!("../../config/lyssna.example.toml");

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

#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, if any; recipe files are looked up beside it.
    pub file: Option<PathBuf>,
    pub timezone: Tz,
    pub database_url: String,
    pub server: ServerConfig,
    pub leader: LeaderConfig,
    pub crawler: CrawlerConfig,
    pub threads: ThreadsConfig,
    pub sentiment_lexicon: Option<PathBuf>,
    pub brands: Vec<BrandSpec>,
    /// Per brand, in the order of `brands`: thread context and the relevance threshold.
    pub brand_relevance: Vec<BrandRelevance>,
    /// Each brand's `reply_scope`, in the brands' order.
    pub brand_reply_scopes: Vec<(String, ReplyScope)>,
    pub identities: Vec<Identity>,
    pub sources: Vec<SourceConfig>,
    pub report: ReportConfig,
    pub smtp: Option<SmtpConfig>,
    pub webhooks: Vec<WebhookConfig>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub base_url: String,
    /// `sv` or `en`; `None` means follow the browser's Accept-Language.
    pub language: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (login limits count per client).
    pub trusted_proxies: Vec<crate::domain::ipnet::IpNet>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeaderConfig {
    pub sla: Duration,
    pub working_hours: WorkingHours,
}

#[derive(Debug, Clone, PartialEq)]
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

/// Watched threads (`[threads]`, PRODUCT §3.3b).
#[derive(Debug, Clone)]
pub struct ThreadsConfig {
    pub policy: crate::domain::watch::WatchPolicy,
    pub max_per_crawl: usize,
    /// Lower-cased host → the recipe that reads a thread or an article's comments there.
    pub recipes: Vec<(String, Recipe)>,
}

impl ThreadsConfig {
    /// The recipe configured for the thread's host (`www.` ignored on either side).
    pub fn recipe_for(&self, url: &url::Url) -> Option<&Recipe> {
        let host = url.host_str()?.to_ascii_lowercase();
        let bare = host.strip_prefix("www.").unwrap_or(&host);
        self.recipes
            .iter()
            .find(|(h, _)| h.strip_prefix("www.").unwrap_or(h) == bare)
            .map(|(_, r)| r)
    }
}

#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub name: String,
    pub kind: SourceKind,
    pub url: Option<url::Url>,
    /// Shared, not copied: a compiled recipe is kilobytes, and every crawl under way holds its
    /// source's configuration (2,000 sources queued held 30 MB of copies).
    pub recipe: Option<Arc<Recipe>>,
    /// A listing's recipe for each thread it links (the source's `thread_recipe`, else its recipe's
    /// `[follow] thread_recipe`); `None` for sources that are not listings.
    pub thread_recipe: Option<Arc<Recipe>>,
    /// Credentials sent to the source's own site, read from the environment when it is fetched.
    pub auth: Option<SourceAuth>,
    pub schedule: Schedule,
    pub ignore_robots: bool,
    pub allow_private: bool,
    pub expected_quiet: Duration,
    pub enabled: bool,
    /// Brands every item of this source is about (the company's review page, its blog's comments).
    pub about: Vec<String>,
    /// Whether a post in a thread about a brand is a mention of it (`false` turns that off here).
    pub thread_context: bool,
    /// How far one of the leader's posts in a thread reaches (`reply_scope`).
    pub reply_scope: ReplyScope,
}

/// A source's credentials as configured: the *names* of the environment variables holding each value
/// (request headers, a cookie, basic auth). The values are read only when the source is fetched, so
/// they never sit in the config, in `config check`, on the sources page or in logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceAuth {
    /// Header name → environment variable.
    pub headers: Vec<(String, String)>,
    pub cookie_env: Option<String>,
    /// Basic auth: the user name's and the password's environment variables.
    pub basic: Option<(String, String)>,
}

impl SourceAuth {
    /// The headers to send to `url`'s origin, with their values read from the environment now. The
    /// error names the variable that is missing, never a value.
    pub fn resolve(&self, url: &url::Url) -> Result<crate::net::Credentials, String> {
        use reqwest::header::{AUTHORIZATION, COOKIE, HeaderName, HeaderValue};
        let read = |var: &str, what: &str| {
            std::env::var(var).map_err(|_| {
                format!("the environment variable {var} (the source's {what}) is not set; set it where Lyssna runs")
            })
        };
        let value = |text: String, var: &str| {
            HeaderValue::from_str(&text).map_err(|_| {
                format!(
                    "the environment variable {var} holds characters a request header cannot carry"
                )
            })
        };
        let mut headers = Vec::new();
        for (name, var) in &self.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("'{name}' is not a request header name"))?;
            headers.push((header, value(read(var, &format!("{name} header"))?, var)?));
        }
        if let Some(var) = &self.cookie_env {
            headers.push((COOKIE, value(read(var, "cookie")?, var)?));
        }
        if let Some((user_var, password_var)) = &self.basic {
            use base64::Engine;
            let user = read(user_var, "user name")?;
            let password = read(password_var, "password")?;
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            headers.push((
                AUTHORIZATION,
                value(format!("Basic {token}"), password_var)?,
            ));
        }
        Ok(crate::net::Credentials {
            origin: url.origin().ascii_serialization(),
            headers,
        })
    }
}
pub use crate::domain::relevance::BrandRelevance;

#[derive(Debug, Clone)]
pub struct ReportConfig {
    pub schedule: CronSchedule,
    pub email_to: Vec<String>,
    pub digest_schedule: Option<CronSchedule>,
}

#[derive(Debug, Clone, PartialEq)]
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

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookConfig {
    pub url: url::Url,
    pub format: WebhookFormat,
    pub events: Vec<String>,
    pub secret_env: Option<String>,
}

impl Default for Config {
    /// The configuration of an empty file: every default from `defaults`.
    fn default() -> Self {
        Config::parse_str("<built-in defaults>", "", None).expect("the built-in defaults are valid")
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
        let (raw, unknown) = raw::read(file_name, text);
        let Some(raw) = raw else {
            return Err(ConfigError(unknown));
        };
        let mut p = Problems {
            file: file_name,
            lines: Lines { text },
            list: unknown,
        };
        let base_dir = path
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
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
        let (brands, brand_relevance) = brands::brands(&raw.brands, &mut p);
        let sources = sources::sources(&raw.sources, &base_dir, &mut p);
        sources::check_about(&raw.sources, &brands, &mut p);
        let config = Config {
            file: path.map(Path::to_path_buf),
            timezone: sections::timezone(&raw.timezone, &mut p),
            database_url: raw
                .database_url
                .clone()
                .unwrap_or_else(|| defaults::DATABASE_URL.to_string()),
            server: sections::server(&raw.server, &mut p),
            leader: sections::leader(&raw.leader, &mut p),
            crawler: sections::crawler(&raw.crawler, &mut p),
            threads: sections::threads(&raw.threads, &base_dir, &mut p),
            sentiment_lexicon,
            brands,
            brand_relevance,
            brand_reply_scopes: brands::reply_scopes(&raw.brands, &mut p),
            identities: brands::identities(&raw.identities),
            sources,
            report: sections::report(&raw.report, &mut p),
            smtp: sections::smtp(raw.smtp.as_ref(), &mut p),
            webhooks: sections::webhooks(&raw.webhooks, &mut p),
        };
        if !config.report.email_to.is_empty() && config.smtp.is_none() {
            p.nowhere("report.email_to is set but there is no [smtp] section to send mail with");
        }
        if !p.list.is_empty() {
            return Err(ConfigError(p.list));
        }
        Ok(config)
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
        Ok(
            Pipeline::new(self.matcher()?, self.classifier()?, self.identities.clone())
                .with_brand_relevance(self.brand_relevance.clone()),
        )
    }
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

    /// The example file with its `# EXAMPLE` blocks uncommented, as a user would after editing.
    fn uncommented_example() -> String {
        let mut out = String::new();
        let mut in_example = false;
        for line in EXAMPLE.lines() {
            if line.starts_with("# EXAMPLE") {
                in_example = true;
                continue;
            }
            if line.trim().is_empty() {
                in_example = false;
            }
            match line.strip_prefix("# ") {
                Some(rest) if in_example => out.push_str(rest),
                _ => out.push_str(line),
            }
            out.push('\n');
        }
        out
    }

    /// `lyssna config example` is what users copy: every setting it shows must be the default the code
    /// applies when the setting is left out. Its brands, identities, sources, mail and webhook entries
    /// are examples, shipped commented out; uncommented, what they leave out or spell out must still
    /// be the per-entry defaults.
    #[test]
    fn the_example_file_shows_the_defaults() {
        let shipped = Config::parse_str(
            "config/lyssna.example.toml",
            EXAMPLE,
            Some(Path::new("config/lyssna.example.toml")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let d = Config::default();
        assert_eq!(shipped.timezone, d.timezone);
        assert_eq!(shipped.database_url, d.database_url);
        assert_eq!(shipped.server, d.server);
        assert_eq!(shipped.leader, d.leader);
        assert_eq!(shipped.crawler, d.crawler);
        assert_eq!(shipped.threads.policy, d.threads.policy);
        assert_eq!(shipped.threads.max_per_crawl, d.threads.max_per_crawl);
        assert_eq!(shipped.sentiment_lexicon, d.sentiment_lexicon);
        assert_eq!(shipped.report.schedule.pattern, d.report.schedule.pattern);
        assert_eq!(shipped.report.email_to, d.report.email_to);
        assert_eq!(
            shipped.report.digest_schedule.is_some(),
            d.report.digest_schedule.is_some()
        );
        // The placeholders are not live: a copied file crawls, mails and posts nothing.
        assert!(shipped.brands.is_empty() && shipped.sources.is_empty());
        assert!(
            shipped.identities.is_empty() && shipped.smtp.is_none() && shipped.webhooks.is_empty()
        );

        let text = uncommented_example();
        let example =
            Config::parse_str("uncommented.toml", &text, Some(Path::new("config/x.toml")))
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(
            (
                example.brands.len(),
                example.identities.len(),
                example.sources.len()
            ),
            (1, 1, 2)
        );
        // Per-entry defaults: the same entries with every optional key left out.
        let bare = Config::parse_str(
            "bare.toml",
            "[[brands]]\nname = \"B\"\nquery = \"b\"\n\
                 [[sources]]\nname = \"S\"\nkind = \"feed\"\nurl = \"https://example.org/feed\"\n\
                 [smtp]\nhost = \"h\"\nfrom = \"a@example.org\"\n\
                 [[webhooks]]\nurl = \"https://example.org/h\"\n",
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for b in &example.brands {
            assert_eq!(
                b.fold_diacritics, bare.brands[0].fold_diacritics,
                "{}",
                b.name
            );
            assert_eq!(b.context, bare.brands[0].context, "{}", b.name);
        }
        assert_eq!(
            example.brand_reply_scopes,
            vec![("GoMonday".to_string(), defaults::REPLY_SCOPE)]
        );
        assert_eq!(
            bare.brand_reply_scopes,
            vec![("B".to_string(), defaults::REPLY_SCOPE)]
        );
        for s in &example.sources {
            let base = &bare.sources[0];
            assert_eq!(s.ignore_robots, base.ignore_robots, "{}", s.name);
            assert_eq!(s.allow_private, base.allow_private, "{}", s.name);
            assert_eq!(s.expected_quiet, base.expected_quiet, "{}", s.name);
            assert_eq!(s.enabled, base.enabled, "{}", s.name);
            assert_eq!(s.reply_scope, base.reply_scope, "{}", s.name);
            if let Schedule::Every(every) = s.schedule {
                assert_eq!(every, defaults::SOURCE_EVERY, "{}", s.name);
            }
        }
        let (smtp, base) = (example.smtp.as_ref().unwrap(), bare.smtp.as_ref().unwrap());
        assert_eq!((smtp.port, smtp.security), (base.port, base.security));
        for w in &example.webhooks {
            assert_eq!(
                (w.format, &w.events),
                (bare.webhooks[0].format, &bare.webhooks[0].events)
            );
        }
    }

    #[test]
    fn the_example_config_is_valid() {
        let c = Config::parse_str(
            "config/lyssna.example.toml",
            &uncommented_example(),
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
        assert!(
            msg.starts_with("x.toml:2: unknown key `user_agnet` in [crawler] (did you mean `user_agent`?); valid keys: user_agent, per_host_delay"),
            "{msg}"
        );
    }

    #[test]
    fn every_unknown_key_is_reported_in_one_run_with_the_other_problems() {
        let text = r#"timezon = "Europe/Stockholm"
[server]
listen = "127.0.0.1:8080"
langauge = "sv"

[[brands]]
name = "GoMonday"
query = "gomonday"
exlude = ["x"]

[[sources]]
name = "Forum"
kind = "feed"
url = "https://forum.example/feed"
schedule = "0 25 * * *"

[[sources]]
name = "Blogg"
kind = "feed"
url = "https://blog.example/feed"
evry = "30m"
"#;
        let err = Config::parse_str("lyssna.toml", text, None).unwrap_err();
        let all = err.to_string();
        for want in [
            "lyssna.toml:1: unknown key `timezon` (did you mean `timezone`?)",
            "lyssna.toml:4: unknown key `langauge` in [server] (did you mean `language`?)",
            "lyssna.toml:9: unknown key `exlude` in [[brands]] #1 (did you mean `exclude`?)",
            "lyssna.toml:21: unknown key `evry` in [[sources]] #2 (did you mean `every`?)",
            "lyssna.toml:15: source 'Forum': schedule '0 25 * * *': the hour field has 25, outside 0–23",
        ] {
            assert!(all.contains(want), "missing {want:?} in\n{all}");
        }
        assert_eq!(err.0.len(), 5, "{all}");
    }

    #[test]
    fn cron_and_selector_errors_are_plain_words_naming_the_field() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("recipes")).unwrap();
        std::fs::write(
            dir.path().join("recipes/forum.toml"),
            "name = \"forum\"\nkind = \"html\"\nitem = \"div.post\"\n[fields]\nbody = \".msg\"\nauthor = \".user..name\"\ndate = \"time.\"\n",
        )
        .unwrap();
        let path = dir.path().join("lyssna.toml");
        let text = "[report]\nschedule = \"0 8 * * MOX\"\ndigest_schedule = \"61 7 * * *\"\n\
                    [[sources]]\nname = \"F\"\nkind = \"html\"\nurl = \"https://f.example/t\"\nrecipe = \"forum\"\n";
        let err = Config::parse_str("lyssna.toml", text, Some(&path)).unwrap_err();
        let all = err.to_string();
        for want in [
            "lyssna.toml:2: report.schedule: '0 8 * * MOX': the day-of-week field has 'MOX', which is not a number or a name such as MON",
            "lyssna.toml:3: report.digest_schedule: '61 7 * * *': the minute field has 61, outside 0–59",
            "forum.toml:6: `fields.author` = \".user..name\" is not a CSS selector: a `.` must be followed by a class name, as in `.post`",
            "forum.toml:7: `fields.date` = \"time.\" is not a CSS selector: it ends too early",
        ] {
            assert!(all.contains(want), "missing {want:?} in\n{all}");
        }
        assert!(
            !all.contains("ClassNeedsIdent") && !all.contains("Unexpected"),
            "{all}"
        );
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
