//! Scoring one text: tokens → names set aside → language → per sentence, customer-service rules and
//! lexicon words with negation, intensifiers, contrast and `!` → text-level judgements that decide
//! how much the polar words count (questions, news, ads, irony, mood emoji) → one raw total.
//!
//! The total is on VADER's scale (a sum of word scores around −4…+4 each); `mod.rs` squashes it to
//! [−1, 1] and applies the neutral band and the rating.

use super::classes::{Class, Marks};
use super::lexicon::Found;
use super::names::{Names, mark_capitalised_names};
use super::service::{self, RuleHit};
use super::tokenize::{Kind, Token, tokenize};
use super::{
    AFTER_CONTRAST, BEFORE_CONTRAST, CAPS_FACTOR, Classifier, EMPHASIS_FACTOR, EXCLAMATION_STEP,
    NEGATE_NEGATIVE, NEGATE_POSITIVE, NEGATION_SCOPE, booster, entities, is_comparative,
    is_contrast, is_emphasis_word, is_negator, is_never, lang,
};

/// What kind of signal a hit is; the text-level judgements treat them differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HitKind {
    /// A lexicon word or phrase.
    Word,
    /// A customer-service rule.
    Rule,
    /// An emoji or emoticon that is a verdict (👍, 😡).
    Symbol,
    /// Laughter or a friendly or sad emoji: mood, counted only with a verdict to amplify.
    Affect,
    /// `!`, repetition ("igen") and other amplifiers.
    Amplifier,
    /// An explanation with no score of its own.
    Note,
    /// The installation's learned layer.
    Learned,
}

/// One signal that contributed to the score, kept for the reasons.
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    pub score: f64,
    pub what: String,
    pub kind: HitKind,
    /// A praise formula ("great job", "tack", 👏) that turns ironic after a complaint.
    pub formula: bool,
}

impl Hit {
    fn note(what: String) -> Hit {
        Hit {
            score: 0.0,
            what,
            kind: HitKind::Note,
            formula: false,
        }
    }
}

/// A scored text.
pub(crate) struct Analysis {
    pub lang: &'static str,
    pub hits: Vec<Hit>,
    /// The sum of the hits' scores.
    pub total: f64,
    /// Features for the learned layer (words, word pairs, rules fired), when asked for.
    pub features: Vec<String>,
}

/// How much the polar words of a text (or sentence) count, and why.
#[derive(Clone, Copy)]
struct Weight {
    words: f64,
    rules: f64,
}

impl Weight {
    const FULL: Weight = Weight {
        words: 1.0,
        rules: 1.0,
    };
}

/// News and reports ("X says it is beating Y"): no writer speaking for themselves.
const REPORT: Weight = Weight {
    words: 0.35,
    rules: 0.7,
};
/// Advertising, competitions, job ads.
const AD: Weight = Weight {
    words: 0.25,
    rules: 0.5,
};
/// "Kan någon rekommendera en bra bank?": asking, not judging.
const INFO_QUESTION: Weight = Weight {
    words: 0.2,
    rules: 0.7,
};
const QUESTION: Weight = Weight {
    words: 0.6,
    rules: 1.0,
};
/// "Three never answered at all": a sentence about someone else.
const OTHERS: Weight = Weight {
    words: 0.5,
    rules: 0.5,
};
/// When the caller's names occur in the text, sentences that name them decide more.
const NAMED_SENTENCE: f64 = 1.25;
const UNNAMED_SENTENCE: f64 = 0.8;
/// Repetition ("nere igen", "yet another outage") makes a complaint worse.
const AGAIN_FACTOR: f64 = 1.3;
/// Irony needs a clear complaint elsewhere in the text before praise formulas flip.
const IRONY_EVIDENCE: f64 = -1.0;
const IRONY_FACTOR: f64 = -0.5;
/// Mood emoji and laughter without a verdict still count a little, well inside the neutral band.
const LONE_AFFECT: f64 = 0.3;
/// A reply that is nothing but verdict emoji ("👍", "😡😡") is that verdict: inside a sentence an
/// emoji accompanies the words, alone it is all the writer says.
const REACTION_ONLY: f64 = 1.5;

/// Greetings before a question's first real word.
fn is_greeting(w: &str) -> bool {
    matches!(
        w,
        "hej" | "hallå" | "tja" | "tjena" | "hejsan" | "hi" | "hey" | "hello" | "yo" | "ok" | "so"
    )
}

fn is_person_singular(t: &Token<'_>) -> bool {
    t.raw == "I"
        || t.raw.starts_with("I'")
        || t.raw.starts_with("I’")
        || matches!(
            t.text.as_ref(),
            "jag" | "mig" | "min" | "mitt" | "mina" | "me" | "my" | "mine" | "myself"
        )
}

/// A text's tokens and what the scorer reads from them.
struct Words<'s, 'a> {
    tokens: &'s [Token<'a>],
    /// Scoreable word texts ("" for names, links and symbols).
    texts: &'s [&'s str],
    /// The same with names other than the caller's kept, for phrase matching.
    phrase_texts: &'s [&'s str],
    marks: &'s Marks,
}

/// One sentence: token range and the text-wide context it is scored in.
struct Sent<'s, 'a> {
    tokens: &'s [Token<'a>],
    texts: &'s [&'s str],
    phrase_texts: &'s [&'s str],
    marks: &'s Marks,
    used: &'s [bool],
    a: usize,
    b: usize,
    lang: &'static str,
    caps_count: bool,
}

impl Classifier {
    /// Scores `text`; `features` asks for the learned layer's features too.
    pub(crate) fn analyse(&self, text: &str, names: &Names, features: bool) -> Analysis {
        let decoded = entities::decode(text);
        let mut tokens = Vec::new();
        tokenize(&decoded, &self.lex.emoticons, &mut tokens);
        let named = names.mark(&mut tokens);
        mark_capitalised_names(&mut tokens);
        self.unname_common_words(&mut tokens);
        let lang = lang::detect(&decoded, &tokens, || self.lexicon_vote(&tokens));
        // A text the detector cannot place (short, few function words) is scored as English when it
        // has no å, ä or ö: almost every Swedish sentence has one, and scoring it under neither
        // language would drop English words that are false friends in Swedish ("a bad movie").
        let scoring_lang = if lang == "other" && !decoded.contains(['å', 'ä', 'ö', 'Å', 'Ä', 'Ö'])
        {
            "en"
        } else {
            lang
        };
        let texts: Vec<&str> = tokens
            .iter()
            .map(|t| {
                if t.kind == Kind::Word && !t.name {
                    t.text.as_ref()
                } else {
                    ""
                }
            })
            .collect();
        // Phrases may contain capitalised names that are not the caller's ("Happy Monday").
        let phrase_texts: Vec<&str> = tokens
            .iter()
            .zip(&texts)
            .map(|(t, &w)| {
                if t.kind == Kind::Word && !t.brand {
                    t.text.as_ref()
                } else {
                    w
                }
            })
            .collect();
        let mut marks = Marks::default();
        self.classes.marks(&texts, &mut marks);
        let mut hits = Vec::new();
        let words = Words {
            tokens: &tokens,
            texts: &texts,
            phrase_texts: &phrase_texts,
            marks: &marks,
        };
        self.score_sentences(&words, scoring_lang, named, &mut hits);
        let total = self.judge_text(&tokens, &marks, &decoded, &mut hits);
        let features = if features {
            let mut f = learn_features(&tokens, &texts, &marks, &hits);
            f.push(evidence_bucket(total).to_string());
            f
        } else {
            Vec::new()
        };
        Analysis {
            lang,
            hits,
            total,
            features,
        }
    }

    /// Takes back what the capitalisation rule called names but are not: function words and negators
    /// ("Mic Doesn't work"), and a lone capitalised word of strong opinion ("So Happy with it",
    /// "This is Awesome"), which in posts is emphasis. A lone milder word stays a name ("Excel"),
    /// and so do capitalised words next to other capitalised words ("Best Buy", "Angry Birds").
    fn unname_common_words(&self, tokens: &mut [Token<'_>]) {
        let capital =
            |t: &Token<'_>| t.kind == Kind::Word && (t.initial_cap || t.caps || t.inner_cap);
        for i in 0..tokens.len() {
            let t = &tokens[i];
            if !t.name || t.brand {
                continue;
            }
            let m = self.classes.of(&t.text);
            let common = is_negator(&t.text) || m.has(Class::Function) || m.has(Class::Neg);
            let capital_before = i > 0 && capital(&tokens[i - 1]) && !tokens[i - 1].start;
            let capital_after = tokens.get(i + 1).is_some_and(capital);
            let alone = !(t.inner_cap || capital_before || capital_after);
            let strong = alone
                && self
                    .lex
                    .exact(&t.text, "other")
                    .is_some_and(|s| s.abs() >= 2.5);
            if common || strong {
                tokens[i].name = false;
            }
        }
    }

    /// Scores every sentence into `hits`.
    fn score_sentences(
        &self,
        w: &Words<'_, '_>,
        lang: &'static str,
        named: bool,
        hits: &mut Vec<Hit>,
    ) {
        let (tokens, texts, marks) = (w.tokens, w.texts, w.marks);
        let words = tokens.iter().filter(|t| t.kind == Kind::Word).count();
        let shouted = tokens.iter().filter(|t| t.caps).count();
        // In an all-capitals text capitals carry no emphasis.
        let caps_count = shouted * 2 < words;
        let breaks: Vec<bool> = tokens.iter().map(|t| t.kind == Kind::Clause).collect();
        let cx = service::Cx {
            texts,
            marks,
            breaks: &breaks,
        };
        let mut used = vec![false; tokens.len()];
        let mut rule_hits: Vec<RuleHit> = Vec::new();
        let mut scratch = String::new();
        let mut contrast_noted = false;
        let mut start = 0;
        while start < tokens.len() {
            let end = tokens[start..]
                .iter()
                .position(|t| matches!(t.kind, Kind::Stop { .. }))
                .map_or(tokens.len(), |p| start + p);
            rule_hits.clear();
            service::rules(&cx, start, end, &mut rule_hits);
            for h in &rule_hits {
                used[h.from..h.to].iter_mut().for_each(|u| *u = true);
            }
            let s = Sent {
                tokens,
                texts,
                phrase_texts: w.phrase_texts,
                marks,
                used: &used,
                a: start,
                b: end,
                lang,
                caps_count,
            };
            let contrast =
                (start..end).find(|&i| !texts[i].is_empty() && is_contrast(texts, i, lang));
            if let Some(c) = contrast
                && !contrast_noted
                && (start..end).any(|i| i != c && !texts[i].is_empty())
            {
                contrast_noted = true;
                hits.push(Hit::note(format!(
                    "contrast \"{}\": the later clause weighs more",
                    texts[c]
                )));
            }
            let first = hits.len();
            for h in &rule_hits {
                let w = contrast_weight(contrast, h.from);
                hits.push(Hit {
                    score: h.score * w,
                    what: with_contrast(h.what.clone(), w),
                    kind: HitKind::Rule,
                    formula: false,
                });
            }
            self.score_words(&s, contrast, hits, &mut scratch);
            self.weigh_sentence(&s, named, &mut hits[first..]);
            amplify(&s, tokens.get(end), hits, first);
            start = end + 1;
        }
    }

    /// Sentence-level weights: questions, sentences about others, sentences naming the brand.
    fn weigh_sentence(&self, s: &Sent<'_, '_>, named: bool, hits: &mut [Hit]) {
        let words: Vec<usize> = (s.a..s.b)
            .filter(|&i| !s.texts[i].is_empty() && !is_greeting(s.texts[i]))
            .collect();
        let Some(&first) = words.first() else {
            return;
        };
        let question = matches!(
            s.tokens.get(s.b).map(|t| t.kind),
            Some(Kind::Stop { question: true, .. })
        );
        // "Letar efter något enkelt", "looking for a good bank": asking without a question mark.
        let seeking = s.marks.any_in(s.a, s.b, Class::Seek);
        let mut weight = Weight::FULL;
        let mut why = None;
        if question || seeking {
            let rhetorical = words
                .iter()
                .take(3)
                .any(|&i| s.marks.at(i).has(Class::Rhetorical))
                || words
                    .iter()
                    .any(|&i| matches!(s.texts[i], "ever" | "någonsin"));
            let asking = seeking
                || s.marks.at(first).has(Class::Ask)
                || words.iter().any(|&i| {
                    matches!(
                        s.texts[i],
                        "någon" | "nån" | "anyone" | "anybody" | "someone" | "somebody"
                    )
                });
            if !rhetorical {
                (weight, why) = if asking {
                    (INFO_QUESTION, Some("a question asking for information"))
                } else {
                    (QUESTION, Some("a question"))
                };
            }
        }
        let numeral_subject = s.marks.at(first).has(Class::Number)
            && s.texts[first].parse::<f64>().is_err()
            && !matches!(s.texts[first], "en" | "ett" | "a" | "an" | "one")
            && ![
                Class::Minute,
                Class::Hour,
                Class::Day,
                Class::Week,
                Class::Month,
                Class::Year,
                Class::Times,
                Class::Occasion,
            ]
            .iter()
            .any(|&c| s.marks.at(first + 1).has(c));
        if s.marks.at(first).has(Class::Others)
            || numeral_subject
            || s.marks.any_in(s.a, s.b, Class::ThirdParty)
        {
            weight.words *= OTHERS.words;
            weight.rules *= OTHERS.rules;
            why = Some("about others");
        }
        if named {
            let names_here = (s.a..s.b).any(|i| s.tokens[i].brand);
            let f = if names_here {
                NAMED_SENTENCE
            } else {
                UNNAMED_SENTENCE
            };
            weight.words *= f;
            weight.rules *= f;
        }
        apply_weight(hits, weight, why);
    }

    /// Text-level judgements, in order: irony, then reports and ads, then mood emoji and laughter.
    /// Returns the total.
    fn judge_text(
        &self,
        tokens: &[Token<'_>],
        marks: &Marks,
        text: &str,
        hits: &mut Vec<Hit>,
    ) -> f64 {
        let evidence = |hits: &[Hit], formulas: bool| -> f64 {
            hits.iter()
                .filter(|h| h.kind != HitKind::Affect && (formulas || !h.formula))
                .map(|h| h.score)
                .sum()
        };
        // "Great service #not": the writer says it is irony.
        let marked = tokens.iter().any(|t| {
            t.hashtag
                && matches!(
                    t.text.as_ref(),
                    "not" | "sarcasm" | "irony" | "ironi" | "sarkasm" | "ironiskt"
                )
        });
        if marked {
            for h in hits
                .iter_mut()
                .filter(|h| h.score > 0.0 && h.kind != HitKind::Note)
            {
                h.score *= IRONY_FACTOR;
                h.what = format!("irony (marked): {}", h.what);
            }
        } else if evidence(hits, false) <= IRONY_EVIDENCE {
            for h in hits.iter_mut().filter(|h| h.formula && h.score > 0.0) {
                h.score *= IRONY_FACTOR;
                h.what = format!("irony after a complaint: {}", h.what);
            }
        }
        let n = tokens.len();
        let singular = tokens.iter().any(is_person_singular);
        let person = singular || (0..n).any(|i| marks.at(i).has(Class::Person));
        let ads = (0..n).filter(|&i| marks.at(i).has(Class::Ad)).count();
        // News states; it does not ask ("still says 'processing'. What is going on?").
        let report =
            !person && !text.contains('?') && (0..n).any(|i| marks.at(i).has(Class::Report));
        // One cue ("free shipping", "off") is also what reviews say; an ad has two, or one with a
        // price, a percentage or an exclamation, and no one speaking for themselves.
        let priced = text.contains(['%', '$', '€', '£', '!']) || text.contains(" kr");
        let ad = ads >= 2 || (ads == 1 && priced && !singular);
        if ad || report {
            let (w, why) = if ad {
                (AD, "reads as an advertisement")
            } else {
                (REPORT, "reads as news")
            };
            apply_weight(hits, w, Some(why));
        }
        if tokens.iter().all(|t| t.kind != Kind::Word) {
            for h in hits.iter_mut().filter(|h| h.kind == HitKind::Symbol) {
                h.score *= REACTION_ONLY;
            }
        }
        // Mood needs a verdict in its own direction: "❤" on "Hej från Göteborg" is a greeting, and
        // "😂" after "appen kraschar" is bitter, not praise.
        let verdict = evidence(hits, true);
        let mut muted = Vec::new();
        for h in hits.iter_mut().filter(|h| h.kind == HitKind::Affect) {
            if verdict == 0.0 {
                h.score *= LONE_AFFECT;
            } else if verdict.signum() != h.score.signum() {
                muted.push(h.what.clone());
                h.score = 0.0;
            }
        }
        if !muted.is_empty() {
            hits.retain(|h| !(h.kind == HitKind::Affect && h.score == 0.0));
            hits.push(Hit::note(format!(
                "{}: mood, not a verdict here",
                muted.join(" ")
            )));
        }
        hits.iter().map(|h| h.score).sum()
    }
}

fn contrast_weight(contrast: Option<usize>, at: usize) -> f64 {
    match contrast {
        Some(c) if at < c => BEFORE_CONTRAST,
        Some(c) if at > c => AFTER_CONTRAST,
        _ => 1.0,
    }
}

fn with_contrast(mut what: String, weight: f64) -> String {
    if weight > 1.0 {
        what.push_str(" after contrast");
    } else if weight < 1.0 {
        what.push_str(" before contrast");
    }
    what
}

/// Multiplies the scores of `hits` by `w` (words and symbols by `w.words`, rules by `w.rules`) and
/// says why once.
fn apply_weight(hits: &mut [Hit], w: Weight, why: Option<&str>) {
    let mut changed = false;
    for h in hits.iter_mut() {
        let f = match h.kind {
            HitKind::Rule => w.rules,
            HitKind::Word | HitKind::Symbol | HitKind::Affect | HitKind::Amplifier => w.words,
            HitKind::Note | HitKind::Learned => 1.0,
        };
        if f != 1.0 && h.score != 0.0 {
            h.score *= f;
            changed = true;
        }
    }
    if changed
        && let Some(why) = why
        && let Some(h) = hits.iter_mut().find(|h| h.score != 0.0)
    {
        h.what = format!("{} ({why}: weighs less)", h.what);
    }
}

/// Repetition and `!` amplify the sentence's verdict.
fn amplify(s: &Sent<'_, '_>, stop: Option<&Token<'_>>, hits: &mut Vec<Hit>, first: usize) {
    let sum: f64 = hits[first..].iter().map(|h| h.score).sum();
    if sum < 0.0
        && let Some(k) = (s.a..s.b).find(|&k| s.marks.at(k).has(Class::Again))
    {
        let add = sum * (AGAIN_FACTOR - 1.0);
        hits.push(Hit {
            score: add,
            what: format!("repeated: \"{}\"", s.texts[k]),
            kind: HitKind::Amplifier,
            formula: false,
        });
    }
    let exclaim = match stop.map(|t| t.kind) {
        Some(Kind::Stop { exclaim, .. }) => exclaim.min(3),
        _ => 0,
    };
    let sum: f64 = hits[first..]
        .iter()
        .filter(|h| h.kind != HitKind::Affect)
        .map(|h| h.score)
        .sum();
    if exclaim > 0 && sum != 0.0 {
        hits.push(Hit {
            score: sum.signum() * EXCLAMATION_STEP * f64::from(exclaim),
            what: format!("\"{}\"", "!".repeat(usize::from(exclaim))),
            kind: HitKind::Amplifier,
            formula: false,
        });
    }
}

/// The learned layer's feature for how much evidence the lexicon found: a band of the raw total. With
/// these a handful of overrides can move the installation's band ("here, no evidence at all is mostly
/// criticism"; "a weak positive word is not praise").
fn evidence_bucket(total: f64) -> &'static str {
    match total {
        t if t <= -3.0 => "lex:strong criticism",
        t if t <= -1.45 => "lex:criticism",
        t if t <= -0.5 => "lex:weak criticism",
        t if t < 0.0 => "lex:faint criticism",
        0.0 => "lex:no evidence",
        t if t < 0.5 => "lex:faint praise",
        t if t < 1.45 => "lex:weak praise",
        t if t < 3.0 => "lex:praise",
        _ => "lex:strong praise",
    }
}

/// The learned layer's features: content words, adjacent word pairs within a sentence (unless both
/// are function words), rules and emoji.
fn learn_features(
    tokens: &[Token<'_>],
    texts: &[&str],
    marks: &Marks,
    hits: &[Hit],
) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev: Option<(&str, bool)> = None;
    for (k, (t, &w)) in tokens.iter().zip(texts).enumerate() {
        match t.kind {
            Kind::Word if !w.is_empty() => {
                let function = marks.at(k).has(Class::Function);
                if !function {
                    out.push(format!("w:{w}"));
                }
                if let Some((p, p_function)) = prev
                    && !(function && p_function)
                {
                    out.push(format!("b:{p} {w}"));
                }
                prev = Some((w, function));
            }
            Kind::Emoji | Kind::Emoticon => {
                out.push(format!("e:{}", t.text));
                prev = None;
            }
            Kind::Stop { .. } => prev = None,
            _ => {}
        }
    }
    for h in hits.iter().filter(|h| h.kind == HitKind::Rule) {
        if let Some((label, _)) = h.what.split_once(':') {
            out.push(format!("r:{label}"));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// An open negation: where it started, words left in scope, and whether it turned into emphasis.
struct Negation {
    at: usize,
    left: usize,
    never: bool,
    emphasis: bool,
}

/// Pending intensifiers: where they started, the combined factor, words left before they lapse.
struct Boost {
    at: usize,
    factor: f64,
    left: usize,
}

fn tick(neg: &mut Option<Negation>, by: usize) {
    if let Some(n) = neg.as_mut() {
        n.left = n.left.saturating_sub(by);
        if n.left == 0 {
            *neg = None;
        }
    }
}

/// A word's (or phrase's) score and span, before negation and intensifiers.
struct Found2 {
    score: f64,
    span: usize,
    note: String,
    kind: HitKind,
}

impl Classifier {
    /// Lexicon words, phrases and emoji of one sentence, with negation, intensifiers, capitals and
    /// contrast, skipping names and the words a rule already used.
    fn score_words(
        &self,
        s: &Sent<'_, '_>,
        contrast: Option<usize>,
        hits: &mut Vec<Hit>,
        scratch: &mut String,
    ) {
        let mut neg: Option<Negation> = None;
        let mut boost: Option<Boost> = None;
        let mut k = s.a;
        while k < s.b {
            let t = &s.tokens[k];
            let weight = contrast_weight(contrast, k);
            match t.kind {
                Kind::Emoji | Kind::Emoticon => {
                    self.symbol_hit(t, weight, hits);
                    k += 1;
                    continue;
                }
                Kind::Clause | Kind::Stop { .. } => {
                    (neg, boost) = (None, None);
                    k += 1;
                    continue;
                }
                Kind::Skip | Kind::Word => {}
            }
            if Some(k) == contrast {
                (neg, boost) = (None, None);
                k += 1;
                continue;
            }
            if s.used[k] || s.texts[k].is_empty() {
                // A name, a link or a rule's word: takes a place in the negation's scope.
                tick(&mut neg, 1);
                k += 1;
                continue;
            }
            let Some(found) = self.lookup(s, k, &mut neg, &mut boost, scratch) else {
                k += 1;
                continue;
            };
            if found.score == 0.0 {
                // A neutralised word: counts as seen but contributes nothing.
                tick(&mut neg, found.span);
                boost = None;
                k += found.span;
                continue;
            }
            let hit = self.word_hit(s, k, &found, neg.as_ref(), boost.take(), weight);
            hits.push(hit);
            tick(&mut neg, found.span);
            k += found.span;
        }
    }

    /// What the word at `k` is: a phrase, a negator or intensifier (which update the state and
    /// return `None`), laughter, a hashtag, or a lexicon word.
    fn lookup(
        &self,
        s: &Sent<'_, '_>,
        k: usize,
        neg: &mut Option<Negation>,
        boost: &mut Option<Boost>,
        scratch: &mut String,
    ) -> Option<Found2> {
        let t = &s.tokens[k];
        let w = s.texts[k];
        // A phrase first: "svarar inte", "no response" and "aldrig mer" contain negators that must
        // not open a negation of their own.
        if let Some(p) = self.lex.phrase(&s.phrase_texts[k..s.b])
            && !s.used[k..k + p.tokens.len()].iter().any(|&u| u)
        {
            return Some(Found2 {
                score: p.score,
                span: p.tokens.len(),
                note: String::new(),
                kind: HitKind::Word,
            });
        }
        if is_negator(w) {
            *neg = Some(Negation {
                at: k,
                left: NEGATION_SCOPE,
                never: is_never(w),
                emphasis: false,
            });
            *boost = None;
            return None;
        }
        if let Some(n) = neg.as_mut()
            && n.never
            && is_emphasis_word(w)
        {
            n.emphasis = true;
        }
        if let Some((score, folded)) = self.lex.affect(w) {
            let note = if folded.is_empty() {
                String::new()
            } else {
                format!(" (= {folded})")
            };
            return Some(Found2 {
                score,
                span: 1,
                note,
                kind: HitKind::Affect,
            });
        }
        if let Some(f) = booster(w) {
            // An intensifier is one only if something it can strengthen follows; otherwise it
            // may be an opinion itself ("Grymt!", "ett grymt jobb").
            let strengthens =
                s.tokens.get(k + 1).is_some_and(|t| t.kind == Kind::Word) && k + 1 < s.b && {
                    let next = s.texts[k + 1];
                    booster(next).is_some()
                        || is_negator(next)
                        || self.lex.phrase(&s.texts[k + 1..s.b]).is_some()
                        || self.lex.word(next, s.lang, scratch).is_some()
                };
            if strengthens || self.lex.word(w, s.lang, scratch).is_none() {
                *boost = Some(match boost.take() {
                    Some(b) => Boost {
                        at: b.at,
                        factor: b.factor * f,
                        left: 2,
                    },
                    None => Boost {
                        at: k,
                        factor: f,
                        left: 2,
                    },
                });
                tick(neg, 1);
                return None;
            }
        }
        let looked = if t.hashtag {
            self.lex.hashtag(t.raw, w, s.lang, scratch)
        } else if t.caps && t.raw.chars().count() <= 4 {
            // Short words in capitals are acronyms (NFC, SJ, ICA) unless listed exactly as written.
            self.lex.exact(w, s.lang).map(|x| (x, String::new()))
        } else {
            self.lex.word(w, s.lang, scratch).map(|(x, found)| {
                let note = match found {
                    Found::Exact => String::new(),
                    Found::Inflected(base) => format!(" (= {base})"),
                    Found::Prefixed(prefix, base) => format!(" ({prefix}+{base})"),
                };
                (x, note)
            })
        };
        match looked {
            Some((score, note)) => Some(Found2 {
                score,
                span: 1,
                note,
                kind: HitKind::Word,
            }),
            None => {
                tick(neg, 1);
                if let Some(b) = boost.as_mut() {
                    b.left -= 1;
                    if b.left == 0 {
                        *boost = None;
                    }
                }
                None
            }
        }
    }

    /// The hit for a found word: intensified, negated or emphasised, shouted, weighted by contrast.
    fn word_hit(
        &self,
        s: &Sent<'_, '_>,
        k: usize,
        found: &Found2,
        neg: Option<&Negation>,
        boost: Option<Boost>,
        weight: f64,
    ) -> Hit {
        let span = found.span;
        let mut score = found.score;
        let mut from = k;
        if let Some(b) = boost {
            score *= b.factor;
            from = b.at;
        }
        let shouted = s.caps_count && s.tokens[k..k + span].iter().any(|t| t.caps);
        if shouted {
            score *= CAPS_FACTOR;
        }
        let quoted = |from: usize| -> String {
            let words: Vec<&str> = s.texts[from..k + span]
                .iter()
                .copied()
                .filter(|w| !w.is_empty())
                .collect();
            words.join(" ")
        };
        let kind = if span > 1 { "phrase " } else { "" };
        let hashtag = if s.tokens[k].hashtag { "#" } else { "" };
        let note = &found.note;
        let mut label = match neg {
            Some(n) if found.kind == HitKind::Word => {
                let q = quoted(n.at);
                if n.emphasis || (n.never && is_comparative(s.texts[k])) {
                    score *= EMPHASIS_FACTOR;
                    format!("emphasis: {kind}\"{q}\"{note}")
                } else {
                    score *= if score > 0.0 {
                        NEGATE_POSITIVE
                    } else {
                        NEGATE_NEGATIVE
                    };
                    format!("negated: {kind}\"{q}\"{note}")
                }
            }
            _ => format!("{kind}\"{hashtag}{}\"{note}", quoted(from)),
        };
        if shouted {
            label.push_str(" in capitals");
        }
        // A praise formula that irony may turn: the whole hit lies inside a formula's words.
        let formula = found.kind == HitKind::Word
            && neg.is_none()
            && s.marks.len(k, Class::Sarcasm).is_some_and(|n| n >= span);
        Hit {
            score: score * weight,
            what: with_contrast(label, weight),
            kind: found.kind,
            formula,
        }
    }

    /// An emoji or emoticon: a verdict, or mood (see `affect.tsv`).
    fn symbol_hit(&self, t: &Token<'_>, weight: f64, hits: &mut Vec<Hit>) {
        let (score, kind) = match self.lex.affect(&t.text) {
            Some((s, _)) => (s, HitKind::Affect),
            None => match self.lex.symbol(&t.text) {
                Some(s) => (s, HitKind::Symbol),
                None => return,
            },
        };
        hits.push(Hit {
            score: score * weight,
            what: t.text.to_string(),
            kind,
            formula: kind == HitKind::Symbol && self.classes.of(&t.text).has(Class::Sarcasm),
        });
    }
}
