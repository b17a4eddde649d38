//! Brands and identities: names unique, every query parsed (all errors, with the parser's caret) and
//! the whole set compiled, each error pointing at its query's line.

use super::defaults;
use super::problems::Problems;
use super::raw::{RawBrand, RawIdentity};
use super::{BrandRelevance, BrandSpec, Identity, Matcher};
use crate::domain::conversation::ReplyScope;
use crate::domain::query::QueryRef;
use toml::Spanned;

pub(super) fn brands(raw: &[RawBrand], p: &mut Problems) -> (Vec<BrandSpec>, Vec<BrandRelevance>) {
    let mut brands = Vec::new();
    let mut relevance = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // Problems found before the brands (an unknown key elsewhere) do not keep them from compiling.
    let before = p.list.len();
    for b in raw {
        if b.name.get_ref().trim().is_empty() {
            p.at(&b.name, "a brand needs a name");
        } else if !seen.insert(b.name.get_ref().clone()) {
            p.at(
                &b.name,
                format!("the brand name '{}' is used twice", b.name.get_ref()),
            );
        }
        let checks = std::iter::once(("query".to_string(), &b.query))
            .chain(
                b.exclude
                    .iter()
                    .enumerate()
                    .map(|(i, q)| (format!("exclude[{i}]"), q)),
            )
            .chain(
                b.context
                    .iter()
                    .enumerate()
                    .map(|(i, q)| (format!("context[{i}]"), q)),
            );
        for (which, q) in checks {
            if let Err(e) = crate::domain::query::parse(q.get_ref()) {
                p.at(
                    q,
                    format!("brand '{}': {which} has an error: {e}", b.name.get_ref()),
                );
            }
        }
        brands.push(BrandSpec {
            name: b.name.get_ref().clone(),
            query: b.query.get_ref().clone(),
            exclude: b.exclude.iter().map(|e| e.get_ref().clone()).collect(),
            context: b.context.iter().map(|e| e.get_ref().clone()).collect(),
            fold_diacritics: b.fold_diacritics,
            compounds: b.compounds,
        });
        let threshold = match &b.relevance_threshold {
            Some(t) if !(0.0..=1.0).contains(t.get_ref()) => {
                p.at(
                    t,
                    format!(
                        "brand '{}': relevance_threshold must lie between 0 and 1 (a score below it is held back as probably not about us)",
                        b.name.get_ref()
                    ),
                );
                crate::domain::relevance::DEFAULT_THRESHOLD
            }
            Some(t) => *t.get_ref(),
            None => crate::domain::relevance::DEFAULT_THRESHOLD,
        };
        relevance.push(BrandRelevance {
            brand: b.name.get_ref().clone(),
            thread_context: b.thread_context,
            threshold,
        });
    }
    if p.list.len() == before
        && let Err(errors) = Matcher::compile_all(&brands)
    {
        for e in errors {
            // Point at the query's line in the file.
            let spanned = raw.get(e.brand_index).and_then(|b| match e.which {
                QueryRef::Query => Some(&b.query),
                QueryRef::Exclude(i) => b.exclude.get(i),
                QueryRef::Context(i) => b.context.get(i),
            });
            match spanned {
                Some(q) => p.at(q, e.to_string()),
                None => p.nowhere(e.to_string()),
            }
        }
    }
    (brands, relevance)
}

/// A `reply_scope` as written, or the default.
pub(super) fn reply_scope(raw: Option<&Spanned<String>>, p: &mut Problems) -> ReplyScope {
    match raw {
        None => defaults::REPLY_SCOPE,
        Some(s) => s.get_ref().parse().unwrap_or_else(|e: String| {
            p.at(s, e);
            defaults::REPLY_SCOPE
        }),
    }
}

/// Each brand's `reply_scope`.
pub(super) fn reply_scopes(raw: &[RawBrand], p: &mut Problems) -> Vec<(String, ReplyScope)> {
    raw.iter()
        .map(|b| {
            (
                b.name.get_ref().clone(),
                reply_scope(b.reply_scope.as_ref(), p),
            )
        })
        .collect()
}

pub(super) fn identities(raw: &[RawIdentity]) -> Vec<Identity> {
    raw.iter()
        .map(|i| {
            // `https://www.flashback.org/` and `www.flashback.org` mean the host `flashback.org`.
            let site = i.site.trim();
            let host = url::Url::parse(site)
                .ok()
                .filter(|u| u.has_host())
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| site.trim_end_matches('/').to_string());
            Identity {
                site: host.trim_start_matches("www.").to_lowercase(),
                handle: i.handle.trim().to_string(),
            }
        })
        .collect()
}
