//! `lyssna relevance --eval`: replaying labelled lines as the leader's marks and measuring how well
//! the relevance model separates "about us" from the rest as labels accumulate.
//!
//! Each line is `{brand, title, body, author, url, label}` (`title`, `author` and `url` may be empty
//! or absent; every line already matched its brand's query). After the first `k` lines of each brand
//! (in file order) have been learnt, the remaining lines of that brand are predicted: "about us" when
//! the score reaches the threshold, or when the brand has too few labels to be scored (nothing is
//! held back then). Keyword matching alone calls every line "about us"; its figures over the same
//! remaining lines are the baseline.

use serde::{Deserialize, Serialize};

use super::{DEFAULT_THRESHOLD, Example, RelevanceModel};

/// Labels per brand after which the learning curve is measured.
pub const CURVE: [usize; 5] = [0, 10, 25, 50, 100];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    brand: String,
    #[serde(default)]
    title: Option<String>,
    body: String,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    url: Option<String>,
    label: bool,
}

/// Reads labelled lines (blank lines skipped). The error names the 1-based line.
pub fn parse(text: &str) -> Result<Vec<(usize, Example)>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let l: Line = serde_json::from_str(raw).map_err(|e| format!("line {}: {e}", i + 1))?;
        if l.brand.trim().is_empty() {
            return Err(format!("line {}: `brand` is empty", i + 1));
        }
        out.push((
            i + 1,
            Example {
                brand: l.brand,
                title: l.title.unwrap_or_default(),
                body: l.body,
                author: l.author.unwrap_or_default(),
                url: l.url.unwrap_or_default(),
                about_us: l.label,
            },
        ));
    }
    Ok(out)
}

/// Precision, recall and F1 of "about us" over some predictions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Figures {
    pub lines: usize,
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

impl Figures {
    fn from_pairs(pairs: impl Iterator<Item = (bool, bool)>) -> Figures {
        let mut f = Figures::default();
        for (predicted, gold) in pairs {
            f.lines += 1;
            match (predicted, gold) {
                (true, true) => f.true_positives += 1,
                (true, false) => f.false_positives += 1,
                (false, true) => f.false_negatives += 1,
                (false, false) => {}
            }
        }
        let ratio = |a: usize, b: usize| (b > 0).then(|| a as f64 / b as f64);
        f.precision = ratio(f.true_positives, f.true_positives + f.false_positives);
        f.recall = ratio(f.true_positives, f.true_positives + f.false_negatives);
        f.f1 = match (f.precision, f.recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        f
    }
}

/// One point of the learning curve: after `labels` labels per brand.
#[derive(Debug, Clone, Serialize)]
pub struct CurvePoint {
    pub labels: usize,
    pub model: Figures,
    pub keyword_only: Figures,
}

/// One prediction of `--format jsonl`.
#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    pub line: usize,
    pub brand: String,
    pub about_us: bool,
    /// `null` while the brand has too few labels to be scored.
    pub score: Option<f64>,
}

/// Learns the first `k` lines of each brand and predicts every other line, in file order.
pub fn predict(lines: &[(usize, Example)], k: usize, threshold: f64) -> Vec<Prediction> {
    let mut seen: std::collections::HashMap<&str, usize> = Default::default();
    let mut train = Vec::new();
    let mut test = Vec::new();
    for (n, e) in lines {
        let c = seen.entry(e.brand.as_str()).or_default();
        if *c < k {
            train.push(e.clone());
        } else {
            test.push((*n, e));
        }
        *c += 1;
    }
    let model = RelevanceModel::train(&train);
    test.into_iter()
        .map(|(line, e)| {
            let score = model.score(&e.brand, &e.doc()).map(|v| v.score);
            Prediction {
                line,
                brand: e.brand.clone(),
                about_us: score.is_none_or(|s| s >= threshold),
                score: score.map(|s| (s * 1000.0).round() / 1000.0),
            }
        })
        .collect()
}

/// The learning curve at each of `ks` labels per brand, with the keyword-only baseline.
pub fn curve(lines: &[(usize, Example)], ks: &[usize]) -> Vec<CurvePoint> {
    let gold: std::collections::HashMap<usize, bool> =
        lines.iter().map(|(n, e)| (*n, e.about_us)).collect();
    ks.iter()
        .map(|&k| {
            let predictions = predict(lines, k, DEFAULT_THRESHOLD);
            let gold = &gold;
            let pairs = |keyword: bool| {
                predictions
                    .iter()
                    .map(move |p| (keyword || p.about_us, gold.get(&p.line) == Some(&true)))
                    .collect::<Vec<_>>()
            };
            CurvePoint {
                labels: k,
                model: Figures::from_pairs(pairs(false).into_iter()),
                keyword_only: Figures::from_pairs(pairs(true).into_iter()),
            }
        })
        .collect()
}

/// The curve as a table for a terminal.
pub fn render(points: &[CurvePoint]) -> String {
    let f = |x: Option<f64>| x.map_or("—".to_string(), |v| format!("{v:.3}"));
    let mut out = String::from(
        "labels/brand  lines  precision  recall  F1     | keyword only: precision  recall  F1\n",
    );
    for p in points {
        out.push_str(&format!(
            "{:>12}  {:>5}  {:>9}  {:>6}  {:>5}  | {:>23}  {:>6}  {:>5}\n",
            p.labels,
            p.model.lines,
            f(p.model.precision),
            f(p.model.recall),
            f(p.model.f1),
            f(p.keyword_only.precision),
            f(p.keyword_only.recall),
            f(p.keyword_only.f1),
        ));
    }
    out
}
