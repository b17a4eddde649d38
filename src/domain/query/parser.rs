//! The query language parser (PRODUCT §4).
//!
//! ```text
//! query    := or
//! or       := and ( "OR" and )*
//! and      := unary ( [ "AND" ] unary )*          adjacency means AND
//! unary    := ( "NOT" | "-" ) unary | near
//! near     := primary ( ( "NEAR/" n | "ONEAR/" n ) operand )*
//! operand  := primary | ( "NOT" | "-" ) primary   (a negated right side: "a, and no b near it")
//! primary  := term | phrase | exact | field ":" primary | "(" query ")"
//! ```
//!
//! Operators are upper case only; `or`, `and`, `not` in lower case are words. `-` is NOT only at the start
//! of a word (`go-monday` is the phrase `go monday`). A field name followed by `:` scopes the primary after
//! it (`title:x`, `site:(a OR b)`). A word may start or end with `*` (suffix / prefix wildcard on its first
//! / last token); a word made of dot-separated labels ending in a letter label (`gomonday.se`) is a
//! domain term. Term text is split into tokens exactly like document text, so `go-monday` and
//! `"go monday"` mean the same thing; wildcards may also be used on the words of a phrase.
//!
//! The parser never panics: nesting is capped at [`MAX_DEPTH`] and every error carries a byte position.

use std::fmt;

use super::Field;
use super::text;

/// Deeper nesting than this is refused (keeps recursion bounded on hostile input).
pub const MAX_DEPTH: usize = 64;

/// Largest accepted NEAR distance, in tokens.
pub const MAX_DISTANCE: u32 = 10_000;

/// A parsed query. Term texts are kept as written; normalisation happens when a brand is compiled,
/// because it depends on the brand's `fold_diacritics`.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    Term(Term),
    And(Vec<Query>),
    Or(Vec<Query>),
    Not(Box<Query>),
    /// `left NEAR/n right` (`ordered` for ONEAR). Either side may be a `Not` (see the engine's docs).
    Near {
        left: Box<Query>,
        right: Box<Query>,
        distance: u32,
        ordered: bool,
        /// Byte position of the operator, and the source text of the whole expression.
        position: usize,
        text: String,
    },
    Field {
        field: Field,
        query: Box<Query>,
    },
}

/// What kind of leaf a term is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    /// A word or phrase: consecutive tokens, case folded.
    Words,
    /// A domain (`gomonday.se`): its labels as consecutive tokens separated by `.` or a defanged
    /// `[.]` in the text; also matches in the URL.
    Domain,
    /// `` `Exact` `` text: consecutive tokens, case- and diacritic-sensitive.
    Exact,
}

/// Wildcard on one token of a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wildcard {
    None,
    /// `word*`: the token starts with the text.
    Prefix,
    /// `*word`: the token ends with the text.
    Suffix,
}

/// One token of a term as written (not yet normalised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermToken {
    pub text: String,
    pub wildcard: Wildcard,
}

/// A leaf: one or more tokens that must follow each other in one field.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub kind: TermKind,
    pub tokens: Vec<TermToken>,
    /// The term's source text (for explanations), e.g. `"go monday"`.
    pub text: String,
    /// Byte position in the query.
    pub position: usize,
}

/// A syntax error: where (byte offset into the query) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    query: String,
    position: usize,
    message: String,
}

impl ParseError {
    pub fn new(query: &str, position: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            query: query.to_string(),
            position: position.min(query.len()),
            message: message.into(),
        }
    }

    /// Byte offset into the query.
    pub fn position(&self) -> usize {
        self.position
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// 1-based column (in characters) of the error.
    pub fn column(&self) -> usize {
        let mut p = self.position;
        while !self.query.is_char_boundary(p) {
            p -= 1;
        }
        self.query[..p].chars().count() + 1
    }
}

impl fmt::Display for ParseError {
    /// `message at column N`, then the query and a caret under the position. Line breaks and tabs in
    /// the query are shown as spaces so the caret stays aligned.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self
            .query
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        write!(
            f,
            "{} at column {}\n  {}\n  {}^",
            self.message,
            self.column(),
            shown,
            " ".repeat(self.column() - 1)
        )
    }
}

impl std::error::Error for ParseError {}

/// Parses a query.
pub fn parse(query: &str) -> Result<Query, ParseError> {
    let tokens = lex(query)?;
    let mut p = Parser {
        src: query,
        tokens,
        pos: 0,
        depth: 0,
    };
    if p.peek().kind == Tok::Eof {
        return Err(ParseError::new(query, 0, "empty query"));
    }
    let q = p.or()?;
    let t = p.peek();
    match t.kind {
        Tok::Eof => Ok(q),
        Tok::RParen => Err(p.err(t.start, "unmatched ')'")),
        _ => Err(p.err(t.start, "expected an operator or the end of the query")),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Near { distance: u32, ordered: bool },
    Field(Field),
    Word,
    Phrase,
    Exact,
    Eof,
}

#[derive(Debug, Clone)]
struct Lexeme {
    kind: Tok,
    /// Byte range of the lexeme in the query (for phrases and exact terms: including the quotes).
    start: usize,
    end: usize,
}

fn field_name(name: &str) -> Option<Field> {
    Some(match name.to_ascii_lowercase().as_str() {
        "title" => Field::Title,
        "body" => Field::Body,
        "author" => Field::Author,
        "site" => Field::Site,
        "url" => Field::Url,
        "lang" => Field::Lang,
        _ => return None,
    })
}

fn is_word_end(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"' | '`')
}

fn lex(src: &str) -> Result<Vec<Lexeme>, ParseError> {
    let mut out = Vec::new();
    let mut i = 0;
    let lexeme = |kind, start, end| Lexeme { kind, start, end };
    while let Some(c) = src[i..].chars().next() {
        let start = i;
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        match c {
            '(' => {
                out.push(lexeme(Tok::LParen, start, start + 1));
                i += 1;
            }
            ')' => {
                out.push(lexeme(Tok::RParen, start, start + 1));
                i += 1;
            }
            '"' | '`' => {
                let Some(len) = src[i + 1..].find(c) else {
                    let what = if c == '"' { "phrase" } else { "exact term" };
                    return Err(ParseError::new(
                        src,
                        start,
                        format!("unterminated {what}: expected a closing {c}"),
                    ));
                };
                let kind = if c == '"' { Tok::Phrase } else { Tok::Exact };
                i += len + 2;
                out.push(lexeme(kind, start, i));
            }
            '-' if src[i + 1..]
                .chars()
                .next()
                .is_some_and(|n| !is_word_end(n) || n == '(' || n == '"' || n == '`') =>
            {
                out.push(lexeme(Tok::Not, start, start + 1));
                i += 1;
            }
            _ => {
                let len = src[i..].find(is_word_end).unwrap_or(src.len() - i);
                let word = &src[i..i + len];
                // `field:` prefix?
                if let Some(colon) = word.find(':')
                    && let Some(field) = field_name(&word[..colon])
                {
                    out.push(lexeme(Tok::Field(field), start, start + colon + 1));
                    i += colon + 1;
                    continue;
                }
                i += len;
                let kind = match word {
                    "AND" => Tok::And,
                    "OR" => Tok::Or,
                    "NOT" => Tok::Not,
                    _ => match near_operator(src, start, word)? {
                        Some(t) => t,
                        None => Tok::Word,
                    },
                };
                out.push(lexeme(kind, start, i));
            }
        }
    }
    out.push(lexeme(Tok::Eof, src.len(), src.len()));
    Ok(out)
}

/// `NEAR/n` or `ONEAR/n`; a bare `NEAR` or a bad number is an error, not a word, because an
/// upper-case operator name was almost certainly meant as the operator.
fn near_operator(src: &str, start: usize, word: &str) -> Result<Option<Tok>, ParseError> {
    let (ordered, rest) = if let Some(r) = word.strip_prefix("ONEAR") {
        (true, r)
    } else if let Some(r) = word.strip_prefix("NEAR") {
        (false, r)
    } else {
        return Ok(None);
    };
    let name = if ordered { "ONEAR" } else { "NEAR" };
    let Some(num) = rest.strip_prefix('/') else {
        if rest.is_empty() {
            return Err(ParseError::new(
                src,
                start,
                format!("{name} needs a distance, e.g. {name}/5"),
            ));
        }
        return Ok(None);
    };
    let num_pos = start + word.len() - num.len();
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError::new(
            src,
            num_pos,
            format!("expected a number of tokens after {name}/"),
        ));
    }
    match num.parse::<u32>() {
        Ok(d) if d <= MAX_DISTANCE => Ok(Some(Tok::Near {
            distance: d,
            ordered,
        })),
        _ => Err(ParseError::new(
            src,
            num_pos,
            format!("{name} distance must be at most {MAX_DISTANCE}"),
        )),
    }
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Lexeme>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Lexeme {
        self.tokens
            .get(self.pos)
            .or(self.tokens.last())
            .cloned()
            .unwrap_or(Lexeme {
                kind: Tok::Eof,
                start: self.src.len(),
                end: self.src.len(),
            })
    }

    fn next(&mut self) -> Lexeme {
        let t = self.peek();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    fn err(&self, pos: usize, msg: impl Into<String>) -> ParseError {
        ParseError::new(self.src, pos, msg)
    }

    fn enter(&mut self, pos: usize) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(pos, format!("query nested more than {MAX_DEPTH} deep")));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Query, ParseError> {
        let mut items = vec![self.and()?];
        while self.peek().kind == Tok::Or {
            self.next();
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Query::And(Vec::new()))
        } else {
            Query::Or(items)
        })
    }

    fn and(&mut self) -> Result<Query, ParseError> {
        let mut items = vec![self.unary()?];
        loop {
            let t = self.peek();
            match t.kind {
                Tok::And => {
                    self.next();
                    items.push(self.unary()?);
                }
                Tok::Word | Tok::Phrase | Tok::Exact | Tok::LParen | Tok::Not | Tok::Field(_) => {
                    items.push(self.unary()?)
                }
                _ => break,
            }
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Query::And(Vec::new()))
        } else {
            Query::And(items)
        })
    }

    fn unary(&mut self) -> Result<Query, ParseError> {
        let t = self.peek();
        if t.kind == Tok::Not {
            self.next();
            self.enter(t.start)?;
            let inner = self.unary();
            self.depth -= 1;
            return Ok(Query::Not(Box::new(inner?)));
        }
        self.near()
    }

    fn near(&mut self) -> Result<Query, ParseError> {
        let start = self.peek().start;
        let mut left = self.primary()?;
        while let Tok::Near { distance, ordered } = self.peek().kind {
            let op = self.next();
            let right = if self.peek().kind == Tok::Not {
                self.next();
                Query::Not(Box::new(self.primary()?))
            } else {
                self.primary()?
            };
            let end = self
                .tokens
                .get(self.pos.saturating_sub(1))
                .map_or(self.src.len(), |t| t.end);
            let is_not = |q: &Query| matches!(q, Query::Not(_));
            if is_not(&left) && is_not(&right) {
                return Err(self.err(op.start, "NEAR needs at least one side that is not negated"));
            }
            left = Query::Near {
                left: Box::new(left),
                right: Box::new(right),
                distance,
                ordered,
                position: op.start,
                text: self.src.get(start..end).unwrap_or_default().to_string(),
            };
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Query, ParseError> {
        let t = self.next();
        let text = self.src.get(t.start..t.end).unwrap_or_default();
        match t.kind {
            Tok::Word => Ok(Query::Term(word_term(self.src, t.start, text)?)),
            Tok::Phrase => {
                let inner = text
                    .get(1..text.len().saturating_sub(1))
                    .unwrap_or_default();
                let mut tokens = Vec::new();
                let mut off = t.start + 1;
                for w in inner.split_inclusive(char::is_whitespace) {
                    let trimmed = w.trim_end();
                    // Stray punctuation inside a phrase ("go & monday") is not an error.
                    if !text::token_ranges(trimmed).is_empty() {
                        tokens.extend(word_term(self.src, off, trimmed)?.tokens);
                    }
                    off += w.len();
                }
                if tokens.is_empty() {
                    return Err(self.err(t.start, "empty phrase"));
                }
                Ok(Query::Term(Term {
                    kind: TermKind::Words,
                    tokens,
                    text: text.to_string(),
                    position: t.start,
                }))
            }
            Tok::Exact => {
                let inner = text
                    .get(1..text.len().saturating_sub(1))
                    .unwrap_or_default();
                let tokens: Vec<TermToken> = text::token_ranges(inner)
                    .into_iter()
                    .map(|(s, e)| TermToken {
                        text: inner[s..e].to_string(),
                        wildcard: Wildcard::None,
                    })
                    .collect();
                if tokens.is_empty() {
                    return Err(self.err(t.start, "exact term has no letters or digits"));
                }
                Ok(Query::Term(Term {
                    kind: TermKind::Exact,
                    tokens,
                    text: text.to_string(),
                    position: t.start,
                }))
            }
            Tok::Field(field) => {
                self.enter(t.start)?;
                let inner = self.primary();
                self.depth -= 1;
                Ok(Query::Field {
                    field,
                    query: Box::new(inner?),
                })
            }
            Tok::LParen => {
                self.enter(t.start)?;
                let inner = self.or();
                self.depth -= 1;
                let inner = inner?;
                let close = self.next();
                if close.kind != Tok::RParen {
                    return Err(self.err(close.start, "expected ')'"));
                }
                Ok(inner)
            }
            Tok::Eof => Err(self.err(t.start, "unexpected end of query: expected a term")),
            Tok::RParen => Err(self.err(t.start, "expected a term before ')'")),
            Tok::And | Tok::Or | Tok::Near { .. } => Err(self.err(
                t.start,
                format!("expected a term before the operator {text}"),
            )),
            Tok::Not => Err(self.err(
                t.start,
                "NOT cannot be used here; put the negated part in parentheses",
            )),
        }
    }
}

/// A bare word: wildcards, domain detection and splitting into tokens.
fn word_term(src: &str, position: usize, word: &str) -> Result<Term, ParseError> {
    let (core, wildcard, core_off) = match (word.strip_prefix('*'), word.strip_suffix('*')) {
        (Some(rest), None) => (rest, Wildcard::Suffix, 1),
        (None, Some(rest)) => (rest, Wildcard::Prefix, 0),
        (None, None) => (word, Wildcard::None, 0),
        (Some(_), Some(_)) => {
            return Err(ParseError::new(
                src,
                position,
                "a word may have a wildcard '*' at its start or at its end, not both",
            ));
        }
    };
    if let Some(star) = core.find('*') {
        return Err(ParseError::new(
            src,
            position + core_off + star,
            "a wildcard '*' may only start or end a word",
        ));
    }
    let ranges = text::token_ranges(core);
    if ranges.is_empty() {
        return Err(ParseError::new(
            src,
            position,
            format!("'{word}' has no letters or digits to match"),
        ));
    }
    let n = ranges.len();
    let mut tokens: Vec<TermToken> = ranges
        .iter()
        .map(|&(s, e)| TermToken {
            text: core[s..e].to_string(),
            wildcard: Wildcard::None,
        })
        .collect();
    match wildcard {
        Wildcard::Prefix => tokens[n - 1].wildcard = Wildcard::Prefix,
        Wildcard::Suffix => tokens[0].wildcard = Wildcard::Suffix,
        Wildcard::None => {}
    }
    let is_domain = wildcard == Wildcard::None
        && n >= 2
        && ranges.first().is_some_and(|r| r.0 == 0)
        && ranges.last().is_some_and(|r| r.1 == core.len())
        && ranges.windows(2).all(|w| &core[w[0].1..w[1].0] == ".")
        && tokens.last().is_some_and(|t| {
            t.text.chars().count() >= 2 && t.text.chars().all(char::is_alphabetic)
        });
    Ok(Term {
        kind: if is_domain {
            TermKind::Domain
        } else {
            TermKind::Words
        },
        tokens,
        text: word.to_string(),
        position,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &Query) -> Vec<String> {
        match q {
            Query::Term(t) => vec![t.text.clone()],
            Query::And(v) | Query::Or(v) => v.iter().flat_map(words).collect(),
            Query::Not(q) | Query::Field { query: q, .. } => words(q),
            Query::Near { left, right, .. } => {
                words(left).into_iter().chain(words(right)).collect()
            }
        }
    }

    fn shape(q: &Query) -> String {
        match q {
            Query::Term(t) => t.text.clone(),
            Query::And(v) => format!("AND({})", v.iter().map(shape).collect::<Vec<_>>().join(",")),
            Query::Or(v) => format!("OR({})", v.iter().map(shape).collect::<Vec<_>>().join(",")),
            Query::Not(q) => format!("NOT({})", shape(q)),
            Query::Field { field, query } => format!("{field:?}:{}", shape(query)),
            Query::Near {
                left,
                right,
                distance,
                ordered,
                ..
            } => format!(
                "{}NEAR{distance}({},{})",
                if *ordered { "O" } else { "" },
                shape(left),
                shape(right)
            ),
        }
    }

    fn sh(q: &str) -> String {
        match parse(q) {
            Ok(q) => shape(&q),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn precedence_and_adjacency() {
        assert_eq!(sh("a b OR c"), "OR(AND(a,b),c)");
        assert_eq!(sh("a AND b OR c AND d"), "OR(AND(a,b),AND(c,d))");
        assert_eq!(sh("a (b OR c)"), "AND(a,OR(b,c))");
        assert_eq!(sh("a or b"), "AND(a,or,b)");
        assert_eq!(sh("NOT a b"), "AND(NOT(a),b)");
        assert_eq!(sh("-a -\"b c\""), "AND(NOT(a),NOT(\"b c\"))");
        assert_eq!(sh("NOT NOT a"), "NOT(NOT(a))");
    }

    #[test]
    fn near_and_fields() {
        assert_eq!(sh("a NEAR/3 b"), "NEAR3(a,b)");
        assert_eq!(sh("a ONEAR/2 b NEAR/5 c"), "NEAR5(ONEAR2(a,b),c)");
        assert_eq!(sh("a NEAR/3 NOT b"), "NEAR3(a,NOT(b))");
        assert_eq!(sh("a NEAR/3 -b"), "NEAR3(a,NOT(b))");
        assert_eq!(sh("(NOT a) NEAR/3 b"), "NEAR3(NOT(a),b)");
        assert_eq!(sh("NOT a NEAR/3 b"), "NOT(NEAR3(a,b))");
        assert_eq!(
            sh("title:a site:gomonday.se"),
            "AND(Title:a,Site:gomonday.se)"
        );
        assert_eq!(sh("title:(a OR b)"), "Title:OR(a,b)");
        assert_eq!(sh("Title:\"go monday\""), "Title:\"go monday\"");
        assert_eq!(sh("lang:sv"), "Lang:sv");
        assert_eq!(sh("foo:bar"), "foo:bar");
    }

    #[test]
    fn terms_wildcards_domains_exact() {
        let Ok(Query::Term(t)) = parse("bank*") else {
            panic!()
        };
        assert_eq!(
            (t.kind, t.tokens[0].wildcard),
            (TermKind::Words, Wildcard::Prefix)
        );
        let Ok(Query::Term(t)) = parse("*konto") else {
            panic!()
        };
        assert_eq!(t.tokens[0].wildcard, Wildcard::Suffix);
        let Ok(Query::Term(t)) = parse("gomonday.se") else {
            panic!()
        };
        assert_eq!(t.kind, TermKind::Domain);
        assert_eq!(t.tokens.len(), 2);
        let Ok(Query::Term(t)) = parse("3.14") else {
            panic!()
        };
        assert_eq!(t.kind, TermKind::Words);
        let Ok(Query::Term(t)) = parse("go-monday") else {
            panic!()
        };
        assert_eq!((t.kind, t.tokens.len()), (TermKind::Words, 2));
        let Ok(Query::Term(t)) = parse("`GoMonday AB`") else {
            panic!()
        };
        assert_eq!((t.kind, t.tokens[1].text.as_str()), (TermKind::Exact, "AB"));
        let Ok(Query::Term(t)) = parse("\"go mon*\"") else {
            panic!()
        };
        assert_eq!(t.tokens[1].wildcard, Wildcard::Prefix);
        assert_eq!(
            words(&parse("a \"b c\" `D`").unwrap_or(Query::And(vec![]))),
            ["a", "\"b c\"", "`D`"]
        );
    }

    #[test]
    fn errors_have_positions_and_carets() {
        let e = parse("(a OR b").unwrap_err();
        assert_eq!((e.position(), e.message()), (7, "expected ')'"));
        assert_eq!(
            e.to_string(),
            "expected ')' at column 8\n  (a OR b\n         ^"
        );
        let e = parse("a OR").unwrap_err();
        assert_eq!(e.position(), 4);
        let e = parse("a b)").unwrap_err();
        assert_eq!((e.position(), e.message()), (3, "unmatched ')'"));
        let e = parse("\"go monday").unwrap_err();
        assert_eq!(e.position(), 0);
        assert!(e.message().contains("unterminated phrase"));
        let e = parse("å NEAR b").unwrap_err();
        assert_eq!(e.position(), 3);
        assert_eq!(e.column(), 3);
        assert!(e.to_string().ends_with("\n  å NEAR b\n    ^"), "{e}");
        assert_eq!(parse("a NEAR/x b").unwrap_err().position(), 7);
        assert_eq!(parse("ba*nk").unwrap_err().position(), 2);
        assert_eq!(parse("*bank*").unwrap_err().position(), 0);
        assert_eq!(parse("a OR !!!").unwrap_err().position(), 5);
        assert_eq!(parse("").unwrap_err().message(), "empty query");
        assert_eq!(parse("   ").unwrap_err().message(), "empty query");
        assert_eq!(parse("a AND OR b").unwrap_err().position(), 6);
        assert_eq!(parse("title:").unwrap_err().position(), 6);
        assert_eq!(parse("(NOT a) NEAR/2 (NOT b)").unwrap_err().position(), 8);
        assert_eq!(parse("a NEAR/99999 b").unwrap_err().position(), 7);
        let deep = "(".repeat(200) + "a" + &")".repeat(200);
        assert!(parse(&deep).unwrap_err().message().contains("nested"));
        let nots = "NOT ".repeat(500) + "a";
        assert!(parse(&nots).is_err());
    }

    proptest::proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let s = String::from_utf8_lossy(&bytes);
            if let Err(e) = parse(&s) {
                proptest::prop_assert!(e.position() <= s.len());
                let _ = e.to_string();
            }
        }

        #[test]
        fn token_soup_never_panics(parts in proptest::collection::vec(proptest::sample::select(vec![
            "a", "Å", "OR", "AND", "NOT", "-", "(", ")", "\"", "`", "NEAR/2", "ONEAR/0", "NEAR", "NEAR/",
            "*", "x*", "*y", "title:", "site:", "lang:", ":", "gomonday.se", " ", "\u{308}", "ﬁ", "\n",
        ]), 0..24)) {
            let s: String = parts.concat();
            if let Err(e) = parse(&s) {
                proptest::prop_assert!(e.position() <= s.len());
                let _ = e.to_string();
            }
            let spaced = parts.join(" ");
            if let Err(e) = parse(&spaced) {
                proptest::prop_assert!(e.position() <= spaced.len());
                let _ = e.to_string();
            }
        }
    }
}
