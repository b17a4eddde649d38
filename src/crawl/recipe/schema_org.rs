//! The `schema-org` extractor: reviews, comments and posts that pages publish as JSON-LD
//! (`<script type="application/ld+json">`, including `@graph` and nested lists) or as microdata
//! (`itemscope`/`itemtype`/`itemprop`). Many review sites and forums do, so this needs no selectors.

use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

use super::{Ctx, Extraction, FieldSpec, Scope, parse_rating};
use crate::crawl::text::{element_text, html_to_text, nesting_too_deep, strip_tags_inline};
use crate::domain::item::{Item, Rating};

/// The schema.org types that are items. `Article`/`NewsArticle` are left out on purpose: they are the
/// page itself, and a page's own article is better read from its feed.
const TYPES: &[&str] = &[
    "Review",
    "Comment",
    "DiscussionForumPosting",
    "BlogPosting",
    "SocialMediaPosting",
    "Answer",
    "Question",
];

/// JSON-LD is walked to at most this depth; real documents nest a handful of levels.
const MAX_DEPTH: usize = 32;

pub(super) fn extract(page: &str, ctx: &Ctx) -> Extraction {
    let mut ex = Extraction::default();
    if nesting_too_deep(page) {
        ex.warnings.push(
            "page nests elements thousands deep; not parsed (hostile or broken page)".to_string(),
        );
        return ex;
    }
    let doc = Html::parse_document(page);
    let mut found: Vec<Item> = Vec::new();
    json_ld(&doc, ctx, &mut found, &mut ex.warnings);
    microdata(&doc, ctx, &mut found, &mut ex.warnings);
    ex.item_matches = found.len();
    // A page often publishes the same reviews both ways: keep the first of each (author, body).
    let mut seen = std::collections::HashSet::new();
    for (i, item) in found.into_iter().enumerate() {
        if item.body.trim().is_empty() && item.title.is_none() {
            ex.warnings
                .push(format!("item {}: no body or title; skipped", i + 1));
            continue;
        }
        if seen.insert((item.author.clone(), item.body.clone(), item.title.clone())) {
            ex.items.push(item);
        }
    }
    ex
}

fn type_matches(t: &str) -> bool {
    // "Review", "schema:Review", "https://schema.org/Review"
    let short = t.rsplit(['/', ':', '#']).next().unwrap_or(t);
    TYPES.contains(&short)
}

fn json_ld(doc: &Html, ctx: &Ctx, out: &mut Vec<Item>, warnings: &mut Vec<String>) {
    let Ok(sel) = Selector::parse("script[type]") else {
        return;
    };
    for script in doc.select(&sel) {
        let ty = script
            .value()
            .attr("type")
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if !ty.starts_with("application/ld+json") {
            continue;
        }
        let text: String = script.text().collect();
        let value: Value = match serde_json::from_str(text.trim()) {
            Ok(v) => v,
            Err(e) => {
                warnings.push(format!("JSON-LD block not readable: {e}"));
                continue;
            }
        };
        // Iterative walk: (value, depth, url of the enclosing entity for `thread_url`).
        let mut stack: Vec<(&Value, usize, Option<String>)> = vec![(&value, 0, None)];
        while let Some((v, depth, parent_url)) = stack.pop() {
            if depth > MAX_DEPTH {
                continue;
            }
            match v {
                Value::Array(a) => {
                    stack.extend(a.iter().rev().map(|x| (x, depth + 1, parent_url.clone())))
                }
                Value::Object(o) => {
                    let own_url = o
                        .get("url")
                        .and_then(str_of)
                        .and_then(|u| ctx.resolve(&u, None));
                    let is_item = match o.get("@type") {
                        Some(Value::String(t)) => type_matches(t),
                        Some(Value::Array(ts)) => {
                            ts.iter().filter_map(Value::as_str).any(type_matches)
                        }
                        _ => false,
                    };
                    if is_item {
                        out.push(item_from_json(
                            o,
                            ctx,
                            parent_url.clone(),
                            warnings,
                            out.len() + 1,
                        ));
                    }
                    let inherited = own_url.or(parent_url);
                    // Children in document order (the stack is last-in, first-out).
                    let children: Vec<&Value> = o
                        .iter()
                        .filter(|(k, _)| !k.starts_with('@') || *k == "@graph")
                        .map(|(_, v)| v)
                        .filter(|v| v.is_object() || v.is_array())
                        .collect();
                    stack.extend(
                        children
                            .into_iter()
                            .rev()
                            .map(|x| (x, depth + 1, inherited.clone())),
                    );
                }
                _ => {}
            }
        }
    }
}

fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o.get("@id").or_else(|| o.get("url")).and_then(str_of),
        Value::Array(a) => a.iter().find_map(str_of),
        _ => None,
    }
}

/// `author` may be a string, a Person/Organization object, or a list of them.
fn name_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("name").and_then(name_of),
        Value::Array(a) => a.iter().find_map(name_of),
        _ => None,
    }
}

fn date_spec(ctx: &Ctx) -> FieldSpec {
    FieldSpec {
        select: None,
        attr: Vec::new(),
        scope: Scope::Item,
        paths: Vec::new(),
        template: None,
        prefix: None,
        param: None,
        link_rel: None,
        format: None,
        locale: None,
        timezone: Some(ctx.default_tz),
        scale: None,
    }
}

fn item_from_json(
    o: &serde_json::Map<String, Value>,
    ctx: &Ctx,
    thread: Option<String>,
    warnings: &mut Vec<String>,
    n: usize,
) -> Item {
    let get = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| o.get(*k).and_then(str_of))
            .filter(|s| !s.trim().is_empty())
    };
    let body = get(&["reviewBody", "articleBody", "text", "description"])
        .map(|b| html_to_text(&b))
        .unwrap_or_default();
    let published_at = get(&["datePublished", "dateCreated", "uploadDate"])
        .and_then(|d| ctx.date(&date_spec(ctx), &[d], warnings, n));
    let rating = o.get("reviewRating").and_then(|r| match r {
        Value::Object(r) => {
            let value = r.get("ratingValue").and_then(str_of)?;
            let best = r
                .get("bestRating")
                .and_then(str_of)
                .and_then(|b| b.replace(',', ".").trim().parse::<f64>().ok());
            parse_rating(&value, Some(best.unwrap_or(5.0)))
        }
        other => str_of(other).and_then(|v| parse_rating(&v, None)),
    });
    Item {
        id: o
            .get("@id")
            .and_then(str_of)
            .or_else(|| o.get("identifier").and_then(str_of)),
        url: o
            .get("url")
            .and_then(str_of)
            .and_then(|u| ctx.resolve(&u, None)),
        thread_url: thread.or_else(|| Some(ctx.page_url.to_string())),
        title: get(&["headline", "name"]).map(|t| strip_tags_inline(&t)),
        author: o
            .get("author")
            .and_then(name_of)
            .map(|a| strip_tags_inline(&a))
            .filter(|a| !a.is_empty()),
        published_at,
        body,
        rating,
        ..Item::default()
    }
}

// ---------------------------------------------------------------------------------------------------
// Microdata
// ---------------------------------------------------------------------------------------------------

fn microdata(doc: &Html, ctx: &Ctx, out: &mut Vec<Item>, warnings: &mut Vec<String>) {
    let Ok(sel) = Selector::parse("[itemscope][itemtype]") else {
        return;
    };
    for scope in doc.select(&sel) {
        let types = scope.value().attr("itemtype").unwrap_or("");
        if !types.split_whitespace().any(type_matches) {
            continue;
        }
        // A nested item (a Review inside a Product's `review` prop) is still an item.
        let props = properties(scope);
        let prop = |name: &str| props.iter().find(|(n, _)| n == name).map(|(_, el)| *el);
        let text_of = |name: &str| {
            prop(name)
                .map(prop_value)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let body = text_of("reviewBody")
            .or_else(|| text_of("articleBody"))
            .or_else(|| text_of("text"))
            .or_else(|| text_of("description"))
            .unwrap_or_default();
        let author = prop("author").and_then(|el| {
            if el.value().attr("itemscope").is_some() {
                properties(el)
                    .iter()
                    .find(|(n, _)| n == "name")
                    .map(|(_, e)| prop_value(*e))
            } else {
                Some(prop_value(el))
            }
        });
        let rating = prop("reviewRating").and_then(|el| rating_from_scope(el));
        let n = out.len() + 1;
        let published_at = text_of("datePublished")
            .or_else(|| text_of("dateCreated"))
            .and_then(|d| ctx.date(&date_spec(ctx), &[d], warnings, n));
        out.push(Item {
            id: scope
                .value()
                .attr("itemid")
                .map(str::to_string)
                .or_else(|| text_of("identifier")),
            url: text_of("url").and_then(|u| ctx.resolve(&u, None)),
            thread_url: Some(ctx.page_url.to_string()),
            title: text_of("headline")
                .or_else(|| text_of("name"))
                .map(|t| strip_tags_inline(&t)),
            author: author
                .map(|a| strip_tags_inline(&a))
                .filter(|a| !a.is_empty()),
            published_at,
            body,
            rating,
            ..Item::default()
        });
    }
}

fn rating_from_scope(el: ElementRef) -> Option<Rating> {
    let props = properties(el);
    let get = |name: &str| {
        props
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| prop_value(*e))
    };
    let value = get("ratingValue")?;
    let best = get("bestRating").and_then(|b| b.replace(',', ".").trim().parse::<f64>().ok());
    parse_rating(&value, Some(best.unwrap_or(5.0)))
}

/// The `itemprop` elements that belong to `scope` itself (not to an item nested inside it).
fn properties(scope: ElementRef) -> Vec<(String, ElementRef)> {
    let mut out = Vec::new();
    for node in scope.descendants().skip(1) {
        let Some(el) = ElementRef::wrap(node) else {
            continue;
        };
        let Some(names) = el.value().attr("itemprop") else {
            continue;
        };
        // The nearest enclosing itemscope must be `scope`.
        let owner = el
            .ancestors()
            .filter_map(ElementRef::wrap)
            .find(|a| a.value().attr("itemscope").is_some());
        if owner.map(|o| o.id()) != Some(scope.id()) {
            continue;
        }
        for name in names.split_whitespace() {
            out.push((name.to_string(), el));
        }
    }
    out
}

/// A microdata property's value, by the element it sits on (HTML microdata rules).
fn prop_value(el: ElementRef) -> String {
    let v = el.value();
    let attr = match v.name() {
        "meta" => v.attr("content"),
        "a" | "link" | "area" => v.attr("href"),
        "img" | "audio" | "video" | "source" | "iframe" | "embed" => v.attr("src"),
        "time" => v.attr("datetime"),
        "data" | "meter" => v.attr("value"),
        _ => v.attr("content"),
    };
    match attr {
        Some(a) => a.to_string(),
        None => element_text(el),
    }
}
