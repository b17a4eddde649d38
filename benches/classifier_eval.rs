//! Every accuracy figure in EVALUATION.md: each data set (the hand-written development and held-out
//! sets, the demo's posts, the UCI and Språkbanken sentences from `../shared/corpora`), the neutral
//! band sweep on the development sets, and the learning curves of overrides replayed in a fixed
//! shuffled order. `cargo bench --bench classifier_eval` (the release profile; no timing is measured).

use lyssna::domain::item::Rating;
use lyssna::domain::sentiment::{Classifier, EvalReport, Label, Names, evaluate, learning_curve};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sentiment");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).expect("fixture file")
}

fn corpora() -> String {
    std::env::var("LYSSNA_CORPORA")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora").to_string())
}

/// The UCI sentences as labelled lines, or `None` (with a notice) when the corpora are absent.
fn uci_lines() -> Option<Vec<String>> {
    let dir = corpora();
    let mut lines = Vec::new();
    for name in ["amazon", "imdb", "yelp"] {
        let path = format!("{dir}/sentiment/uci/{name}.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            println!("(UCI left out: no corpora at {path})");
            return None;
        };
        let items: Vec<serde_json::Value> =
            serde_json::from_str(&text).expect("UCI file is a JSON array");
        for item in items {
            let (Some(text), Some(class)) = (item["text"].as_str(), item["class"].as_i64()) else {
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            let label = if class == 1 { "praise" } else { "criticism" };
            lines.push(serde_json::json!({"text": text, "label": label}).to_string());
        }
    }
    Some(lines)
}

/// Lines of a fixture whose fields pass `pred`.
fn select(text: &str, pred: impl Fn(&serde_json::Value) -> bool) -> Vec<&str> {
    text.lines()
        .filter(|l| serde_json::from_str(l).is_ok_and(|v: serde_json::Value| pred(&v)))
        .collect()
}

fn lang_is(lang: &'static str) -> impl Fn(&serde_json::Value) -> bool {
    move |v| v["lang"] == lang
}

fn id_starts(prefix: &'static str) -> impl Fn(&serde_json::Value) -> bool {
    move |v| v["id"].as_str().is_some_and(|id| id.starts_with(prefix))
}

fn report(lines: &[&str]) -> EvalReport {
    evaluate(Classifier::builtin(), lines.iter().copied()).expect("fixture parses")
}

/// A deterministic shuffle (the files are ordered by class; the learning curve replays in order).
fn shuffled<'a>(lines: &[&'a str], seed: u64) -> Vec<&'a str> {
    let mut out = lines.to_vec();
    let mut x = seed;
    for i in (1..out.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.swap(i, (x % (i as u64 + 1)) as usize);
    }
    out
}

fn index(l: Label) -> usize {
    match l {
        Label::Criticism => 0,
        Label::Praise => 1,
        Label::Neutral => 2,
    }
}

/// (score, gold label) of labelled lines.
fn scored(lines: &[&str]) -> Vec<(f64, Label)> {
    lines
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a labelled line");
            let gold: Label = v["label"].as_str().unwrap_or("").parse().expect("a label");
            let rating = v["rating"].as_f64().map(|value| Rating {
                value,
                scale: v["rating_scale"].as_f64().unwrap_or(5.0),
            });
            let text = v["text"].as_str().unwrap_or("");
            (Classifier::builtin().classify(text, rating).score, gold)
        })
        .collect()
}

fn print_set(name: &str, r: &EvalReport) {
    let c = &r.per_class;
    println!(
        "| {name} | {} | {:.3} | {:.3} | {:.2} / {:.2} | {:.2} / {:.2} | {:.2} / {:.2} | {:?} |",
        r.items,
        r.accuracy,
        r.macro_f1,
        c[0].precision,
        c[0].recall,
        c[1].precision,
        c[1].recall,
        c[2].precision,
        c[2].recall,
        r.confusion
    );
}

fn main() {
    let (cs_dev, cs_heldout, sv_dev) = (
        fixture("cs-dev.jsonl"),
        fixture("cs-heldout.jsonl"),
        fixture("sv-dev.jsonl"),
    );
    let (en_neutral, demo) = (fixture("en-neutral.jsonl"), fixture("demo.jsonl"));
    println!(
        "| set | items | accuracy | macro-F1 | criticism P / R | praise P / R | neutral P / R | confusion |"
    );
    let uci = uci_lines();
    if let Some(uci) = &uci {
        let lines: Vec<&str> = uci.iter().map(String::as_str).collect();
        let r = report(&lines);
        print_set("UCI (binary)", &r);
        println!(
            "decided {} of {}, accuracy {:.3}",
            r.decided, r.items, r.decided_accuracy
        );
    }
    let sets: Vec<(&str, Vec<&str>)> = vec![
        (
            "sv hand-written (180)",
            select(&sv_dev, id_starts("sv-hand")),
        ),
        (
            "Språkbanken examples (binary)",
            select(&sv_dev, id_starts("sv-sb")),
        ),
        ("en neutral (40)", en_neutral.lines().collect()),
        ("customer service dev sv", select(&cs_dev, lang_is("sv"))),
        ("customer service dev en", select(&cs_dev, lang_is("en"))),
        (
            "customer service held-out sv",
            select(&cs_heldout, lang_is("sv")),
        ),
        (
            "customer service held-out en",
            select(&cs_heldout, lang_is("en")),
        ),
        ("demo posts (no names)", demo.lines().collect()),
    ];
    for (name, lines) in &sets {
        print_set(name, &report(lines));
    }
    let held: Vec<&str> = cs_heldout.lines().collect();
    print_set("customer service held-out, both", &report(&held));

    print_band_sweep(&cs_dev, &sv_dev, &en_neutral);

    println!("\nlearning curves (overrides replayed in a fixed shuffled order)");
    let mut three: Vec<&str> = cs_dev.lines().collect();
    three.extend(select(&sv_dev, id_starts("sv-hand")));
    three.extend(en_neutral.lines());
    three.extend(demo.lines());
    let mut files: Vec<(&str, Vec<&str>)> = vec![
        ("three-class dev sets", shuffled(&three, 7)),
        (
            "sv-dev.jsonl",
            shuffled(&sv_dev.lines().collect::<Vec<_>>(), 12),
        ),
    ];
    if let Some(uci) = &uci {
        files.push((
            "UCI",
            shuffled(&uci.iter().map(String::as_str).collect::<Vec<_>>(), 12),
        ));
    }
    for (name, lines) in files {
        let curve = learning_curve(Classifier::builtin(), &Names::default(), lines).expect("curve");
        println!("== {name}\n{}", curve.to_text());
    }
}

/// Macro-F1 of the three-class development sets for each pair of band edges (the held-out set is
/// not used: the band is chosen here).
fn print_band_sweep(cs_dev: &str, sv_dev: &str, en_neutral: &str) {
    let mut dev: Vec<&str> = cs_dev.lines().collect();
    dev.extend(select(sv_dev, id_starts("sv-hand")));
    dev.extend(en_neutral.lines());
    let scored = scored(&dev);
    let edges = [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5];
    println!(
        "\nband sweep: macro-F1 on the three-class dev sets ({} items)",
        scored.len()
    );
    print!("criticism at \\ praise at |");
    for p in edges {
        print!(" {p:.2} |");
    }
    println!();
    for c in edges {
        print!("| −{c:.2} |");
        for p in edges {
            let mut confusion = [[0usize; 3]; 3];
            for &(s, gold) in &scored {
                let got = if s >= p {
                    Label::Praise
                } else if s <= -c {
                    Label::Criticism
                } else {
                    Label::Neutral
                };
                confusion[index(gold)][index(got)] += 1;
            }
            print!(" {:.3} |", EvalReport::from_confusion(confusion).macro_f1);
        }
        println!();
    }
}
