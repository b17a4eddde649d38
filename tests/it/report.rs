//! The `report` command end to end: import-style data, figures computed by hand, the §8.2 JSON from
//! the command (in-process on every backend, and the built binary), and an independent brute-force
//! computation from an export that must agree with it.

use crate::support;
use chrono::{DateTime, Duration, Utc};
use lyssna::config::Config;
use lyssna::ingest::dry_run::DryRunError;
use lyssna::store::{Store, parse_import};
use serde_json::{Value, json};

pub const AS_OF: &str = "2026-11-24T07:00:00Z";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Week 2026-W47 in Europe/Stockholm: 2026-11-15T23:00Z … 2026-11-22T23:00Z.
pub fn fixture_jsonl() -> String {
    let lines = [
        // A: criticism, replied after 4 h (all of it working time), published 1 h before found.
        json!({"id": "m_a", "source": "Flashback", "url": "https://forum.example/a", "title": "GoMonday?",
               "body": "GoMonday svarar aldrig, usel service.", "author": "kalle",
               "published_at": "2026-11-17T08:00:00Z", "found_at": "2026-11-17T09:00:00Z",
               "brands": ["GoMonday"], "sentiment": "criticism", "status": "replied",
               "events": [{"at": "2026-11-17T13:00:00Z", "actor": "erik", "from": "new", "to": "replied"}]}),
        // B: criticism, replied after 48 h (18 working hours), two brands.
        json!({"id": "m_b", "source": "Flashback", "url": "https://forum.example/b",
               "body": "MondayPay och GoMonday krånglar.", "found_at": "2026-11-18T10:00:00Z",
               "brands": ["GoMonday", "MondayPay"], "sentiment": "criticism", "status": "replied",
               "events": [{"at": "2026-11-20T10:00:00Z", "actor": "erik", "from": "new", "to": "replied"}]}),
        // C: criticism, no reply needed.
        json!({"id": "m_c", "source": "Trustpilot", "url": "https://reviews.example/c",
               "body": "GoMonday is bad (spam)", "found_at": "2026-11-19T12:00:00Z",
               "brands": ["GoMonday"], "sentiment": "criticism", "status": "no_reply_needed",
               "events": [{"at": "2026-11-19T13:00:00Z", "actor": "erik", "from": "new", "to": "no_reply_needed", "reason": "spam"}]}),
        // D: criticism, still open; found 10 min after publication.
        json!({"id": "m_d", "source": "Trustpilot", "url": "https://reviews.example/d",
               "body": "Still waiting for GoMonday to refund me.", "published_at": "2026-11-20T07:50:00Z",
               "found_at": "2026-11-20T08:00:00Z", "brands": ["GoMonday"], "sentiment": "criticism"}),
        // E: praise, replied.
        json!({"id": "m_e", "source": "Trustpilot", "url": "https://reviews.example/e",
               "body": "GoMonday är toppen!", "found_at": "2026-11-18T12:00:00Z",
               "brands": ["GoMonday"], "sentiment": "praise", "status": "replied",
               "events": [{"at": "2026-11-18T15:00:00Z", "actor": "erik", "from": "new", "to": "replied"}]}),
        // F: neutral.
        json!({"id": "m_f", "source": "Flashback", "url": "https://forum.example/f",
               "body": "GoMonday har nytt kontor.", "found_at": "2026-11-21T12:00:00Z",
               "brands": ["GoMonday"], "sentiment": "neutral"}),
        // G: criticism from 2026-W45, still open: only in open_criticism_by_age (and the trend).
        json!({"id": "m_g", "source": "Flashback", "url": "https://forum.example/g",
               "body": "GoMonday ignorerar mig.", "found_at": "2026-11-03T10:00:00Z",
               "brands": ["GoMonday"], "sentiment": "criticism"}),
        // I: criticism from 2026-W44, replied only after as_of: open at as_of (found by the
        // store through its later event).
        json!({"id": "m_i", "source": "Flashback", "url": "https://forum.example/i",
               "body": "GoMonday glömde mig.", "found_at": "2026-11-01T10:00:00Z",
               "brands": ["GoMonday"], "sentiment": "criticism", "status": "replied",
               "events": [{"at": "2026-11-24T10:00:00Z", "actor": "erik", "from": "new", "to": "replied"}]}),
        // H: found after as_of: does not exist yet for the report.
        json!({"id": "m_h", "source": "Flashback", "url": "https://forum.example/h",
               "body": "GoMonday, hallå?", "found_at": "2026-11-25T10:00:00Z",
               "brands": ["GoMonday"], "sentiment": "criticism"}),
    ];
    lines.iter().map(|l| format!("{l}\n")).collect()
}

pub async fn import_fixture(store: &Store, text: &str) {
    let lines = parse_import(text).expect("fixture parses");
    store.import(&lines, t(AS_OF)).await.expect("import");
}

pub fn config(extra: &str) -> Config {
    Config::parse_str(
        "test.toml",
        &format!("timezone = \"Europe/Stockholm\"\n{extra}"),
        None,
    )
    .expect("test config")
}

/// found, replied, no_reply_needed, open.
type Counts = (u64, u64, u64, u64);

fn expected_block(found: u64, replied: u64, nrn: u64, open: u64) -> Counts {
    (found, replied, nrn, open)
}

fn counts(b: &Value) -> Counts {
    (
        b["found"].as_u64().unwrap(),
        b["replied"].as_u64().unwrap(),
        b["no_reply_needed"].as_u64().unwrap(),
        b["open"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn report_json_matches_hand_computed_figures() {
    for (label, store, _dir) in support::stores("report_hand").await {
        import_fixture(&store, &fixture_jsonl()).await;
        let config = config("");
        let out = lyssna::cli::report::output(
            &store,
            &config,
            Some("2026-W47"),
            Some(AS_OF),
            "json",
            Utc::now(),
        )
        .await
        .unwrap();
        let r: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(r["week"], "2026-W47", "{label}");
        assert_eq!(r["timezone"], "Europe/Stockholm");
        assert_eq!(r["as_of"], AS_OF);
        assert_eq!(r["sla_s"], 86400);
        let c = &r["criticism"];
        assert_eq!(counts(c), expected_block(4, 2, 1, 1), "{label}: {c}");
        assert_eq!(c["response_rate"], json!(0.667));
        assert_eq!(c["within_sla"], json!(0.333));
        assert_eq!(
            c["time_to_reply_s"],
            json!({"median": 14400, "p90": 172800})
        );
        assert_eq!(
            c["time_to_reply_business_s"],
            json!({"median": 14400, "p90": 64800})
        );
        assert_eq!(
            c["time_from_publication_s"],
            json!({"median": 18000, "p90": 18000})
        );
        assert_eq!(r["praise"], json!({"found": 1, "replied": 1}));
        assert_eq!(
            r["detection_latency_s"],
            json!({"median": 600, "p90": 3600})
        );
        assert_eq!(
            r["open_criticism_by_age"],
            json!({"over_24h": 3, "over_48h": 3, "over_7d": 2})
        );
        let sources: Vec<(&str, Counts)> = r["by_source"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["source"].as_str().unwrap(), counts(&s["criticism"])))
            .collect();
        assert_eq!(
            sources,
            vec![("Flashback", (2, 2, 0, 0)), ("Trustpilot", (2, 0, 1, 1))]
        );
        let brands: Vec<(&str, Counts)> = r["by_brand"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["brand"].as_str().unwrap(), counts(&s["criticism"])))
            .collect();
        assert_eq!(
            brands,
            vec![("GoMonday", (4, 2, 1, 1)), ("MondayPay", (1, 1, 0, 0))]
        );
        let trend = r["trend"].as_array().unwrap();
        assert_eq!(trend.len(), 12);
        assert_eq!(trend[0]["week"], "2026-W36");
        assert_eq!(trend[11]["week"], "2026-W47");
        assert_eq!(trend[11]["criticism_found"], 4);
        assert_eq!(trend[11]["time_to_reply_median_s"], 14400);
        assert_eq!(trend[9]["week"], "2026-W45");
        assert_eq!(trend[9]["criticism_found"], 1);
        assert_eq!(trend[9]["response_rate"], json!(0.0));
        assert_eq!(trend[10]["criticism_found"], 0);
        assert_eq!(trend[8]["week"], "2026-W44");
        assert_eq!(trend[8]["criticism_found"], 1);
        assert_eq!(trend[8]["response_rate"], json!(0.0));
        assert_eq!(trend[10]["response_rate"], Value::Null);

        // The other formats carry the same figures.
        let text = lyssna::cli::report::output(
            &store,
            &config,
            Some("2026-W47"),
            Some(AS_OF),
            "text",
            Utc::now(),
        )
        .await
        .unwrap();
        assert!(text.contains("2026-W47"), "{text}");
        let csv = lyssna::cli::report::output(
            &store,
            &config,
            Some("2026-W47"),
            Some(AS_OF),
            "csv",
            Utc::now(),
        )
        .await
        .unwrap();
        assert_eq!(csv.lines().count(), 13);
        assert!(
            csv.lines()
                .last()
                .unwrap()
                .starts_with("2026-W47,4,0.667,0.333,14400,172800,")
        );
        let html = lyssna::cli::report::output(
            &store,
            &config,
            Some("2026-W47"),
            Some(AS_OF),
            "html",
            Utc::now(),
        )
        .await
        .unwrap();
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"));
        assert!(html.trim_end().ends_with("</html>"));
    }
}

#[tokio::test]
async fn report_command_binary_json_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("l.db").display());
    let cfg = dir.path().join("lyssna.toml");
    std::fs::write(&cfg, "timezone = \"Europe/Stockholm\"\n").unwrap();
    let store = Store::open_and_migrate(&db).await.unwrap();
    import_fixture(&store, &fixture_jsonl()).await;
    store.close().await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_lyssna"))
            .arg("--config")
            .arg(&cfg)
            .arg("--database-url")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[
        "report", "--week", "2026-W47", "--as-of", AS_OF, "--format", "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(counts(&r["criticism"]), (4, 2, 1, 1));
    assert_eq!(r["criticism"]["response_rate"], json!(0.667));

    for (args, needle) in [
        (vec!["report", "--week", "2026-W54"], "2026-W54"),
        (vec!["report", "--week", "next week"], "2026-W47"),
        (vec!["report", "--as-of", "yesterday"], "RFC 3339"),
        (vec!["report", "--format", "pdf"], "text, json, csv or html"),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

/// A deterministic data set: `n` mentions over three weeks with replies, dismissals and open ones.
fn generated(n: usize) -> String {
    let start = t("2026-11-02T00:00:00Z");
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |m: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % m
    };
    let mut out = String::new();
    for i in 0..n {
        let found = start + Duration::seconds(next(21 * 86_400) as i64);
        let sentiment = ["criticism", "criticism", "praise", "neutral"][next(4) as usize];
        let published = (next(3) > 0).then(|| found - Duration::seconds(next(20_000) as i64));
        let (status, events) = match next(4) {
            0 => ("new", json!([])),
            1 => (
                "no_reply_needed",
                json!([{"at": found + Duration::seconds(next(100_000) as i64), "actor": "erik",
                        "from": "new", "to": "no_reply_needed", "reason": "not_about_us"}]),
            ),
            _ => (
                "replied",
                json!([{"at": found + Duration::seconds(next(300_000) as i64), "actor": "erik",
                        "from": "new", "to": "replied"}]),
            ),
        };
        let source = ["S1", "S2", "S3"][i % 3];
        let line = json!({
            "id": format!("m_gen{i:05}"), "source": source,
            "url": format!("https://forum.example/gen/{i}"), "body": format!("GoMonday text {i}"),
            "published_at": published, "found_at": found, "brands": ["GoMonday"],
            "sentiment": sentiment, "status": status, "events": events,
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

fn nearest_rank(sorted: &[i64], p: usize) -> Value {
    if sorted.is_empty() {
        return Value::Null;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    json!(sorted[rank - 1])
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[tokio::test]
async fn brute_force_over_an_export_agrees_with_the_report() {
    for (label, store, _dir) in support::stores("report_brute").await {
        import_fixture(&store, &generated(600)).await;
        let as_of = t("2026-11-22T12:00:00Z");
        // Week 2026-W46 in Stockholm: 2026-11-08T23:00Z … 2026-11-15T23:00Z.
        let (from, before) = (t("2026-11-08T23:00:00Z"), t("2026-11-15T23:00:00Z"));
        let export: Vec<Value> = store
            .export_all()
            .await
            .unwrap()
            .iter()
            .map(|l| serde_json::to_value(l).unwrap())
            .collect();
        assert_eq!(export.len(), 600);
        let (mut found, mut replied, mut nrn, mut within) = (0u64, 0u64, 0u64, 0u64);
        let mut ttr: Vec<i64> = Vec::new();
        let mut praise = 0u64;
        for m in &export {
            let found_at = t(m["found_at"].as_str().unwrap());
            if found_at < from || found_at >= before {
                continue;
            }
            let sentiment = m["sentiment_override"]
                .as_str()
                .or(m["sentiment"].as_str())
                .unwrap();
            if sentiment == "praise" {
                praise += 1;
            }
            if sentiment != "criticism" {
                continue;
            }
            found += 1;
            let events: Vec<&Value> = m["events"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| t(e["at"].as_str().unwrap()) <= as_of)
                .collect();
            let reply = events
                .iter()
                .filter(|e| e["to"] == "replied")
                .map(|e| t(e["at"].as_str().unwrap()))
                .min();
            let last = events.last().and_then(|e| e["to"].as_str());
            match reply {
                Some(at) => {
                    replied += 1;
                    let secs = (at - found_at).num_seconds().max(0);
                    if secs <= 86_400 {
                        within += 1;
                    }
                    ttr.push(secs);
                }
                None if last == Some("no_reply_needed") => nrn += 1,
                None => {}
            }
        }
        ttr.sort_unstable();
        assert!(found > 50, "the week should hold enough criticism: {found}");

        let out = lyssna::cli::report::output(
            &store,
            &config(""),
            Some("2026-W46"),
            Some("2026-11-22T12:00:00Z"),
            "json",
            Utc::now(),
        )
        .await
        .unwrap();
        let r: Value = serde_json::from_str(&out).unwrap();
        let c = &r["criticism"];
        assert_eq!(
            counts(c),
            (found, replied, nrn, found - replied - nrn),
            "{label}"
        );
        let denom = (found - nrn) as f64;
        assert_eq!(c["response_rate"], json!(round3(replied as f64 / denom)));
        assert_eq!(c["within_sla"], json!(round3(within as f64 / denom)));
        assert_eq!(c["time_to_reply_s"]["median"], nearest_rank(&ttr, 50));
        assert_eq!(c["time_to_reply_s"]["p90"], nearest_rank(&ttr, 90));
        assert_eq!(r["praise"]["found"], json!(praise));
    }
}

fn lyssna(cfg: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lyssna"))
        .arg("--config")
        .arg(cfg)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

const BRANDS: &str = r#"
[[brands]]
name = "GoMonday"
query = '"go monday" OR gomonday'

[[brands]]
name = "Svenska"
query = 'lang:sv AND hej'
"#;

#[test]
fn classify_and_match_commands() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("lyssna.toml");
    std::fs::write(&cfg, BRANDS).unwrap();

    let out = lyssna(
        &cfg,
        &["classify"],
        "{\"id\": 1, \"text\": \"Usel service, aldrig mer!\"}\n\n{\"id\": \"b\", \"text\": \"ok\", \"rating\": 5}\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["id"].clone(), lines[0]["label"].clone()),
        (json!(1), json!("criticism"))
    );
    assert_eq!(
        (lines[1]["id"].clone(), lines[1]["label"].clone()),
        (json!("b"), json!("praise"))
    );

    let out = lyssna(
        &cfg,
        &["classify"],
        "{\"id\": 1, \"text\": \"x\"}\n{\"id\": 2}\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));

    let eval = dir.path().join("eval.jsonl");
    std::fs::write(
        &eval,
        "{\"text\": \"Usel service, aldrig mer!\", \"label\": \"criticism\"}\n{\"text\": \"Fantastiskt bra, tack!\", \"label\": \"praise\"}\n",
    )
    .unwrap();
    let out = lyssna(
        &cfg,
        &[
            "classify",
            "--eval",
            eval.to_str().unwrap(),
            "--format",
            "json",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["items"], 2);
    assert!(v["confusion"].is_array());

    // lang is detected when the line has none, so `lang:sv` queries work like on crawled items.
    let out = lyssna(
        &cfg,
        &["match", "--input", "-"],
        "{\"id\": 1, \"title\": \"Go Monday\", \"body\": \"hej, jag tycker att det är bra och vi ska inte klaga\"}\n{\"id\": 2, \"body\": \"nothing\"}\n{\"id\": 3, \"body\": \"hej\", \"lang\": \"en\"}\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names = |v: &Value| -> Vec<String> {
        v["brands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["brand"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&lines[0]), vec!["GoMonday", "Svenska"]);
    assert_eq!(
        lines[0]["brands"][0]["spans"],
        json!([{"field": "title", "start": 0, "end": 9}])
    );
    assert!(names(&lines[1]).is_empty());
    assert!(names(&lines[2]).is_empty(), "a given lang is kept");

    let out = lyssna(&cfg, &["match", "--input", "-"], "{\"id\": 1}\nnot json\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));
}

#[tokio::test]
async fn match_stored_dry_run() {
    for (label, store, _dir) in support::stores("match_stored").await {
        import_fixture(&store, &fixture_jsonl()).await;
        let config = config(BRANDS);
        let mut lines = Vec::new();
        // Narrow GoMonday to texts about refunds or service.
        let summary = lyssna::ingest::dry_run::match_stored(
            &store,
            &config,
            "GoMonday",
            "gomonday AND (refund OR service OR kontor)",
            |l| {
                lines.push(serde_json::from_str::<Value>(&l).unwrap());
                Ok(())
            },
        )
        .await
        .unwrap();
        // All 9 fixture mentions have GoMonday; a (service), d (refund), f (kontor) still match.
        assert_eq!(summary.scanned, 9, "{label}");
        assert_eq!((summary.kept, summary.added, summary.removed), (3, 0, 6));
        let kept: Vec<&str> = lines
            .iter()
            .filter(|l| l["change"] == "kept")
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        assert_eq!(kept, vec!["m_a", "m_d", "m_f"]);
        assert_eq!(
            lines[1],
            json!({"id": "m_b", "brand": "GoMonday", "before": true, "after": false, "change": "removed"})
        );
        // A brand that is not configured, or a bad query, is bad input.
        let err = lyssna::ingest::dry_run::match_stored(&store, &config, "Nope", "x", |_| Ok(()))
            .await
            .unwrap_err();
        assert!(matches!(err, DryRunError::Invalid(_)), "{err}");
        assert!(err.to_string().contains("GoMonday"));
        let err =
            lyssna::ingest::dry_run::match_stored(&store, &config, "GoMonday", "(a OR", |_| Ok(()))
                .await
                .unwrap_err();
        assert!(matches!(err, DryRunError::Invalid(_)), "{err}");
        // "Svenska" matched nothing before; with a new query it would add the Swedish mentions.
        let summary = lyssna::ingest::dry_run::match_stored(
            &store,
            &config,
            "Svenska",
            "gomonday AND lang:sv",
            |_| Ok(()),
        )
        .await
        .unwrap();
        assert_eq!(summary.kept + summary.removed, 0);
        assert!(summary.added > 0);
    }
}
