//! The pure middle of a crawl: extracted items → normalised → matched against the brands → the leader's
//! own posts set aside (they are replies, not mentions) → classified → candidates with dedup keys.

use crate::domain::candidate::{Candidate, ThreadedPost};
use crate::domain::conversation::ThreadPost;
use crate::domain::dedup;
use crate::domain::item::Item;
use crate::domain::query::Field;
use crate::domain::query::{BrandMatch, Document, MatchedBrand, Matcher};
use crate::domain::sentiment::{
    Classification, Classifier, Example, Names, OverrideModel, detect_language,
};
use crate::domain::source::{Identity, SourceKind};
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use url::Url;

/// What one crawl's items turned into.
#[derive(Debug, Default)]
pub struct Processed {
    pub candidates: Vec<Candidate>,
    /// Every post that names its thread, the leader's included: how replies are linked and
    /// follow-ups noticed.
    pub thread_posts: Vec<ThreadedPost>,
    /// Items written by one of the leader's identities.
    pub own_posts: usize,
    /// Items that matched no brand.
    pub unmatched: usize,
    /// A fingerprint of all the items' keys: when it changes, the source said something new.
    pub fingerprint: String,
}

/// Brands, identities and the classifier, compiled once and shared by all crawls; and what this
/// installation has learned from the leader's sentiment overrides, replaced whole when it changes.
pub struct Pipeline {
    matcher: Matcher,
    classifier: Cow<'static, Classifier>,
    identities: Vec<Identity>,
    /// The brands' names and the identities' handles: never scored by their spelling.
    names: Names,
    overrides: RwLock<Arc<OverrideModel>>,
}

impl Pipeline {
    pub fn new(
        matcher: Matcher,
        classifier: Cow<'static, Classifier>,
        identities: Vec<Identity>,
    ) -> Pipeline {
        let names = Names::new(
            matcher
                .brand_names()
                .chain(identities.iter().map(|i| i.handle.as_str())),
        );
        Pipeline {
            matcher,
            classifier,
            identities,
            names,
            overrides: RwLock::default(),
        }
    }

    /// Learns this installation's sentiment corrections from the leader's overrides (the stored ones,
    /// at start), replacing what was learned before.
    pub fn learn_overrides(&self, examples: &[Example]) {
        let model = OverrideModel::train(&self.classifier, &self.names, examples);
        *self.overrides.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(model);
    }

    /// Learns from one more override (the leader just corrected a label): the same phrase is not
    /// mislabelled the same way next time.
    pub fn learn_override(&self, example: Example) {
        let mut model = (*self.learned()).clone();
        model.update(&self.classifier, &self.names, example);
        *self.overrides.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(model);
    }

    /// How many overrides the learned layer was trained on.
    pub fn overrides_learned(&self) -> usize {
        self.learned().len()
    }

    fn learned(&self) -> Arc<OverrideModel> {
        self.overrides
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The sentiment of an item's text: the configured names and the words the brand matched are
    /// never scored, and the learned layer adjusts the lexicon's verdict.
    fn classify(&self, item: &Item, text: &str, matches: &[BrandMatch]) -> Classification {
        let mut names = self.names.clone();
        for m in matches {
            for span in &m.spans {
                let field = match span.field {
                    Field::Title => item.title.as_deref(),
                    Field::Body => Some(item.body.as_str()),
                    _ => None,
                };
                if let Some(named) = field.and_then(|f| f.get(span.start..span.end)) {
                    names.push(named);
                }
            }
        }
        let model = self.learned();
        self.classifier
            .classify_learned(text, item.rating, &names, Some(&model))
    }

    /// Whether `item` was written by one of the leader's accounts: the handle matches (case-insensitive)
    /// and the item lives on the identity's site or a subdomain of it.
    fn identity_of(&self, item: &Item, page_url: &Url) -> Option<&Identity> {
        let author = item.author.as_deref()?.trim();
        let host = item
            .url
            .as_deref()
            .or(item.thread_url.as_deref())
            .and_then(|u| Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_lowercase))
            .or_else(|| page_url.host_str().map(str::to_lowercase))?;
        self.identities.iter().find(|i| {
            i.handle.to_lowercase() == author.to_lowercase()
                && (host == i.site || host.ends_with(&format!(".{}", i.site)))
        })
    }

    /// Turns one crawl's items into candidates. `source_scope` scopes source ids (the source's database
    /// id); `page_url` is the first page's URL, the thread of items that name none (a forum thread page).
    pub fn process(
        &self,
        source_scope: &str,
        items: Vec<Item>,
        page_url: &Url,
        thread_is_page: bool,
        now: DateTime<Utc>,
    ) -> Processed {
        let mut out = Processed::default();
        let ambiguous = dedup::ambiguous_urls(&items);
        let mut all_keys: Vec<String> = Vec::with_capacity(items.len());
        let page_thread = dedup::canonical_url(page_url.as_str());
        let mut shared_titles: HashMap<String, usize> = HashMap::new();
        for t in items.iter().filter_map(|i| i.title.as_deref()) {
            *shared_titles.entry(t.trim().to_string()).or_default() += 1;
        }
        let mut first_with_title = std::collections::HashSet::new();
        for mut item in items {
            normalise(&mut item, now);
            if item.thread_url.is_none() && thread_is_page {
                item.thread_url = page_thread.clone();
            }
            // One thread, one URL, whichever source or page of it the post was read through.
            if let Some(canonical) = item
                .thread_url
                .as_deref()
                .and_then(|u| Url::parse(u).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .map(|u| crate::domain::thread::canonical_thread_url(&u))
            {
                item.thread_url = Some(canonical);
            }
            let keys = dedup::keys_for(source_scope, &item, &ambiguous);
            all_keys.extend(keys.iter().cloned());
            let identity = self.identity_of(&item, page_url).map(|i| i.handle.clone());
            let threaded = item.thread_url.as_ref().map(|thread| ThreadedPost {
                thread_url: thread.clone(),
                post: ThreadPost::of(&item, identity.as_deref()),
                candidate: None,
            });
            if identity.is_some() {
                out.own_posts += 1;
                out.thread_posts.extend(threaded);
                continue;
            }
            let at = out.thread_posts.len();
            out.thread_posts.extend(threaded);
            let threaded = out.thread_posts.get_mut(at);
            let title = item.title.as_deref().unwrap_or_default();
            let lang = self
                .matcher
                .uses_lang()
                .then(|| detect_language(&format!("{title}\n{}", item.body)));
            // A title every post of a thread page carries is the thread's, not the post's: it counts
            // for the first post only, or a thread named after a brand would make every reply a mention.
            let title = match item.title.as_deref() {
                Some(t) if shared_titles.get(t).copied().unwrap_or(0) > 1 => {
                    if first_with_title.insert(t.to_string()) {
                        t
                    } else {
                        ""
                    }
                }
                _ => title,
            };
            let doc = Document {
                title,
                body: &item.body,
                author: item.author.as_deref().unwrap_or_default(),
                url: item.url.as_deref().unwrap_or_default(),
                lang,
            };
            let matches = self.matcher.match_document(&doc);
            if matches.is_empty() {
                out.unmatched += 1;
                continue;
            }
            if let Some(t) = threaded {
                t.candidate = Some(out.candidates.len());
            }
            out.candidates.push(self.candidate(item, keys, &matches));
        }
        all_keys.sort_unstable();
        out.fingerprint = dedup::content_hash(None, &all_keys.join("\n"));
        out
    }

    /// The configured brands' names, in order.
    pub fn brand_names(&self) -> Vec<&str> {
        self.matcher.brand_names().collect()
    }

    /// A mention the leader adds by hand: matched (to record its brands, if any) and classified like
    /// a crawled one, but stored even when no brand matches, since a person said it is about us.
    /// With `chosen`, that brand is the mention's, whatever the text matches (its spans kept when
    /// it matched too).
    pub fn manual_candidate(
        &self,
        mut item: Item,
        now: DateTime<Utc>,
        chosen: Option<&str>,
    ) -> Candidate {
        normalise(&mut item, now);
        let keys = dedup::keys_for(SourceKind::Manual.as_str(), &item, &Default::default());
        let title = item.title.as_deref().unwrap_or_default();
        let lang = detect_language(&format!("{title}\n{}", item.body));
        let doc = Document {
            title,
            body: &item.body,
            author: item.author.as_deref().unwrap_or_default(),
            url: item.url.as_deref().unwrap_or_default(),
            lang: Some(lang),
        };
        let matches = self.matcher.match_document(&doc);
        let mut c = self.candidate(item, keys, &matches);
        if let Some(brand) = chosen {
            let kept = c.matches.iter().find(|m| m.brand == brand).cloned();
            c.matches = vec![kept.unwrap_or_else(|| MatchedBrand::chosen(brand))];
            c.brands = vec![brand.to_string()];
        }
        c
    }

    fn candidate(&self, item: Item, keys: Vec<String>, matches: &[BrandMatch]) -> Candidate {
        let text = classified_text(item.title.as_deref(), &item.body);
        let c = self.classify(&item, &text, matches);
        Candidate {
            keys,
            canonical_url: item.url.as_deref().and_then(dedup::canonical_url),
            content_hash: dedup::content_hash(item.title.as_deref(), &item.body),
            url: item.url,
            thread_url: item.thread_url,
            title: item.title,
            body: item.body,
            author: item.author,
            published_at: item.published_at,
            rating: item.rating.map(|r| r.value),
            rating_scale: item.rating.map(|r| r.scale),
            brands: matches.iter().map(|m| m.name.clone()).collect(),
            matches: matches.iter().map(MatchedBrand::from).collect(),
            lang: Some(c.lang),
            sentiment: c.label,
            sentiment_score: c.score,
            sentiment_reasons: c.reasons,
        }
    }
}

/// The text an item's sentiment is read from: its title (when it has one) and its body. Overrides are
/// learned on the same text.
pub fn classified_text(title: Option<&str>, body: &str) -> String {
    match title {
        Some(t) if !t.is_empty() => format!("{t}\n{body}"),
        _ => body.to_string(),
    }
}

/// Date sanity and tidy text: a publication time in the future is the crawl time (clock skew or a
/// misread date), control characters such as NUL are removed (a database may refuse them, and one
/// refused item must not cost the others), empty strings are absent values, text is trimmed.
pub fn normalise(item: &mut Item, now: DateTime<Utc>) {
    crate::domain::item::clean_item(item);
    if item.published_at.is_some_and(|p| p > now) {
        item.published_at = Some(now);
    }
    for field in [
        &mut item.id,
        &mut item.url,
        &mut item.thread_url,
        &mut item.title,
        &mut item.author,
    ] {
        if let Some(v) = field {
            let t = v.trim();
            if t.is_empty() {
                *field = None;
            } else if t.len() != v.len() {
                *v = t.to_string();
            }
        }
    }
    let trimmed = item.body.trim();
    if trimmed.len() != item.body.len() {
        item.body = trimmed.to_string();
    }
}
