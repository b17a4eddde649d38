//! Relevance: whether a mention that matched a brand's query is really about the company.
//!
//! Keyword matching cannot tell `Stadium` the sports chain from "i ett tidigt stadium", or `Max` the
//! burger chain from Max Verstappen; the leader can, and says so with every mark. Each `not_about_us`
//! is a negative label for the mention's brands; each action that presumes relevance (replied, no
//! reply needed for another reason than not-about-us or spam, a sentiment override, an explicit
//! "about us") a positive one. From those labels each brand gets its own model.
//!
//! # The model
//!
//! A Bernoulli naive Bayes over hashed, present-or-absent features of the item:
//!
//! - the words of the title and text (`w`), and adjacent word pairs (`b`) with the name written `#`
//!   (`tidigt #`), so a pair learnt for one spelling of the name holds for the others;
//! - the name's neighbourhood: the word right before (`L`) and after (`R`) each occurrence of the
//!   name and the words within three of it (`N`); and how the name is written there: capitalised
//!   inside a sentence, lower case, all capitals, or first in a sentence (`C`);
//! - the author (`a`), the host without `www.` (`h`) and the URL's first path segments (`p`).
//!
//! Only features seen in training count, each with the weight
//! `ln P(f | about us) − ln P(f | not about us)` (Laplace-smoothed), added to the class prior's log
//! odds; the score is the logistic of that sum divided by a temperature, which keeps a long text's
//! many weak features from making the score overconfident. Why naive Bayes: it learns from a handful
//! of labels (logistic regression needs more to beat it), a new label is a counter increment (so a
//! mark is learnt at once), training on thousands of labels takes milliseconds, and every decision is
//! a sum of named weights, so the reasons shown are exactly what decided.
//!
//! A brand with fewer than [`MIN_EACH`] labels of either kind has no model yet: its mentions get no
//! score, and nothing is held back.

pub mod eval;
pub mod suggest;

use std::collections::HashMap;

use crate::domain::query::text::{self, Fold};

/// The `to` of the event that confirms a mention is about us.
pub const ABOUT_US: &str = "about_us";

/// What a mention's state says about its relevance, as a label: `Some(false)` for a dismissal as not
/// about us, `Some(true)` for an action that presumes it is about us — replied, no reply needed for
/// a reason other than not-about-us or spam (spam says nothing about the brand), a sentiment
/// override, an explicit confirmation — and `None` when the leader has said nothing yet.
pub fn label_of(
    status: crate::domain::mention::Status,
    reason: Option<&str>,
    overridden: bool,
    confirmed: bool,
) -> Option<bool> {
    use crate::domain::mention::{NoReplyReason, Status};
    let reason = reason.and_then(|r| r.parse::<NoReplyReason>().ok());
    match (status, reason) {
        (Status::NoReplyNeeded, Some(NoReplyReason::NotAboutUs)) => Some(false),
        (Status::Replied, _) => Some(true),
        (Status::NoReplyNeeded, Some(r)) if r != NoReplyReason::Spam => Some(true),
        _ if overridden || confirmed => Some(true),
        _ => None,
    }
}

/// Labels of each kind a brand needs before its model scores anything.
pub const MIN_EACH: u32 = 3;
/// The score below which a mention is held back, unless the brand sets its own.
pub const DEFAULT_THRESHOLD: f64 = 0.5;
/// Laplace smoothing of the per-class feature frequencies.
const ALPHA: f64 = 0.5;
/// Divides the summed log odds: naive Bayes counts correlated features as independent evidence.
const TEMPERATURE: f64 = 3.0;
/// Words read from a long text: the start of a post says what it is about, and this bounds the cost.
const MAX_TOKENS: usize = 400;
/// Features shown as a score's reasons.
const SHOWN: usize = 3;
/// Words within this distance of the name are its neighbourhood.
const WINDOW: usize = 3;

/// A brand's settings for context and relevance (`[[brands]]` `thread_context`, `relevance_threshold`).
#[derive(Debug, Clone, PartialEq)]
pub struct BrandRelevance {
    pub brand: String,
    /// A post in a thread about the brand is a mention of it (on by default).
    pub thread_context: bool,
    /// Mentions scoring below this are held back as probably not about us.
    pub threshold: f64,
}

/// The text of an item as the model reads it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Doc<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub author: &'a str,
    pub url: &'a str,
}

/// One labelled item: the leader said it is (or is not) about `brand`.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub brand: String,
    pub title: String,
    pub body: String,
    pub author: String,
    pub url: String,
    pub about_us: bool,
}

impl Example {
    pub fn doc(&self) -> Doc<'_> {
        Doc {
            title: &self.title,
            body: &self.body,
            author: &self.author,
            url: &self.url,
        }
    }
}

/// A brand's name as the model looks for it: its normalised tokens (`go`, `monday`) and the tokens
/// joined (`gomonday`), each also with the possessive `s`.
#[derive(Debug, Clone, Default)]
pub struct Name {
    tokens: Vec<String>,
    joined: String,
}

impl Name {
    pub fn new(name: &str) -> Name {
        let tokens: Vec<String> = text::token_ranges(name)
            .into_iter()
            .map(|(s, e)| text::normalize(&name[s..e], Fold::Case))
            .collect();
        let joined = tokens.concat();
        Name { tokens, joined }
    }

    fn is_form(word: &str, of: &str) -> bool {
        !of.is_empty()
            && (word == of
                || (word.len() == of.len() + 1 && word.starts_with(of) && word.ends_with('s')))
    }

    /// Is token `i` of `words` the end of the name? Returns the first token of the occurrence.
    fn ends_at(&self, words: &[String], i: usize) -> Option<usize> {
        let w = words.get(i)?;
        if Self::is_form(w, &self.joined) && self.tokens.len() > 1 {
            return Some(i);
        }
        let n = self.tokens.len();
        let last = self.tokens.last()?;
        if n == 0 || i + 1 < n || !Self::is_form(w, last) {
            return None;
        }
        let start = i + 1 - n;
        (0..n - 1)
            .all(|k| words[start + k] == self.tokens[k])
            .then_some(start)
    }
}

/// What one feature is, for the reasons a person reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Word,
    Pair,
    Left,
    Right,
    Near,
    Case,
    Author,
    Host,
    Path,
}

impl Kind {
    fn tag(self) -> u8 {
        match self {
            Kind::Word => b'w',
            Kind::Pair => b'b',
            Kind::Left => b'L',
            Kind::Right => b'R',
            Kind::Near => b'N',
            Kind::Case => b'C',
            Kind::Author => b'a',
            Kind::Host => b'h',
            Kind::Path => b'p',
        }
    }
}

/// FNV-1a over the kind's tag and the feature's text: stable across runs and processes.
fn hash(kind: Kind, text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in std::iter::once(&kind.tag()).chain(text.as_bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// How a feature reads in a reason.
fn describe(kind: Kind, text: &str) -> String {
    match kind {
        Kind::Word => format!("\"{text}\""),
        Kind::Pair => format!("\"{}\"", text.replace('#', "…")),
        Kind::Left => format!("\"{text} …\""),
        Kind::Right => format!("\"… {text}\""),
        Kind::Near => format!("near \"{text}\""),
        Kind::Case => format!("name written {text}"),
        Kind::Author => format!("author {text}"),
        Kind::Host => format!("site {text}"),
        Kind::Path => format!("path /{text}"),
    }
}

/// The features of `doc` for a brand called `name`: `f(kind, text)` for each, duplicates included.
fn for_each_feature(doc: &Doc, name: &Name, f: &mut impl FnMut(Kind, &str)) {
    let mut pair = String::new();
    for field in [doc.title, doc.body] {
        let ranges = text::token_ranges(field);
        let ranges = &ranges[..ranges.len().min(MAX_TOKENS)];
        let words: Vec<String> = ranges
            .iter()
            .map(|&(s, e)| text::normalize(&field[s..e], Fold::Case))
            .collect();
        let mut is_name = vec![false; words.len()];
        for i in 0..words.len() {
            let Some(start) = name.ends_at(&words, i) else {
                continue;
            };
            is_name[start..=i].iter_mut().for_each(|x| *x = true);
            f(Kind::Case, case_of(field, ranges, start));
            if let Some(left) = start.checked_sub(1).and_then(|l| words.get(l)) {
                f(Kind::Left, left);
            }
            if let Some(right) = words.get(i + 1) {
                f(Kind::Right, right);
            }
            let from = start.saturating_sub(WINDOW);
            let to = (i + WINDOW + 1).min(words.len());
            for (k, w) in words.iter().enumerate().take(to).skip(from) {
                if k < start || k > i {
                    f(Kind::Near, w);
                }
            }
        }
        for (k, w) in words.iter().enumerate() {
            if !is_name[k] {
                f(Kind::Word, w);
            }
            if let Some(next) = words.get(k + 1) {
                pair.clear();
                pair.push_str(if is_name[k] { "#" } else { w });
                pair.push(' ');
                pair.push_str(if is_name[k + 1] { "#" } else { next });
                f(Kind::Pair, &pair);
            }
        }
    }
    let author = doc.author.trim().to_lowercase();
    if !author.is_empty() {
        f(Kind::Author, &author);
    }
    let (host, path) = host_and_path(doc.url);
    if !host.is_empty() {
        f(Kind::Host, &host);
    }
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).take(2).collect();
    if let Some(first) = segments.first() {
        f(Kind::Path, first);
        if let Some(second) = segments.get(1) {
            f(Kind::Path, &format!("{first}/{second}"));
        }
    }
}

/// How the name is written where it occurs: a capital inside a sentence says "a name".
fn case_of<'a>(field: &str, ranges: &[(usize, usize)], start: usize) -> &'a str {
    let (s, e) = ranges[start];
    let word = &field[s..e];
    let before = field[..s].trim_end();
    let first_in_sentence = before.is_empty() || before.ends_with(['.', '!', '?', ':', '\n']);
    if word.chars().count() > 1 && word.chars().all(|c| !c.is_lowercase()) {
        "in capitals"
    } else if first_in_sentence {
        "first in a sentence"
    } else if word.chars().next().is_some_and(char::is_uppercase) {
        "capitalised"
    } else {
        "in lower case"
    }
}

/// The URL's host (lower case, without `www.`) and its path, lower case.
fn host_and_path(url: &str) -> (String, String) {
    let Ok(u) = url::Url::parse(url.trim()) else {
        return (String::new(), String::new());
    };
    let host = u.host_str().unwrap_or("").to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    (host, u.path().to_lowercase())
}

/// The distinct feature hashes of `doc`, sorted.
fn feature_set(doc: &Doc, name: &Name) -> Vec<u64> {
    let mut v = Vec::with_capacity(256);
    for_each_feature(doc, name, &mut |k, t| v.push(hash(k, t)));
    v.sort_unstable();
    v.dedup();
    v
}

/// One brand's counts: per feature, in how many negative and positive examples it occurred.
#[derive(Debug, Clone, Default)]
struct BrandModel {
    name: Name,
    counts: HashMap<u64, [u32; 2]>,
    totals: [u32; 2],
}

impl BrandModel {
    fn learn(&mut self, features: &[u64], about_us: bool) {
        let c = about_us as usize;
        self.totals[c] += 1;
        for &f in features {
            self.counts.entry(f).or_default()[c] += 1;
        }
    }

    fn ready(&self) -> bool {
        self.totals[0] >= MIN_EACH && self.totals[1] >= MIN_EACH
    }

    /// The weight of a feature seen `c` times: its log likelihood ratio.
    fn weight(&self, c: [u32; 2]) -> f64 {
        let [n_neg, n_pos] = self.totals.map(f64::from);
        let p_pos = (c[1] as f64 + ALPHA) / (n_pos + 2.0 * ALPHA);
        let p_neg = (c[0] as f64 + ALPHA) / (n_neg + 2.0 * ALPHA);
        (p_pos / p_neg).ln()
    }

    fn prior(&self) -> f64 {
        let [n_neg, n_pos] = self.totals.map(f64::from);
        ((n_pos + 1.0) / (n_neg + 1.0)).ln()
    }
}

/// A score and what decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The probability that the item is about the brand, in [0, 1].
    pub score: f64,
    /// The strongest features, e.g. `"tidigt …" (−1.4)`.
    pub reasons: Vec<String>,
}

/// Every brand's relevance model of one installation.
#[derive(Debug, Clone, Default)]
pub struct RelevanceModel {
    brands: HashMap<String, BrandModel>,
    /// Feature hash → how it reads, for every feature seen in training.
    names: HashMap<u64, (Kind, String)>,
    labels: usize,
}

impl RelevanceModel {
    /// Trains on `examples` (in any order).
    pub fn train(examples: &[Example]) -> RelevanceModel {
        let mut m = RelevanceModel::default();
        for e in examples {
            m.learn(e);
        }
        m
    }

    /// Learns one more label: a counter per feature, so it takes microseconds.
    pub fn learn(&mut self, e: &Example) {
        let model = self
            .brands
            .entry(e.brand.clone())
            .or_insert_with(|| BrandModel {
                name: Name::new(&e.brand),
                ..Default::default()
            });
        let mut features = Vec::with_capacity(256);
        let names = &mut self.names;
        for_each_feature(&e.doc(), &model.name, &mut |k, t| {
            let h = hash(k, t);
            features.push(h);
            names.entry(h).or_insert_with(|| (k, t.to_string()));
        });
        features.sort_unstable();
        features.dedup();
        model.learn(&features, e.about_us);
        self.labels += 1;
    }

    /// How many labels it learnt from.
    pub fn len(&self) -> usize {
        self.labels
    }

    pub fn is_empty(&self) -> bool {
        self.labels == 0
    }

    /// Labels learnt for `brand`: (about us, not about us).
    pub fn labels_of(&self, brand: &str) -> (u32, u32) {
        self.brands
            .get(brand)
            .map_or((0, 0), |b| (b.totals[1], b.totals[0]))
    }

    /// Does `brand` have enough labels of both kinds to be scored?
    pub fn is_ready(&self, brand: &str) -> bool {
        self.brands.get(brand).is_some_and(BrandModel::ready)
    }

    /// The score of `doc` for `brand`, or `None` while the brand has too few labels.
    pub fn score(&self, brand: &str, doc: &Doc) -> Option<Verdict> {
        let model = self.brands.get(brand).filter(|m| m.ready())?;
        let mut sum = model.prior();
        let mut contributions: Vec<(f64, u64)> = Vec::new();
        for f in feature_set(doc, &model.name) {
            if let Some(&c) = model.counts.get(&f) {
                let w = model.weight(c);
                sum += w;
                contributions.push((w, f));
            }
        }
        let score = 1.0 / (1.0 + (-sum / TEMPERATURE).exp());
        // The reasons lean the way the verdict went: the strongest features on its side.
        let about = score >= 0.5;
        contributions.retain(|(w, _)| (*w > 0.0) == about);
        contributions.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()).then(a.1.cmp(&b.1)));
        let reasons = contributions
            .iter()
            .take(SHOWN)
            .filter_map(|(w, f)| {
                let (kind, text) = self.names.get(f)?;
                Some(format!(
                    "{} ({:+.1})",
                    describe(*kind, text),
                    w / TEMPERATURE
                ))
            })
            .collect();
        Some(Verdict { score, reasons })
    }

    /// The feature weights of `brand` with how they read, strongest first, for the words that
    /// say "not about us" (negative) and "about us" (positive): what the dashboard says it learnt.
    pub fn strongest(&self, brand: &str, n: usize) -> Vec<(String, f64)> {
        let Some(model) = self.brands.get(brand) else {
            return Vec::new();
        };
        let mut all: Vec<(f64, &str, Kind)> = model
            .counts
            .iter()
            .filter(|(_, c)| c[0] + c[1] >= 2)
            .filter_map(|(f, &c)| {
                let (kind, text) = self.names.get(f)?;
                Some((model.weight(c), text.as_str(), *kind))
            })
            .collect();
        all.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()).then(a.1.cmp(b.1)));
        all.into_iter()
            .take(n)
            .map(|(w, t, k)| (describe(k, t), w / TEMPERATURE))
            .collect()
    }
}

#[cfg(test)]
mod tests;
