//! Sentiment: is a mention criticism, praise or neutral — and why.
//!
//! A lexicon-and-rules classifier in the manner of VADER (Hutto & Gilbert 2014), for Swedish and
//! English. It was chosen over a trained model because the leader must be able to read *why* a mention
//! was flagged (every decision comes with its reasons), correct it by adding words (a user lexicon), and
//! because it runs at hundreds of thousands of texts per second with no model files.
//!
//! Pipeline: tokenise → detect language → per sentence, score lexicon words and phrases with negation,
//! intensifiers, contrast and `!` → squash the sum to [−1, 1] → a neutral band around 0 → a star rating,
//! when the item has one, overrides the text.

mod jsonl;
mod lang;
mod lexicon;
mod tokenize;

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::domain::item::Rating;

pub use jsonl::{ClassStats, EvalReport, classify_line, classify_lines, evaluate};
use lexicon::{Found, Lexicon, is_not_form};
use tokenize::{Kind, Token, tokenize};

/// The three classes the inbox sorts by (criticism first).
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Criticism,
    Praise,
    Neutral,
}

impl Label {
    pub const ALL: [Label; 3] = [Label::Criticism, Label::Praise, Label::Neutral];

    pub fn as_str(self) -> &'static str {
        match self {
            Label::Criticism => "criticism",
            Label::Praise => "praise",
            Label::Neutral => "neutral",
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Label {
    type Err = String;

    /// Accepts the three names and, for labelled data sets from elsewhere, `negative`/`positive`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "criticism" | "negative" | "neg" => Ok(Label::Criticism),
            "praise" | "positive" | "pos" => Ok(Label::Praise),
            "neutral" | "neu" => Ok(Label::Neutral),
            other => Err(format!(
                "unknown label {other:?} (expected criticism, praise or neutral)"
            )),
        }
    }
}

/// The classifier's verdict on one text.
#[derive(Serialize, Clone, Debug)]
pub struct Classification {
    pub label: Label,
    /// −1 (strong criticism) … +1 (strong praise), rounded to 3 decimals.
    pub score: f64,
    /// `sv`, `en` or `other`.
    pub lang: String,
    /// What decided, most important first, e.g. `"dålig" (−2.5)`, `negated: "inte bra" (−1.9)`.
    pub reasons: Vec<String>,
}

/// |score| below this is neutral. VADER's ±0.05 makes nearly every mention polar; brand mentions are
/// mostly neither, so one mild word ("ok", "fel") must not decide: it takes roughly one clear word
/// ("bra", "good", "problem") or two mild ones.
const NEUTRAL_BAND: f64 = 0.35;
/// VADER's normalisation constant: score = sum / sqrt(sum² + ALPHA).
const ALPHA: f64 = 15.0;
/// How many words after a negator it reaches (stopping early at punctuation or `men`/`but`).
const NEGATION_SCOPE: usize = 3;
/// "not good" is clearly negative; "not bad" is only mildly positive, so flips are asymmetric.
const NEGATE_POSITIVE: f64 = -0.9;
const NEGATE_NEGATIVE: f64 = -0.5;
/// Contrast: in "good price but awful service" the clause after `but` carries the opinion.
const BEFORE_CONTRAST: f64 = 0.5;
const AFTER_CONTRAST: f64 = 1.5;
/// A word in capitals in a text that is not all capitals is shouted.
const CAPS_FACTOR: f64 = 1.3;
/// "aldrig varit så nöjd": an emphasis, not a negation.
const EMPHASIS_FACTOR: f64 = 1.3;
/// Each `!` (up to 3) adds this much in the sentence's direction.
const EXCLAMATION_STEP: f64 = 0.3;
/// Enough reasons to explain; a 1 MB text would otherwise list thousands.
const MAX_REASONS: usize = 8;
/// Ratings at or below 2/5 are criticism, at or above 4/5 praise.
const RATING_CRITICISM_MAX: f64 = 0.4;
const RATING_PRAISE_MIN: f64 = 0.8;

/// Intensifiers (> 1) and dampeners (< 1), both languages.
fn booster(w: &str) -> Option<f64> {
    Some(match w {
        "extremely" | "incredibly" | "utterly" | "extremt" | "otroligt" | "oerhört"
        | "fruktansvärt" => 1.5,
        "absolutely" | "fucking" | "sjukt" | "jätte" | "jävligt" | "ytterst" | "enormt"
        | "grymt" => 1.4,
        "very" | "really" | "totally" | "completely" | "highly" | "truly" | "seriously"
        | "super" | "mycket" | "väldigt" | "riktigt" | "verkligen" | "totalt" | "jävla"
        | "förbaskat" => 1.3,
        "so" | "too" | "especially" | "definitely" | "så" | "helt" | "särskilt" | "alldeles" => {
            1.2
        }
        "ganska" | "relativt" | "fairly" | "rather" => 0.85,
        "hyfsat" | "mostly" => 0.8,
        "somewhat" | "kinda" | "little" | "bit" | "något" | "någorlunda" | "delvis" | "partly" => {
            0.7
        }
        "slightly" | "marginally" | "lite" | "aningen" | "barely" => 0.6,
        _ => return None,
    })
}

/// Words that negate what follows. `no`/`never` are English, so "no" in a Swedish text is too.
fn is_negator(w: &str) -> bool {
    is_not_form(w)
        || matches!(
            w,
            "no" | "never"
                | "nothing"
                | "nobody"
                | "none"
                | "nowhere"
                | "neither"
                | "nor"
                | "without"
                | "hardly"
                | "inte"
                | "ej"
                | "icke"
                | "aldrig"
                | "ingen"
                | "inget"
                | "inga"
                | "ingenting"
                | "knappast"
                | "knappt"
                | "varken"
                | "utan"
        )
}

/// Negators after which "så/so/such" or a comparative is emphasis: "aldrig varit så nöjd",
/// "never been better".
fn is_never(w: &str) -> bool {
    matches!(w, "never" | "aldrig")
}

fn is_emphasis_word(w: &str) -> bool {
    matches!(w, "så" | "so" | "such" | "this" | "that")
}

fn is_comparative(w: &str) -> bool {
    matches!(w, "better" | "bättre" | "happier" | "more")
        || (w.ends_with("are") && w.chars().count() > 5)
}

/// Whether `texts[i]` is a contrast word. `men` is Swedish for "but" and English for "men": in an
/// English text it counts only when Swedish follows ("Love the app men leveransen var usel").
fn is_contrast(texts: &[&str], i: usize, lang: &str) -> bool {
    match texts[i] {
        "but" | "however" => true,
        "men" if lang != "en" => true,
        "men" => texts[i + 1..].iter().take(3).any(|w| {
            w.contains(['å', 'ä', 'ö'])
                || lang::is_swedish_word(w)
                || matches!(
                    *w,
                    "var" | "det" | "den" | "som" | "har" | "kan" | "ska" | "blev"
                )
        }),
        _ => false,
    }
}

/// Formats a score for reasons: `+2.5`, `−2` (a true minus sign, as people write it).
fn fmt_score(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    let body = if r.fract() == 0.0 {
        format!("{}", r.abs() as i64)
    } else {
        format!("{:.1}", r.abs())
    };
    if r < 0.0 {
        format!("−{body}")
    } else {
        format!("+{body}")
    }
}

/// Formats a [−1, 1] score with two decimals and a true minus sign.
fn fmt_unit(x: f64) -> String {
    let body = format!("{:.2}", x.abs());
    if x < -0.005 {
        format!("−{body}")
    } else {
        format!("+{body}")
    }
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// One signal that contributed to the score, kept for the reasons.
struct Hit {
    score: f64,
    what: String,
}

/// The sentiment classifier: built-in lexicons plus, optionally, the user's words.
#[derive(Clone, Debug)]
pub struct Classifier {
    lex: Lexicon,
}

impl Classifier {
    /// The built-in classifier, built once per process (parsing the lexicons takes a few ms).
    pub fn builtin() -> &'static Classifier {
        static BUILTIN: OnceLock<Classifier> = OnceLock::new();
        BUILTIN.get_or_init(|| Classifier {
            lex: Lexicon::builtin(),
        })
    }

    /// A copy of this classifier with the user's words added (`word<TAB>score` lines, −5…5; a phrase
    /// is words separated by spaces; `#` starts a comment). User words win over the built-in lists in
    /// every language, so a user can also neutralise a word with score 0.
    pub fn with_user_lexicon(&self, text: &str) -> Result<Classifier, String> {
        let mut lex = self.lex.clone();
        lex.add(text, lexicon::Lang::User)
            .map_err(|e| format!("user lexicon: {e}"))?;
        Ok(Classifier { lex })
    }

    /// Classifies `text`, letting a star rating override the text when the item has one.
    pub fn classify(&self, text: &str, rating: Option<Rating>) -> Classification {
        let mut tokens = Vec::new();
        tokenize(text, &self.lex.emoticons, &mut tokens);
        let lang = lang::detect(text, &tokens, || self.lexicon_vote(&tokens));
        let mut hits = Vec::new();
        // A text the detector cannot place (short, few function words) is scored as English when it
        // has no å, ä or ö: almost every Swedish sentence has one, and scoring it under neither
        // language would drop English words that are false friends in Swedish ("a bad movie").
        let scoring_lang = if lang == "other" && !text.contains(['å', 'ä', 'ö', 'Å', 'Ä', 'Ö'])
        {
            "en"
        } else {
            lang
        };
        let total = self.score_tokens(&tokens, scoring_lang, &mut hits);
        let text_score = total / (total * total + ALPHA).sqrt();
        let text_label = if text_score >= NEUTRAL_BAND {
            Label::Praise
        } else if text_score <= -NEUTRAL_BAND {
            Label::Criticism
        } else {
            Label::Neutral
        };

        let mut reasons = Vec::new();
        let (mut label, mut score) = (text_label, text_score);
        if let Some(r) = rating
            && let Some(x) = r.normalised()
        {
            let shown = format!("rating {}/{}", fmt_num(r.value), fmt_num(r.scale));
            let rating_label = if x <= RATING_CRITICISM_MAX + 1e-9 {
                Some(Label::Criticism)
            } else if x >= RATING_PRAISE_MIN - 1e-9 {
                Some(Label::Praise)
            } else {
                None
            };
            match rating_label {
                Some(l) => {
                    // Map the rating onto the same scale as text scores: 2/5 → −0.4 … 0/5 → −1,
                    // 4/5 → +0.4 … 5/5 → +1, so a rating outranks any neutral text.
                    score = if l == Label::Criticism {
                        -0.4 - 0.6 * (RATING_CRITICISM_MAX - x) / RATING_CRITICISM_MAX
                    } else {
                        0.4 + 0.6 * (x - RATING_PRAISE_MIN) / (1.0 - RATING_PRAISE_MIN)
                    };
                    label = l;
                    if text_label == l || hits.is_empty() {
                        reasons.push(shown);
                    } else {
                        reasons.push(format!(
                            "{shown} overrides the text (text alone: {text_label} {})",
                            fmt_unit(text_score)
                        ));
                    }
                }
                None => reasons.push(format!("{shown}: middling, the text decides")),
            }
        }

        hits.sort_by(|a, b| b.score.abs().total_cmp(&a.score.abs()));
        let shown = hits.len().min(MAX_REASONS);
        for h in &hits[..shown] {
            if h.score == 0.0 {
                reasons.push(h.what.clone());
            } else {
                reasons.push(format!("{} ({})", h.what, fmt_score(h.score)));
            }
        }
        if hits.len() > shown {
            reasons.push(format!("…and {} more signals", hits.len() - shown));
        }
        if hits.is_empty() && rating.is_none() {
            reasons.push("no sentiment words, emoji or rating found".into());
        } else if text_label == Label::Neutral && !hits.is_empty() && label == Label::Neutral {
            reasons.push(format!("weak or mixed signals (|score| < {NEUTRAL_BAND})"));
        }
        Classification {
            label,
            score: (score * 1000.0).round() / 1000.0,
            lang: lang.to_string(),
            reasons,
        }
    }

    /// For language detection of short texts: words only the Swedish list knows (+1) or only the
    /// English list knows (−1).
    fn lexicon_vote(&self, tokens: &[Token<'_>]) -> i32 {
        let mut scratch = String::new();
        tokens
            .iter()
            .filter(|t| t.kind == Kind::Word)
            .map(|t| {
                let sv = self
                    .lex
                    .word(&t.text, "sv", &mut scratch)
                    .is_some_and(|(_, f)| f != Found::Exact)
                    || self.lex.in_sv(&t.text);
                let en = self.lex.in_en(&t.text);
                i32::from(sv && !en) - i32::from(en && !sv)
            })
            .sum()
    }

    /// Sums the text's signals sentence by sentence, recording each in `hits`.
    fn score_tokens(&self, tokens: &[Token<'_>], lang: &'static str, hits: &mut Vec<Hit>) -> f64 {
        let texts: Vec<&str> = tokens
            .iter()
            .map(|t| {
                if t.kind == Kind::Word {
                    t.text.as_ref()
                } else {
                    ""
                }
            })
            .collect();
        let words = tokens.iter().filter(|t| t.kind == Kind::Word).count();
        let shouted = tokens.iter().filter(|t| t.caps).count();
        // In an all-capitals text capitals carry no emphasis.
        let caps_count = shouted * 2 < words;
        let mut scratch = String::new();
        let mut total = 0.0;
        let mut start = 0;
        let mut contrast_noted = false;
        while start < tokens.len() {
            let end = tokens[start..]
                .iter()
                .position(|t| matches!(t.kind, Kind::Stop { .. }))
                .map_or(tokens.len(), |p| start + p);
            let exclaim = match tokens.get(end).map(|t| t.kind) {
                Some(Kind::Stop { exclaim }) => exclaim.min(3),
                _ => 0,
            };
            let sentence = Sentence {
                tokens: &tokens[start..end],
                texts: &texts[start..end],
                lang,
                caps_count,
            };
            let contrast =
                (0..sentence.texts.len()).find(|&i| is_contrast(sentence.texts, i, lang));
            if let Some(c) = contrast
                && !contrast_noted
                && sentence.texts[..c]
                    .iter()
                    .chain(&sentence.texts[c + 1..])
                    .any(|w| !w.is_empty())
            {
                contrast_noted = true;
                hits.push(Hit {
                    score: 0.0,
                    what: format!(
                        "contrast \"{}\": the later clause weighs more",
                        texts[start + c]
                    ),
                });
            }
            let mut sum = self.score_sentence(&sentence, contrast, hits, &mut scratch);
            if exclaim > 0 && sum != 0.0 {
                let add = sum.signum() * EXCLAMATION_STEP * f64::from(exclaim);
                sum += add;
                hits.push(Hit {
                    score: add,
                    what: format!("\"{}\"", "!".repeat(usize::from(exclaim))),
                });
            }
            total += sum;
            start = end + 1;
        }
        total
    }

    fn score_sentence(
        &self,
        s: &Sentence<'_, '_>,
        contrast: Option<usize>,
        hits: &mut Vec<Hit>,
        scratch: &mut String,
    ) -> f64 {
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
        let mut neg: Option<Negation> = None;
        let mut boost: Option<Boost> = None;
        let mut sum = 0.0;
        let mut k = 0;
        while k < s.tokens.len() {
            let t = &s.tokens[k];
            let weight = match contrast {
                Some(c) if k < c => BEFORE_CONTRAST,
                Some(c) if k > c => AFTER_CONTRAST,
                _ => 1.0,
            };
            match t.kind {
                Kind::Word => {}
                Kind::Emoji | Kind::Emoticon => {
                    if let Some(score) = self.lex.symbol(&t.text) {
                        let score = score * weight;
                        sum += score;
                        hits.push(Hit {
                            score,
                            what: t.text.to_string(),
                        });
                    }
                    k += 1;
                    continue;
                }
                Kind::Clause | Kind::Stop { .. } => {
                    neg = None;
                    boost = None;
                    k += 1;
                    continue;
                }
            }
            if Some(k) == contrast {
                neg = None;
                boost = None;
                k += 1;
                continue;
            }
            let w = s.texts[k];
            // A phrase first: "svarar inte", "no response" and "aldrig mer" contain negators that must
            // not open a negation of their own.
            let (base, span, note) = if let Some(p) = self.lex.phrase(&s.texts[k..]) {
                let n = p.tokens.len();
                (p.score, n, String::new())
            } else {
                if is_negator(w) {
                    neg = Some(Negation {
                        at: k,
                        left: NEGATION_SCOPE,
                        never: is_never(w),
                        emphasis: false,
                    });
                    boost = None;
                    k += 1;
                    continue;
                }
                if let Some(n) = neg.as_mut()
                    && n.never
                    && is_emphasis_word(w)
                {
                    n.emphasis = true;
                }
                if let Some(f) = booster(w) {
                    // An intensifier is one only if something it can strengthen follows; otherwise it
                    // may be an opinion itself ("Grymt!", "ett grymt jobb").
                    let strengthens = s.tokens.get(k + 1).is_some_and(|t| t.kind == Kind::Word)
                        && {
                            let next = s.texts[k + 1];
                            booster(next).is_some()
                                || is_negator(next)
                                || self.lex.phrase(&s.texts[k + 1..]).is_some()
                                || self.lex.word(next, s.lang, scratch).is_some()
                        };
                    if strengthens || self.lex.word(w, s.lang, scratch).is_none() {
                        boost = Some(match boost {
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
                        tick(&mut neg, 1);
                        k += 1;
                        continue;
                    }
                }
                match self.lex.word(w, s.lang, scratch) {
                    Some((score, found)) => {
                        let note = match found {
                            Found::Exact => String::new(),
                            Found::Inflected(base) => format!(" (= {base})"),
                            Found::Prefixed(prefix, base) => format!(" ({prefix}+{base})"),
                        };
                        (score, 1, note)
                    }
                    None => {
                        tick(&mut neg, 1);
                        if let Some(b) = boost.as_mut() {
                            b.left -= 1;
                            if b.left == 0 {
                                boost = None;
                            }
                        }
                        k += 1;
                        continue;
                    }
                }
            };
            if base == 0.0 {
                // A user-neutralised word: counts as seen but contributes nothing.
                tick(&mut neg, span);
                boost = None;
                k += span;
                continue;
            }
            let mut score = base;
            let mut from = k;
            if let Some(b) = boost.take() {
                score *= b.factor;
                from = b.at;
            }
            let shouted = s.caps_count && s.tokens[k..k + span].iter().any(|t| t.caps);
            if shouted {
                score *= CAPS_FACTOR;
            }
            // The reason quotes the whole span that decided: negator or intensifiers included.
            let kind = if span > 1 { "phrase " } else { "" };
            let mut label = if let Some(n) = &neg {
                let quoted = s.texts[n.at..k + span].join(" ");
                if n.emphasis || (n.never && is_comparative(w)) {
                    score *= EMPHASIS_FACTOR;
                    format!("emphasis: {kind}\"{quoted}\"{note}")
                } else {
                    score *= if score > 0.0 {
                        NEGATE_POSITIVE
                    } else {
                        NEGATE_NEGATIVE
                    };
                    format!("negated: {kind}\"{quoted}\"{note}")
                }
            } else {
                format!("{kind}\"{}\"{note}", s.texts[from..k + span].join(" "))
            };
            if shouted {
                label.push_str(" in capitals");
            }
            if weight != 1.0 {
                label.push_str(if weight > 1.0 {
                    " after contrast"
                } else {
                    " before contrast"
                });
            }
            let score = score * weight;
            sum += score;
            hits.push(Hit { score, what: label });
            tick(&mut neg, span);
            k += span;
        }

        fn tick(neg: &mut Option<Negation>, by: usize) {
            if let Some(n) = neg.as_mut() {
                n.left = n.left.saturating_sub(by);
                if n.left == 0 {
                    *neg = None;
                }
            }
        }
        sum
    }
}

/// One sentence's tokens and their word texts (empty for non-words), for phrase matching.
struct Sentence<'t, 'a> {
    tokens: &'t [Token<'a>],
    texts: &'t [&'t str],
    lang: &'static str,
    caps_count: bool,
}

/// The language of `text`: `"sv"`, `"en"` or `"other"` (also used by the query language's `lang:`).
pub fn detect_language(text: &str) -> &'static str {
    let c = Classifier::builtin();
    let mut tokens = Vec::new();
    tokenize(text, &c.lex.emoticons, &mut tokens);
    lang::detect(text, &tokens, || c.lexicon_vote(&tokens))
}

#[cfg(test)]
mod tests;
