//! Suggested `exclude` and `context` terms: what the labels say, written as queries the leader can
//! adopt knowingly (the caller adds the dry-run counts of each).
//!
//! An exclude term is a word, or the name with the word before or after it as a phrase
//! (`"tidigt stadium"`, `"max verstappen"`), found in at least [`MIN_SUPPORT`] not-about-us items and
//! in none of the confirmed ones. A context term is a word found in at least [`MIN_SUPPORT`] + 1
//! confirmed items and in no not-about-us item. Both are ranked by how many items they separate.

use std::collections::HashMap;

use super::{Example, Kind, Name, for_each_feature};

/// Items a term must separate before it is suggested.
pub const MIN_SUPPORT: usize = 2;
/// Suggestions of each kind per brand.
const MAX_EACH: usize = 5;

/// Short words that separate by chance rather than meaning.
const STOP: &[&str] = &[
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "is", "it", "for", "i", "my",
    "och", "i", "på", "att", "det", "som", "en", "ett", "är", "av", "för", "med", "till", "den",
    "jag", "har", "så", "men", "om", "de", "vi", "du", "s",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TermKind {
    Exclude,
    Context,
}

/// One suggested term with the labels behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub brand: String,
    pub kind: TermKind,
    /// The term as a query: a word or a phrase.
    pub term: String,
    /// Not-about-us items the term occurs in.
    pub not_about_us: usize,
    /// Confirmed items it occurs in.
    pub about_us: usize,
}

/// The suggestions for `brand` from its labelled examples (other brands' examples are ignored).
pub fn suggest(brand: &str, examples: &[Example]) -> Vec<Suggestion> {
    let name = Name::new(brand);
    let written = name.tokens.join(" ");
    // term → [items not about us, items about us]
    let mut counts: HashMap<String, [usize; 2]> = HashMap::new();
    let mut context: HashMap<String, [usize; 2]> = HashMap::new();
    for e in examples.iter().filter(|e| e.brand == brand) {
        let mut terms: Vec<(bool, String)> = Vec::new();
        for_each_feature(&e.doc(), &name, &mut |kind, text| {
            let useful = text.chars().count() > 2 && !STOP.contains(&text);
            match kind {
                Kind::Word if useful => {
                    terms.push((false, text.to_string()));
                    terms.push((true, text.to_string()));
                }
                Kind::Left if useful => terms.push((false, format!("\"{text} {written}\""))),
                Kind::Right if useful => terms.push((false, format!("\"{written} {text}\""))),
                _ => {}
            }
        });
        terms.sort_unstable();
        terms.dedup();
        let class = e.about_us as usize;
        for (is_context, t) in terms {
            let map = if is_context {
                &mut context
            } else {
                &mut counts
            };
            map.entry(t).or_default()[class] += 1;
        }
    }
    let mut out = Vec::new();
    let mut pick = |map: HashMap<String, [usize; 2]>, kind: TermKind| {
        let mut v: Vec<(String, [usize; 2])> = map
            .into_iter()
            .filter(|(_, c)| match kind {
                TermKind::Exclude => c[0] >= MIN_SUPPORT && c[1] == 0,
                TermKind::Context => c[1] > MIN_SUPPORT && c[0] == 0,
            })
            .collect();
        let support = |c: &[usize; 2]| c[0].max(c[1]);
        // Phrases with the name first: they say why, and remove less by accident.
        v.sort_by(|a, b| {
            support(&b.1)
                .cmp(&support(&a.1))
                .then(b.0.starts_with('"').cmp(&a.0.starts_with('"')))
                .then(a.0.cmp(&b.0))
        });
        for (term, c) in v.into_iter().take(MAX_EACH) {
            out.push(Suggestion {
                brand: brand.to_string(),
                kind,
                term,
                not_about_us: c[0],
                about_us: c[1],
            });
        }
    };
    pick(counts, TermKind::Exclude);
    pick(context, TermKind::Context);
    out
}
