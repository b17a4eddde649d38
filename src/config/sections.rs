//! Validation of the small sections: each turns its raw section into the validated one, reporting
//! every problem with its line and falling back to the default so that the rest can still be checked.

use super::defaults;
use super::problems::Problems;
use super::raw::{RawCrawler, RawLeader, RawReport, RawServer, RawSmtp, RawThreads, RawWebhook};
use super::{
    CrawlerConfig, CronSchedule, LeaderConfig, ReportConfig, ServerConfig, SmtpConfig,
    SmtpSecurity, WebhookConfig, parse_duration, parse_size, warnings,
};
use crate::domain::report::WorkingHours;
use chrono_tz::Tz;
use std::net::SocketAddr;
use std::time::Duration;
use toml::Spanned;

/// A duration setting: its value, or the default after reporting why it was not used.
pub(super) fn duration(
    v: &Option<Spanned<String>>,
    default: Duration,
    p: &mut Problems,
) -> Duration {
    match v {
        Some(s) => parse_duration(s.get_ref()).unwrap_or_else(|e| {
            p.at(s, e);
            default
        }),
        None => default,
    }
}

/// A cron setting (`key` names it in the message): its schedule, or `default` after reporting why it
/// was not used.
fn cron(
    key: &str,
    v: &Option<Spanned<String>>,
    default: Option<&str>,
    p: &mut Problems,
) -> Option<CronSchedule> {
    let fallback = || default.and_then(|d| CronSchedule::parse(d).ok());
    match v {
        Some(s) => CronSchedule::parse(s.get_ref())
            .map_err(|e| p.at(s, format!("{key}: {e}")))
            .ok()
            .or_else(fallback),
        None => fallback(),
    }
}

pub(super) fn timezone(v: &Option<Spanned<String>>, p: &mut Problems) -> Tz {
    match v {
        Some(tz) => tz.get_ref().parse::<Tz>().unwrap_or_else(|_| {
            p.at(
                tz,
                format!(
                    "unknown time zone '{}'; use an IANA name such as Europe/Stockholm",
                    tz.get_ref()
                ),
            );
            defaults::TIMEZONE
        }),
        None => defaults::TIMEZONE,
    }
}

pub(super) fn server(raw: &RawServer, p: &mut Problems) -> ServerConfig {
    let listen = match &raw.listen {
        Some(l) => l.get_ref().parse::<SocketAddr>().unwrap_or_else(|_| {
            p.at(
                l,
                format!(
                    "'{}' is not an address to listen on; write IP:PORT such as 127.0.0.1:8080",
                    l.get_ref()
                ),
            );
            defaults::listen()
        }),
        None => defaults::listen(),
    };
    let base_url = match &raw.base_url {
        Some(u)
            if url::Url::parse(u.get_ref())
                .map(|u| matches!(u.scheme(), "http" | "https"))
                .unwrap_or(false) =>
        {
            u.get_ref().trim_end_matches('/').to_string()
        }
        Some(u) => {
            p.at(
                u,
                format!(
                    "'{}' is not an http(s) URL; e.g. http://127.0.0.1:8080",
                    u.get_ref()
                ),
            );
            format!("http://{listen}")
        }
        None => format!("http://{listen}"),
    };
    let language = match &raw.language {
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
        .trusted_proxies
        .iter()
        .filter_map(|t| {
            t.get_ref()
                .parse::<crate::domain::ipnet::IpNet>()
                .map_err(|e| p.at(t, format!("server.trusted_proxies: {e}")))
                .ok()
        })
        .collect();
    ServerConfig {
        listen,
        base_url,
        language,
        trusted_proxies,
    }
}

pub(super) fn leader(raw: &RawLeader, p: &mut Problems) -> LeaderConfig {
    let working_hours = match &raw.working_hours {
        Some(w) => w.get_ref().parse::<WorkingHours>().unwrap_or_else(|e| {
            p.at(w, e.to_string());
            WorkingHours::default()
        }),
        None => WorkingHours::default(),
    };
    LeaderConfig {
        sla: duration(&raw.sla, defaults::SLA, p),
        working_hours,
    }
}

pub(super) fn crawler(raw: &RawCrawler, p: &mut Problems) -> CrawlerConfig {
    CrawlerConfig {
        user_agent: raw
            .user_agent
            .clone()
            .unwrap_or_else(|| defaults::USER_AGENT.to_string()),
        per_host_delay: duration(&raw.per_host_delay, defaults::PER_HOST_DELAY, p),
        timeout: duration(&raw.timeout, defaults::TIMEOUT, p),
        connect_timeout: duration(&raw.connect_timeout, defaults::CONNECT_TIMEOUT, p),
        max_body: match &raw.max_body {
            Some(s) => parse_size(s.get_ref()).unwrap_or_else(|e| {
                p.at(s, e);
                defaults::MAX_BODY
            }),
            None => defaults::MAX_BODY,
        },
        max_redirects: raw.max_redirects.unwrap_or(defaults::MAX_REDIRECTS),
        respect_robots: raw.respect_robots.unwrap_or(defaults::RESPECT_ROBOTS),
        concurrency: raw.concurrency.unwrap_or(defaults::CONCURRENCY).max(1),
        max_items: raw.max_items.unwrap_or(defaults::MAX_ITEMS).max(1),
    }
}

pub(super) fn threads(
    raw: &RawThreads,
    base_dir: &std::path::Path,
    p: &mut Problems,
) -> super::ThreadsConfig {
    let every = duration(&raw.every, defaults::THREAD_EVERY, p);
    let watch_for = duration(&raw.watch_for, defaults::THREAD_WATCH_FOR, p);
    let to_chrono = |d: Duration| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
    let mut recipes = Vec::new();
    for (host, name) in &raw.recipes {
        if host.contains('/') || host.contains(':') || host.trim().is_empty() {
            p.at(
                name,
                format!(
                    "[threads.recipes]: '{host}' is not a host name; write the host alone, e.g. \"blogg.example.se\" = \"wordpress-post\""
                ),
            );
            continue;
        }
        match super::sources::resolve_recipe(name.get_ref(), base_dir) {
            Ok(r) if r.follow().is_some() => p.at(
                name,
                format!(
                    "[threads.recipes]: recipe '{}' for {host} reads thread links ([follow]); name a recipe that reads a thread's posts or an article's comments",
                    r.name()
                ),
            ),
            Ok(r) => recipes.push((host.trim().to_ascii_lowercase(), r)),
            Err(e) => p.at(name, format!("[threads.recipes] {host}: {e}")),
        }
    }
    super::ThreadsConfig {
        policy: crate::domain::watch::WatchPolicy {
            every: to_chrono(every),
            watch_for: to_chrono(watch_for),
        },
        max_per_crawl: raw.max_per_crawl.unwrap_or(defaults::THREAD_MAX_PER_CRAWL),
        recipes,
    }
}

pub(super) fn report(raw: &RawReport, p: &mut Problems) -> ReportConfig {
    ReportConfig {
        schedule: cron(
            "report.schedule",
            &raw.schedule,
            Some(defaults::REPORT_SCHEDULE),
            p,
        )
        .expect("the default report schedule is valid"),
        email_to: raw.email_to.clone(),
        digest_schedule: cron("report.digest_schedule", &raw.digest_schedule, None, p),
    }
}

pub(super) fn smtp(raw: Option<&RawSmtp>, p: &mut Problems) -> Option<SmtpConfig> {
    let s = raw?;
    if s.from
        .get_ref()
        .parse::<lettre::message::Mailbox>()
        .is_err()
    {
        p.at(
            &s.from,
            format!(
                "smtp.from '{}' is not a mail address, e.g. \"Lyssna <lyssna@example.org>\"",
                s.from.get_ref()
            ),
        );
    }
    let security = s.security.unwrap_or(SmtpSecurity::Starttls);
    Some(SmtpConfig {
        host: s.host.clone(),
        port: s.port.unwrap_or(defaults::smtp_port(security)),
        security,
        username: s.username.clone(),
        password_env: s.password_env.clone(),
        from: s.from.get_ref().clone(),
    })
}

pub(super) fn webhooks(raw: &[RawWebhook], p: &mut Problems) -> Vec<WebhookConfig> {
    raw.iter()
        .filter_map(|w| {
            for e in &w.events {
                if !defaults::WEBHOOK_EVENTS.contains(&e.get_ref().as_str()) {
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
        .collect()
}
