//! Relevance model cost: `cargo bench --bench relevance`.
//!
//! The goal (issue "Relevance"): a per-brand model that trains in milliseconds on thousands of labels
//! and costs ≤ 20 µs an item at ingest. Measured on the hand-written development set
//! (`tests/fixtures/relevance`, 291 posts about five ambiguous names), repeated with a counter in
//! each body until there are enough distinct texts:
//!
//! - training: the whole model from 5,000 labels, and one more label (what each mark costs);
//! - scoring: one brand's verdict for one item, with its reasons;
//! - ingest: the pipeline's whole work for an item (parse is not included: items are given) with no
//!   labels (the baseline, measured in the same run) and with the trained models; the difference is
//!   what relevance adds to each item.

use std::hint::black_box;
use std::time::Instant;

use chrono::Utc;
use lyssna::config::Config;
use lyssna::domain::item::Item;
use lyssna::domain::relevance::{Doc, Example, RelevanceModel};

const LABELS: usize = 5_000;
const SCORED: usize = 200_000;
const INGESTED: usize = 40_000;

fn examples() -> Vec<Example> {
    let text = [
        include_str!("../tests/fixtures/relevance/dev.jsonl"),
        include_str!("../tests/fixtures/relevance/heldout.jsonl"),
    ]
    .join("\n");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a fixture line");
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            Example {
                brand: s("brand"),
                title: s("title"),
                body: s("body"),
                author: s("author"),
                url: s("url"),
                about_us: v["label"].as_bool().unwrap_or(false),
            }
        })
        .collect()
}

/// `n` examples: the fixture's, each repeated with a counter word so that no two texts are equal.
fn many(base: &[Example], n: usize) -> Vec<Example> {
    (0..n)
        .map(|i| {
            let mut e = base[i % base.len()].clone();
            e.body = format!("{} r{}", e.body, i / base.len());
            e
        })
        .collect()
}

fn per_item_us(elapsed: std::time::Duration, n: usize) -> f64 {
    elapsed.as_secs_f64() * 1e6 / n as f64
}

fn main() {
    let base = examples();
    let brands: Vec<String> = {
        let mut b: Vec<String> = base.iter().map(|e| e.brand.clone()).collect();
        b.sort();
        b.dedup();
        b
    };
    println!(
        "relevance: {} fixture posts, brands {}",
        base.len(),
        brands.join(", ")
    );

    // Training.
    let labels = many(&base, LABELS);
    let t = Instant::now();
    let mut model = RelevanceModel::train(&labels);
    let train = t.elapsed();
    let extra = many(&base, 1_000);
    let t = Instant::now();
    for e in &extra {
        model.learn(e);
    }
    let one = t.elapsed() / extra.len() as u32;
    println!(
        "train: {LABELS} labels in {:.1} ms; one more label {:.1} µs",
        train.as_secs_f64() * 1e3,
        one.as_secs_f64() * 1e6
    );

    // Scoring one item for one brand.
    let docs = many(&base, 4_000);
    let t = Instant::now();
    let mut held = 0usize;
    for i in 0..SCORED {
        let e = &docs[i % docs.len()];
        let doc = Doc {
            title: &e.title,
            body: &e.body,
            author: &e.author,
            url: &e.url,
        };
        if let Some(v) = black_box(model.score(&e.brand, &doc)) {
            held += (v.score < 0.5) as usize;
        }
    }
    let score = t.elapsed();
    println!(
        "score: {:.2} µs per item and brand ({SCORED} scored, {held} below 0.5)",
        per_item_us(score, SCORED)
    );

    // The pipeline, without and with the models.
    let toml: String = brands
        .iter()
        .map(|b| {
            format!(
                "[[brands]]\nname = \"{b}\"\nquery = '{}'\n\n",
                b.to_lowercase()
            )
        })
        .collect();
    let config = Config::parse_str("bench.toml", &toml, None).expect("the bench configuration");
    let items: Vec<Item> = many(&base, INGESTED)
        .into_iter()
        .enumerate()
        .map(|(i, e)| Item {
            id: Some(format!("p{i}")),
            url: Some(format!("https://forum.example/t/{i}")),
            author: Some(e.author),
            body: e.body,
            ..Item::default()
        })
        .collect();
    let page = url::Url::parse("https://forum.example/").unwrap();
    let run = |pipeline: &lyssna::domain::pipeline::Pipeline| {
        let t = Instant::now();
        let mut candidates = 0;
        for chunk in items.chunks(50) {
            let out = pipeline.process("bench", chunk.to_vec(), &page, false, Utc::now());
            candidates += out.candidates.len();
        }
        (t.elapsed(), candidates)
    };
    let plain = config.pipeline().expect("a pipeline");
    let (base_time, n) = run(&plain);
    let learnt = config.pipeline().expect("a pipeline");
    learnt.learn_relevance(&labels);
    let (with_time, m) = run(&learnt);
    let (b, w) = (
        per_item_us(base_time, INGESTED),
        per_item_us(with_time, INGESTED),
    );
    println!(
        "ingest: {b:.2} µs per item without labels (baseline, {n} mentions), {w:.2} µs with {LABELS} labels ({m} mentions): relevance adds {:.2} µs per item (goal ≤ 20)",
        w - b
    );
}
