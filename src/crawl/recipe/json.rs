//! JSON recipes: JSON pointers over an API response.

use serde_json::Value;

use super::{Ctx, Extraction, FieldSpec, Follow, Recipe, parse_count, parse_rating};
use crate::crawl::text::{html_to_text, strip_tags_inline};
use crate::domain::item::{Item, Quote, Rating};
use crate::domain::thread::{ThreadLink, canonical_thread_url};

pub(super) fn extract(recipe: &Recipe, items_ptr: &str, page: &str, ctx: &Ctx) -> Extraction {
    let mut ex = Extraction::default();
    // A lone surrogate escape in one item makes serde_json refuse the whole document: replaced, so
    // that one bad item does not cost the others.
    let repaired = crate::crawl::sanitize::repair_json_surrogates(page);
    if let Some((_, n)) = &repaired {
        ex.warnings.push(format!(
            "the document held {n} broken character escape(s) (a lone UTF-16 surrogate); each was replaced with U+FFFD"
        ));
    }
    let page = repaired.as_ref().map_or(page, |(fixed, _)| fixed.as_str());
    // serde_json refuses nesting beyond 128 levels, so hostile documents fail here, not on the stack.
    let doc: Value = match serde_json::from_str(page.trim_start_matches('\u{FEFF}')) {
        Ok(v) => v,
        Err(e) => {
            ex.warnings.push(format!("not a JSON document: {e}"));
            return ex;
        }
    };
    // An object is one item (a Hacker News item, a thread's head post).
    let items: &[Value] = match doc.pointer(items_ptr) {
        Some(Value::Array(items)) => items,
        Some(one @ Value::Object(_)) => std::slice::from_ref(one),
        _ => {
            ex.warnings.push(format!(
                "`items = {items_ptr:?}` does not point at an array or an object in this document"
            ));
            return ex;
        }
    };
    let f = &recipe.fields;
    let mut all = Vec::with_capacity(items.len());
    flatten(items, recipe, &mut all);
    ex.item_matches = all.len();
    let link = |spec: &Option<FieldSpec>| spec.as_ref().and_then(|s| page_link(s, &doc, ctx));
    if let Some(follow) = &recipe.follow {
        let rows: Vec<Value> = all.into_iter().cloned().collect();
        listing(&mut ex, follow, &rows, ctx);
        ex.next_page = link(&recipe.next);
        return ex;
    }
    for (i, it) in all.into_iter().enumerate() {
        let n = i + 1;
        let (body, quotes) = f
            .body
            .as_ref()
            .and_then(|s| string_value(s, it))
            .map(|b| body_and_quotes(&b, recipe))
            .unwrap_or_default();
        let title = f
            .title
            .as_ref()
            .and_then(|s| string_value(s, it))
            .map(|t| strip_tags_inline(&t))
            .filter(|t| !t.is_empty());
        if body.trim().is_empty() && quotes.is_empty() && title.is_none() {
            ex.warnings
                .push(format!("item {n}: no body or title; skipped"));
            continue;
        }
        let url = |spec: &Option<FieldSpec>| {
            spec.as_ref()
                .and_then(|s| string_value(s, it))
                .and_then(|u| ctx.resolve(&u, None))
        };
        let published_at = f
            .date
            .as_ref()
            .and_then(|s| date_value(s, it, ctx, &mut ex.warnings, n));
        ex.items.push(Item {
            id: f
                .id
                .as_ref()
                .and_then(|s| string_value(s, it))
                .filter(|s| !s.is_empty()),
            url: url(&f.link),
            thread_url: url(&f.thread),
            title,
            author: f
                .author
                .as_ref()
                .and_then(|s| string_value(s, it))
                .map(|a| strip_tags_inline(&a))
                .filter(|a| !a.is_empty()),
            published_at,
            body,
            rating: f.rating.as_ref().and_then(|s| rating_value(s, it)),
            reply_to: f
                .reply_to
                .as_ref()
                .and_then(|s| string_value(s, it))
                .filter(|r| !r.trim().is_empty() && r != "0"),
            quotes,
        });
    }
    ex.next_page = link(&recipe.next);
    ex.last_page = link(&recipe.last);
    ex.prev_page = link(&recipe.prev);
    ex
}

/// The items and, with `children`, each one's nested items right after it, depth first; with
/// `items_with`, only the entries that have a value there. serde_json refuses documents nested beyond
/// 128 levels, which bounds the recursion.
fn flatten<'a>(items: &'a [Value], recipe: &Recipe, out: &mut Vec<&'a Value>) {
    for it in items {
        let wanted = recipe
            .items_with
            .as_deref()
            .is_none_or(|p| it.pointer(p).is_some_and(|v| !v.is_null()));
        if wanted {
            out.push(it);
        }
        if let Some(Value::Array(nested)) = recipe.children.as_deref().and_then(|c| it.pointer(c)) {
            flatten(nested, recipe, out);
        }
    }
}

/// A `[pagination]` link: the `Link` header's entry for `link_rel`, the page's URL with its cursor
/// `param` set to the value, or the value as a URL.
fn page_link(spec: &FieldSpec, doc: &Value, ctx: &Ctx) -> Option<url::Url> {
    let raw = match &spec.link_rel {
        Some(rel) => link_header_target(ctx.link_header?, rel)?,
        None => string_value(spec, doc)?,
    };
    match &spec.param {
        Some(param) if spec.link_rel.is_none() => {
            let mut u = ctx.page_url.clone();
            let kept: Vec<(String, String)> = u
                .query_pairs()
                .filter(|(k, _)| k != param.as_str())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            u.query_pairs_mut()
                .clear()
                .extend_pairs(kept)
                .append_pair(param, raw.trim());
            Some(u)
        }
        _ => ctx
            .resolve(&raw, None)
            .and_then(|u| url::Url::parse(&u).ok()),
    }
}

/// The target of the entry with `rel` in an RFC 8288 `Link` header:
/// `<https://x/?max_id=1>; rel="next", <https://x/?min_id=2>; rel="prev"`.
pub(super) fn link_header_target(header: &str, rel: &str) -> Option<String> {
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let close = rest[open..].find('>')? + open;
        let target = &rest[open + 1..close];
        let params_end = rest[close..].find('<').map_or(rest.len(), |n| n + close);
        let params = &rest[close + 1..params_end];
        let names_rel = params.split(';').any(|p| {
            let Some((k, v)) = p.split_once('=') else {
                return false;
            };
            k.trim().eq_ignore_ascii_case("rel")
                && v.trim()
                    .trim_end_matches(',')
                    .trim_matches('"')
                    .split_whitespace()
                    .any(|r| r.eq_ignore_ascii_case(rel))
        });
        if names_rel {
            return Some(target.trim().to_string());
        }
        rest = &rest[params_end..];
    }
    None
}

/// An HTML body's own text and its quotes (the recipe's `[quotes]`), or its whole text.
fn body_and_quotes(html: &str, recipe: &Recipe) -> (String, Vec<Quote>) {
    match &recipe.quotes {
        Some(q) => {
            let frag = scraper::Html::parse_fragment(html);
            super::quotes::split(frag.root_element(), q)
        }
        None => (html_to_text(html), Vec::new()),
    }
}

/// A listing's rows as thread links.
fn listing(ex: &mut Extraction, follow: &Follow, rows: &[Value], ctx: &Ctx) {
    for (i, row) in rows.iter().enumerate() {
        let Some(link) = string_value(&follow.link, row)
            .and_then(|u| ctx.resolve(&u, None))
            .and_then(|u| url::Url::parse(&u).ok())
        else {
            continue;
        };
        let thread_url = canonical_thread_url(&link);
        if ex.threads.iter().any(|t| t.thread_url == thread_url) {
            continue;
        }
        let last_post_at = follow
            .last_post_at
            .as_ref()
            .and_then(|s| date_value(s, row, ctx, &mut ex.warnings, i + 1));
        let replies = follow
            .replies
            .as_ref()
            .and_then(|s| match first_value(s, row) {
                Some(Value::Number(n)) => n.as_u64(),
                Some(Value::String(t)) => parse_count(t),
                _ => None,
            });
        ex.threads.push(ThreadLink {
            read_url: crate::domain::thread::api_read_url(&link),
            thread_url,
            title: follow
                .title
                .as_ref()
                .and_then(|s| string_value(s, row))
                .map(|t| strip_tags_inline(&t))
                .filter(|t| !t.is_empty()),
            last_post_at,
            replies,
        });
    }
}

/// Scalars as text: strings as they are, numbers and booleans written out; null, arrays and objects are
/// "no value".
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The field's first non-empty value, else its filled template, with `prefix` prepended.
fn string_value(spec: &FieldSpec, item: &Value) -> Option<String> {
    let raw = spec
        .paths
        .iter()
        .filter_map(|p| item.pointer(p).and_then(scalar))
        .find(|s| !s.trim().is_empty())
        .or_else(|| {
            spec.template
                .as_deref()
                .and_then(|t| fill_template(t, item))
        })?;
    Some(match &spec.prefix {
        Some(p) => format!("{p}{raw}"),
        None => raw,
    })
}

/// `"/t/{/topic_id}/{/post_number}"` → `/t/123/4`; `None` when a placeholder has no value.
/// `{/uri|after:/}` takes the part after the value's last `/`.
fn fill_template(template: &str, item: &Value) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}')? + open;
        out.push_str(&rest[..open]);
        let placeholder = &rest[open + 1..close];
        let (ptr, after) = match placeholder.split_once("|after:") {
            Some((p, sep)) => (p, Some(sep)),
            None => (placeholder, None),
        };
        let value = item.pointer(ptr).and_then(scalar)?;
        let value = match after {
            Some(sep) => value
                .rsplit_once(sep)
                .map_or(value.as_str(), |(_, tail)| tail),
            None => value.as_str(),
        };
        out.push_str(value);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

fn first_value<'a>(spec: &FieldSpec, item: &'a Value) -> Option<&'a Value> {
    spec.paths
        .iter()
        .filter_map(|p| item.pointer(p))
        .find(|v| !v.is_null())
}

/// Numbers are Unix time (seconds, or milliseconds when larger than 10^11) unless a format says
/// otherwise; strings go through the date parser.
fn date_value(
    spec: &FieldSpec,
    item: &Value,
    ctx: &Ctx,
    warnings: &mut Vec<String>,
    n: usize,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let v = first_value(spec, item)?;
    let text = scalar(v)?;
    match (v, &spec.format) {
        (Value::Number(num), None) => {
            let mut s = spec.clone();
            let big = num.as_f64().is_some_and(|x| x.abs() > 1e11);
            s.format = Some(if big { "unix_ms" } else { "unix" }.to_string());
            ctx.date(&s, &[text], warnings, n)
        }
        _ => ctx.date(spec, &[text], warnings, n),
    }
}

fn rating_value(spec: &FieldSpec, item: &Value) -> Option<Rating> {
    match first_value(spec, item)? {
        Value::Number(n) => n.as_f64().filter(|v| v.is_finite()).map(|value| Rating {
            value,
            scale: spec.scale.unwrap_or(5.0),
        }),
        Value::String(s) => parse_rating(s, spec.scale),
        _ => None,
    }
}
