//! The `lyssna classify` line formats, as pure functions the CLI calls.
//!
//! Input lines are `{id, text, rating?, rating_scale?}` (scale 5 by default), output lines
//! `{id, label, score, lang, reasons}`. `--eval` lines also carry a gold `label`, and [`evaluate`]
//! turns them into accuracy, macro-F1, per-class precision/recall and a confusion matrix.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Classifier, Label};
use crate::domain::item::Rating;

#[derive(Deserialize)]
struct InputLine {
    #[serde(default)]
    id: Value,
    text: String,
    #[serde(default)]
    rating: Option<f64>,
    #[serde(default)]
    rating_scale: Option<f64>,
    #[serde(default)]
    label: Option<String>,
}

#[derive(Serialize)]
struct OutputLine<'a> {
    id: &'a Value,
    label: Label,
    score: f64,
    lang: &'a str,
    reasons: &'a [String],
}

fn parse_line(line: &str) -> Result<InputLine, String> {
    let input: InputLine =
        serde_json::from_str(line).map_err(|e| format!("not a classify line: {e}"))?;
    if let Some(scale) = input.rating_scale
        && !(scale.is_finite() && scale > 0.0)
    {
        return Err(format!(
            "rating_scale must be a positive number, got {scale}"
        ));
    }
    if let Some(r) = input.rating
        && !r.is_finite()
    {
        return Err("rating must be a number".into());
    }
    Ok(input)
}

fn rating_of(input: &InputLine) -> Option<Rating> {
    input.rating.map(|value| Rating {
        value,
        scale: input.rating_scale.unwrap_or(5.0),
    })
}

/// Classifies one input line and returns the output line (JSON, no trailing newline).
pub fn classify_line(classifier: &Classifier, line: &str) -> Result<String, String> {
    let input = parse_line(line)?;
    let c = classifier.classify(&input.text, rating_of(&input));
    let out = OutputLine {
        id: &input.id,
        label: c.label,
        score: c.score,
        lang: &c.lang,
        reasons: &c.reasons,
    };
    serde_json::to_string(&out).map_err(|e| e.to_string())
}

/// Classifies every non-blank line of a JSON-lines document, in order. The error names the first bad
/// line (1-based), so a user can fix the file.
pub fn classify_lines<'a>(
    classifier: &Classifier,
    lines: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for (n, line) in lines.into_iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        out.push(classify_line(classifier, line).map_err(|e| format!("line {}: {e}", n + 1))?);
    }
    Ok(out)
}

/// Precision, recall and F1 of one class.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct ClassStats {
    pub label: Label,
    /// Gold items of this class.
    pub support: usize,
    /// Items predicted as this class.
    pub predicted: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// The result of `classify --eval`.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct EvalReport {
    pub items: usize,
    pub accuracy: f64,
    /// Mean F1 over the classes that occur in the gold labels (a binary gold set is not penalised for a
    /// neutral class it does not have; its neutral predictions still count as errors).
    pub macro_f1: f64,
    pub per_class: Vec<ClassStats>,
    /// `confusion[gold][predicted]`, in the order criticism, praise, neutral.
    pub confusion: [[usize; 3]; 3],
    /// Items the classifier did not call neutral, and its accuracy on them: the figure to read for a
    /// binary gold set, next to `accuracy` (where neutral counts as wrong).
    pub decided: usize,
    pub decided_accuracy: f64,
}

pub(super) fn idx(l: Label) -> usize {
    match l {
        Label::Criticism => 0,
        Label::Praise => 1,
        Label::Neutral => 2,
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Reads labelled lines (`{text, label, rating?, rating_scale?}`, blank lines skipped) as
/// `(text, rating, gold label)`. Errors name the line (1-based).
pub(super) fn parse_labelled<'a>(
    lines: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<(String, Option<Rating>, Label)>, String> {
    let mut out = Vec::new();
    for (n, line) in lines.into_iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let input = parse_line(line).map_err(|e| format!("line {}: {e}", n + 1))?;
        let gold: Label = input
            .label
            .as_deref()
            .ok_or_else(|| format!("line {}: missing \"label\"", n + 1))?
            .parse()
            .map_err(|e| format!("line {}: {e}", n + 1))?;
        let rating = rating_of(&input);
        out.push((input.text, rating, gold));
    }
    Ok(out)
}

/// Classifies labelled lines (`{text, label, rating?, …}`) and scores the predictions.
pub fn evaluate<'a>(
    classifier: &Classifier,
    lines: impl IntoIterator<Item = &'a str>,
) -> Result<EvalReport, String> {
    let mut confusion = [[0usize; 3]; 3];
    for (text, rating, gold) in parse_labelled(lines)? {
        let predicted = classifier.classify(&text, rating).label;
        confusion[idx(gold)][idx(predicted)] += 1;
    }
    Ok(EvalReport::from_confusion(confusion))
}

impl EvalReport {
    /// All figures follow from the confusion matrix.
    pub fn from_confusion(confusion: [[usize; 3]; 3]) -> EvalReport {
        let items: usize = confusion.iter().flatten().sum();
        let correct: usize = (0..3).map(|i| confusion[i][i]).sum();
        let per_class: Vec<ClassStats> = Label::ALL
            .iter()
            .map(|&label| {
                let i = idx(label);
                let support: usize = confusion[i].iter().sum();
                let predicted: usize = (0..3).map(|g| confusion[g][i]).sum();
                let precision = ratio(confusion[i][i], predicted);
                let recall = ratio(confusion[i][i], support);
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                ClassStats {
                    label,
                    support,
                    predicted,
                    precision,
                    recall,
                    f1,
                }
            })
            .collect();
        let present: Vec<&ClassStats> = per_class.iter().filter(|c| c.support > 0).collect();
        let macro_f1 = if present.is_empty() {
            0.0
        } else {
            present.iter().map(|c| c.f1).sum::<f64>() / present.len() as f64
        };
        let decided: usize = (0..3).map(|g| confusion[g][0] + confusion[g][1]).sum();
        let decided_correct = confusion[0][0] + confusion[1][1];
        EvalReport {
            items,
            accuracy: ratio(correct, items),
            macro_f1,
            per_class,
            confusion,
            decided,
            decided_accuracy: ratio(decided_correct, decided),
        }
    }

    /// A table for people.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!("items      {}\n", self.items));
        s.push_str(&format!("accuracy   {:.3}\n", self.accuracy));
        s.push_str(&format!(
            "macro-F1   {:.3}  (over classes present in the gold labels)\n",
            self.macro_f1
        ));
        s.push_str(&format!(
            "decided    {} of {} not neutral, accuracy on them {:.3}\n\n",
            self.decided, self.items, self.decided_accuracy
        ));
        s.push_str("class      support  predicted  precision  recall  F1\n");
        for c in &self.per_class {
            s.push_str(&format!(
                "{:<10} {:>7}  {:>9}  {:>9.3}  {:>6.3}  {:.3}\n",
                c.label.as_str(),
                c.support,
                c.predicted,
                c.precision,
                c.recall,
                c.f1
            ));
        }
        s.push_str("\nconfusion (rows: gold, columns: predicted)\n");
        s.push_str("           criticism  praise  neutral\n");
        for label in Label::ALL {
            let row = &self.confusion[idx(label)];
            s.push_str(&format!(
                "{:<10} {:>9}  {:>6}  {:>7}\n",
                label.as_str(),
                row[0],
                row[1],
                row[2]
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_line_echoes_id_and_applies_rating_scale() {
        let c = Classifier::builtin();
        let out = classify_line(
            c,
            r#"{"id": 7, "text": "Helt ok", "rating": 2, "rating_scale": 10}"#,
        )
        .expect("ok");
        let v: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["id"], 7);
        assert_eq!(v["label"], "criticism");
        assert_eq!(
            v["reasons"][0],
            "rating 2/10 overrides the text (text alone: neutral +0.25)"
        );
        let out = classify_line(c, r#"{"id": "a", "text": "Usel service"}"#).expect("ok");
        assert!(
            out.starts_with(r#"{"id":"a","label":"criticism","score":-"#),
            "{out}"
        );
    }

    #[test]
    fn bad_lines_name_their_number() {
        let c = Classifier::builtin();
        let err =
            classify_lines(c, ["{\"id\":1,\"text\":\"bra\"}", "", "{\"id\":2}"]).expect_err("bad");
        assert!(err.starts_with("line 3: not a classify line"), "{err}");
        let err = classify_lines(c, ["{\"text\":\"x\",\"rating\":1,\"rating_scale\":0}"])
            .expect_err("bad");
        assert_eq!(err, "line 1: rating_scale must be a positive number, got 0");
        let err = evaluate(c, ["{\"text\":\"x\"}"]).expect_err("no label");
        assert_eq!(err, "line 1: missing \"label\"");
        let err = evaluate(c, ["{\"text\":\"x\",\"label\":\"angry\"}"]).expect_err("bad label");
        assert!(err.starts_with("line 1: unknown label"), "{err}");
    }

    #[test]
    fn evaluation_figures_follow_from_the_confusion_matrix() {
        // gold criticism: 8 right, 1 praise, 1 neutral; gold praise: 6 right, 2 neutral, 2 criticism.
        let r = EvalReport::from_confusion([[8, 1, 1], [2, 6, 2], [0, 0, 0]]);
        assert_eq!(r.items, 20);
        assert!((r.accuracy - 0.7).abs() < 1e-12);
        assert_eq!(r.decided, 17);
        assert!((r.decided_accuracy - 14.0 / 17.0).abs() < 1e-12);
        let crit = &r.per_class[0];
        assert!((crit.precision - 0.8).abs() < 1e-12 && (crit.recall - 0.8).abs() < 1e-12);
        let praise = &r.per_class[1];
        assert!(
            (praise.precision - 6.0 / 7.0).abs() < 1e-12 && (praise.recall - 0.6).abs() < 1e-12
        );
        // Macro-F1 over criticism and praise only: the gold set has no neutral items.
        let f1_praise = 2.0 * (6.0 / 7.0) * 0.6 / (6.0 / 7.0 + 0.6);
        assert!((r.macro_f1 - (0.8 + f1_praise) / 2.0).abs() < 1e-12);
        let text = r.to_text();
        assert!(text.contains("accuracy   0.700"), "{text}");
        assert!(
            text.contains("criticism          8       1        1"),
            "{text}"
        );
    }

    #[test]
    fn evaluate_reads_labelled_lines() {
        let c = Classifier::builtin();
        let lines = [
            r#"{"text": "Usel service, svarar inte", "label": "criticism"}"#,
            r#"{"text": "Fantastisk personal!", "label": "praise"}"#,
            r#"{"text": "Butiken öppnar klockan nio.", "label": "neutral"}"#,
        ];
        let r = evaluate(c, lines).expect("ok");
        assert_eq!(r.confusion, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
        assert!((r.macro_f1 - 1.0).abs() < 1e-12);
        let json = serde_json::to_value(&r).expect("json");
        assert_eq!(json["per_class"][0]["label"], "criticism");
    }
}
