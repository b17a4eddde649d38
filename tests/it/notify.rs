//! Delivery of the weekly report, the digest and criticism webhooks to real servers on loopback: an
//! SMTP server (support::smtp) and an axum webhook receiver. Also: a report is never sent twice.

use crate::report::{AS_OF, config, fixture_jsonl, import_fixture};
use crate::support::{self, smtp};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use lyssna::notify::{CRITICISM_WEBHOOK, DIGEST_EMAIL, Notifier, REPORT_EMAIL, REPORT_WEBHOOK};
use lyssna::store::Store;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Monday 2026-11-23 08:00 in Stockholm: the schedule's occurrence after week 47.
const OCCURRENCE: &str = "2026-11-23T07:00:00Z";

/// A webhook receiver: logs every POST (path, headers, body); the first `fail_first` get HTTP 500.
#[derive(Clone)]
struct Hooks {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>,
}

impl Hooks {
    async fn start(fail_first: usize) -> Hooks {
        let log: Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>> = Arc::default();
        let failures = Arc::new(AtomicUsize::new(fail_first));
        let l2 = log.clone();
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
                let log = l2.clone();
                let failures = failures.clone();
                async move {
                    log.lock()
                        .unwrap()
                        .push((uri.path().to_string(), headers, body));
                    if failures
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok()
                    {
                        (StatusCode::INTERNAL_SERVER_ERROR, "boom")
                    } else {
                        (StatusCode::OK, "ok")
                    }
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        Hooks { addr, log }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    fn requests(&self, path: &str) -> Vec<(HeaderMap, Bytes)> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _, _)| p == path)
            .map(|(_, h, b)| (h.clone(), b.clone()))
            .collect()
    }
}

fn notify_config(smtp: &smtp::Server, hooks: &Hooks, secret_env: &str) -> String {
    format!(
        r#"
[server]
base_url = "http://lyssna.test"

[report]
email_to = ["leader@example.org", "deputy@example.org"]

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from = "Lyssna <lyssna@example.org>"

[[webhooks]]
url = "{json}"
format = "json"
events = ["weekly_report", "criticism"]
secret_env = "{secret_env}"

[[webhooks]]
url = "{slack}"
format = "slack"
events = ["weekly_report"]
"#,
        port = smtp.addr.port(),
        json = hooks.url("/hook"),
        slack = hooks.url("/slack"),
    )
}

fn set_secret(var: &str, value: &str) {
    // SAFETY: each test uses its own variable name, set once before any thread reads it.
    unsafe { std::env::set_var(var, value) };
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The decoded parts of a multipart message: (content type line, decoded body).
fn mime_parts(data: &str) -> Vec<(String, String)> {
    let boundary = data
        .split("boundary=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a multipart boundary");
    data.split(&format!("--{boundary}"))
        .skip(1)
        .filter_map(|part| {
            let (headers, body) = part.split_once("\r\n\r\n")?;
            let ct = headers
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("content-type:"))?
                .to_string();
            let body = if headers.to_ascii_lowercase().contains("base64") {
                let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(compact)
                        .unwrap(),
                )
                .unwrap()
            } else {
                body.to_string()
            };
            Some((ct, body))
        })
        .collect()
}

fn header<'a>(data: &'a str, name: &str) -> Option<&'a str> {
    let head = data.split("\r\n\r\n").next()?;
    head.lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with(&format!("{}:", name.to_ascii_lowercase()))
        })
        .map(|l| l[name.len() + 1..].trim())
}

async fn notifier(store: &Store, text: &str) -> Notifier {
    Notifier::new(store.clone(), Arc::new(config(text))).unwrap()
}

#[tokio::test]
async fn weekly_report_goes_out_by_mail_and_webhook_once() {
    for (label, store, dir) in support::stores("notify_weekly").await {
        let smtp = smtp::Server::start().await;
        let hooks = Hooks::start(0).await;
        let var = format!("LYSSNA_TEST_SECRET_WEEKLY_{}", label.to_uppercase());
        set_secret(&var, "s3cret-äö");
        let text = notify_config(&smtp, &hooks, &var);
        import_fixture(&store, &fixture_jsonl()).await;
        let now = t(AS_OF);

        // Two "processes" (two notifiers, two connection pools on one database) run the job at
        // the same moment, then both deliver.
        let url = match &dir {
            Some(d) => format!("sqlite://{}", d.path().join("lyssna.db").display()),
            None => String::new(),
        };
        let other = if url.is_empty() {
            store.clone()
        } else {
            Store::connect(&url).await.unwrap()
        };
        let a = notifier(&store, &text).await;
        let b = notifier(&other, &text).await;
        let (ra, rb) = tokio::join!(
            a.run_weekly_report(t(OCCURRENCE), now),
            b.run_weekly_report(t(OCCURRENCE), now)
        );
        let generated = [ra.unwrap(), rb.unwrap()];
        assert_eq!(
            generated.iter().filter(|g| g.is_some()).count(),
            1,
            "{label}: exactly one process generates the week: {generated:?}"
        );
        let (da, db) = tokio::join!(a.deliver_due(now), b.deliver_due(now));
        let (sa, fa) = da.unwrap();
        let (sb, fb) = db.unwrap();
        assert_eq!((sa + sb, fa + fb), (4, 0), "{label}: 2 mails + 2 webhooks");

        // Running again (a restart, the next tick) sends nothing more.
        assert_eq!(a.run_weekly_report(t(OCCURRENCE), now).await.unwrap(), None);
        assert_eq!(
            a.deliver_due(now + Duration::hours(1)).await.unwrap(),
            (0, 0)
        );

        let mails = smtp.messages();
        let mut recipients: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
        recipients.sort();
        assert_eq!(
            recipients,
            vec!["deputy@example.org", "leader@example.org"],
            "{label}: one mail per recipient"
        );
        for m in &mails {
            assert_eq!(m.from, "lyssna@example.org");
            let subject = header(&m.data, "Subject").unwrap();
            assert!(subject.contains("2026-W47"), "{subject}");
            assert!(subject.contains("4 criticism"), "{subject}");
            assert!(
                header(&m.data, "Content-Type")
                    .unwrap()
                    .starts_with("multipart/alternative")
            );
            let parts = mime_parts(&m.data);
            let plain = parts
                .iter()
                .find(|(ct, _)| ct.contains("text/plain"))
                .expect("a text/plain part");
            let html = parts
                .iter()
                .find(|(ct, _)| ct.contains("text/html"))
                .expect("a text/html part");
            assert!(plain.1.contains("2026-W47"), "{}", plain.1);
            assert!(
                plain.1.contains("66.7"),
                "response rate in text: {}",
                plain.1
            );
            assert!(html.1.contains("<svg"), "charts in the HTML part");
            assert!(html.1.contains("66.7"), "response rate in HTML");
        }

        // The JSON webhook: body, event header and signature.
        let posts = hooks.requests("/hook");
        assert_eq!(posts.len(), 1, "{label}");
        let (headers, body) = &posts[0];
        assert_eq!(headers["x-lyssna-event"], "weekly_report");
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(
            headers["x-lyssna-signature"].to_str().unwrap(),
            hmac_hex("s3cret-äö", body)
        );
        let v: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(v["event"], "weekly_report");
        assert_eq!(v["week"], "2026-W47");
        assert_eq!(v["report"]["criticism"]["found"], 4);
        assert_eq!(v["report"]["criticism"]["response_rate"], 0.667);
        // The Slack-compatible one: text and blocks, no signature (no secret configured).
        let slack = hooks.requests("/slack");
        assert_eq!(slack.len(), 1);
        assert!(slack[0].0.get("x-lyssna-signature").is_none());
        let v: Value = serde_json::from_slice(&slack[0].1).unwrap();
        assert!(v["text"].as_str().unwrap().contains("2026-W47"));
        assert!(v["blocks"].as_array().is_some_and(|b| !b.is_empty()));

        // The stored report and the delivery rows.
        let (_, stored) = store.stored_report("2026-W47").await.unwrap().unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&stored).unwrap()["criticism"]["found"],
            4
        );
        let rows = store
            .deliveries(REPORT_EMAIL, Some("2026-W47"))
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.status == "sent" && r.attempts == 1));
        assert_eq!(
            store.deliveries(REPORT_WEBHOOK, None).await.unwrap().len(),
            2
        );
        assert!(store.delivery_problems().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_failing_webhook_is_retried_with_backoff() {
    for (label, store, _dir) in support::stores("notify_retry").await {
        let smtp = smtp::Server::start().await;
        let hooks = Hooks::start(1).await;
        let var = format!("LYSSNA_TEST_SECRET_RETRY_{}", label.to_uppercase());
        set_secret(&var, "retry-secret");
        let mut text = notify_config(&smtp, &hooks, &var);
        // Only the JSON webhook, no mail, to keep the counts simple.
        text = text.replace(
            "email_to = [\"leader@example.org\", \"deputy@example.org\"]",
            "email_to = []",
        );
        let slack_start = text.rfind("[[webhooks]]").unwrap();
        text.truncate(slack_start);
        import_fixture(&store, &fixture_jsonl()).await;
        let n = notifier(&store, &text).await;
        let now = t(AS_OF);
        n.run_weekly_report(t(OCCURRENCE), now).await.unwrap();
        assert_eq!(n.deliver_due(now).await.unwrap(), (0, 1), "{label}");
        let problems = store.delivery_problems().await.unwrap();
        assert_eq!(problems.len(), 1);
        let p = &problems[0];
        assert_eq!(
            (p.kind.as_str(), p.status.as_str(), p.attempts),
            (REPORT_WEBHOOK, "pending", 1)
        );
        assert!(p.last_error.as_deref().unwrap().contains("500"), "{p:?}");
        assert_eq!(p.next_attempt_at, Some(now + Duration::minutes(1)));
        assert_eq!(p.recipient_label(), format!("http://127.0.0.1/…"));
        // Not due yet: nothing happens.
        assert_eq!(
            n.deliver_due(now + Duration::seconds(30)).await.unwrap(),
            (0, 0)
        );
        // Due: the retry succeeds with the same body and a valid signature.
        assert_eq!(
            n.deliver_due(now + Duration::minutes(2)).await.unwrap(),
            (1, 0)
        );
        let posts = hooks.requests("/hook");
        assert_eq!(posts.len(), 2);
        assert_eq!(posts[0].1, posts[1].1);
        assert_eq!(
            posts[0].0["x-lyssna-delivery"],
            posts[1].0["x-lyssna-delivery"]
        );
        assert_eq!(
            posts[1].0["x-lyssna-signature"].to_str().unwrap(),
            hmac_hex("retry-secret", &posts[1].1)
        );
        assert!(store.delivery_problems().await.unwrap().is_empty());
        let rows = store.deliveries(REPORT_WEBHOOK, None).await.unwrap();
        assert_eq!((rows[0].status.as_str(), rows[0].attempts), ("sent", 2));
    }
}

#[tokio::test]
async fn unreachable_smtp_is_recorded_as_a_problem() {
    let (_, store, _dir) = support::stores("notify_smtp_down").await.remove(0);
    // A port nobody listens on: bind, note it, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let text = format!(
        "[report]\nemail_to = [\"leader@example.org\"]\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nfrom = \"lyssna@example.org\"\n"
    );
    import_fixture(&store, &fixture_jsonl()).await;
    let n = notifier(&store, &text).await;
    let now = t(AS_OF);
    n.run_weekly_report(t(OCCURRENCE), now).await.unwrap();
    assert_eq!(n.deliver_due(now).await.unwrap(), (0, 1));
    let problems = store.delivery_problems().await.unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].kind, REPORT_EMAIL);
    assert_eq!(problems[0].recipient, "leader@example.org");
    assert!(problems[0].last_error.as_deref().unwrap().contains("SMTP"));
}

#[tokio::test]
async fn new_criticism_fires_a_webhook_and_the_digest_mails_it() {
    for (label, store, _dir) in support::stores("notify_criticism").await {
        let smtp = smtp::Server::start().await;
        let hooks = Hooks::start(0).await;
        let var = format!("LYSSNA_TEST_SECRET_CRIT_{}", label.to_uppercase());
        set_secret(&var, "crit");
        let text = notify_config(&smtp, &hooks, &var);
        import_fixture(&store, &fixture_jsonl()).await;
        let n = notifier(&store, &text).await;
        let now = t(AS_OF);
        // m_d is criticism, m_e praise, m_x unknown: one criticism webhook (to the JSON hook only).
        let ids = ["m_d", "m_e", "m_x"].map(String::from);
        assert_eq!(n.on_new_mentions(&ids, now).await.unwrap(), 1, "{label}");
        assert_eq!(
            n.on_new_mentions(&ids, now).await.unwrap(),
            0,
            "queued once"
        );
        assert_eq!(n.deliver_due(now).await.unwrap(), (1, 0));
        let posts = hooks.requests("/hook");
        assert_eq!(posts.len(), 1);
        assert_eq!(posts[0].0["x-lyssna-event"], "criticism");
        assert_eq!(
            posts[0].0["x-lyssna-signature"].to_str().unwrap(),
            hmac_hex("crit", &posts[0].1)
        );
        let v: Value = serde_json::from_slice(&posts[0].1).unwrap();
        assert_eq!(v["event"], "criticism");
        assert_eq!(v["mention"]["id"], "m_d");
        assert_eq!(v["mention"]["link"], "http://lyssna.test/mentions/m_d");
        assert_eq!(
            store
                .deliveries(CRITICISM_WEBHOOK, None)
                .await
                .unwrap()
                .len(),
            1
        );

        // The digest for Friday 2026-11-20 10:00 local covers open criticism since Thursday 10:00.
        let occ = t("2026-11-20T09:00:00Z");
        let since = t("2026-11-19T09:00:00Z");
        assert_eq!(
            n.run_digest(since, occ, occ).await.unwrap(),
            2,
            "one per recipient"
        );
        assert_eq!(
            n.run_digest(since, occ, occ).await.unwrap(),
            0,
            "once per occurrence"
        );
        n.deliver_due(occ).await.unwrap();
        let mails = smtp.messages();
        assert_eq!(mails.len(), 2);
        let parts = mime_parts(&mails[0].data);
        let plain = &parts
            .iter()
            .find(|(ct, _)| ct.contains("text/plain"))
            .unwrap()
            .1;
        // m_d (found 08:00Z, still new) is in; m_c (dismissed) is not.
        assert!(plain.contains("Still waiting for GoMonday"), "{plain}");
        assert!(!plain.contains("spam"), "{plain}");
        assert!(
            header(&mails[0].data, "Subject")
                .unwrap()
                .contains("1 new criticism")
        );
        assert_eq!(store.deliveries(DIGEST_EMAIL, None).await.unwrap().len(), 2);
    }
}
