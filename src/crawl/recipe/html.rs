//! HTML recipes: CSS selectors over a parsed page.

use scraper::node::Node;
use scraper::{ElementRef, Html, Selector};

use super::{Ctx, Extraction, FieldSpec, Follow, Recipe, Scope, parse_count, parse_rating};
use crate::crawl::text::{element_text, nesting_too_deep};
use crate::domain::item::Item;
use crate::domain::thread::{ThreadLink, canonical_thread_url};

pub(super) fn extract(recipe: &Recipe, item_sel: &Selector, page: &str, ctx: &Ctx) -> Extraction {
    let mut ex = Extraction::default();
    if nesting_too_deep(page) {
        ex.warnings.push(
            "page nests elements thousands deep; not parsed (hostile or broken page)".to_string(),
        );
        return ex;
    }
    let doc = parse(page, item_sel);
    let root = doc.root_element();
    let with_base = Ctx {
        base: base_href(&doc, ctx.page_url),
        ..*ctx
    };
    let ctx = &with_base;
    let f = &recipe.fields;
    let link = |spec: &Option<FieldSpec>| {
        spec.as_ref()
            .and_then(|s| url_value(s, root, root, ctx))
            .and_then(|u| url::Url::parse(&u).ok())
    };
    if let Some(follow) = &recipe.follow {
        listing(&mut ex, follow, &doc, item_sel, ctx);
        ex.next_page = link(&recipe.next);
        ex.last_page = link(&recipe.last);
        return ex;
    }
    for (i, el) in doc.select(item_sel).enumerate() {
        ex.item_matches += 1;
        let n = i + 1;
        let one_line = |spec: &Option<FieldSpec>| {
            spec.as_ref()
                .and_then(|s| text_value(s, el, root))
                .map(|t| collapse(&t))
                .filter(|t| !t.is_empty())
        };
        let url =
            |spec: &Option<FieldSpec>| spec.as_ref().and_then(|s| url_value(s, el, root, ctx));
        let (body, quotes) = match (&f.body, &recipe.quotes) {
            (Some(spec), Some(q)) if spec.attr.is_empty() => target(spec, el, root)
                .map(|b| super::quotes::split(b, q))
                .unwrap_or_default(),
            (Some(spec), _) => (text_value(spec, el, root).unwrap_or_default(), Vec::new()),
            (None, _) => (String::new(), Vec::new()),
        };
        let title = one_line(&f.title);
        // A title read from the page (the thread title) does not make an empty element an item.
        let own_title = title.is_some() && f.title.as_ref().is_some_and(|s| s.scope == Scope::Item);
        if body.trim().is_empty() && quotes.is_empty() && !own_title {
            ex.warnings
                .push(format!("item {n}: no body or title; skipped"));
            continue;
        }
        let published_at = f.date.as_ref().and_then(|s| {
            let candidates = date_candidates(s, el, root);
            ctx.date(s, &candidates, &mut ex.warnings, n)
        });
        let rating = f
            .rating
            .as_ref()
            .and_then(|s| text_value(s, el, root))
            .and_then(|t| parse_rating(&t, f.rating.as_ref().and_then(|s| s.scale)));
        ex.items.push(Item {
            id: one_line(&f.id),
            url: url(&f.link),
            thread_url: url(&f.thread),
            title,
            author: one_line(&f.author),
            published_at,
            body,
            rating,
            reply_to: one_line(&f.reply_to),
            quotes,
        });
    }
    ex.next_page = link(&recipe.next);
    ex.last_page = link(&recipe.last);
    ex.prev_page = link(&recipe.prev);
    if recipe.is_paginated() {
        ex.page_links = thread_page_links(&doc, ctx);
    }
    ex
}

/// A listing: each row is a thread link with what the row says about the thread.
fn listing(ex: &mut Extraction, follow: &Follow, doc: &Html, item_sel: &Selector, ctx: &Ctx) {
    let root = doc.root_element();
    for (i, row) in doc.select(item_sel).enumerate() {
        ex.item_matches += 1;
        let Some(link) =
            url_value(&follow.link, row, root, ctx).and_then(|u| url::Url::parse(&u).ok())
        else {
            // Announcement and header rows carry no thread link.
            continue;
        };
        let text = |spec: &Option<FieldSpec>| {
            spec.as_ref()
                .and_then(|s| text_value(s, row, root))
                .map(|t| collapse(&t))
                .filter(|t| !t.is_empty())
        };
        let last_post_at = follow.last_post_at.as_ref().and_then(|s| {
            let candidates = date_candidates(s, row, root);
            ctx.date(s, &candidates, &mut ex.warnings, i + 1)
        });
        let title = text(&follow.title).or_else(|| {
            target(&follow.link, row, root)
                .map(|a| collapse(&element_text(a)))
                .filter(|t| !t.is_empty())
        });
        let thread_url = canonical_thread_url(&link);
        if ex.threads.iter().any(|t| t.thread_url == thread_url) {
            continue;
        }
        ex.threads.push(ThreadLink {
            read_url: crate::domain::thread::api_read_url(&link),
            thread_url,
            title,
            last_post_at,
            replies: text(&follow.replies).and_then(|r| parse_count(&r)),
        });
    }
}

/// The parsed page. A page whose posts sit inside `<noscript>` (the fallback of a JavaScript app, such
/// as Discourse's) has them as text there; when the item selector finds nothing, the page is read again
/// with its `<noscript>` elements opened up.
fn parse(page: &str, item_sel: &Selector) -> Html {
    let doc = Html::parse_document(page);
    if doc.select(item_sel).next().is_some() || !page.contains("<noscript") {
        return doc;
    }
    let opened = page
        .replace("<noscript", "<div data-noscript")
        .replace("</noscript>", "</div>");
    let reread = Html::parse_document(&opened);
    if reread.select(item_sel).next().is_some() {
        reread
    } else {
        doc
    }
}

/// The document's `<base href>` resolved against the page, when it is an http(s) URL.
fn base_href(doc: &Html, page_url: &url::Url) -> Option<url::Url> {
    static BASE: std::sync::LazyLock<Selector> =
        std::sync::LazyLock::new(|| Selector::parse("base[href]").expect("a valid selector"));
    let href = doc.select(&BASE).next()?.value().attr("href")?;
    let url = page_url.join(href.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// Every distinct link on the page to another page of this page's thread.
fn thread_page_links(doc: &Html, ctx: &Ctx) -> Vec<url::Url> {
    use crate::domain::thread::{canonical_thread_url, page_number};
    static ANCHORS: std::sync::LazyLock<Selector> =
        std::sync::LazyLock::new(|| Selector::parse("a[href]").expect("a valid selector"));
    let thread = canonical_thread_url(ctx.page_url);
    let mut out: Vec<url::Url> = Vec::new();
    for a in doc.select(&ANCHORS) {
        let Some(u) = a
            .value()
            .attr("href")
            .and_then(|h| ctx.resolve(h, None))
            .and_then(|u| url::Url::parse(&u).ok())
        else {
            continue;
        };
        let mut bare = u.clone();
        bare.set_fragment(None);
        // A post's permalink on this page (`…#post727744`) is this page too.
        if &bare == ctx.page_url || page_number(&u).is_none() || canonical_thread_url(&u) != thread
        {
            continue;
        }
        if !out.contains(&bare) {
            out.push(bare);
        }
    }
    out
}

/// The element a field reads: its selector's first match inside the item (or the page), the nearest
/// enclosing element it matches (`scope = "ancestor"`), or the item.
fn target<'a>(
    spec: &FieldSpec,
    item: ElementRef<'a>,
    root: ElementRef<'a>,
) -> Option<ElementRef<'a>> {
    let base = match spec.scope {
        Scope::Item => item,
        Scope::Page => root,
        Scope::Ancestor => {
            let (sel, _) = spec.select.as_ref()?;
            return item
                .ancestors()
                .filter_map(ElementRef::wrap)
                .find(|a| sel.matches(a));
        }
    };
    match &spec.select {
        Some((sel, _)) => base.select(sel).next(),
        None => Some(base),
    }
}

fn text_value(spec: &FieldSpec, item: ElementRef, root: ElementRef) -> Option<String> {
    let el = target(spec, item, root)?;
    let value = if spec.attr.is_empty() {
        element_text(el)
    } else {
        spec.attr_of(el.value())?.trim().to_string()
    };
    Some(match &spec.prefix {
        Some(p) if !value.is_empty() => format!("{p}{value}"),
        _ => value,
    })
}

/// A URL field: the `attr` if given, else `href` when present, else the text; resolved against the page.
fn url_value(spec: &FieldSpec, item: ElementRef, root: ElementRef, ctx: &Ctx) -> Option<String> {
    let el = target(spec, item, root)?;
    let raw = if spec.attr.is_empty() {
        // `href` of a link, `content` of a `<meta property="og:url">`, else the text.
        match el
            .value()
            .attr("href")
            .or_else(|| el.value().attr("content"))
        {
            Some(h) => h.to_string(),
            None => element_text(el),
        }
    } else {
        spec.attr_of(el.value())?.to_string()
    };
    ctx.resolve(&raw, spec.prefix.as_deref())
}

/// Texts to try as a date, best first: the attribute (or `datetime`, then `title`), the whole text, then
/// each of the element's own text pieces (Flashback's date cell is `2000-09-06, 18:09` plus a `#1` link).
fn date_candidates(spec: &FieldSpec, item: ElementRef, root: ElementRef) -> Vec<String> {
    let Some(el) = target(spec, item, root) else {
        return Vec::new();
    };
    if !spec.attr.is_empty() {
        return spec
            .attr_of(el.value())
            .map(|v| vec![v.trim().to_string()])
            .unwrap_or_default();
    }
    let mut out = Vec::new();
    // `title` after `datetime`: a date element whose text is only the day (XenForo 1's
    // `<span class="DateTime" title="Oct 30, 2014 at 10:48 PM">Oct 30, 2014</span>`) or relative
    // ("3 years ago" with the ISO time in `title`, NodeBB) holds the full time there.
    for a in ["datetime", "title"] {
        if let Some(v) = el.value().attr(a) {
            out.push(v.trim().to_string());
        }
    }
    out.push(collapse(&element_text(el)));
    for child in el.children() {
        if let Node::Text(t) = child.value() {
            let t = collapse(t);
            if !t.is_empty() {
                out.push(t);
            }
        }
    }
    out
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
