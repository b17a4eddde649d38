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

use crate::domain::candidate::Candidate;
use crate::domain::item::Item;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
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

/// What the store already knows about a crawl's keys: which mention owns each known key, and each of
/// those mentions' content hash and source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    pub key_owner: HashMap<String, String>,
    /// Mention id → (content hash, source id).
    pub mentions: HashMap<String, (String, i64)>,
}

/// Who a key belongs to after ingest: a stored mention, or the n-th new one of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Owner {
    Stored(String),
    New(usize),
}

/// The ingest decision for one crawl's candidates, as a value the store applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestPlan {
    /// Indices (into the candidates) of the new mentions, in order; `Owner::New(n)` is the n-th.
    pub new: Vec<usize>,
    /// (mention, candidate index): the post changed since that mention was stored (or, for a new one,
    /// since an earlier copy in the same crawl), so the mention is updated and the edit recorded.
    pub edits: Vec<(Owner, usize)>,
    /// Candidates that are a stored mention, unchanged (or seen through another source).
    pub already_known: usize,
    /// Keys to record, each once, with their owner.
    pub new_keys: Vec<(String, Owner)>,
}

impl IngestPlan {
    /// Takes `candidates` out of the new mentions (each is a follow-up, attached to an earlier
    /// mention instead): they count as known, their keys are not recorded (the thread's posts say
    /// where they belong), and the remaining new mentions keep their order.
    pub fn drop_new(&mut self, candidates: &HashSet<usize>) {
        let mut renumbered = HashMap::new();
        let mut kept = Vec::with_capacity(self.new.len());
        for (n, &index) in self.new.iter().enumerate() {
            if candidates.contains(&index) {
                self.already_known += 1;
            } else {
                renumbered.insert(n, kept.len());
                kept.push(index);
            }
        }
        self.new = kept;
        let owner = |o: &Owner| match o {
            Owner::New(n) => renumbered.get(n).map(|m| Owner::New(*m)),
            stored => Some(stored.clone()),
        };
        let mut dropped_edits = 0;
        self.edits.retain_mut(|(o, _)| match owner(o) {
            Some(now) => {
                *o = now;
                true
            }
            None => {
                dropped_edits += 1;
                false
            }
        });
        self.already_known += dropped_edits;
        self.new_keys.retain_mut(|(_, o)| match owner(o) {
            Some(now) => {
                *o = now;
                true
            }
            None => false,
        });
    }
}

/// Decides, for each candidate of a crawl of source `source_id`, whether it is new, an edit of a stored
/// mention, or known (PRODUCT §3.4). A candidate is a stored mention when any of its keys is known
/// (strongest key first); it is an edit only when its text changed and the mention came from this same
/// source (the same post seen through an aggregator is no edit). Candidates of one crawl that share a
/// key are one mention. Every key not yet known is recorded for its owner.
pub fn resolve(source_id: i64, candidates: &[Candidate], known: &Known) -> IngestPlan {
    let mut plan = IngestPlan::default();
    let mut owner_of: HashMap<&str, Owner> = known
        .key_owner
        .iter()
        .map(|(k, id)| (k.as_str(), Owner::Stored(id.clone())))
        .collect();
    // Content hash and source of each mention as this crawl leaves it (an edit updates the hash, so a
    // second copy of the edited post in the same crawl is no second edit).
    let mut state: HashMap<Owner, (&str, i64)> = known
        .mentions
        .iter()
        .map(|(id, (hash, src))| (Owner::Stored(id.clone()), (hash.as_str(), *src)))
        .collect();
    for (index, c) in candidates.iter().enumerate() {
        let owner = c
            .keys
            .iter()
            .find_map(|k| owner_of.get(k.as_str()).cloned());
        let owner = match owner {
            Some(owner) => {
                let changed = state
                    .get(&owner)
                    .is_some_and(|(hash, src)| *hash != c.content_hash && *src == source_id);
                if changed {
                    state.insert(owner.clone(), (c.content_hash.as_str(), source_id));
                    plan.edits.push((owner.clone(), index));
                } else {
                    plan.already_known += 1;
                }
                owner
            }
            None => {
                let owner = Owner::New(plan.new.len());
                plan.new.push(index);
                state.insert(owner.clone(), (c.content_hash.as_str(), source_id));
                owner
            }
        };
        for k in &c.keys {
            if !owner_of.contains_key(k.as_str()) {
                owner_of.insert(k.as_str(), owner.clone());
                plan.new_keys.push((k.clone(), owner.clone()));
            }
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(keys: &[&str], hash: &str) -> Candidate {
        Candidate {
            keys: keys.iter().map(|k| k.to_string()).collect(),
            url: None,
            canonical_url: None,
            thread_url: None,
            title: None,
            body: "b".into(),
            author: None,
            published_at: None,
            rating: None,
            rating_scale: None,
            brands: vec!["B".into()],
            matches: Vec::new(),
            lang: None,
            sentiment: crate::domain::sentiment::Label::Neutral,
            sentiment_score: 0.0,
            sentiment_reasons: Vec::new(),
            content_hash: hash.into(),
        }
    }

    /// One stored mention `m1` of source 1 with hash `h1`, owning key `url:a`.
    fn known_m1() -> Known {
        Known {
            key_owner: [("url:a".to_string(), "m1".to_string())].into(),
            mentions: [("m1".to_string(), ("h1".to_string(), 1))].into(),
        }
    }

    fn keys(plan: &IngestPlan) -> Vec<(&str, Owner)> {
        plan.new_keys
            .iter()
            .map(|(k, o)| (k.as_str(), o.clone()))
            .collect()
    }

    #[test]
    fn resolve_decides_new_edit_and_known() {
        let stored = || Owner::Stored("m1".into());
        // (case, source, candidates, new, edits, known, new keys)
        #[allow(clippy::type_complexity)]
        let table: Vec<(
            &str,
            i64,
            Vec<Candidate>,
            Vec<usize>,
            Vec<(Owner, usize)>,
            usize,
            Vec<(&str, Owner)>,
        )> = vec![
            ("nothing", 1, vec![], vec![], vec![], 0, vec![]),
            (
                "unknown key: new",
                1,
                vec![cand(&["url:b"], "h2")],
                vec![0],
                vec![],
                0,
                vec![("url:b", Owner::New(0))],
            ),
            (
                "known, same text",
                1,
                vec![cand(&["url:a"], "h1")],
                vec![],
                vec![],
                1,
                vec![],
            ),
            (
                "known, text changed, same source: edit",
                1,
                vec![cand(&["url:a"], "h9")],
                vec![],
                vec![(stored(), 0)],
                0,
                vec![],
            ),
            (
                "known, text changed, other source: no edit",
                2,
                vec![cand(&["url:a"], "h9")],
                vec![],
                vec![],
                1,
                vec![],
            ),
            (
                "known by its second key: the first key joins it",
                1,
                vec![cand(&["id:1:x", "url:a"], "h1")],
                vec![],
                vec![],
                1,
                vec![("id:1:x", stored())],
            ),
            (
                "two copies in one crawl: one mention",
                1,
                vec![cand(&["url:b"], "h2"), cand(&["url:b"], "h2")],
                vec![0],
                vec![],
                1,
                vec![("url:b", Owner::New(0))],
            ),
            (
                "a copy shares one key of a new one: joins it",
                1,
                vec![
                    cand(&["id:1:x", "url:b"], "h2"),
                    cand(&["url:b", "url:c"], "h2"),
                ],
                vec![0],
                vec![],
                1,
                vec![
                    ("id:1:x", Owner::New(0)),
                    ("url:b", Owner::New(0)),
                    ("url:c", Owner::New(0)),
                ],
            ),
            (
                "a new one changed within the crawl: the later text is an edit",
                1,
                vec![cand(&["url:b"], "h2"), cand(&["url:b"], "h3")],
                vec![0],
                vec![(Owner::New(0), 1)],
                0,
                vec![("url:b", Owner::New(0))],
            ),
            (
                "the edited post seen twice: one edit",
                1,
                vec![cand(&["url:a"], "h9"), cand(&["url:a"], "h9")],
                vec![],
                vec![(stored(), 0)],
                1,
                vec![],
            ),
            (
                "edited twice in one crawl: two edits",
                1,
                vec![cand(&["url:a"], "h8"), cand(&["url:a"], "h9")],
                vec![],
                vec![(stored(), 0), (stored(), 1)],
                0,
                vec![],
            ),
            (
                "two new ones",
                1,
                vec![cand(&["url:b"], "h2"), cand(&["url:c"], "h3")],
                vec![0, 1],
                vec![],
                0,
                vec![("url:b", Owner::New(0)), ("url:c", Owner::New(1))],
            ),
        ];
        for (case, source, cands, new, edits, known, new_keys) in table {
            let plan = resolve(source, &cands, &known_m1());
            assert_eq!(plan.new, new, "{case}");
            assert_eq!(plan.edits, edits, "{case}");
            assert_eq!(plan.already_known, known, "{case}");
            assert_eq!(keys(&plan), new_keys, "{case}");
            assert_eq!(
                plan.new.len() + plan.edits.len() + plan.already_known,
                cands.len(),
                "{case}: every candidate is decided once"
            );
        }
    }

    #[test]
    fn dropped_new_mentions_count_as_known_and_the_rest_keep_their_order() {
        let cands = vec![
            cand(&["url:b"], "h2"),
            cand(&["url:c"], "h3"),
            cand(&["url:c"], "h4"),
            cand(&["url:d"], "h5"),
        ];
        let mut plan = resolve(1, &cands, &known_m1());
        plan.drop_new(&[1].into());
        assert_eq!(plan.new, vec![0, 3]);
        assert_eq!(
            plan.edits,
            vec![],
            "the edit of the dropped one goes with it"
        );
        assert_eq!(plan.already_known, 2);
        assert_eq!(
            keys(&plan),
            vec![("url:b", Owner::New(0)), ("url:d", Owner::New(1))]
        );
        assert_eq!(
            plan.new.len() + plan.edits.len() + plan.already_known,
            cands.len()
        );
    }

    #[test]
    fn resolve_with_nothing_stored_makes_everything_new_and_is_deterministic() {
        let cands = vec![cand(&["url:a"], "h1"), cand(&["hash:z"], "h2")];
        let a = resolve(1, &cands, &Known::default());
        assert_eq!(a.new, vec![0, 1]);
        assert_eq!(a, resolve(1, &cands, &Known::default()));
    }

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
