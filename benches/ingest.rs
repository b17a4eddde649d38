//! Ingest throughput: feed bytes → parse → match → classify → dedup → store (SQLite), the whole
//! pipeline of a crawl minus the network, over 12,000 items in 240 realistic generated feeds; and, in
//! the same run, the same feed files parsed by Python feedparser (installed into a virtualenv under
//! `target/`; skipped with a message when that is impossible).
//!
//! `cargo bench --bench ingest` (set `LYSSNA_BENCH_FEEDS` to change the number of feeds).

#[path = "common/env.rs"]
mod env;
use env::*;

use chrono::Utc;
use lyssna::crawl::feed::parse_feed;
use lyssna::domain::health::{CrawlOutcome, Health};
use lyssna::domain::pipeline::Pipeline;
use lyssna::domain::query::{BrandSpec, Matcher};
use lyssna::domain::sentiment::Classifier;
use lyssna::domain::source::SourceKind;
use lyssna::store::{CrawlRecord, SourceSpec, SourceState, Store};
use std::borrow::Cow;
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use url::Url;

#[path = "common/feed_gen.rs"]
#[allow(dead_code)]
mod feed_gen;
use feed_gen::{FeedFlavor, GENERATED_BRANDS, generate_realistic_feed};

const ITEMS_PER_FEED: usize = 50;

fn feeds(n: usize) -> Vec<(String, Vec<u8>)> {
    (0..n)
        .map(|i| {
            let flavor = match i % 3 {
                0 => FeedFlavor::Rss2,
                1 => FeedFlavor::Atom,
                _ => FeedFlavor::WordPressComments,
            };
            (
                format!("feed-{i:04}.xml"),
                generate_realistic_feed(i as u64 + 1, ITEMS_PER_FEED, flavor).into_bytes(),
            )
        })
        .collect()
}

fn crawl_record(
    source_id: i64,
    now: chrono::DateTime<Utc>,
    processed: lyssna::domain::pipeline::Processed,
) -> (CrawlRecord, SourceState) {
    let state = SourceState {
        health: Health::Ok,
        last_error: None,
        consecutive_failures: 0,
        empty_streak: 0,
        last_attempt_at: now,
        last_success_at: Some(now),
        last_new_item_at: Some(now),
        next_check_at: now,
        etag: None,
        last_modified: None,
        items_found: Some(ITEMS_PER_FEED as i64),
        items_fingerprint: Some(processed.fingerprint.clone()),
    };
    let record = CrawlRecord {
        source_id,
        started_at: now,
        finished_at: now,
        outcome: CrawlOutcome::Ok,
        pages: 1,
        unchanged_pages: 0,
        items: ITEMS_PER_FEED as i64,
        error: None,
        candidates: processed.candidates,
        thread_posts: processed.thread_posts,
        reply_scope: Default::default(),
        brand_reply_scopes: Vec::new(),
    };
    (record, state)
}

/// Runs the Python baseline; `Err` says why it could not.
fn feedparser_items_per_s(dir: &Path) -> Result<(f64, u64), String> {
    let python = python_venv("ingest-baseline-venv", &["feedparser"])?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/ingest_baseline/feedparser_baseline.py");
    let out = Command::new(&python)
        .arg(script)
        .arg(dir)
        .args(["--rounds", "1"])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    Ok((
        v["items_per_s"].as_f64().ok_or("no items_per_s")?,
        v["items"].as_u64().unwrap_or(0),
    ))
}

fn main() {
    let n_feeds: usize = std::env::var("LYSSNA_BENCH_FEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(240);
    let feeds = feeds(n_feeds);
    let bytes: usize = feeds.iter().map(|(_, b)| b.len()).sum();
    let dir = target_dir().join("bench-data/ingest-feeds");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("feed dir");
    for (name, b) in &feeds {
        std::fs::write(dir.join(name), b).expect("write feed");
    }
    println!(
        "ingest: {n_feeds} feeds × {ITEMS_PER_FEED} items, {:.1} MB of XML",
        bytes as f64 / 1e6
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let brands: Vec<BrandSpec> = GENERATED_BRANDS
        .iter()
        .map(|b| BrandSpec {
            name: b.to_string(),
            query: format!("\"{}\"", b.to_lowercase()),
            exclude: Vec::new(),
            context: Vec::new(),
            fold_diacritics: false,
            compounds: false,
        })
        .collect();
    let pipeline = std::sync::Arc::new(Pipeline::new(
        Matcher::compile(&brands).expect("brands"),
        Cow::Borrowed(Classifier::builtin()),
        Vec::new(),
    ));

    // Parse only: the figure comparable with feedparser, which only parses.
    let feed_url = Url::parse("https://blog.example/feed").expect("url");
    let now = Utc::now();
    let t = Instant::now();
    let mut parsed_items = 0usize;
    for (_, b) in &feeds {
        parsed_items += parse_feed(b, Some("application/rss+xml"), &feed_url, now)
            .map(|p| p.items.len())
            .unwrap_or(0);
    }
    let parse_s = t.elapsed().as_secs_f64();

    // The whole pipeline into a fresh SQLite database, one transaction per feed as a crawl commits.
    let db_dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", db_dir.path().join("ingest.db").display());
    let (items, mentions, pipeline_s) = rt.block_on(async {
        let store = Store::open_and_migrate(&url).await.expect("store");
        let specs: Vec<SourceSpec> = (0..feeds.len())
            .map(|i| SourceSpec { name: format!("feed {i}"), kind: SourceKind::Feed, url: None, schedule: String::new() })
            .collect();
        store.sync_sources(&specs, now).await.expect("sources");
        let mut ids = Vec::new();
        for s in &specs {
            ids.push(store.source_by_name(&s.name).await.expect("source").expect("source").id);
        }
        let t = Instant::now();
        let mut items = 0usize;
        let mut mentions = 0usize;
        let (mut t_parse, mut t_process, mut t_store) = (0.0, 0.0, 0.0);
        for ((_, b), id) in feeds.iter().zip(&ids) {
            let s = Instant::now();
            let parsed = parse_feed(b, Some("application/rss+xml"), &feed_url, now).expect("feed parses");
            items += parsed.items.len();
            t_parse += s.elapsed().as_secs_f64();
            let s = Instant::now();
            let processed = pipeline.process(&id.to_string(), parsed.items, &feed_url, false, now);
            t_process += s.elapsed().as_secs_f64();
            let (record, state) = crawl_record(*id, now, processed);
            let s = Instant::now();
            mentions += store.record_crawl(&record, |_| state.clone()).await.expect("stored").0.new_mentions.len();
            t_store += s.elapsed().as_secs_f64();
        }
        println!("stages: parse {t_parse:.3} s, match+classify+dedup keys {t_process:.3} s, store {t_store:.3} s");
        (items, mentions, t.elapsed().as_secs_f64())
    });

    // As the scheduler runs it: four crawls at a time, parsing and matching on blocking threads while
    // other crawls commit, into a second fresh database.
    let url2 = format!(
        "sqlite://{}",
        db_dir.path().join("ingest-concurrent.db").display()
    );
    let feeds = std::sync::Arc::new(feeds);
    let (conc_items, conc_s) = rt.block_on(async {
        let store = Store::open_and_migrate(&url2).await.expect("store");
        let specs: Vec<SourceSpec> = (0..feeds.len())
            .map(|i| SourceSpec {
                name: format!("feed {i}"),
                kind: SourceKind::Feed,
                url: None,
                schedule: String::new(),
            })
            .collect();
        store.sync_sources(&specs, now).await.expect("sources");
        let mut ids = Vec::new();
        for s in &specs {
            ids.push(
                store
                    .source_by_name(&s.name)
                    .await
                    .expect("source")
                    .expect("source")
                    .id,
            );
        }
        let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(4));
        let t = Instant::now();
        let mut set = tokio::task::JoinSet::new();
        for (i, id) in ids.into_iter().enumerate() {
            let (feeds, pipeline, store, permits) = (
                feeds.clone(),
                pipeline.clone(),
                store.clone(),
                permits.clone(),
            );
            let feed_url = feed_url.clone();
            set.spawn(async move {
                let _permit = permits.acquire_owned().await.expect("permit");
                let (n, processed) = tokio::task::spawn_blocking(move || {
                    let parsed =
                        parse_feed(&feeds[i].1, Some("application/rss+xml"), &feed_url, now)
                            .expect("feed parses");
                    let n = parsed.items.len();
                    (
                        n,
                        pipeline.process(&id.to_string(), parsed.items, &feed_url, false, now),
                    )
                })
                .await
                .expect("blocking task");
                let (record, state) = crawl_record(id, now, processed);
                store
                    .record_crawl(&record, |_| state.clone())
                    .await
                    .expect("stored");
                n
            });
        }
        let mut items = 0;
        while let Some(n) = set.join_next().await {
            items += n.expect("task");
        }
        (items, t.elapsed().as_secs_f64())
    });
    let conc_rate = conc_items as f64 / conc_s;
    println!(
        "lyssna concurrent (4 crawls at a time, as the scheduler): {conc_items} items in {conc_s:.3} s = {conc_rate:.0} items/s"
    );

    let parse_rate = parsed_items as f64 / parse_s;
    let pipeline_rate = items as f64 / pipeline_s;
    println!(
        "lyssna parse only:      {parsed_items} items in {parse_s:.3} s = {parse_rate:.0} items/s"
    );
    println!(
        "lyssna full pipeline:   {items} items ({mentions} mentions stored) in {pipeline_s:.3} s = {pipeline_rate:.0} items/s"
    );
    match feedparser_items_per_s(&dir) {
        Ok((fp, fp_items)) => {
            println!(
                "python feedparser:      {fp_items} items = {fp:.0} items/s (baseline, same feed files)"
            );
            println!("ratio parse only / feedparser:    {:.1}×", parse_rate / fp);
            println!(
                "ratio full pipeline, sequential / feedparser: {:.1}×",
                pipeline_rate / fp
            );
            println!(
                "ratio full pipeline, concurrent / feedparser: {:.1}×  (goal ≥ 30×, and ≥ 20,000 items/s)",
                conc_rate / fp
            );
        }
        Err(why) => println!("skipped Python baseline: {why}"),
    }
}
