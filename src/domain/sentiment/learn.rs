//! Learning from the leader's overrides: a small per-installation model on top of the lexicon.
//!
//! Each sentiment override is a labelled example. The model is a linear correction to the lexicon's
//! raw total — `total + Σ weight(feature)` over the text's features (its content words, adjacent word
//! pairs, the rules that fired, its emoji and how much evidence the lexicon found) — trained so that the
//! corrected total lands in the overridden class's band. The loss is an ordinal logistic one (the
//! band's two edges are the thresholds: criticism below, neutral inside, praise above) with L2
//! regularisation, minimised by coordinate descent with a bounded-curvature step: deterministic,
//! never diverging, and a few milliseconds for hundreds of examples.
//!
//! Why this shape: the lexicon stays the prior (an empty model changes nothing, and an example the
//! lexicon already gets clearly right pulls little); a logistic loss keeps one badly mislabelled
//! example from dragging common words along (a squared loss lets the largest errors dominate, and a
//! hinge, tried too, learned less on the development sets); the lexicon's own evidence is a feature
//! (in bands of its total), so overrides can also move where this installation's band lies; and the
//! weights are on the lexicon's scale, so a reason reads like the others:
//! `learned: "ingen svarar" (−1.2)`.

use super::fasthash::FastMap;

use super::score::{Hit, HitKind};
use super::{ALPHA, CRITICISM_AT, Classifier, Label, Names, PRAISE_AT};

/// One override: the text the leader re-labelled and the label they gave it.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    pub text: String,
    pub label: Label,
}

impl Example {
    pub fn new(text: impl Into<String>, label: Label) -> Example {
        Example {
            text: text.into(),
            label,
        }
    }
}

/// An example as the trainer sees it.
#[derive(Clone, Debug)]
struct Stored {
    features: Vec<String>,
    base: f64,
    label: Label,
}

/// The learned layer of one installation.
#[derive(Clone, Debug, Default)]
pub struct OverrideModel {
    weights: FastMap<String, f64>,
    examples: Vec<Stored>,
}

/// L2 strength: how many examples it takes to trust a feature.
const LAMBDA: f64 = 0.1;
/// The logistic loss's scale in raw lexicon units: how sharply the band's edges separate classes.
const SCALE: f64 = 2.0;
/// Coordinate-descent passes over all features.
const PASSES: usize = 60;
/// Weights smaller than this are dropped after training (they would only slow lookups).
const KEEP: f64 = 0.01;
/// Learned features shown in a text's reasons.
const SHOWN: usize = 3;

/// A [−1, 1] score's raw total: the inverse of `squash`.
fn raw(score: f64) -> f64 {
    score * (ALPHA / (1.0 - score * score)).sqrt()
}

fn sigmoid(u: f64) -> f64 {
    1.0 / (1.0 + (-u).exp())
}

/// The loss's derivative at corrected total `z` for `label`. Each class is on the correct side of
/// one or both band edges: softplus((z − edge)/SCALE) for "should be below the edge", and its mirror.
fn gradient(z: f64, label: Label) -> f64 {
    let (lo, hi) = (raw(CRITICISM_AT), raw(PRAISE_AT));
    let below = |edge: f64| sigmoid((z - edge) / SCALE) / SCALE;
    let above = |edge: f64| -sigmoid((edge - z) / SCALE) / SCALE;
    match label {
        Label::Criticism => below(lo),
        Label::Praise => above(hi),
        Label::Neutral => below(hi) + above(lo),
    }
}

/// An upper bound on the loss's curvature per example (σ(1 − σ) ≤ 1/4, twice for neutral): a step
/// of gradient / bound never overshoots.
const CURVATURE: f64 = 2.0 * 0.25 / (SCALE * SCALE);

impl OverrideModel {
    /// Trains on `examples` (in any order; duplicates count twice).
    pub fn train(classifier: &Classifier, names: &Names, examples: &[Example]) -> OverrideModel {
        let mut m = OverrideModel::default();
        for e in examples {
            m.examples.push(stored(classifier, names, e));
        }
        m.fit();
        m
    }

    /// Adds one override and retrains (still milliseconds: the model is small).
    pub fn update(&mut self, classifier: &Classifier, names: &Names, example: Example) {
        self.examples.push(stored(classifier, names, &example));
        self.fit();
    }

    /// How many overrides it has learned from.
    pub fn len(&self) -> usize {
        self.examples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.examples.is_empty()
    }

    /// The `n` strongest learned features, for a settings page: `("ingen svarar", −1.2)`.
    pub fn strongest(&self, n: usize) -> Vec<(String, f64)> {
        let mut all: Vec<(&String, f64)> = self.weights.iter().map(|(f, &w)| (f, w)).collect();
        all.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(b.0)));
        all.into_iter()
            .take(n)
            .map(|(f, w)| (display(f), w))
            .collect()
    }

    /// The correction for a text with `features`; its strongest contributions are added to `hits`
    /// as reasons.
    pub(crate) fn adjust(&self, features: &[String], hits: &mut Vec<Hit>) -> f64 {
        let mut present: Vec<(&str, f64)> = features
            .iter()
            .filter_map(|f| self.weights.get(f).map(|&w| (f.as_str(), w)))
            .collect();
        let delta: f64 = present.iter().map(|(_, w)| w).sum();
        present.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(b.0)));
        for &(f, w) in present.iter().take(SHOWN).filter(|(_, w)| w.abs() >= 0.1) {
            hits.push(Hit {
                score: w,
                what: format!("learned: {}", display(f)),
                kind: HitKind::Learned,
                formula: false,
            });
        }
        delta
    }

    /// Coordinate descent on the regularised loss, one weight at a time with a step bounded by the
    /// loss's largest curvature (a majorise-minimise step: the loss never increases).
    fn fit(&mut self) {
        let mut index: FastMap<&str, usize> = FastMap::default();
        let mut rows: Vec<Vec<usize>> = Vec::with_capacity(self.examples.len());
        for e in &self.examples {
            let row = e
                .features
                .iter()
                .map(|f| {
                    let next = index.len();
                    *index.entry(f.as_str()).or_insert(next)
                })
                .collect();
            rows.push(row);
        }
        let mut names: Vec<&str> = vec![""; index.len()];
        for (&f, &i) in &index {
            names[i] = f;
        }
        let mut by_feature: Vec<Vec<usize>> = vec![Vec::new(); index.len()];
        for (i, row) in rows.iter().enumerate() {
            for &f in row {
                by_feature[f].push(i);
            }
        }
        // Warm start from the previous weights (an update moves them only a little).
        let mut w: Vec<f64> = names
            .iter()
            .map(|f| self.weights.get(*f).copied().unwrap_or(0.0))
            .collect();
        let mut z: Vec<f64> = self
            .examples
            .iter()
            .zip(&rows)
            .map(|(e, row)| e.base + row.iter().map(|&f| w[f]).sum::<f64>())
            .collect();
        for _ in 0..PASSES {
            let mut moved = 0.0f64;
            for f in 0..w.len() {
                let g = 2.0 * LAMBDA * w[f]
                    + by_feature[f]
                        .iter()
                        .map(|&i| gradient(z[i], self.examples[i].label))
                        .sum::<f64>();
                let h = 2.0 * LAMBDA + CURVATURE * by_feature[f].len() as f64;
                let step = g / h;
                if step != 0.0 {
                    w[f] -= step;
                    for &i in &by_feature[f] {
                        z[i] -= step;
                    }
                    moved = moved.max(step.abs());
                }
            }
            if moved < 1e-4 {
                break;
            }
        }
        self.weights = names
            .iter()
            .zip(&w)
            .filter(|(_, w)| w.abs() >= KEEP)
            .map(|(f, &w)| (f.to_string(), w))
            .collect();
    }
}

fn stored(classifier: &Classifier, names: &Names, e: &Example) -> Stored {
    let a = classifier.analyse(&e.text, names, true);
    Stored {
        features: a.features,
        base: a.total,
        label: e.label,
    }
}

/// A feature as a reason shows it: `"ingen svarar"`, `rule "no answer"`, `emoji 😂`.
fn display(feature: &str) -> String {
    match feature.split_once(':') {
        Some(("w" | "b", words)) => format!("\"{words}\""),
        Some(("r", rule)) => format!("rule \"{rule}\""),
        Some(("e", emoji)) => format!("emoji {emoji}"),
        Some(("lex", evidence)) => format!("where the lexicon finds {evidence}"),
        _ => feature.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c() -> &'static Classifier {
        Classifier::builtin()
    }

    #[test]
    fn an_override_teaches_the_phrase_and_explains_itself() {
        let none = Names::default();
        let text = "Strulpelle igen med leveransen";
        assert_eq!(c().classify(text, None).label, Label::Neutral);
        let examples = vec![
            Example::new("Strulpelle igen, tredje veckan", Label::Criticism),
            Example::new("Det var strulpelle hela dagen", Label::Criticism),
            Example::new("Strulpelle med fakturan nu", Label::Criticism),
        ];
        let m = OverrideModel::train(c(), &none, &examples);
        assert_eq!(m.len(), 3);
        let r = c().classify_learned(text, None, &none, Some(&m));
        assert_eq!(r.label, Label::Criticism, "{r:?}");
        assert!(
            r.reasons
                .iter()
                .any(|x| x.starts_with("learned: \"strulpelle\" (−")),
            "{:?}",
            r.reasons
        );
        assert_eq!(m.strongest(1)[0].0, "\"strulpelle\"");
    }

    #[test]
    fn examples_the_lexicon_gets_right_only_reinforce_it() {
        let none = Names::default();
        let examples = vec![
            Example::new("Usel service, svarar aldrig", Label::Criticism),
            Example::new("Fantastisk personal, tack!", Label::Praise),
        ];
        let m = OverrideModel::train(c(), &none, &examples);
        let weight = |f: &str| {
            m.strongest(100)
                .into_iter()
                .find(|(n, _)| n == f)
                .map(|x| x.1)
        };
        assert!(weight("\"fantastisk\"").is_some_and(|w| w > 0.0));
        assert!(weight("\"usel\"").is_some_and(|w| w < 0.0));
        for e in &examples {
            let r = c().classify_learned(&e.text, None, &none, Some(&m));
            assert_eq!(r.label, e.label, "{r:?}");
        }
    }

    #[test]
    fn update_learns_online_and_an_empty_model_is_the_lexicon() {
        let none = Names::default();
        let text = "Kundtjänsten hänvisade till en blankett";
        let base = c().classify(text, None);
        let mut m = OverrideModel::default();
        let same = c().classify_learned(text, None, &none, Some(&m));
        assert_eq!((same.label, same.score), (base.label, base.score));
        for _ in 0..3 {
            m.update(
                c(),
                &none,
                Example::new("hänvisade till en blankett igen", Label::Criticism),
            );
        }
        assert_eq!(m.len(), 3);
        let r = c().classify_learned(text, None, &none, Some(&m));
        assert_eq!(r.label, Label::Criticism, "{r:?}");
    }

    #[test]
    fn neutral_overrides_pull_polar_words_back_into_the_band() {
        let none = Names::default();
        let examples: Vec<Example> = (0..6)
            .map(|i| {
                Example::new(
                    format!("Vinn biljetter till match {i}, glada hälsningar"),
                    Label::Neutral,
                )
            })
            .collect();
        let m = OverrideModel::train(c(), &none, &examples);
        let r = c().classify_learned(
            "Vinn biljetter, glada hälsningar från oss",
            None,
            &none,
            Some(&m),
        );
        assert_eq!(r.label, Label::Neutral, "{r:?}");
    }
}
