//! Classifier throughput: `cargo bench --bench classifier`.
//!
//! Classifies ≥ 100,000 short texts on one thread and prints texts/s. As a baseline in the same run it
//! measures the least any classifier must do with the same texts — split into words and lowercase them —
//! so the ratio shows what language detection, lexicon lookups and rules cost on top. It also times the
//! same texts with the caller's names and with a learned layer trained on 250 overrides (the hand-written
//! fixtures' labels), and the training itself.
//!
//! Texts come from the UCI sentences and the Swedish dev fixture when the shared corpora are present
//! (`LYSSNA_CORPORA` or `../shared/corpora`), else from generated Swedish/English review sentences.

use std::hint::black_box;
use std::time::Instant;

use lyssna::domain::item::Rating;
use lyssna::domain::sentiment::{Classifier, Example, Label, Names, OverrideModel};

const TARGET: usize = 100_000;

fn corpus_texts() -> Vec<String> {
    let dir = std::env::var("LYSSNA_CORPORA")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora").to_string());
    let mut texts = Vec::new();
    for name in ["amazon", "imdb", "yelp"] {
        let Ok(raw) = std::fs::read_to_string(format!("{dir}/sentiment/uci/{name}.json")) else {
            return Vec::new();
        };
        let items: Vec<serde_json::Value> = serde_json::from_str(&raw).unwrap_or_default();
        texts.extend(
            items
                .iter()
                .filter_map(|i| i["text"].as_str())
                .filter(|t| !t.is_empty())
                .map(String::from),
        );
    }
    let sv = include_str!("../tests/fixtures/sentiment/sv-dev.jsonl");
    for line in sv.lines() {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line)
            && let Some(t) = v["text"].as_str()
        {
            texts.push(t.to_string());
        }
    }
    texts
}

/// Deterministic review-like sentences when the corpora are absent.
fn generated_texts() -> Vec<String> {
    let subjects = [
        "Kundtjänsten",
        "Leveransen",
        "The support",
        "Appen",
        "The delivery",
        "Personalen",
    ];
    let verbs = ["var", "är", "was", "is", "blev", "has been"];
    let words = [
        "usel",
        "jättebra",
        "inte dålig",
        "very good",
        "terrible",
        "okej",
        "slow",
        "fantastisk",
        "i tid",
    ];
    let tails = [
        "",
        " men priset var bra.",
        " 😡",
        " but nobody answers!",
        ", svarar inte.",
        " :)",
    ];
    let mut out = Vec::new();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..10_000 {
        let mut pick = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        out.push(format!(
            "{} {} {}{}",
            subjects[pick(subjects.len())],
            verbs[pick(verbs.len())],
            words[pick(words.len())],
            tails[pick(tails.len())]
        ));
    }
    out
}

/// 250 labelled examples from the hand-written fixtures, as a leader's overrides.
fn overrides() -> Vec<Example> {
    let mut out = Vec::new();
    for text in [
        include_str!("../tests/fixtures/sentiment/cs-dev.jsonl"),
        include_str!("../tests/fixtures/sentiment/sv-dev.jsonl"),
    ] {
        for line in text.lines() {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(line)
                && let (Some(t), Some(l)) = (v["text"].as_str(), v["label"].as_str())
                && let Ok(label) = l.parse::<Label>()
            {
                out.push(Example::new(t, label));
            }
        }
    }
    out.truncate(250);
    out
}

/// The fastest of three runs of `f`, in seconds.
fn best_of(mut f: impl FnMut()) -> f64 {
    (0..3)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// The baseline: word splitting plus lowercasing, the floor under any lexicon classifier.
fn tokenise_lowercase(text: &str) -> usize {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().len())
        .sum()
}

fn main() {
    let mut base = corpus_texts();
    let source = if base.is_empty() {
        base = generated_texts();
        "generated sentences"
    } else {
        "UCI sentences + Swedish dev set"
    };
    let texts: Vec<&str> = base
        .iter()
        .map(String::as_str)
        .cycle()
        .take(TARGET.max(base.len()))
        .collect();
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    println!(
        "classifier bench: {} texts ({}, {} distinct, mean {} bytes), one thread",
        texts.len(),
        source,
        base.len(),
        bytes / texts.len()
    );

    let t = Instant::now();
    let c = Classifier::builtin();
    println!(
        "  build builtin classifier: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    // Warm-up (caches, lazy statics), then measure.
    for text in texts.iter().take(2_000) {
        black_box(c.classify(text, None));
        black_box(tokenise_lowercase(text));
    }

    // This machine is shared: every loop runs three times and the fastest run counts.
    let base_s = best_of(|| {
        let mut n = 0usize;
        for text in &texts {
            n += black_box(tokenise_lowercase(black_box(text)));
        }
        black_box(n);
    });

    let mut counts = [0usize; 3];
    for text in &texts {
        counts[match c.classify(text, None).label {
            Label::Criticism => 0,
            Label::Praise => 1,
            Label::Neutral => 2,
        }] += 1;
    }
    let cls_s = best_of(|| {
        for text in &texts {
            black_box(c.classify(black_box(text), None));
        }
    });

    let rating = Some(Rating {
        value: 2.0,
        scale: 5.0,
    });
    let rated_s = best_of(|| {
        for text in &texts {
            black_box(c.classify(black_box(text), rating));
        }
    });

    let names = Names::new(["GoMonday", "MondayPay", "Erik Andersson", "ErikA_GoMonday"]);
    let named_s = best_of(|| {
        for text in &texts {
            black_box(c.classify_with(black_box(text), None, &names));
        }
    });

    let examples = overrides();
    let t = Instant::now();
    let model = OverrideModel::train(c, &names, &examples);
    let train_ms = t.elapsed().as_secs_f64() * 1e3;
    let learned_s = best_of(|| {
        for text in &texts {
            black_box(c.classify_learned(black_box(text), None, &names, Some(&model)));
        }
    });

    let per_s = |s: f64| texts.len() as f64 / s;
    println!(
        "  baseline tokenise+lowercase: {:>10.0} texts/s",
        per_s(base_s)
    );
    println!(
        "  classify (text only):        {:>10.0} texts/s  ({:.1} µs/text, {:.1}× baseline cost)",
        per_s(cls_s),
        cls_s / texts.len() as f64 * 1e6,
        cls_s / base_s
    );
    println!(
        "  classify (with rating):      {:>10.0} texts/s",
        per_s(rated_s)
    );
    println!(
        "  classify with names:         {:>10.0} texts/s",
        per_s(named_s)
    );
    println!(
        "  classify with learned layer: {:>10.0} texts/s  (layer: {:.1} µs/text; trained on {} overrides in {:.1} ms)",
        per_s(learned_s),
        (learned_s - named_s) / texts.len() as f64 * 1e6,
        examples.len(),
        train_ms
    );
    println!(
        "  labels: {} criticism, {} praise, {} neutral; goal ≥ 20000 texts/s: {}",
        counts[0],
        counts[1],
        counts[2],
        if per_s(cls_s) >= 20_000.0 {
            "met"
        } else {
            "NOT met"
        }
    );
}
