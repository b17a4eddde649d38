//! Brand queries: the query language (PRODUCT §4) and a matcher that evaluates thousands of brands'
//! queries against an item in one pass per field.
//!
//! Pure code: values in, values out. The pieces:
//!
//! - [`text`]: tokenisation (Unicode word segmentation, split again at inner punctuation) and
//!   normalisation (NFKC, full case folding, optional diacritic stripping). Token boundaries are the
//!   same in every fold mode; each token keeps its byte range in the original text.
//! - [`parser`]: the grammar, with errors that carry a byte position and render with a caret.
//! - [`engine`]: all brands compiled together; one Aho-Corasick automaton per fold mode over the
//!   normalised tokens of a field finds the literals present, only brands with a hit are evaluated.
//! - `prefilter`: a scan of the raw text that rules out most documents before any tokenising (a
//!   document that mentions no brand costs one automaton pass over its bytes).
//! - [`match_line`]: the `lyssna match --input` JSON-lines format.
//!
//! # Semantics (what a user can rely on)
//!
//! - **Tokens.** `Monday` matches `monday`, `MONDAY` and `Monday's` (the apostrophe splits tokens).
//!   `bank*` matches `bankkontot`; `*konto` matches `sparkonto`.
//! - **Word forms.** The last word of a word or phrase term is a name and matches its possessive with
//!   `s` too (`gomonday` matches `GoMondays`; `GoMonday:s`, `GoMonday's` and `GoMonday-appen` split
//!   into tokens and match anyway); with the brand's `compounds` it matches every word it begins
//!   (`telia` in `Teliakunder`). Other endings need a wildcard; exact and domain terms have no forms.
//! - **Phrases** (`"go monday"`) match consecutive tokens in one field, whatever punctuation or line
//!   breaks lie between them (`Go, Monday`, `go-monday`, `Go\nMonday`).
//! - **Default fields.** A term without a field matches the item's `title` and `body` (not `author`:
//!   an author's name is not a mention; use `author:`). A domain term also matches the `url`.
//! - **Domains.** `gomonday.se` matches its labels as consecutive tokens joined by `.` or a defanged
//!   `[.]`/`(.)`/`{.}`/`[dot]`/`(dot)`, so also `www.gomonday.se` and URLs containing it.
//!   `site:gomonday.se` matches when the item's URL host is `gomonday.se` or a subdomain of it (a word
//!   without dots, `site:flashback`, matches any label of the host).
//! - **`lang:sv`** matches when the document's `lang` (given by the caller) is `sv`.
//! - **Exact** `` `GoMonday` `` is case- and diacritic-sensitive (NFKC only).
//! - **Accents** other than those of å, ä and ö always fold (`cercanias` matches `Cercanías`).
//!   **`fold_diacritics`** (per brand) folds å, ä and ö too: `ar` matches `år` and `orjan` matches
//!   `Örjan`; exact terms stay sensitive.
//! - **NEAR/n**: see [`engine`] for distances and for `NOT` inside `NEAR`.
//! - **A brand's main query must contain a positive term**: `NOT spam` alone would match every item
//!   that lacks the word, so it is rejected when compiling ("a query must contain at least one positive
//!   term"). Exclude and context queries are only evaluated for items the main query matched, so they
//!   may be anything.
//! - **Spans** are byte offsets into the field's original text. Site spans point into the item's `url`
//!   (where the host lives), under the field name `site`. `lang` matches produce no span (there is
//!   no text to highlight) but appear in the explanation.

pub mod engine;
pub mod parser;
mod prefilter;
pub mod text;

#[cfg(test)]
mod reference;

use serde::{Deserialize, Serialize};

pub use engine::{CompileError, Matcher, QueryRef};
pub use parser::{ParseError, Query, parse};

/// A brand as configured: the query, exclusions, required context and the diacritic setting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrandSpec {
    pub name: String,
    pub query: String,
    pub exclude: Vec<String>,
    pub context: Vec<String>,
    pub fold_diacritics: bool,
    /// The brand's names also match as the start of a closed compound (`telia` in `Teliakunder`).
    pub compounds: bool,
}

/// The text of one item, as the matcher sees it. `lang` is detected by the caller.
#[derive(Debug, Clone, Copy, Default)]
pub struct Document<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub author: &'a str,
    pub url: &'a str,
    pub lang: Option<&'a str>,
}

/// A field of an item a query can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Title,
    Body,
    Author,
    Site,
    Url,
    Lang,
}

impl Field {
    pub const ALL: [Field; 6] = [
        Field::Title,
        Field::Body,
        Field::Author,
        Field::Site,
        Field::Url,
        Field::Lang,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Body => "body",
            Field::Author => "author",
            Field::Site => "site",
            Field::Url => "url",
            Field::Lang => "lang",
        }
    }
}

/// Where a brand matched: byte offsets into the field's original text (for `site`: into the url).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub field: Field,
    pub start: usize,
    pub end: usize,
}

/// One brand that matched a document, with what and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandMatch {
    /// Index into the specs given to [`Matcher::compile`].
    pub brand: usize,
    pub name: String,
    pub spans: Vec<Span>,
    /// Which parts of the query matched where, e.g. `"go monday" in title; gomonday.se in url`.
    pub explanation: String,
}

/// One input line of `lyssna match --input`. Every text field is optional; `id` is echoed back as is.
#[derive(Debug, Deserialize)]
pub struct MatchInput {
    pub id: serde_json::Value,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
}

/// One output line of `lyssna match --input`.
#[derive(Debug, Serialize)]
pub struct MatchOutput {
    pub id: serde_json::Value,
    pub brands: Vec<MatchedBrand>,
}

/// A brand that matched, by name, with where and why: what `match --input` prints and what a stored
/// mention keeps (its `matches`), from which the inbox highlights the brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedBrand {
    pub brand: String,
    pub spans: Vec<Span>,
    pub explanation: String,
}

impl From<&BrandMatch> for MatchedBrand {
    fn from(m: &BrandMatch) -> Self {
        MatchedBrand {
            brand: m.name.clone(),
            spans: m.spans.clone(),
            explanation: m.explanation.clone(),
        }
    }
}

/// The explanation of a brand the leader chose for a manual mention, whatever its text says.
pub const CHOSEN_BY_HAND: &str = "chosen by hand";

impl MatchedBrand {
    /// A brand the leader picked by hand (no spans: nothing in the text needs to match).
    pub fn chosen(brand: &str) -> MatchedBrand {
        MatchedBrand {
            brand: brand.to_string(),
            spans: Vec::new(),
            explanation: CHOSEN_BY_HAND.to_string(),
        }
    }

    /// The byte ranges of `field` over all matches (unchecked against any text).
    pub fn spans_in(matches: &[MatchedBrand], field: Field) -> Vec<(usize, usize)> {
        matches
            .iter()
            .flat_map(|m| m.spans.iter())
            .filter(|s| s.field == field)
            .map(|s| (s.start, s.end))
            .collect()
    }
}

/// Matches one JSON input line and returns the output line (without a trailing newline). The error is
/// a message for the user (the caller adds the line number).
pub fn match_line(matcher: &Matcher, line: &str) -> Result<String, String> {
    let input: MatchInput =
        serde_json::from_str(line).map_err(|e| format!("invalid input line: {e}"))?;
    let doc = Document {
        title: input.title.as_deref().unwrap_or(""),
        body: input.body.as_deref().unwrap_or(""),
        author: input.author.as_deref().unwrap_or(""),
        url: input.url.as_deref().unwrap_or(""),
        lang: input.lang.as_deref(),
    };
    let brands = matcher
        .match_document(&doc)
        .into_iter()
        .map(|m| MatchedBrand {
            brand: m.name,
            spans: m.spans,
            explanation: m.explanation,
        })
        .collect();
    serde_json::to_string(&MatchOutput {
        id: input.id,
        brands,
    })
    .map_err(|e| format!("cannot write output: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brand(name: &str, query: &str) -> BrandSpec {
        BrandSpec {
            name: name.into(),
            query: query.into(),
            ..Default::default()
        }
    }

    #[test]
    fn match_line_round_trip() {
        let m = Matcher::compile(&[
            brand("GoMonday", "\"go monday\" OR gomonday.se"),
            brand("Other", "zzz"),
        ])
        .unwrap();
        let out = match_line(
            &m,
            r#"{"id": 7, "title": "Go Monday!", "body": null, "url": "https://www.gomonday.se/x"}"#,
        )
        .unwrap();
        assert_eq!(
            out,
            r#"{"id":7,"brands":[{"brand":"GoMonday","spans":[{"field":"title","start":0,"end":9},{"field":"url","start":12,"end":23}],"explanation":"\"go monday\" in title; gomonday.se in url"}]}"#
        );
        let out = match_line(&m, r#"{"id": {"k": "v"}, "body": "nothing"}"#).unwrap();
        assert_eq!(out, r#"{"id":{"k":"v"},"brands":[]}"#);
        assert!(match_line(&m, "{").is_err());
        assert!(
            match_line(&m, r#"{"title": "x"}"#)
                .unwrap_err()
                .contains("id")
        );
        assert!(match_line(&m, r#"{"id": 1, "title": 5}"#).is_err());
    }
}
