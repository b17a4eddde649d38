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
    /// A literal that cannot be prefiltered (an empty one): every document takes the full path.
    always: bool,
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
        for l in lits {
            if l.text.is_empty() {
                always = true;
                continue;
            }
            if l.text.is_ascii() {
                raw_pats.push(l.text.clone());
                raw_anchors.push((l.start, l.end));
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
        Ok(Prefilter {
            raw: build(&raw_pats, true)?,
            raw_anchors,
            side,
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
            for fold in Fold::ALL {
                let m = fold as usize;
                if self.side[m].is_none() {
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
