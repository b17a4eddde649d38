//! The figures in EVALUATION.md, and floors under them.
//!
//! `cargo test --release --lib sentiment::evaluation -- --ignored --nocapture` prints every figure:
//! each data set, the neutral band sweep and the learning curves. The floors below run with the
//! normal tests; those that read `../shared/corpora` (or `$LYSSNA_CORPORA`) skip with a notice when it
//! is absent.

use super::*;

const CS_DEV: &str = include_str!("../../../tests/fixtures/sentiment/cs-dev.jsonl");
const CS_HELDOUT: &str = include_str!("../../../tests/fixtures/sentiment/cs-heldout.jsonl");
const SV_DEV: &str = include_str!("../../../tests/fixtures/sentiment/sv-dev.jsonl");
const EN_NEUTRAL: &str = include_str!("../../../tests/fixtures/sentiment/en-neutral.jsonl");
const DEMO: &str = include_str!("../../../tests/fixtures/sentiment/demo.jsonl");

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
            eprintln!("skipped: corpora not found at {path}");
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

/// Lines of a fixture whose `lang` field (or id prefix) matches.
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

#[test]
fn customer_service_sets_floor() {
    for lang in ["sv", "en"] {
        let dev = report(&select(CS_DEV, lang_is(lang)));
        assert!(dev.macro_f1 >= 0.85, "dev {lang}\n{}", dev.to_text());
        // Never tuned on: a loose floor that only catches a collapse.
        let held = report(&select(CS_HELDOUT, lang_is(lang)));
        assert!(held.macro_f1 >= 0.70, "held-out {lang}\n{}", held.to_text());
        assert!(
            held.per_class[0].recall >= 0.6,
            "held-out {lang}\n{}",
            held.to_text()
        );
    }
}

#[test]
fn learning_from_overrides_does_not_hurt_the_hand_sets() {
    let mut all: Vec<&str> = CS_DEV.lines().collect();
    all.extend(select(SV_DEV, id_starts("sv-hand")));
    all.extend(EN_NEUTRAL.lines());
    let lines = shuffled(&all, 0x5eed);
    let curve = learning_curve(Classifier::builtin(), &Names::default(), lines).expect("curve");
    let first = curve.points[0].report.macro_f1;
    let last = curve.points.last().expect("points").report.macro_f1;
    assert!(curve.points.len() >= 3, "{}", curve.to_text());
    assert!(last >= first - 0.02, "{}", curve.to_text());
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

/// Every figure in EVALUATION.md. Run with `--release` for speed.
#[test]
#[ignore = "prints figures; run with -- --ignored --nocapture"]
fn print_evaluation_figures() {
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
            select(SV_DEV, id_starts("sv-hand")),
        ),
        (
            "Språkbanken examples (binary)",
            select(SV_DEV, id_starts("sv-sb")),
        ),
        ("en neutral (40)", EN_NEUTRAL.lines().collect()),
        ("customer service dev sv", select(CS_DEV, lang_is("sv"))),
        ("customer service dev en", select(CS_DEV, lang_is("en"))),
        (
            "customer service held-out sv",
            select(CS_HELDOUT, lang_is("sv")),
        ),
        (
            "customer service held-out en",
            select(CS_HELDOUT, lang_is("en")),
        ),
        ("demo posts (no names)", DEMO.lines().collect()),
    ];
    for (name, lines) in &sets {
        print_set(name, &report(lines));
    }
    let held: Vec<&str> = CS_HELDOUT.lines().collect();
    print_set("customer service held-out, both", &report(&held));

    print_band_sweep();

    println!("\nlearning curves (overrides replayed in a fixed shuffled order)");
    let mut three: Vec<&str> = CS_DEV.lines().collect();
    three.extend(select(SV_DEV, id_starts("sv-hand")));
    three.extend(EN_NEUTRAL.lines());
    three.extend(DEMO.lines());
    let mut files: Vec<(&str, Vec<&str>)> = vec![
        ("three-class dev sets", shuffled(&three, 7)),
        (
            "sv-dev.jsonl",
            shuffled(&SV_DEV.lines().collect::<Vec<_>>(), 12),
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
fn print_band_sweep() {
    let mut dev: Vec<&str> = CS_DEV.lines().collect();
    dev.extend(select(SV_DEV, id_starts("sv-hand")));
    dev.extend(EN_NEUTRAL.lines());
    let scored: Vec<(f64, Label)> = super::jsonl::parse_labelled(dev)
        .expect("fixtures parse")
        .into_iter()
        .map(|(text, rating, gold)| (Classifier::builtin().classify(&text, rating).score, gold))
        .collect();
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
                confusion[super::jsonl::idx(gold)][super::jsonl::idx(got)] += 1;
            }
            print!(" {:.3} |", EvalReport::from_confusion(confusion).macro_f1);
        }
        println!();
    }
}
