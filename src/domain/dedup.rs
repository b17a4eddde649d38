//! Dedup keys (PRODUCT §3.4): a mention is stored once.
//!
//! An item gets up to two keys, and an item whose key is already known *is* that mention:
//! - `id:` the source's own stable id (feed GUID, post id), scoped to the source, because ids are only
//!   unique within one site;
//! - `url:` the canonical URL, global, so the same post seen through two sources is one mention.
//!
//! Only when an item has neither does it get `hash:` (normalised title + body), which is the weakest:
//! an edit to such an item cannot be recognised as an edit.
//!
//! A URL shared by several items of one extraction (a recipe whose `link` points at the thread rather
//! than the post) identifies none of them, so the caller passes such URLs in `ambiguous_urls`.

use crate::domain::item::Item;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use url::Url;

/// Query parameters that only track where a click came from.
fn is_tracking_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("utm_")
        || matches!(
            n.as_str(),
            "fbclid" | "gclid" | "dclid" | "msclkid" | "mc_cid" | "mc_eid" | "igshid" | "yclid"
        )
}

/// The canonical form of a URL: lower-cased host, no fragment, no tracking parameters, no default port.
/// `None` for anything that is not an absolute http(s) URL.
pub fn canonical_url(raw: &str) -> Option<String> {
    let mut url = Url::parse(raw.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_tracking_param(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    Some(url.to_string())
}

/// The URL part of a dedup key: the canonical URL, plus the fragment when there is one. A fragment
/// often *is* the item (`/post/#comment-17` is a comment, `/post/` the post it belongs to), so
/// dropping it would make a comment and its post one mention.
pub fn url_key(raw: &str) -> Option<String> {
    let canonical = canonical_url(raw)?;
    match Url::parse(raw.trim())
        .ok()
        .and_then(|u| u.fragment().map(str::to_string))
    {
        Some(f) if !f.is_empty() => Some(format!("{canonical}#{f}")),
        _ => Some(canonical),
    }
}

/// Lower-cased text with all runs of white space folded, so re-wrapping or trailing spaces are no edit.
pub fn normalise_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// A short, stable fingerprint of an item's visible text; also how edits are noticed.
pub fn content_hash(title: Option<&str>, body: &str) -> String {
    let mut h = Sha256::new();
    h.update(normalise_text(title.unwrap_or_default()).as_bytes());
    h.update([0u8]);
    h.update(normalise_text(body).as_bytes());
    let digest = h.finalize();
    hex::encode(&digest[..16])
}

/// The dedup keys of one item, strongest first. `source_scope` identifies the source (its database id).
pub fn keys_for(source_scope: &str, item: &Item, ambiguous_urls: &HashSet<String>) -> Vec<String> {
    let mut keys = Vec::with_capacity(2);
    if let Some(id) = item.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        keys.push(format!("id:{source_scope}:{id}"));
    }
    let thread = item.thread_url.as_deref().and_then(url_key);
    // A link that is the thread itself (a recipe whose `link` points at the thread page) names no
    // post: it would merge the thread's posts as soon as one crawl sees only one of them.
    if let Some(url) = item.url.as_deref().and_then(url_key)
        && !ambiguous_urls.contains(&url)
        && thread.as_deref() != Some(url.as_str())
    {
        keys.push(format!("url:{url}"));
    }
    if keys.is_empty() {
        keys.push(format!(
            "hash:{}",
            content_hash(item.title.as_deref(), &item.body)
        ));
    }
    keys
}

/// Canonical URLs that more than one of `items` carries.
pub fn ambiguous_urls(items: &[Item]) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut shared = HashSet::new();
    for url in items
        .iter()
        .filter_map(|i| i.url.as_deref().and_then(url_key))
    {
        if !seen.insert(url.clone()) {
            shared.insert(url);
        }
    }
    shared
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_urls_drop_tracking_and_fragments() {
        assert_eq!(
            canonical_url("HTTPS://WWW.Example.COM:443/Path?utm_source=x&id=3&fbclid=y#c12")
                .as_deref(),
            Some("https://www.example.com/Path?id=3")
        );
        assert_eq!(
            canonical_url("http://example.com/a?utm_medium=m&gclid=1").as_deref(),
            Some("http://example.com/a")
        );
        assert_eq!(canonical_url("mailto:a@b.se"), None);
        assert_eq!(canonical_url("/relative"), None);
    }

    #[test]
    fn keys_prefer_ids_then_urls_then_hash() {
        let none = HashSet::new();
        let mut item = Item {
            id: Some("guid-1".into()),
            url: Some("https://blog.example/p/1#comment-3".into()),
            body: "Hej".into(),
            ..Item::default()
        };
        assert_eq!(
            keys_for("7", &item, &none),
            vec![
                "id:7:guid-1".to_string(),
                "url:https://blog.example/p/1#comment-3".to_string()
            ]
        );
        item.id = None;
        item.url = Some("https://blog.example/p/1?utm_source=x".into());
        assert_eq!(
            keys_for("7", &item, &none),
            vec!["url:https://blog.example/p/1".to_string()]
        );
        item.url = None;
        let k = keys_for("7", &item, &none);
        assert_eq!(k.len(), 1);
        assert!(k[0].starts_with("hash:"));
    }

    #[test]
    fn a_url_shared_within_one_page_is_no_key() {
        let a = Item {
            url: Some("https://forum.example/t/1".into()),
            body: "first".into(),
            ..Item::default()
        };
        let b = Item {
            body: "second".into(),
            ..a.clone()
        };
        let shared = ambiguous_urls(&[a.clone(), b.clone()]);
        assert_ne!(keys_for("1", &a, &shared), keys_for("1", &b, &shared));
    }

    #[test]
    fn whitespace_and_case_are_no_edit() {
        assert_eq!(
            content_hash(Some("Titel"), "Hej  på\ndig"),
            content_hash(Some("TITEL "), "hej på dig")
        );
        assert_ne!(
            content_hash(None, "hej på dig"),
            content_hash(None, "hej på er")
        );
    }
}
