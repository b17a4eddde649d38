//! Webhook bodies (Slack-compatible or plain JSON) and their signature.
//!
//! Every POST carries `Content-Type: application/json`, `X-Lyssna-Event` (`weekly_report` or
//! `criticism`), `X-Lyssna-Delivery` (the delivery id: the same on a retry, so a receiver can drop
//! duplicates) and, when the webhook has a `secret_env`, `X-Lyssna-Signature: sha256=<hex>`, the
//! HMAC-SHA256 of the exact body bytes under that secret.

use crate::config::WebhookFormat;
use crate::domain::report::WeeklyReport;
use crate::render::report::{Lang, format_duration, format_rate};
use crate::store::MentionRecord;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// `sha256=<hex>` of `body` under `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The webhook body for a weekly report.
pub fn report_body(format: WebhookFormat, report: &WeeklyReport, base_url: &str) -> String {
    match format {
        WebhookFormat::Json => json!({
            "event": "weekly_report",
            "week": report.week.to_string(),
            "report": report,
        })
        .to_string(),
        WebhookFormat::Slack => {
            let c = &report.criticism;
            let headline = format!(
                "Lyssna weekly report {}: {} criticism found, {} replied, {} open; response rate {}, within SLA {}, median time to reply {}",
                report.week,
                c.found,
                c.replied,
                c.open,
                format_rate(c.response_rate, Lang::En),
                format_rate(c.within_sla, Lang::En),
                format_duration(c.time_to_reply_s.median),
            );
            let link = format!(
                "{}/reports/weekly?week={}",
                base_url.trim_end_matches('/'),
                report.week
            );
            let fields: Vec<Value> = [
                ("Criticism found", c.found.to_string()),
                ("Replied", c.replied.to_string()),
                ("No reply needed", c.no_reply_needed.to_string()),
                ("Open", c.open.to_string()),
                ("Response rate", format_rate(c.response_rate, Lang::En)),
                (
                    "Time to reply (median / p90)",
                    format!(
                        "{} / {}",
                        format_duration(c.time_to_reply_s.median),
                        format_duration(c.time_to_reply_s.p90)
                    ),
                ),
                ("Praise found", report.praise.found.to_string()),
                (
                    "Open criticism > 48 h",
                    report.open_criticism_by_age.over_48h.to_string(),
                ),
            ]
            .into_iter()
            .map(|(k, v)| json!({"type": "mrkdwn", "text": format!("*{k}*\n{v}")}))
            .collect();
            json!({
                "text": headline,
                "blocks": [
                    {"type": "header", "text": {"type": "plain_text", "text": format!("Weekly report {}", report.week)}},
                    {"type": "section", "fields": fields},
                    {"type": "section", "text": {"type": "mrkdwn", "text": format!("<{link}|Open the report>")}},
                ],
            })
            .to_string()
        }
    }
}

fn snippet(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        s
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// Slack's mrkdwn needs `&`, `<` and `>` escaped.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The webhook body for one new criticism mention.
pub fn criticism_body(format: WebhookFormat, m: &MentionRecord, base_url: &str) -> String {
    let link = format!("{}/mentions/{}", base_url.trim_end_matches('/'), m.id);
    match format {
        WebhookFormat::Json => json!({
            "event": "criticism",
            "mention": {
                "id": m.id,
                "source": m.source,
                "url": m.url,
                "thread_url": m.thread_url,
                "title": m.title,
                "author": m.author,
                "body": m.body,
                "brands": m.brands,
                "sentiment": m.effective_sentiment(),
                "published_at": m.published_at,
                "found_at": m.found_at,
                "link": link,
            },
        })
        .to_string(),
        WebhookFormat::Slack => {
            let brands = if m.brands.is_empty() {
                "your brands".to_string()
            } else {
                m.brands.join(", ")
            };
            // The fallback `text` is mrkdwn too (notifications, old clients): escaped like the
            // blocks, or a scraped `<!channel>` or `<https://evil|log in>` becomes live.
            let text = format!(
                "New criticism of {} on {}{}: {}",
                slack_escape(&brands),
                slack_escape(&m.source),
                m.author
                    .as_deref()
                    .map(|a| format!(" by {}", slack_escape(a)))
                    .unwrap_or_default(),
                slack_escape(&snippet(&m.body, 200))
            );
            let original = m
                .url
                .as_deref()
                .map(|u| format!(" · <{}|original>", slack_escape(u).replace('|', "%7C")))
                .unwrap_or_default();
            json!({
                "text": text,
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": format!(
                        "*New criticism* of {} on {}\n>{}",
                        slack_escape(&brands), slack_escape(&m.source), slack_escape(&snippet(&m.body, 500))
                    )}},
                    {"type": "context", "elements": [{"type": "mrkdwn", "text": format!("<{link}|Open in Lyssna>{original}")}]},
                ],
            })
            .to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn scraped_text_cannot_inject_slack_markup() {
        let now = chrono::Utc::now();
        let m = MentionRecord {
            id: "m_1".into(),
            source_id: 1,
            source: "Forum <!here>".into(),
            url: Some("https://forum.example/t?a=1|<x>".into()),
            thread_url: None,
            title: None,
            body: "Log in: <https://evil.example|Lyssna> & more".into(),
            author: Some("<!channel>".into()),
            published_at: None,
            found_at: now,
            updated_at: now,
            rating: None,
            rating_scale: None,
            brands: vec!["GoMonday".into()],
            matches: Vec::new(),
            lang: None,
            sentiment: crate::domain::sentiment::Label::Criticism,
            sentiment_score: -0.5,
            sentiment_reasons: Vec::new(),
            sentiment_override: None,
            status: crate::domain::mention::Status::New,
            snoozed_until: None,
            replied_at: None,
            leader_posted_at: None,
            leader_post_url: None,
        };
        let body: Value =
            serde_json::from_str(&criticism_body(WebhookFormat::Slack, &m, "http://l")).unwrap();
        let all = body.to_string();
        for live in ["<!channel>", "<!here>", "<https://evil", "|Lyssna>", "a=1|"] {
            assert!(!all.contains(live), "{live} in {all}");
        }
        let text = body["text"].as_str().unwrap();
        assert!(
            text.contains("&lt;!channel&gt;") && text.contains("&amp; more"),
            "{text}"
        );
    }

    #[test]
    fn snippet_cuts_on_characters() {
        assert_eq!(snippet("  åäö  x ", 10), "åäö x");
        assert_eq!(snippet("åäöåäö", 3), "åäö…");
    }
}
