//! Floors under the figures in EVALUATION.md (the figures themselves are printed by
//! `cargo bench --bench classifier_eval`): a collapse on the development or held-out sets fails here.

use super::*;

const CS_DEV: &str = include_str!("../../../tests/fixtures/sentiment/cs-dev.jsonl");
const CS_HELDOUT: &str = include_str!("../../../tests/fixtures/sentiment/cs-heldout.jsonl");
const SV_DEV: &str = include_str!("../../../tests/fixtures/sentiment/sv-dev.jsonl");
const EN_NEUTRAL: &str = include_str!("../../../tests/fixtures/sentiment/en-neutral.jsonl");

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
