//! Searching stored mentions with the brand query language (PRODUCT §4): what a search may say, and
//! the words a mention is found by.
//!
//! A search is parsed by the brand queries' parser, so `"inte okej"`, `author:Kalle`, `site:`,
//! `title:`, `OR`, `NOT`/`-` and `word*` mean what they mean there. Two things differ, on purpose:
//!
//! - **Every diacritic is folded**, on the mention's side and on the search's (`aterbetalning` finds
//!   `återbetalning`, `Orebro` finds `Örebro`): people search from phones without å, ä and ö. Brand
//!   matching folds only when a brand asks for it, because there a false hit costs more.
//! - **A word without a field** looks in the title, the text and the author, as the inbox's search
//!   always did (a brand's bare word skips the author: an author's name is not a mention of a brand).
//!
//! What a search index cannot answer quickly is refused with a message instead of scanning every
//! mention: a word that starts with `*`, `NEAR`, a search that only excludes (`-spam`), and input
//! beyond [`MAX_QUERY_BYTES`] or [`MAX_TERMS`]. The store turns a [`Search`] into its index's query
//! (SQLite FTS5, PostgreSQL `tsquery`) and keeps the index of [`SearchText`] in step with mentions.

use super::query::parser::{Term, TermKind, Wildcard};
use super::query::text::{self, Fold};
use super::query::{self, Field, Query};

/// Longest search accepted, in bytes (a search box, not a document).
pub const MAX_QUERY_BYTES: usize = 512;

/// Most words and phrases in one search.
pub const MAX_TERMS: usize = 16;

/// Longest word indexed, in bytes after folding: longer runs of letters are not words a person
/// searches for (hashes, base64), and leaving them out keeps both indexes' entries bounded.
pub const MAX_WORD_BYTES: usize = 100;

/// Where a word may be looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SearchField {
    Title,
    Body,
    Author,
    /// The labels of the host of the mention's URL (`site:flashback.org`).
    Site,
}

impl SearchField {
    pub const ALL: [SearchField; 4] = [
        SearchField::Title,
        SearchField::Body,
        SearchField::Author,
        SearchField::Site,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SearchField::Title => "title",
            SearchField::Body => "body",
            SearchField::Author => "author",
            SearchField::Site => "site",
        }
    }
}

/// One folded word of a term; `prefix` when written `word*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchWord {
    pub text: String,
    pub prefix: bool,
}

/// A search, ready for an index: every leaf is words that follow each other in one of its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    Words {
        fields: Vec<SearchField>,
        words: Vec<SearchWord>,
    },
    And(Vec<Search>),
    Or(Vec<Search>),
    /// Matches the first and not the second.
    AndNot(Box<Search>, Box<Search>),
}

/// Why a search cannot be run, phrased for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SearchError(pub String);

/// The fields a word without a field is looked for in.
const DEFAULT_FIELDS: [SearchField; 3] =
    [SearchField::Title, SearchField::Body, SearchField::Author];

/// Parses and checks what was typed into the search box.
pub fn parse_search(input: &str) -> Result<Search, SearchError> {
    if input.len() > MAX_QUERY_BYTES {
        return Err(SearchError(format!(
            "the search is {} characters long; at most {MAX_QUERY_BYTES} are searched for",
            input.chars().count()
        )));
    }
    let parsed = query::parse(input).map_err(|e| {
        SearchError(format!(
            "the search is not understood: {} at column {}",
            e.message(),
            e.column()
        ))
    })?;
    let mut terms = 0;
    match convert(&parsed, &DEFAULT_FIELDS, &mut terms)? {
        Part::Include(s) => Ok(s),
        Part::Exclude(_) => Err(only_excludes()),
    }
}

fn only_excludes() -> SearchError {
    SearchError(
        "a search needs a word to look for beside what it leaves out, e.g. gomonday -spam".into(),
    )
}

/// A converted part: something to look for, or (under NOT) something to leave out.
enum Part {
    Include(Search),
    Exclude(Search),
}

fn convert(q: &Query, fields: &[SearchField], terms: &mut usize) -> Result<Part, SearchError> {
    Ok(match q {
        Query::Term(t) => {
            *terms += 1;
            if *terms > MAX_TERMS {
                return Err(SearchError(format!(
                    "the search has more than {MAX_TERMS} words and phrases; leave some out"
                )));
            }
            Part::Include(term(t, fields)?)
        }
        Query::Field { field, query } => {
            let only = match field {
                Field::Title => SearchField::Title,
                Field::Body => SearchField::Body,
                Field::Author => SearchField::Author,
                Field::Site => SearchField::Site,
                Field::Url | Field::Lang => {
                    return Err(SearchError(format!(
                        "search knows the fields title:, body:, author: and site:, not {}:",
                        field.name()
                    )));
                }
            };
            convert(query, &[only], terms)?
        }
        Query::Not(inner) => match convert(inner, fields, terms)? {
            Part::Include(s) => Part::Exclude(s),
            // NOT NOT x is x.
            Part::Exclude(s) => Part::Include(s),
        },
        Query::And(children) => {
            let mut include = Vec::new();
            let mut exclude = Vec::new();
            for c in children {
                match convert(c, fields, terms)? {
                    Part::Include(s) => include.push(s),
                    Part::Exclude(s) => exclude.push(s),
                }
            }
            let included = match include.len() {
                0 => {
                    // Only exclusions: NOT (a OR b), which the caller may still combine.
                    return Ok(Part::Exclude(one_or(exclude, Search::Or)));
                }
                _ => one_or(include, Search::And),
            };
            match exclude.len() {
                0 => Part::Include(included),
                _ => Part::Include(Search::AndNot(
                    Box::new(included),
                    Box::new(one_or(exclude, Search::Or)),
                )),
            }
        }
        Query::Or(children) => {
            let mut any = Vec::new();
            for c in children {
                match convert(c, fields, terms)? {
                    Part::Include(s) => any.push(s),
                    Part::Exclude(_) => return Err(only_excludes()),
                }
            }
            Part::Include(one_or(any, Search::Or))
        }
        Query::Near { .. } => {
            return Err(SearchError(
                "NEAR is for brand queries; search for a phrase in quotes instead".into(),
            ));
        }
    })
}

/// The one element of `v`, or `v` joined by `join`.
fn one_or(mut v: Vec<Search>, join: fn(Vec<Search>) -> Search) -> Search {
    if v.len() == 1 { v.remove(0) } else { join(v) }
}

fn term(t: &Term, fields: &[SearchField]) -> Result<Search, SearchError> {
    let mut words = Vec::with_capacity(t.tokens.len());
    for tok in &t.tokens {
        if tok.wildcard == Wildcard::Suffix {
            return Err(SearchError(format!(
                "a search word cannot begin with '*' ({}); search for its start, e.g. konto*",
                t.text
            )));
        }
        let folded = fold_word(&tok.text);
        if folded.len() > MAX_WORD_BYTES {
            return Err(SearchError(format!(
                "a word of more than {MAX_WORD_BYTES} letters is not searched for: {}…",
                t.text.chars().take(20).collect::<String>()
            )));
        }
        // A term's token may fold into more than one (a ligature, a compatibility character).
        text::for_each_token(&folded, |s, e| {
            words.push(SearchWord {
                text: folded[s..e].to_string(),
                prefix: false,
            })
        });
        if let Some(last) = words.last_mut() {
            last.prefix = tok.wildcard == Wildcard::Prefix;
        }
    }
    if words.is_empty() {
        return Err(SearchError(format!(
            "'{}' has no letters or digits to search for",
            t.text
        )));
    }
    let mut fields = fields.to_vec();
    // A domain written without a field is also looked for in the host, as in brand queries.
    if t.kind == TermKind::Domain
        && fields == DEFAULT_FIELDS
        && !fields.contains(&SearchField::Site)
    {
        fields.push(SearchField::Site);
    }
    Ok(Search::Words { fields, words })
}

/// A word folded for search: NFKC, case folded, every Latin diacritic stripped.
pub fn fold_word(word: &str) -> String {
    text::normalize(word, Fold::Diacritics)
}

/// The words of `text` as the index holds them: folded, in order, each at most [`MAX_WORD_BYTES`].
pub fn words_of(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = String::new();
    text::for_each_token(text, |s, e| {
        buf.clear();
        text::normalize_into(&text[s..e], Fold::Diacritics, &mut buf);
        // Folding may split a token (a ligature) or empty it (only ignorable characters).
        text::for_each_token(&buf, |s, e| {
            if e - s <= MAX_WORD_BYTES {
                out.push(buf[s..e].to_string());
            }
        });
    });
    out
}

/// A mention's searchable text, field by field, as folded words joined by single spaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchText {
    pub title: String,
    pub body: String,
    pub author: String,
    pub site: String,
}

impl SearchText {
    pub fn of(title: &str, body: &str, author: &str, url: &str) -> SearchText {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        SearchText {
            title: words_of(title).join(" "),
            body: words_of(body).join(" "),
            author: words_of(author).join(" "),
            site: words_of(&host).join(" "),
        }
    }

    pub fn field(&self, f: SearchField) -> &str {
        match f {
            SearchField::Title => &self.title,
            SearchField::Body => &self.body,
            SearchField::Author => &self.author,
            SearchField::Site => &self.site,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ws: &[&str]) -> Vec<SearchWord> {
        ws.iter()
            .map(|w| SearchWord {
                text: w.trim_end_matches('*').to_string(),
                prefix: w.ends_with('*'),
            })
            .collect()
    }

    fn leaf(fields: &[SearchField], ws: &[&str]) -> Search {
        Search::Words {
            fields: fields.to_vec(),
            words: words(ws),
        }
    }

    #[test]
    fn phrases_fields_or_not_and_folding() {
        use SearchField::*;
        assert_eq!(
            parse_search("\"inte okej\"").unwrap(),
            leaf(&DEFAULT_FIELDS, &["inte", "okej"])
        );
        assert_eq!(
            parse_search("author:Kalle").unwrap(),
            leaf(&[Author], &["kalle"])
        );
        assert_eq!(
            parse_search("Återbetalning").unwrap(),
            leaf(&DEFAULT_FIELDS, &["aterbetalning"])
        );
        assert_eq!(
            parse_search("site:flashback.org title:bank*").unwrap(),
            Search::And(vec![
                leaf(&[Site], &["flashback", "org"]),
                leaf(&[Title], &["bank*"]),
            ])
        );
        assert_eq!(
            parse_search("gomonday.se").unwrap(),
            leaf(&[Title, Body, Author, Site], &["gomonday", "se"])
        );
        assert_eq!(
            parse_search("a OR b -c -d").unwrap(),
            Search::Or(vec![
                leaf(&DEFAULT_FIELDS, &["a"]),
                Search::AndNot(
                    Box::new(leaf(&DEFAULT_FIELDS, &["b"])),
                    Box::new(Search::Or(vec![
                        leaf(&DEFAULT_FIELDS, &["c"]),
                        leaf(&DEFAULT_FIELDS, &["d"]),
                    ]))
                ),
            ])
        );
        assert_eq!(
            parse_search("bank NOT (spam OR reklam)").unwrap(),
            Search::AndNot(
                Box::new(leaf(&DEFAULT_FIELDS, &["bank"])),
                Box::new(Search::Or(vec![
                    leaf(&DEFAULT_FIELDS, &["spam"]),
                    leaf(&DEFAULT_FIELDS, &["reklam"]),
                ]))
            )
        );
        // Lower-case operators are words, as in brand queries.
        assert_eq!(
            parse_search("svar or inte").unwrap(),
            Search::And(vec![
                leaf(&DEFAULT_FIELDS, &["svar"]),
                leaf(&DEFAULT_FIELDS, &["or"]),
                leaf(&DEFAULT_FIELDS, &["inte"]),
            ])
        );
    }

    #[test]
    fn what_an_index_cannot_answer_is_refused_in_words() {
        for (q, says) in [
            ("", "not understood: empty query"),
            ("-spam", "beside what it leaves out"),
            ("a OR -b", "beside what it leaves out"),
            ("*konto", "cannot begin with '*'"),
            ("a NEAR/3 b", "NEAR"),
            ("url:x", "not url:"),
            ("lang:sv", "not lang:"),
            ("(a", "expected ')' at column 3"),
            ("\"", "not understood"),
        ] {
            let err = parse_search(q).unwrap_err().0;
            assert!(err.contains(says), "{q}: {err}");
        }
        let long = "a".repeat(60 * 1024);
        assert!(parse_search(&long).unwrap_err().0.contains("at most 512"));
        let word = "å".repeat(120);
        assert!(parse_search(&word).unwrap_err().0.contains("more than 100"));
        let many = (0..17)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(parse_search(&many).unwrap_err().0.contains("more than 16"));
        // Deep nesting is the parser's limit, not a stack overflow.
        let deep = format!("{}a{}", "(".repeat(200), ")".repeat(200));
        assert!(parse_search(&deep).is_err());
    }

    #[test]
    fn mentions_are_indexed_by_folded_words_and_host_labels() {
        let t = SearchText::of(
            "Återbetalning?",
            "Det är INTE okej, Kalle's svar",
            "Kalle Åberg",
            "https://www.Flashback.org/t123",
        );
        assert_eq!(t.title, "aterbetalning");
        assert_eq!(t.body, "det ar inte okej kalle s svar");
        assert_eq!(t.author, "kalle aberg");
        assert_eq!(t.site, "www flashback org");
        assert_eq!(SearchText::of("", "x", "", "not a url").site, "");
        let long = format!("kort {} ord", "x".repeat(101));
        assert_eq!(words_of(&long), ["kort", "ord"]);
        assert_eq!(words_of("ﬁnans"), ["finans"]);
    }
}
