//! Shared by the benchmarks: a deterministic generator of stored mentions with realistic events, so
//! that the inbox and report benchmarks run over the same kind of database (a million mentions spread
//! over two years, most of them answered or dismissed long ago, a few thousand open).

#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use lyssna::domain::mention::EventKind;
use lyssna::store::{ExportEvent, ExportLine, Store};

/// A tiny deterministic PRNG (xorshift64*): benchmarks must generate the same data every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const SOURCES: [&str; 6] = [
    "Flashback: företag",
    "Trustpilot: GoMonday",
    "Konsumentbloggen",
    "Google Alerts: GoMonday",
    "Reddit: sverige",
    "Intranätet",
];
const BRANDS: [&str; 4] = ["GoMonday", "MondayPay", "Erik Andersson", "Nordvik Bank"];
const TEXTS: [&str; 6] = [
    "GoMonday svarar inte på mejl, har väntat i veckor på min återbetalning.",
    "Riktigt nöjd med MondayPay, snabb support och enkel app.",
    "Someone mentioned GoMonday in the thread about payment apps.",
    "Worst service ever, still waiting for a refund from GoMonday.",
    "Erik Andersson svarade personligen, starkt jobbat!",
    "GoMonday har nytt kontor i Göteborg.",
];

/// `n` mentions found between `now − 730 days` and `now`, oldest first, with their events. Mentions
/// older than two weeks are (almost) all handled; recent ones are often still open.
pub fn mentions(n: usize, seed: u64, now: DateTime<Utc>) -> impl Iterator<Item = ExportLine> {
    let mut rng = Rng::new(seed);
    let span = 730 * 86_400i64;
    (0..n).map(move |i| {
        let found_at = now - Duration::seconds(span - (span * i as i64) / n as i64);
        let published_at = found_at - Duration::seconds(rng.below(6 * 3600) as i64);
        let sentiment = match rng.below(10) {
            0..=2 => "criticism",
            3..=5 => "praise",
            _ => "neutral",
        };
        let age_days = (now - found_at).num_days();
        let mut events = vec![ExportEvent {
            at: found_at,
            actor: "lyssna".into(),
            from: None,
            to: Some("new".into()),
            reason: Some("found".into()),
            note: None,
            reply_url: None,
            until: None,
            kind: EventKind::Status,
            recorded_at: None,
            undoes: None,
        }];
        let open = age_days < 14 && rng.chance(60) || rng.chance(1);
        let status = if open {
            "new"
        } else if sentiment == "neutral" || rng.chance(10) {
            events.push(ExportEvent {
                at: found_at + Duration::minutes(30 + rng.below(600) as i64),
                actor: "erik".into(),
                from: Some("new".into()),
                to: Some("no_reply_needed".into()),
                reason: Some("not_about_us".into()),
                note: None,
                reply_url: None,
                until: None,
                kind: EventKind::Status,
                recorded_at: None,
                undoes: None,
            });
            "no_reply_needed"
        } else {
            let at = found_at + Duration::minutes(20 + rng.below(3 * 24 * 60) as i64);
            events.push(ExportEvent {
                at,
                actor: "erik".into(),
                from: Some("new".into()),
                to: Some("replied".into()),
                reason: None,
                note: Some("svarade i tråden".into()),
                reply_url: Some(format!("https://forum.example/p/{i}#reply")),
                until: None,
                kind: EventKind::Status,
                recorded_at: None,
                undoes: None,
            });
            "replied"
        };
        let text = TEXTS[rng.below(TEXTS.len() as u64) as usize];
        ExportLine {
            id: Some(format!("m_bench{i:011}")),
            source: SOURCES[rng.below(SOURCES.len() as u64) as usize].to_string(),
            url: Some(format!("https://forum.example/p/{i}")),
            thread_url: Some(format!("https://forum.example/t/{}", i / 20)),
            title: Some(format!("Tråd {}", i / 20)),
            body: format!("{text} (#{i})"),
            author: Some(format!("user{}", rng.below(5000))),
            published_at: Some(published_at),
            found_at,
            brands: vec![BRANDS[rng.below(BRANDS.len() as u64) as usize].to_string()],
            sentiment: sentiment.parse().expect("a label"),
            sentiment_override: None,
            status: status.parse().expect("a status"),
            events,
            rating: None,
            rating_scale: None,
            lang: Some("sv".into()),
            sentiment_score: Some(0.0),
            sentiment_reasons: Some(Vec::new()),
            matches: Some(Vec::new()),
        }
    })
}

/// Fills `store` with `n` generated mentions (in batches of 20,000 per transaction) unless it already
/// holds them; returns how long it took.
pub async fn populate(store: &Store, n: usize, now: DateTime<Utc>) -> std::time::Duration {
    let started = std::time::Instant::now();
    if store.mention_count().await.unwrap_or(0) >= n as i64 {
        return started.elapsed();
    }
    let mut batch = Vec::with_capacity(20_000);
    for (i, line) in mentions(n, 42, now).enumerate() {
        batch.push((i + 1, line));
        if batch.len() == 20_000 {
            store.import(&batch, now).await.expect("bench import");
            batch.clear();
        }
    }
    if !batch.is_empty() {
        store.import(&batch, now).await.expect("bench import");
    }
    started.elapsed()
}

/// Drops and creates database `name` on the PostgreSQL server of `admin` (a URL whose database the
/// connection may use), and returns the new database's URL.
pub async fn recreate_postgres_database(admin: &str, name: &str) -> String {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(admin)
        .await
        .expect("connect to the PostgreSQL server");
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .expect("recreate the benchmark database");
    }
    conn.close().await.ok();
    let mut url = url::Url::parse(admin).expect("a PostgreSQL URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}
