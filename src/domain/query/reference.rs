//! A deliberately simple reference evaluator, for the property test only.
//!
//! It walks the parsed [`Query`] directly and, for every term, tries every token position of every
//! field by brute force (tokens from plain UAX #29 segmentation, no automaton, no candidate
//! filtering, no anchors). The engine must agree with it on which brands match.

use super::parser::{Query, Term, TermKind, Wildcard};
use super::text::{self, Fold};
use super::{BrandSpec, Document, Field};

/// One field of a document, tokenised the slow way.
struct RefField<'a> {
    text: &'a str,
    tokens: Vec<(usize, usize)>,
}

struct RefDoc<'a> {
    fields: Vec<RefField<'a>>,
}

/// (field index in `Field::ALL`, first token, last token)
type Pos = (usize, usize, usize);

fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    host_port.split(':').next().unwrap_or("")
}

impl<'a> RefDoc<'a> {
    fn new(doc: &Document<'a>) -> RefDoc<'a> {
        let texts = [
            doc.title,
            doc.body,
            doc.author,
            host(doc.url),
            doc.url,
            doc.lang.unwrap_or(""),
        ];
        let fields = texts
            .into_iter()
            .map(|t| {
                let mut tokens = Vec::new();
                text::for_each_token_reference(t, |s, e| tokens.push((s, e)));
                RefField { text: t, tokens }
            })
            .collect();
        RefDoc { fields }
    }
}

/// How a brand's words match: the fold mode and whether names start closed compounds.
#[derive(Clone, Copy)]
struct Forms {
    fold: Fold,
    compounds: bool,
}

fn term_positions(doc: &RefDoc, term: &Term, forms: Forms, scope: Option<usize>) -> Vec<Pos> {
    let fold = forms.fold;
    let mode = if term.kind == TermKind::Exact {
        Fold::Exact
    } else {
        fold
    };
    let fields: Vec<usize> = match scope {
        Some(f) => vec![f],
        None if term.kind == TermKind::Domain => vec![0, 1, 4],
        None => vec![0, 1],
    };
    let mut out = Vec::new();
    for f in fields {
        let field = &doc.fields[f];
        let n = field.tokens.len();
        let len = term.tokens.len();
        for s in 0..n {
            if s + len > n {
                break;
            }
            let all = term.tokens.iter().enumerate().all(|(k, t)| {
                let (a, b) = field.tokens[s + k];
                let got = text::normalize(&field.text[a..b], mode);
                let want = text::normalize(&t.text, mode);
                let name_end = k + 1 == len && term.kind == TermKind::Words;
                match t.wildcard {
                    // The last word of a name: its possessive (`gomondays`), or with compounds any
                    // word it begins.
                    Wildcard::None if name_end && forms.compounds => got.starts_with(&want),
                    Wildcard::None if name_end => got == want || got == format!("{want}s"),
                    Wildcard::None => got == want,
                    Wildcard::Prefix => got.starts_with(&want),
                    Wildcard::Suffix => got.ends_with(&want),
                }
            });
            if !all {
                continue;
            }
            let e = s + len - 1;
            if term.kind == TermKind::Domain {
                let gap = |k: usize| &field.text[field.tokens[k].1..field.tokens[k + 1].0];
                let ok =
                    (s..e).all(|k| [".", "[.]", "(.)", "{.}", "[dot]", "(dot)"].contains(&gap(k)));
                if !ok {
                    continue;
                }
                if f == 3 && !(e == n - 1 && (s == 0 || gap(s - 1) == ".")) {
                    continue;
                }
            }
            out.push((f, s, e));
        }
    }
    out
}

fn within(a: Pos, b: Pos, d: usize, ordered: bool) -> bool {
    if a.0 != b.0 {
        return false;
    }
    if ordered {
        return a.2 < b.1 && b.1 - a.2 <= d;
    }
    // Gap between the two occurrences; 0 when they overlap.
    let dist = b.1.saturating_sub(a.2).max(a.1.saturating_sub(b.2));
    dist <= d
}

/// (is true, positions)
fn eval(doc: &RefDoc, q: &Query, fold: Forms, scope: Option<usize>) -> (bool, Vec<Pos>) {
    match q {
        Query::Term(t) => {
            let p = term_positions(doc, t, fold, scope);
            (!p.is_empty(), p)
        }
        Query::And(v) => {
            let rs: Vec<_> = v.iter().map(|c| eval(doc, c, fold, scope)).collect();
            if rs.iter().all(|r| r.0) {
                (true, rs.into_iter().flat_map(|r| r.1).collect())
            } else {
                (false, vec![])
            }
        }
        Query::Or(v) => {
            let rs: Vec<_> = v.iter().map(|c| eval(doc, c, fold, scope)).collect();
            (
                rs.iter().any(|r| r.0),
                rs.into_iter().flat_map(|r| r.1).collect(),
            )
        }
        Query::Not(x) => (!eval(doc, x, fold, scope).0, vec![]),
        Query::Field { field, query } => {
            let idx = Field::ALL.iter().position(|f| f == field);
            eval(doc, query, fold, idx)
        }
        Query::Near {
            left,
            right,
            distance,
            ordered,
            ..
        } => {
            let d = *distance as usize;
            let mut out = Vec::new();
            if let Query::Not(x) = &**right {
                let xs = eval(doc, x, fold, scope).1;
                for a in eval(doc, left, fold, scope).1 {
                    if !xs.iter().any(|&b| within(a, b, d, *ordered)) {
                        out.push(a);
                    }
                }
            } else if let Query::Not(x) = &**left {
                let xs = eval(doc, x, fold, scope).1;
                for b in eval(doc, right, fold, scope).1 {
                    if !xs.iter().any(|&a| within(a, b, d, *ordered)) {
                        out.push(b);
                    }
                }
            } else {
                let ls = eval(doc, left, fold, scope).1;
                let rs = eval(doc, right, fold, scope).1;
                for &a in &ls {
                    for &b in &rs {
                        if within(a, b, d, *ordered) {
                            out.push((a.0, a.1.min(b.1), a.2.max(b.2)));
                        }
                    }
                }
            }
            (!out.is_empty(), out)
        }
    }
}

/// Does the brand match? `None` when one of its queries does not parse.
pub fn brand_matches(spec: &BrandSpec, doc: &Document) -> Option<bool> {
    let fold = Forms {
        fold: if spec.fold_diacritics {
            Fold::Diacritics
        } else {
            Fold::Case
        },
        compounds: spec.compounds,
    };
    let rd = RefDoc::new(doc);
    let q = super::parse(&spec.query).ok()?;
    let mut ok = eval(&rd, &q, fold, None).0;
    if !spec.context.is_empty() {
        let mut any = false;
        for c in &spec.context {
            any |= eval(&rd, &super::parse(c).ok()?, fold, None).0;
        }
        ok &= any;
    }
    for x in &spec.exclude {
        ok &= !eval(&rd, &super::parse(x).ok()?, fold, None).0;
    }
    Some(ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::query::Matcher;
    use proptest::prelude::*;

    /// Few words, so that random queries often hit random documents.
    const WORDS: &[&str] = &[
        "go",
        "Monday",
        "år",
        "ar",
        "ÅR",
        "bankkonto",
        "konto",
        "Örjan",
        "o\u{308}rjan",
        "orjan",
        "gomonday",
        "se",
        "Café",
        "cafe",
        "Mondays",
        "gomondays",
        "Telia",
        "Teliakunder",
        "telias",
        "Cercanías",
        "cercanias",
    ];

    fn word() -> impl Strategy<Value = String> {
        prop::sample::select(WORDS).prop_map(str::to_string)
    }

    /// Document words: the query words plus fragments that exercise domains and phrases.
    fn doc_word() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => word(),
            1 => prop::sample::select(&["gomonday.se", "www.gomonday.se", "gomonday se", "go monday", "gomonday(.)se"][..])
                .prop_map(str::to_string),
        ]
    }

    fn leaf() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => word(),
            1 => prop::sample::select(&["bank*", "mon*", "*konto", "*jan", "ö*", "*r"][..]).prop_map(str::to_string),
            2 => (word(), word()).prop_map(|(a, b)| format!("\"{a} {b}\"")),
            1 => word().prop_map(|w| format!("`{w}`")),
            1 => Just("gomonday.se".to_string()),
            1 => (prop::sample::select(&["title", "body", "site", "url"][..]), word())
                .prop_map(|(f, w)| format!("{f}:{w}")),
            1 => Just("site:gomonday.se".to_string()),
        ]
    }

    fn query() -> impl Strategy<Value = String> {
        leaf().prop_recursive(2, 8, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} {b})")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} OR {b})")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} NOT {b})")),
                inner.clone().prop_map(|a| format!("NOT {a}")),
                (inner.clone(), inner.clone(), 0u32..4, any::<bool>()).prop_map(|(a, b, n, o)| {
                    format!("({a} {}NEAR/{n} {b})", if o { "O" } else { "" })
                }),
                (inner.clone(), inner.clone(), 0u32..4)
                    .prop_map(|(a, b, n)| format!("({a} NEAR/{n} NOT {b})")),
                (inner.clone(), inner, 0u32..4)
                    .prop_map(|(a, b, n)| format!("((NOT {a}) ONEAR/{n} {b})")),
            ]
        })
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            (
                doc_word(),
                prop::sample::select(
                    &[
                        " ", " ", ", ", ".", "\n", "-", "[.]", "'s ", ":s ", "s ", "-appen ",
                        "kunder ",
                    ][..],
                ),
            ),
            0..24,
        )
        .prop_map(|v| v.into_iter().map(|(w, s)| format!("{w}{s}")).collect())
    }

    fn spec() -> impl Strategy<Value = BrandSpec> {
        (
            query(),
            prop::collection::vec(query(), 0..2),
            prop::collection::vec(query(), 0..2),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(
                |(query, exclude, context, fold_diacritics, compounds)| BrandSpec {
                    name: query.clone(),
                    query,
                    exclude,
                    context,
                    fold_diacritics,
                    compounds,
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn engine_agrees_with_reference(
            specs in prop::collection::vec(spec(), 1..5),
            title in text(),
            body in text(),
            url in prop::sample::select(&[
                "", "https://www.gomonday.se/go-monday", "http://gomonday.se", "https://example.com/konto/gomonday.se",
                "https://gomonday.se.example.com/", "https://notgomonday.se/", "https://user@GoMonday.SE:8080?q=år",
            ][..]),
        ) {
            // Keep the brands the engine accepts (pure-NOT main queries are rejected by design).
            let specs: Vec<BrandSpec> = specs
                .into_iter()
                .filter(|s| Matcher::compile(std::slice::from_ref(s)).is_ok())
                .collect();
            let m = Matcher::compile(&specs).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let doc = Document { title: &title, body: &body, author: "", url, lang: None };
            let got: Vec<usize> = m.match_document(&doc).iter().map(|b| b.brand).collect();
            let want: Vec<usize> = specs
                .iter()
                .enumerate()
                .filter(|(_, s)| brand_matches(s, &doc) == Some(true))
                .map(|(i, _)| i)
                .collect();
            prop_assert_eq!(got, want, "title {:?} body {:?} url {:?} specs {:?}", title, body, url, specs);
        }
    }

    #[test]
    fn reference_sanity() {
        let spec = BrandSpec {
            name: "x".into(),
            query: "bank NEAR/2 NOT konto".into(),
            ..Default::default()
        };
        let doc = |body| Document {
            body,
            ..Default::default()
        };
        assert_eq!(brand_matches(&spec, &doc("bank a b konto")), Some(true));
        assert_eq!(brand_matches(&spec, &doc("bank a konto")), Some(false));
    }
}
