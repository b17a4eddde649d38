//! The learning curve behind `classify --eval FILE --learn`: how much the leader's overrides help.
//!
//! The file's labelled lines are replayed in order as overrides; after k = 0, 50, 100 and 250 of them
//! the learned layer is trained on the first k and the rest is classified. So that the points are
//! comparable, every point is scored on the same lines: those after the largest k that leaves at
//! least a quarter of the file (and 50 lines) to score on.

use serde::Serialize;
use serde_json::Value;

use super::jsonl::{idx, parse_labelled};
use super::{Classifier, EvalReport, Example, Names, OverrideModel};

/// The numbers of overrides the curve is measured after.
pub const STEPS: [usize; 4] = [0, 50, 100, 250];

/// One point: the figures after `labels` overrides.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct LearningPoint {
    pub labels: usize,
    pub report: EvalReport,
    /// Milliseconds the training took.
    pub train_ms: f64,
}

#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct LearningCurve {
    /// Labelled lines in the file.
    pub items: usize,
    /// The 0-based line (among labelled lines) scoring starts at.
    pub scored_from: usize,
    pub points: Vec<LearningPoint>,
    /// The strongest features learned from the most overrides, `(feature, weight)`.
    pub strongest: Vec<(String, f64)>,
}

/// Replays `lines` (`{text, label, rating?, rating_scale?}` JSON lines) as overrides and scores the
/// rest after each step. Errors name the bad line.
pub fn learning_curve<'a>(
    classifier: &Classifier,
    names: &Names,
    lines: impl IntoIterator<Item = &'a str>,
) -> Result<LearningCurve, String> {
    let items = parse_labelled(lines)?;
    let n = items.len();
    let keep = |k: usize| n >= k && n - k >= (n / 4).max(50);
    let steps: Vec<usize> = STEPS.iter().copied().filter(|&k| keep(k)).collect();
    let scored_from = steps.last().copied().unwrap_or(0);
    let mut points = Vec::new();
    let mut strongest = Vec::new();
    for &k in &steps {
        let examples: Vec<Example> = items[..k]
            .iter()
            .map(|(text, _, label)| Example::new(text.clone(), *label))
            .collect();
        let t = std::time::Instant::now();
        let model = OverrideModel::train(classifier, names, &examples);
        let train_ms = t.elapsed().as_secs_f64() * 1e3;
        let mut confusion = [[0usize; 3]; 3];
        for (text, rating, gold) in &items[scored_from..] {
            let got = classifier
                .classify_learned(text, *rating, names, Some(&model))
                .label;
            confusion[idx(*gold)][idx(got)] += 1;
        }
        strongest = model.strongest(10);
        points.push(LearningPoint {
            labels: k,
            report: EvalReport::from_confusion(confusion),
            train_ms,
        });
    }
    Ok(LearningCurve {
        items: n,
        scored_from,
        points,
        strongest,
    })
}

impl LearningCurve {
    /// A table for people.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "learning curve: {} labelled lines; overrides replayed in file order; every point scored on lines {}–{}\n\n",
            self.items,
            self.scored_from + 1,
            self.items
        );
        s.push_str("overrides  macro-F1  accuracy  criticism P/R  praise P/R   train ms\n");
        for p in &self.points {
            let c = &p.report.per_class;
            s.push_str(&format!(
                "{:>9}  {:>8.3}  {:>8.3}  {:>5.3}/{:<5.3}  {:>5.3}/{:<5.3}  {:>8.2}\n",
                p.labels,
                p.report.macro_f1,
                p.report.accuracy,
                c[0].precision,
                c[0].recall,
                c[1].precision,
                c[1].recall,
                p.train_ms
            ));
        }
        if !self.strongest.is_empty() {
            s.push_str("\nstrongest learned features\n");
            for (f, w) in &self.strongest {
                s.push_str(&format!("  {f} ({w:+.2})\n"));
            }
        }
        s
    }
}

/// What `lyssna classify --eval FILE --learn` prints: the table and the JSON value of the curve.
pub fn learning_curve_output<'a>(
    classifier: &Classifier,
    lines: impl IntoIterator<Item = &'a str>,
) -> Result<(String, Value), String> {
    let curve = learning_curve(classifier, &Names::default(), lines)?;
    let json = serde_json::to_value(&curve).map_err(|e| e.to_string())?;
    Ok((curve.to_text(), json))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file where one invented complaint word recurs: the lexicon cannot know it, overrides can.
    fn lines() -> Vec<String> {
        (0..120)
            .map(|i| {
                let (text, label) = match i % 3 {
                    0 => (format!("Order {i} blev strulpellad igen"), "criticism"),
                    1 => (format!("Paket {i} kom fram, toppen"), "praise"),
                    _ => (format!("Butik {i} öppnar klockan nio"), "neutral"),
                };
                serde_json::json!({"text": text, "label": label}).to_string()
            })
            .collect()
    }

    #[test]
    fn curve_replays_overrides_and_scores_the_same_rest() {
        let lines = lines();
        let c = learning_curve(
            Classifier::builtin(),
            &Names::default(),
            lines.iter().map(String::as_str),
        )
        .expect("curve");
        assert_eq!(c.items, 120);
        // 250 would leave nothing, 100 too few: the points are 0 and 50, scored from line 51.
        assert_eq!(
            c.points.iter().map(|p| p.labels).collect::<Vec<_>>(),
            [0, 50]
        );
        assert_eq!(c.scored_from, 50);
        assert!(c.points.iter().all(|p| p.report.items == 70));
        let (before, after) = (&c.points[0].report, &c.points[1].report);
        assert!(after.macro_f1 > before.macro_f1, "{before:?} {after:?}");
        assert!(
            c.strongest
                .iter()
                .any(|(f, w)| f == "\"strulpellad\"" && *w < 0.0),
            "{:?}",
            c.strongest
        );
    }

    #[test]
    fn output_has_a_table_and_json() {
        let lines = lines();
        let (text, json) =
            learning_curve_output(Classifier::builtin(), lines.iter().map(String::as_str))
                .expect("output");
        assert!(
            text.starts_with("learning curve: 120 labelled lines"),
            "{text}"
        );
        assert_eq!(json["points"][1]["labels"], 50);
        assert!(json["points"][0]["report"]["macro_f1"].is_number());
        let err = learning_curve_output(Classifier::builtin(), ["{\"text\":\"x\"}"])
            .expect_err("no label");
        assert_eq!(err, "line 1: missing \"label\"");
    }
}
