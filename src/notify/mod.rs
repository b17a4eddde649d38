//! Notifications: the weekly report by email and webhook, webhooks on new criticism, and the morning
//! digest of new criticism by email (PRODUCT §10).
//!
//! Everything that goes out is first a row in the store's `deliveries` table (see
//! `store::deliveries` for its life); sending is a separate step that claims due rows, so
//!
//! - a report is never sent twice for the same week and recipient: the job's marker row and the
//!   deliveries are written in one transaction (a second run, a restart or a second process finds
//!   the marker and does nothing), and a row is sent only by whoever claimed it;
//! - a failure is retried with exponential backoff (1 min doubling to 6 h, 12 attempts), and the
//!   state is visible to the dashboard (`Store::delivery_problems`);
//! - the scheduler never waits for SMTP or HTTP: its jobs only look at the clock, and the work runs
//!   in spawned tasks.

pub mod email;
pub mod trigger;
pub mod webhook;

use crate::config::{Config, WebhookConfig};
use crate::domain::report::{IsoWeekId, WeeklyReport};
use crate::net::{Poster, PosterConfig};
use crate::render::report::{Lang, to_text};
use crate::store::{ClaimedDelivery, MentionRecord, NewDelivery, Store};
use chrono::{DateTime, Duration, Utc};
use email::{MailContent, Mailer};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use trigger::CalendarTrigger;

/// A job called on every scheduler tick with the current time (it decides itself whether it is due).
pub type CalendarJob = Arc<
    dyn Fn(DateTime<Utc>) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
        + Send
        + Sync,
>;

/// Told the ids of the mentions a crawl found.
pub type NewMentionsListener = Arc<dyn Fn(&[String]) + Send + Sync>;

/// Delivery kinds (the `kind` column).
pub const REPORT_EMAIL: &str = "report_email";
pub const REPORT_WEBHOOK: &str = "report_webhook";
pub const CRITICISM_WEBHOOK: &str = "criticism_webhook";
pub const DIGEST_EMAIL: &str = "digest_email";
/// Marker kinds: a calendar job ran for a key.
pub const REPORT_RUN: &str = "report_run";
pub const DIGEST_RUN: &str = "digest_run";

/// A webhook endpoint gets this long to accept a connection, and to answer.
const POST_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
const POST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// Of a webhook's answer only the start is kept (for the delivery's error message).
const POST_MAX_RESPONSE: usize = 64 * 1024;

/// Attempts before a delivery is given up (`failed`).
pub const MAX_ATTEMPTS: i64 = 12;
/// How long a claimed delivery may take before it counts as interrupted.
const CLAIM_LEASE: Duration = Duration::minutes(10);
/// A scheduled occurrence missed while Lyssna was down is still honoured this long afterwards.
const CATCH_UP: Duration = Duration::hours(24);

/// The subject line of the report mail, e.g. `Lyssna weekly report 2026-W47: 12 criticism, 9 replied, 2 open`
/// (Swedish: `Lyssna veckorapport 2026-W47: 12 kritik, 9 besvarade, 2 öppna`).
pub fn report_subject(report: &WeeklyReport, lang: Lang) -> String {
    let c = &report.criticism;
    match lang {
        Lang::En => format!(
            "Lyssna weekly report {}: {} criticism, {} replied, {} open",
            report.week, c.found, c.replied, c.open
        ),
        Lang::Sv => format!(
            "Lyssna veckorapport {}: {} kritik, {} {}, {} {}",
            report.week,
            c.found,
            c.replied,
            if c.replied == 1 {
                "besvarad"
            } else {
                "besvarade"
            },
            c.open,
            if c.open == 1 { "öppen" } else { "öppna" }
        ),
    }
}

/// Sends what the deliveries table says is due. Cheap to clone.
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: Arc<Config>,
    poster: Poster,
    mailer: Option<Mailer>,
    /// First retry delay; doubles per attempt, capped at `max_backoff`.
    backoff: Duration,
    max_backoff: Duration,
    /// One delivery pass at a time in this process (other processes are kept apart by claims).
    delivering: AtomicBool,
}

impl Notifier {
    pub fn new(store: Store, config: Arc<Config>) -> anyhow::Result<Notifier> {
        let poster = Poster::new(PosterConfig {
            user_agent: config.crawler.user_agent.clone(),
            connect_timeout: POST_CONNECT_TIMEOUT,
            timeout: POST_TIMEOUT,
            max_response: POST_MAX_RESPONSE,
        })?;
        let mailer = config.smtp.clone().map(Mailer::new);
        Ok(Notifier {
            inner: Arc::new(Inner {
                store,
                config,
                poster,
                mailer,
                backoff: Duration::minutes(1),
                max_backoff: Duration::hours(6),
                delivering: AtomicBool::new(false),
            }),
        })
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    fn webhooks_for<'a>(&'a self, event: &'a str) -> impl Iterator<Item = &'a WebhookConfig> + 'a {
        self.inner
            .config
            .webhooks
            .iter()
            .filter(move |w| w.events.iter().any(|e| e == event))
    }

    /// The weekly job for a schedule occurrence at `occurrence`: generates the report of the week
    /// that ended before it, stores it and queues one email per `email_to` and one POST per
    /// `weekly_report` webhook — unless that was already done for the week (returns `None`).
    /// Call [`Notifier::deliver_due`] to send.
    pub async fn run_weekly_report(
        &self,
        occurrence: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<IsoWeekId>> {
        let config = &self.inner.config;
        let week = IsoWeekId::containing(occurrence, config.timezone).prev();
        let key = week.to_string();
        if self.inner.store.job_done(REPORT_RUN, &key).await? {
            return Ok(None);
        }
        let report = self
            .inner
            .store
            .weekly_report(week, now, &config.report_settings())
            .await?;
        let json = serde_json::to_string(&report)?;
        let lang = Lang::parse(config.report_language());
        let mail = MailContent {
            subject: report_subject(&report, lang),
            text: to_text(&report, lang),
            html: crate::render::report::html_document(&report, config.report_language()),
        };
        let mail_json = serde_json::to_string(&mail)?;
        let mut deliveries: Vec<NewDelivery> = config
            .report
            .email_to
            .iter()
            .map(|to| NewDelivery {
                kind: REPORT_EMAIL.into(),
                key: key.clone(),
                recipient: to.clone(),
                payload: mail_json.clone(),
            })
            .collect();
        for w in self.webhooks_for("weekly_report") {
            deliveries.push(NewDelivery {
                kind: REPORT_WEBHOOK.into(),
                key: key.clone(),
                recipient: w.url.to_string(),
                payload: webhook::report_body(w.format, &report, &config.server.base_url),
            });
        }
        let fresh = self
            .inner
            .store
            .enqueue_job(REPORT_RUN, &key, Some(&json), &deliveries, now)
            .await?;
        if fresh {
            tracing::info!(week = %key, deliveries = deliveries.len(), "weekly report generated");
        }
        Ok(fresh.then_some(week))
    }

    /// The morning digest for the occurrence at `occurrence`: open criticism found since the previous
    /// occurrence (`since`), one email per `email_to`. Nothing is queued when there is none.
    pub async fn run_digest(
        &self,
        since: DateTime<Utc>,
        occurrence: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<usize> {
        let config = &self.inner.config;
        let key = occurrence.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        if self.inner.store.job_done(DIGEST_RUN, &key).await? {
            return Ok(0);
        }
        let mentions = self
            .inner
            .store
            .open_criticism_found(since, occurrence)
            .await?;
        let deliveries: Vec<NewDelivery> = if mentions.is_empty() {
            Vec::new()
        } else {
            let mail = digest_mail(&mentions, config);
            let payload = serde_json::to_string(&mail)?;
            config
                .report
                .email_to
                .iter()
                .map(|to| NewDelivery {
                    kind: DIGEST_EMAIL.into(),
                    key: key.clone(),
                    recipient: to.clone(),
                    payload: payload.clone(),
                })
                .collect()
        };
        self.inner
            .store
            .enqueue_job(DIGEST_RUN, &key, None, &deliveries, now)
            .await?;
        Ok(deliveries.len())
    }

    /// Queues a `criticism` webhook for each of `mention_ids` whose effective sentiment is
    /// criticism. Returns how many deliveries were queued.
    pub async fn on_new_mentions(
        &self,
        mention_ids: &[String],
        now: DateTime<Utc>,
    ) -> anyhow::Result<usize> {
        let hooks: Vec<&WebhookConfig> = self.webhooks_for("criticism").collect();
        if hooks.is_empty() {
            return Ok(0);
        }
        let mut queued = 0;
        for id in mention_ids {
            let Some(m) = self.inner.store.mention(id).await? else {
                continue;
            };
            if m.effective_sentiment() != crate::domain::sentiment::Label::Criticism {
                continue;
            }
            for w in &hooks {
                let d = NewDelivery {
                    kind: CRITICISM_WEBHOOK.into(),
                    key: m.id.clone(),
                    recipient: w.url.to_string(),
                    payload: webhook::criticism_body(
                        w.format,
                        &m,
                        &self.inner.config.server.base_url,
                    ),
                };
                queued += usize::from(self.inner.store.enqueue_delivery(&d, now).await?);
            }
        }
        Ok(queued)
    }

    /// Sends every delivery due at `now` (claiming each first). Returns (sent, failed). When a pass
    /// is already running in this process, returns at once.
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> anyhow::Result<(usize, usize)> {
        if self.inner.delivering.swap(true, Ordering::AcqRel) {
            return Ok((0, 0));
        }
        let result = self.deliver_due_inner(now).await;
        self.inner.delivering.store(false, Ordering::Release);
        result
    }

    async fn deliver_due_inner(&self, now: DateTime<Utc>) -> anyhow::Result<(usize, usize)> {
        let store = &self.inner.store;
        let expired = store.expire_delivery_claims(now).await?;
        if expired > 0 {
            tracing::warn!(
                count = expired,
                "deliveries interrupted while sending are not retried (they may have gone out)"
            );
        }
        let (mut sent, mut failed) = (0, 0);
        loop {
            // One at a time: a claimed row that is never attempted (an error below, a shutdown) would
            // later count as interrupted and never be sent. Deliveries are few; batching buys nothing.
            let batch = store
                .claim_due_deliveries(now, Utc::now().max(now) + CLAIM_LEASE, 1)
                .await?;
            if batch.is_empty() {
                break;
            }
            for d in batch {
                match self.send(&d).await {
                    Ok(()) => {
                        store
                            .delivery_sent(d.record.id, Utc::now().max(now))
                            .await?;
                        tracing::info!(kind = %d.record.kind, key = %d.record.key, to = %d.record.recipient_label(), "delivered");
                        sent += 1;
                    }
                    Err(e) => {
                        let retry_at = (d.record.attempts < MAX_ATTEMPTS)
                            .then(|| now + self.backoff_after(d.record.attempts));
                        tracing::warn!(kind = %d.record.kind, key = %d.record.key, to = %d.record.recipient_label(),
                            attempt = d.record.attempts, error = %e, retry_at = ?retry_at, "delivery failed");
                        store.delivery_failed(d.record.id, &e, retry_at).await?;
                        failed += 1;
                    }
                }
            }
        }
        Ok((sent, failed))
    }

    /// The wait after the `attempts`-th failed attempt: backoff · 2^(attempts−1), capped.
    fn backoff_after(&self, attempts: i64) -> Duration {
        let exp = (attempts - 1).clamp(0, 20) as u32;
        let d = self.inner.backoff * 2i32.pow(exp.min(30));
        d.min(self.inner.max_backoff)
    }

    async fn send(&self, d: &ClaimedDelivery) -> Result<(), String> {
        let r = &d.record;
        match r.kind.as_str() {
            REPORT_EMAIL | DIGEST_EMAIL => {
                let mailer = self.inner.mailer.as_ref().ok_or(
                    "there is no [smtp] section in the configuration to send mail with".to_string(),
                )?;
                let content: MailContent = serde_json::from_str(&d.payload)
                    .map_err(|e| format!("stored message is unreadable: {e}"))?;
                mailer.send(&r.recipient, &content).await
            }
            REPORT_WEBHOOK | CRITICISM_WEBHOOK => {
                let event = if r.kind == REPORT_WEBHOOK {
                    "weekly_report"
                } else {
                    "criticism"
                };
                let url = url::Url::parse(&r.recipient)
                    .map_err(|e| format!("'{}' is not a URL: {e}", r.recipient_label()))?;
                // The secret is looked up by URL in the current configuration, and read from the
                // environment only now.
                let hook = self.inner.config.webhooks.iter().find(|w| w.url == url);
                let mut headers = vec![
                    ("content-type", "application/json".to_string()),
                    ("x-lyssna-event", event.to_string()),
                    ("x-lyssna-delivery", r.id.to_string()),
                ];
                if let Some(var) = hook.and_then(|h| h.secret_env.as_deref()) {
                    let secret = std::env::var(var).map_err(|_| {
                        format!("the environment variable {var} (webhook secret_env) is not set")
                    })?;
                    headers.push((
                        "x-lyssna-signature",
                        webhook::signature(secret.as_bytes(), d.payload.as_bytes()),
                    ));
                }
                let resp = self
                    .inner
                    .poster
                    .post(&url, &headers, d.payload.clone().into_bytes())
                    .await
                    .map_err(|e| format!("{}: {e}", r.recipient_label()))?;
                if resp.is_success() {
                    Ok(())
                } else if (300..400).contains(&resp.status) {
                    Err(format!(
                        "{} answered {} (redirect to {}); webhooks do not follow redirects, configure the final URL",
                        r.recipient_label(),
                        resp.status,
                        resp.location.as_deref().unwrap_or("?")
                    ))
                } else {
                    let body: String = resp.body.chars().take(200).collect();
                    Err(format!(
                        "{} answered HTTP {}: {}",
                        r.recipient_label(),
                        resp.status,
                        body.trim()
                    ))
                }
            }
            other => Err(format!("unknown delivery kind '{other}'")),
        }
    }

    /// The notification jobs for a scheduler's calendar: the weekly report on `report.schedule`, the
    /// digest on `report.digest_schedule` and delivery retries every 30 s. A job only checks the clock
    /// it is given on each tick; the work is spawned.
    pub fn calendar_jobs(&self, now: DateTime<Utc>) -> Vec<CalendarJob> {
        let config = &self.inner.config;
        let tz = config.timezone;
        let weekly = Arc::new(CalendarTrigger::new(
            config.report.schedule.clone(),
            tz,
            now,
            CATCH_UP,
        ));
        let digest = config
            .report
            .digest_schedule
            .clone()
            .map(|s| Arc::new(CalendarTrigger::new(s, tz, now, CATCH_UP)));
        let last_retry = Arc::new(std::sync::Mutex::new(DateTime::<Utc>::MIN_UTC));
        let me = self.clone();
        vec![Arc::new(move |now: DateTime<Utc>| {
            let me = me.clone();
            let weekly = weekly.clone();
            let digest = digest.clone();
            let last_retry = last_retry.clone();
            Box::pin(async move {
                if let Some(occ) = weekly.poll(now) {
                    let me = me.clone();
                    let weekly = weekly.clone();
                    tokio::spawn(async move {
                        match me.run_weekly_report(occ, now).await {
                            Ok(_) => {}
                            Err(e) => {
                                tracing::error!(error = %e, "the weekly report failed; retrying in a minute");
                                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                                weekly.retry(occ);
                            }
                        }
                        let _ = me.deliver_due(Utc::now()).await;
                    });
                }
                if let Some(d) = &digest
                    && let Some(occ) = d.poll(now)
                {
                    let since = d.previous(occ);
                    let me = me.clone();
                    let d = d.clone();
                    tokio::spawn(async move {
                        if let Err(e) = me.run_digest(since, occ, now).await {
                            tracing::error!(error = %e, "the morning digest failed; retrying in a minute");
                            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                            d.retry(occ);
                        }
                        let _ = me.deliver_due(Utc::now()).await;
                    });
                }
                let retry_due = {
                    let mut last = last_retry.lock().unwrap_or_else(|e| e.into_inner());
                    if now - *last >= Duration::seconds(30) {
                        *last = now;
                        true
                    } else {
                        false
                    }
                };
                if retry_due {
                    let me = me.clone();
                    tokio::spawn(async move {
                        if let Err(e) = me.deliver_due(now).await {
                            tracing::error!(error = %e, "sending deliveries failed");
                        }
                    });
                }
            })
        })]
    }

    /// What to do with the new mentions of each crawl: criticism webhooks (nothing when no webhook
    /// wants criticism).
    pub fn new_mentions_listener(&self) -> Option<NewMentionsListener> {
        self.webhooks_for("criticism").next()?;
        let me = self.clone();
        Some(Arc::new(move |new_ids: &[String]| {
            if new_ids.is_empty() {
                return;
            }
            let ids = new_ids.to_vec();
            let me = me.clone();
            tokio::spawn(async move {
                let now = Utc::now();
                match me.on_new_mentions(&ids, now).await {
                    Ok(0) => {}
                    Ok(_) => {
                        let _ = me.deliver_due(now).await;
                    }
                    Err(e) => tracing::error!(error = %e, "queueing criticism webhooks failed"),
                }
            });
        }))
    }
}

/// The digest mail: each open criticism mention with source, author, snippet and link.
fn digest_mail(mentions: &[MentionRecord], config: &Config) -> MailContent {
    use crate::render::escape::escape as esc;
    let base = config.server.base_url.trim_end_matches('/');
    let lang = Lang::parse(config.report_language());
    let n = mentions.len();
    let subject = match lang {
        Lang::En => format!(
            "Lyssna: {n} new criticism mention{} waiting",
            if n == 1 { "" } else { "s" }
        ),
        Lang::Sv => format!(
            "Lyssna: {n} {} väntar på svar",
            if n == 1 {
                "ny kritik"
            } else {
                "nya kritiska omnämnanden"
            }
        ),
    };
    let (open_in, original) = (
        lang.t("Open in Lyssna", "Öppna i Lyssna"),
        lang.t("original", "originalet"),
    );
    let mut text = format!("{subject}\n\n");
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head><body style=\"font-family:system-ui,sans-serif\"><h2>{}</h2><ul>",
        esc(&subject),
        esc(&subject)
    );
    for m in mentions {
        let local = m
            .found_at
            .with_timezone(&config.timezone)
            .format("%Y-%m-%d %H:%M");
        let snippet: String = m.body.chars().take(280).collect();
        let link = format!("{base}/mentions/{}", m.id);
        text.push_str(&format!(
            "- {} · {}{} · {}\n  {}\n  {}\n\n",
            local,
            m.source,
            m.author
                .as_deref()
                .map(|a| format!(" · {a}"))
                .unwrap_or_default(),
            m.brands.join(", "),
            snippet.split_whitespace().collect::<Vec<_>>().join(" "),
            link
        ));
        html.push_str(&format!(
            "<li style=\"margin-bottom:12px\"><strong>{}</strong> · {} · {}<br>{}<br><a href=\"{}\">{open_in}</a>{}</li>",
            esc(&m.source),
            esc(&local.to_string()),
            esc(&m.brands.join(", ")),
            esc(&snippet),
            esc(&link),
            // Only http(s) is linked: a stored `javascript:` URL must not become a link in a mail.
            m.url
                .as_deref()
                .filter(|u| crate::domain::dedup::canonical_url(u).is_some())
                .map(|u| format!(" · <a href=\"{}\">{original}</a>", esc(u)))
                .unwrap_or_default()
        ));
    }
    html.push_str("</ul></body></html>\n");
    MailContent {
        subject,
        text,
        html,
    }
}
