//! The raw-text prefilter: decides cheaply that a document cannot make any brand a candidate, so
//! that most documents are never tokenised or normalised.
//!
//! Every brand's main query has a *required literal set* (see the engine): a document in which none
//! of those literals occurs as (part of) a normalised token matches no brand. The prefilter answers
//! "might a required literal occur in this field?" with no false negatives:
//!
//! - **All-ASCII tokens.** Tokenising is only ever split at ASCII punctuation or spaces around them,
//!   and their normal form in every fold mode is their ASCII lower case (exact mode: the token itself).
//!   So one ASCII-case-insensitive Aho-Corasick scan of the *raw* field for the ASCII required literals
//!   finds every occurrence in such tokens. A hit counts only where the literal can be whole-token,
//!   prefix or suffix: the byte before a whole or prefix literal (after a whole or suffix one) must
//!   not be an ASCII letter or digit; a non-ASCII neighbour is accepted (conservatively).
//! - **Tokens with non-ASCII characters** (`på`, `Örjan`, `o\u{308}rjan`, `Straße`) are found without
//!   tokenising the rest ([`text::for_each_non_ascii_token`]), normalised per fold mode into a small
//!   `\0tok\0tok\0` side buffer and scanned with the framed required literals of that mode. This
//!   covers literals with non-ASCII letters, and ASCII literals that only appear after folding
//!   (`orjan` from `Örjan` with `fold_diacritics`, `ss` from `ß`, `fika` from `ﬁka`).
//! - **Swedish tokens** (ASCII letters and digits with precomposed `å`, `ä`, `ö` in either case: most
//!   Swedish words, so most of the side work) normalise byte for byte in the case-folding and exact
//!   modes. Their occurrences of such a mode's literals are found by the raw scan, which also holds
//!   those modes' literals with `å`, `ä`, `ö` (in every upper/lower-case spelling for case folding),
//!   so such a token goes into the side buffer only of the diacritic-folding mode, where `år` becomes
//!   `ar`.
//! - **Anything else** (a character outside ASCII, Latin letters and marks and common punctuation)
//!   makes the field "maybe": the document takes the full path.
//!
//! A "maybe" only costs time; the full path then decides exactly as without a prefilter, so the
//! prefilter cannot change any result.

use std::cell::RefCell;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::text::{self, Fold};

/// One required literal: its normalised text in `mode`, and whether it must start (`start`) and/or
/// end (`end`) a token (a whole-token literal both, `pre*` only `start`, `*suf` only `end`).
pub(super) struct Required {
    pub mode: Fold,
    pub text: Vec<u8>,
    pub start: bool,
    pub end: bool,
}

#[derive(Debug)]
pub(super) struct Prefilter {
    /// The ASCII required literals, unframed, ASCII-case-insensitive, overlapping semantics.
    raw: Option<AhoCorasick>,
    /// Per raw pattern: must the byte before / after the hit not be an ASCII letter or digit?
    raw_anchors: Vec<(bool, bool)>,
    /// Per fold mode: that mode's required literals framed like the engine's (`\0word\0`, `\0pre`,
    /// `suf\0`), for the side buffer of non-ASCII tokens.
    side: [Option<AhoCorasick>; 3],
    /// Per fold mode: must a Swedish token (see [`is_swedish`]) still go into that mode's side buffer?
    /// Only where the raw scan cannot stand in for it.
    swedish_side: [bool; 3],
    /// A literal that cannot be prefiltered (an empty one): every document takes the full path.
    always: bool,
}

/// Case-folding literals with more Swedish letters than this are left to the side buffer: their
/// spellings in the raw scan double with each one.
const MAX_SWEDISH_LETTERS: usize = 4;

/// The Swedish letters in UTF-8, lower case then upper case (`å ä ö`, `Å Ä Ö`).
const SWEDISH_LOWER: [[u8; 2]; 3] = [[0xC3, 0xA5], [0xC3, 0xA4], [0xC3, 0xB6]];
const SWEDISH_UPPER: [[u8; 2]; 3] = [[0xC3, 0x85], [0xC3, 0x84], [0xC3, 0x96]];

/// Is `token` ASCII with precomposed Swedish letters only? Such a token's case-folded form is its
/// bytes with ASCII and `Å Ä Ö` lower-cased, and its exact form is itself.
fn is_swedish(token: &[u8]) -> bool {
    let mut i = 0;
    while i < token.len() {
        let b = token[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        let Some(pair) = token.get(i..i + 2) else {
            return false;
        };
        if !SWEDISH_LOWER
            .iter()
            .chain(&SWEDISH_UPPER)
            .any(|l| l == pair)
        {
            return false;
        }
        i += 2;
    }
    true
}

/// Every spelling of a case-folded literal that differs only in the case of its Swedish letters, or
/// `None` when it holds another non-ASCII character (then no Swedish token can match it) or more than
/// [`MAX_SWEDISH_LETTERS`] Swedish letters.
fn swedish_spellings(lit: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut spellings = vec![Vec::with_capacity(lit.len())];
    let mut letters = 0;
    let mut i = 0;
    while i < lit.len() {
        if lit[i] < 0x80 {
            spellings.iter_mut().for_each(|s| s.push(lit[i]));
            i += 1;
            continue;
        }
        let pair = lit.get(i..i + 2)?;
        let k = SWEDISH_LOWER.iter().position(|l| l == pair)?;
        letters += 1;
        if letters > MAX_SWEDISH_LETTERS {
            return None;
        }
        let mut upper = spellings.clone();
        spellings
            .iter_mut()
            .for_each(|s| s.extend_from_slice(&SWEDISH_LOWER[k]));
        upper
            .iter_mut()
            .for_each(|s| s.extend_from_slice(&SWEDISH_UPPER[k]));
        spellings.append(&mut upper);
        i += 2;
    }
    Some(spellings)
}

/// Side buffers, reused between documents on a thread so the prefilter allocates nothing.
#[derive(Default)]
struct SideBufs {
    bufs: [String; 3],
}

thread_local! {
    static SIDE: RefCell<SideBufs> = RefCell::new(SideBufs::default());
}

fn build(
    patterns: &[Vec<u8>],
    ascii_case_insensitive: bool,
) -> Result<Option<AhoCorasick>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let build = |kind| {
        AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(ascii_case_insensitive)
            // Framed patterns all start with NUL, which the side buffer is full of: a start-byte
            // prefilter would stop at every token.
            .prefilter(ascii_case_insensitive)
            .kind(kind)
            .build(patterns)
    };
    build(Some(AhoCorasickKind::DFA))
        .or_else(|_| build(None))
        .map(Some)
        .map_err(|e| format!("cannot build the prefilter automaton: {e}"))
}

impl Prefilter {
    pub fn new(lits: &[Required]) -> Result<Prefilter, String> {
        let mut raw_pats = Vec::new();
        let mut raw_anchors = Vec::new();
        let mut side_pats: [Vec<Vec<u8>>; 3] = Default::default();
        let mut always = false;
        let mut swedish_side = [false; 3];
        for l in lits {
            if l.text.is_empty() {
                always = true;
                continue;
            }
            if l.text.is_ascii() {
                raw_pats.push(l.text.clone());
                raw_anchors.push((l.start, l.end));
            } else {
                match l.mode {
                    // A Swedish token's exact form is its raw bytes.
                    Fold::Exact => {
                        raw_pats.push(l.text.clone());
                        raw_anchors.push((l.start, l.end));
                    }
                    Fold::Case => match swedish_spellings(&l.text) {
                        Some(spellings) => {
                            raw_anchors.extend(spellings.iter().map(|_| (l.start, l.end)));
                            raw_pats.extend(spellings);
                        }
                        // Too many Swedish letters to spell every way.
                        None if is_swedish(&l.text) => swedish_side[Fold::Case as usize] = true,
                        // Another non-ASCII letter: no Swedish token folds to it.
                        None => {}
                    },
                    // A Swedish token folds to ASCII here: it cannot hold this literal.
                    Fold::Diacritics => {}
                }
            }
            let mut framed = Vec::with_capacity(l.text.len() + 2);
            if l.start {
                framed.push(0);
            }
            framed.extend_from_slice(&l.text);
            if l.end {
                framed.push(0);
            }
            side_pats[l.mode as usize].push(framed);
        }
        let mut side: [Option<AhoCorasick>; 3] = [None, None, None];
        for (slot, pats) in side.iter_mut().zip(&side_pats) {
            *slot = build(pats, false)?;
        }
        // Swedish tokens lose their letters in this mode (`år` is `ar`): it needs them whenever it has
        // literals at all.
        swedish_side[Fold::Diacritics as usize] = side[Fold::Diacritics as usize].is_some();
        Ok(Prefilter {
            raw: build(&raw_pats, true)?,
            raw_anchors,
            side,
            swedish_side,
            always,
        })
    }

    /// Might a required literal occur in `text` (one field)? Never `false` when one does.
    pub fn may_match(&self, text: &str) -> bool {
        if self.always {
            return true;
        }
        if text.is_empty() {
            return false;
        }
        if self.raw_hit(text) {
            return true;
        }
        if text.is_ascii() || self.side.iter().all(Option::is_none) {
            return false;
        }
        SIDE.with(|cell| match cell.try_borrow_mut() {
            Ok(mut sb) => self.side_hit(text, &mut sb),
            // Re-entered on this thread (cannot happen today): use fresh buffers.
            Err(_) => self.side_hit(text, &mut SideBufs::default()),
        })
    }

    fn raw_hit(&self, text: &str) -> bool {
        let Some(raw) = &self.raw else {
            return false;
        };
        let bytes = text.as_bytes();
        let Ok(iter) = raw.try_find_overlapping_iter(bytes) else {
            return true;
        };
        let is_word = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_alphanumeric);
        for m in iter {
            let (start, end) = self
                .raw_anchors
                .get(m.pattern().as_usize())
                .copied()
                .unwrap_or((false, false));
            let start_ok = !start || m.start() == 0 || !is_word(m.start() - 1);
            let end_ok = !end || !is_word(m.end());
            if start_ok && end_ok {
                return true;
            }
        }
        false
    }

    fn side_hit(&self, text: &str, sb: &mut SideBufs) -> bool {
        let bufs = &mut sb.bufs;
        for b in bufs.iter_mut() {
            b.clear();
            b.push('\0');
        }
        let simple = text::for_each_non_ascii_token(text, |s, e| {
            let token = text.get(s..e).unwrap_or_default();
            let swedish = is_swedish(token.as_bytes());
            for fold in Fold::ALL {
                let m = fold as usize;
                if self.side[m].is_none() || swedish && !self.swedish_side[m] {
                    continue;
                }
                text::normalize_into(token, fold, &mut bufs[m]);
                bufs[m].push('\0');
            }
        });
        if !simple {
            return true;
        }
        self.side.iter().zip(bufs.iter()).any(|(ac, buf)| {
            ac.as_ref()
                .is_some_and(|ac| buf.len() > 1 && ac.is_match(buf.as_bytes()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_tokens_are_ascii_with_precomposed_swedish_letters() {
        for token in ["på", "ÖRJAN", "Ärlig", "gomonday", "åäöÅÄÖ"] {
            assert!(is_swedish(token.as_bytes()), "{token}");
        }
        for token in ["café", "o\u{308}rjan", "Straße", "ø", "æble", "東"] {
            assert!(!is_swedish(token.as_bytes()), "{token}");
        }
    }

    #[test]
    fn case_folded_literals_are_spelled_with_every_case_of_their_swedish_letters() {
        let spelled = |lit: &str| {
            swedish_spellings(lit.as_bytes()).map(|v| {
                let mut v: Vec<String> = v
                    .into_iter()
                    .map(|s| String::from_utf8(s).unwrap())
                    .collect();
                v.sort();
                v
            })
        };
        assert_eq!(spelled("mår"), Some(vec!["mÅr".into(), "mår".into()]));
        assert_eq!(
            spelled("äö"),
            Some(vec!["ÄÖ".into(), "Äö".into(), "äÖ".into(), "äö".into()])
        );
        assert_eq!(spelled("æble"), None);
        assert_eq!(spelled("ååååå"), None);
        assert_eq!(spelled("åååå").map(|v| v.len()), Some(16));
    }

    #[test]
    fn a_swedish_token_is_found_by_the_raw_scan_in_the_modes_that_keep_its_letters() {
        let lit = |mode, text: &str| Required {
            mode,
            text: text.as_bytes().to_vec(),
            start: true,
            end: true,
        };
        let p = Prefilter::new(&[lit(Fold::Case, "mår"), lit(Fold::Exact, "Örjan")]).unwrap();
        assert_eq!(p.swedish_side, [false, false, false]);
        assert!(p.may_match("Hur MÅR du?"));
        assert!(p.may_match("Hej Örjan!"));
        assert!(!p.may_match("Hej örjan, mårten"));
        let p = Prefilter::new(&[lit(Fold::Case, "åæ")]).unwrap();
        assert_eq!(
            p.swedish_side,
            [false, false, false],
            "no Swedish token folds to æ"
        );
        let p = Prefilter::new(&[lit(Fold::Diacritics, "ar"), lit(Fold::Case, "ååååå")]).unwrap();
        assert_eq!(p.swedish_side, [true, true, false]);
        assert!(p.may_match("Gott nytt ÅR"));
        assert!(p.may_match("ÅÅÅÅÅ"));
        assert!(!p.may_match("Gott nytt öl, åååå"));
    }
}
