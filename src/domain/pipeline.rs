//! The pure middle of a crawl: extracted items → normalised → matched against the brands → the leader's
//! own posts set aside (they are replies, not mentions) → classified → candidates with dedup keys.

use crate::domain::candidate::{Candidate, ThreadedPost};
use crate::domain::conversation::ThreadPost;
use crate::domain::dedup;
use crate::domain::item::Item;
use crate::domain::query::Field;
use crate::domain::query::{BrandMatch, Context, Document, MatchedBrand, Matcher};
use crate::domain::relevance::{self, BrandRelevance, RelevanceModel};
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
    /// Per brand: thread context on or off, and the relevance threshold.
    brand_relevance: Vec<BrandRelevance>,
    relevance: RwLock<Arc<RelevanceModel>>,
}

/// What a source says about its items beyond their text (PRODUCT §3.3b).
#[derive(Debug, Clone)]
pub struct SourceContext {
    /// Brands every item of the source is about.
    pub about: Vec<String>,
    /// Whether posts in a thread about a brand are mentions of it.
    pub thread_context: bool,
    /// Stored mentions this crawl's posts may answer: the site's post id → its brands.
    pub answered: HashMap<String, Vec<String>>,
    /// A feed's items are articles: one that names no thread (no comments link) and shares its title
    /// with no other item is its own thread — where its comments, and a reply to it, will appear. Its
    /// address stays its key (it names the article, not only its thread).
    pub articles_are_threads: bool,
}

impl Default for SourceContext {
    fn default() -> Self {
        SourceContext {
            about: Vec::new(),
            thread_context: true,
            answered: HashMap::new(),
            articles_are_threads: false,
        }
    }
}

/// An item that matched, or may be a mention by its context, before it becomes a candidate.
struct Pending {
    item: Item,
    /// Its entry in [`Processed::thread_posts`], when it names its thread.
    thread_post: Option<usize>,
    keys: Vec<String>,
    matches: Vec<BrandMatch>,
    context: Vec<MatchedBrand>,
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
            brand_relevance: Vec::new(),
            relevance: RwLock::default(),
        }
    }

    /// The brands' thread-context and relevance settings.
    pub fn with_brand_relevance(mut self, settings: Vec<BrandRelevance>) -> Pipeline {
        self.brand_relevance = settings;
        self
    }

    /// Learns every brand's relevance model from the leader's labels, replacing what was learnt.
    pub fn learn_relevance(&self, examples: &[relevance::Example]) {
        let model = RelevanceModel::train(examples);
        *self.relevance.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(model);
    }

    /// Learns one more label (the leader just marked a mention).
    pub fn learn_relevance_label(&self, example: &relevance::Example) {
        let mut model = (*self.relevance_model()).clone();
        model.learn(example);
        *self.relevance.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(model);
    }

    /// What the relevance models have learnt so far.
    pub fn relevance_model(&self) -> Arc<RelevanceModel> {
        self.relevance
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The relevance threshold of `brand`.
    pub fn relevance_threshold(&self, brand: &str) -> f64 {
        self.brand_settings(brand)
            .map_or(relevance::DEFAULT_THRESHOLD, |b| b.threshold)
    }

    fn brand_settings(&self, brand: &str) -> Option<&BrandRelevance> {
        self.brand_relevance.iter().find(|b| b.brand == brand)
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
        let context = SourceContext::default();
        self.process_in(source_scope, items, page_url, thread_is_page, now, &context)
    }

    /// [`Pipeline::process`] for a source that says more about its items: the brands it is about,
    /// whether thread context applies, and the stored mentions its posts may answer.
    pub fn process_in(
        &self,
        source_scope: &str,
        items: Vec<Item>,
        page_url: &Url,
        thread_is_page: bool,
        now: DateTime<Utc>,
        context: &SourceContext,
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
        // Thread (or shared title) → the brands its title or first post matched.
        let mut threads: HashMap<String, Vec<String>> = HashMap::new();
        let mut pending: Vec<Pending> = Vec::new();
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
            if context.articles_are_threads
                && item.thread_url.is_none()
                && item
                    .title
                    .as_deref()
                    .is_none_or(|t| shared_titles.get(t.trim()).is_none_or(|n| *n < 2))
            {
                item.thread_url = article_thread(&item);
            }
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
            let thread_post = threaded.map(|t| {
                out.thread_posts.push(t);
                out.thread_posts.len() - 1
            });
            // A title every post of a thread page carries is the thread's, not the post's: it counts
            // for the first post only, or a thread named after a brand would make every reply a
            // mention by its title. The others are the thread's posts: thread context decides them.
            let shared = item
                .title
                .as_deref()
                .filter(|t| shared_titles.get(t.trim()).copied().unwrap_or(0) > 1)
                .map(str::to_string);
            let own_title = match &shared {
                Some(t) => first_with_title.insert(t.clone()),
                None => true,
            };
            let matches = self.match_item(&item, own_title);
            // What a thread is about: its title, which its posts share (a thread page's heading, a
            // blog post's comments), and on a thread page its first post. Items with titles of their
            // own (reviews, search results) are no thread: one naming a brand says nothing of the
            // others.
            if let (Some(t), true) = (&shared, own_title)
                && let Some(thread) = thread_key(&item, Some(t))
            {
                let first = !threads.contains_key(&thread);
                let about = threads.entry(thread).or_default();
                about.extend(self.title_brands(t));
                if first && thread_is_page {
                    about.extend(matches.iter().map(|m| m.name.clone()));
                }
            }
            pending.push(Pending {
                item,
                thread_post,
                keys,
                matches,
                context: Vec::new(),
            });
        }
        self.add_context(&mut pending, &threads, context);
        for p in pending {
            if p.matches.is_empty() && p.context.is_empty() {
                out.unmatched += 1;
                continue;
            }
            if let Some(t) = p.thread_post.and_then(|i| out.thread_posts.get_mut(i)) {
                t.candidate = Some(out.candidates.len());
            }
            out.candidates
                .push(self.candidate(p.item, p.keys, &p.matches, p.context));
        }
        all_keys.sort_unstable();
        out.fingerprint = dedup::content_hash(None, &all_keys.join("\n"));
        out
    }

    /// The brands an item's own text matches (its title only when the title is its own).
    fn match_item(&self, item: &Item, own_title: bool) -> Vec<BrandMatch> {
        let title = if own_title {
            item.title.as_deref().unwrap_or_default()
        } else {
            ""
        };
        let lang = self
            .matcher
            .uses_lang()
            .then(|| detect_language(&format!("{title}\n{}", item.body)));
        let doc = Document {
            title,
            body: &item.body,
            author: item.author.as_deref().unwrap_or_default(),
            url: item.url.as_deref().unwrap_or_default(),
            lang,
        };
        self.matcher.match_document(&doc)
    }

    /// The brands a thread's title names.
    fn title_brands(&self, title: &str) -> Vec<String> {
        let doc = Document {
            title,
            ..Default::default()
        };
        let lang = self.matcher.uses_lang().then(|| detect_language(title));
        let doc = Document { lang, ..doc };
        self.matcher
            .match_document(&doc)
            .into_iter()
            .map(|m| m.name)
            .collect()
    }

    /// Adds the brands each pending item is a mention of by where it was written: the source's
    /// `about`, its thread, the mention it answers.
    fn add_context(
        &self,
        pending: &mut [Pending],
        threads: &HashMap<String, Vec<String>>,
        context: &SourceContext,
    ) {
        let thread_on = |brand: &str| {
            context.thread_context && self.brand_settings(brand).is_none_or(|b| b.thread_context)
        };
        let has = |p: &Pending, brand: &str| {
            p.matches.iter().any(|m| m.name == brand) || p.context.iter().any(|m| m.brand == brand)
        };
        for p in pending.iter_mut() {
            for brand in &context.about {
                if !has(p, brand) {
                    p.context.push(Context::Page.matched(brand));
                }
            }
            let by_title = p.item.title.as_deref().map(title_key);
            let brands: Vec<String> = [p.item.thread_url.clone(), by_title]
                .into_iter()
                .flatten()
                .filter_map(|k| threads.get(&k))
                .flatten()
                .cloned()
                .collect();
            for brand in brands {
                if thread_on(&brand) && !has(p, &brand) {
                    p.context.push(Context::Thread.matched(&brand));
                }
            }
        }
        // A reply is a mention of what it answers: a post of this crawl or a stored mention.
        let mut by_id: HashMap<String, Vec<String>> = context.answered.clone();
        for p in pending.iter() {
            if let Some(id) = &p.item.id {
                let brands: Vec<String> = p
                    .matches
                    .iter()
                    .map(|m| m.name.clone())
                    .chain(p.context.iter().map(|m| m.brand.clone()))
                    .collect();
                if !brands.is_empty() {
                    by_id.entry(id.clone()).or_default().extend(brands);
                }
            }
        }
        for p in pending.iter_mut() {
            let Some(parent) = p.item.reply_to.as_ref().and_then(|r| by_id.get(r)) else {
                continue;
            };
            for brand in parent.clone() {
                if thread_on(&brand) && !has(p, &brand) {
                    p.context.push(Context::Reply.matched(&brand));
                }
            }
        }
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
        let mut c = self.candidate(item, keys, &matches, Vec::new());
        // A person said it is about us: nothing to score, nothing held back.
        c.matches.iter_mut().for_each(|m| {
            m.relevance = None;
            m.relevance_reasons.clear();
            m.held = false;
        });
        if let Some(brand) = chosen {
            let kept = c.matches.iter().find(|m| m.brand == brand).cloned();
            c.matches = vec![kept.unwrap_or_else(|| MatchedBrand::chosen(brand))];
            c.brands = vec![brand.to_string()];
        }
        c
    }

    /// A candidate of the brands `matches` found in the text (each scored by its relevance model)
    /// and those `context` adds (never held back: where it was written says it is ours).
    fn candidate(
        &self,
        item: Item,
        keys: Vec<String>,
        matches: &[BrandMatch],
        context: Vec<MatchedBrand>,
    ) -> Candidate {
        let text = classified_text(item.title.as_deref(), &item.body);
        let c = self.classify(&item, &text, matches);
        let mut all: Vec<MatchedBrand> = matches.iter().map(MatchedBrand::from).collect();
        self.score_relevance(&item, &mut all);
        all.extend(context);
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
            brands: all.iter().map(|m| m.brand.clone()).collect(),
            matches: all,
            lang: Some(c.lang),
            sentiment: c.label,
            sentiment_score: c.score,
            sentiment_reasons: c.reasons,
        }
    }
}

impl Pipeline {
    /// Each brand's relevance score and reasons, and whether it is held back, from what the
    /// brand's model has learnt (a brand with too few labels is not scored).
    fn score_relevance(&self, item: &Item, matches: &mut [MatchedBrand]) {
        let model = self.relevance_model();
        if model.is_empty() {
            return;
        }
        let doc = relevance::Doc {
            title: item.title.as_deref().unwrap_or_default(),
            body: &item.body,
            author: item.author.as_deref().unwrap_or_default(),
            url: item.url.as_deref().unwrap_or_default(),
        };
        for m in matches.iter_mut() {
            if let Some(v) = model.score(&m.brand, &doc) {
                m.held = v.score < self.relevance_threshold(&m.brand);
                m.relevance = Some((v.score * 1000.0).round() / 1000.0);
                m.relevance_reasons = v.reasons;
            }
        }
    }
}

/// The thread an article is (its own address, canonical), when its address names no part of a page.
fn article_thread(item: &Item) -> Option<String> {
    item.url
        .as_deref()
        .and_then(|u| Url::parse(u).ok())
        .filter(|u| {
            matches!(u.scheme(), "http" | "https") && u.fragment().is_none_or(str::is_empty)
        })
        .map(|u| crate::domain::thread::canonical_thread_url(&u))
}

/// The key of an item's thread: its thread URL, else the title it shares with other items.
fn thread_key(item: &Item, shared_title: Option<&str>) -> Option<String> {
    item.thread_url
        .clone()
        .or_else(|| shared_title.map(title_key))
}

fn title_key(title: &str) -> String {
    format!("title:{}", title.trim())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::query::BrandSpec;

    fn pipeline() -> Pipeline {
        let matcher = Matcher::compile(&[BrandSpec {
            name: "GoMonday".into(),
            query: "gomonday OR \"go monday\"".into(),
            ..Default::default()
        }])
        .unwrap();
        Pipeline::new(matcher, Cow::Borrowed(Classifier::builtin()), Vec::new())
    }

    fn item(id: &str, title: Option<&str>, body: &str) -> Item {
        Item {
            id: Some(id.into()),
            title: title.map(str::to_string),
            body: body.into(),
            ..Default::default()
        }
    }

    fn run(p: &Pipeline, items: Vec<Item>, thread_page: bool, ctx: &SourceContext) -> Processed {
        let url = Url::parse("https://reviews.example/gomonday").unwrap();
        p.process_in("1", items, &url, thread_page, Utc::now(), ctx)
    }

    fn why(c: &Candidate) -> Vec<String> {
        c.matches.iter().map(|m| m.explanation.clone()).collect()
    }

    #[test]
    fn every_review_on_a_page_about_the_brand_is_a_mention() {
        let items = vec![
            item("r1", None, "GoMonday är bäst, snabb app"),
            item(
                "r2",
                Some("Hopplös kundtjänst"),
                "Ingen svarar på tre veckor",
            ),
            item("r3", None, "Okej men dyrt"),
        ];
        let about = SourceContext {
            about: vec!["GoMonday".into()],
            ..Default::default()
        };
        let out = run(&pipeline(), items.clone(), false, &about);
        assert_eq!(out.candidates.len(), 3);
        assert_eq!(out.unmatched, 0);
        assert_eq!(why(&out.candidates[0]), ["gomonday in body"]);
        assert_eq!(why(&out.candidates[1]), ["on a page about GoMonday"]);
        assert_eq!(out.candidates[1].matches[0].context, Some(Context::Page));
        assert_eq!(out.candidates[2].brands, ["GoMonday"]);
        // Without `about`, only the review that names the brand.
        let out = run(&pipeline(), items, false, &SourceContext::default());
        assert_eq!(out.candidates.len(), 1);
        assert_eq!(out.unmatched, 2);
    }

    #[test]
    fn a_shared_title_drops_no_comment() {
        let title = "Kommentar till GoMonday-appen av Kalle";
        let items = vec![
            item("c3", Some(title), "Nu fungerar det igen, tack"),
            item(
                "c2",
                Some("Kommentar till GoMonday-appen av Lisa"),
                "Håller med",
            ),
            item(
                "c1",
                Some(title),
                "Appen kraschar varje morgon och ingen svarar",
            ),
        ];
        let out = run(&pipeline(), items.clone(), false, &SourceContext::default());
        assert_eq!(out.candidates.len(), 3);
        assert_eq!(why(&out.candidates[0]), ["gomonday in title"]);
        assert_eq!(why(&out.candidates[2]), ["in a thread about GoMonday"]);
        assert_eq!(out.candidates[2].matches[0].context, Some(Context::Thread));
        // thread_context = false on the source: the title counts for the first comment only.
        let off = SourceContext {
            thread_context: false,
            ..Default::default()
        };
        let out = run(&pipeline(), items, false, &off);
        assert_eq!(out.candidates.len(), 2);
    }

    #[test]
    fn posts_in_a_thread_about_the_brand_and_replies_to_its_mentions() {
        let mut reply = item("p9", None, "Samma här, de svarar aldrig");
        reply.reply_to = Some("p1".into());
        reply.thread_url = Some("https://forum.example/t/other".into());
        let thread = Some("Bankbyte, tips?");
        reply.title = thread.map(str::to_string);
        let items = vec![
            item("p1", thread, "Har någon provat GoMonday?"),
            item("p2", thread, "Ja, usel service"),
            reply,
        ];
        let p = pipeline();
        let out = run(&p, items.clone(), true, &SourceContext::default());
        assert_eq!(out.candidates.len(), 3);
        assert_eq!(why(&out.candidates[1]), ["in a thread about GoMonday"]);
        assert_eq!(
            why(&out.candidates[2]),
            ["a reply to a mention of GoMonday"]
        );
        // A reply to a stored mention (the parent is not on this page).
        let mut alone = item("p10", None, "Håller med dig");
        alone.reply_to = Some("p0".into());
        alone.thread_url = Some("https://forum.example/t/x".into());
        let stored = SourceContext {
            answered: HashMap::from([("p0".to_string(), vec!["GoMonday".to_string()])]),
            ..Default::default()
        };
        let out = run(&p, vec![alone], false, &stored);
        assert_eq!(
            why(&out.candidates[0]),
            ["a reply to a mention of GoMonday"]
        );
        // The brand turns thread context off.
        let off = pipeline().with_brand_relevance(vec![BrandRelevance {
            brand: "GoMonday".into(),
            thread_context: false,
            threshold: 0.5,
        }]);
        let out = run(&off, items, true, &SourceContext::default());
        assert_eq!(out.candidates.len(), 1);
    }

    #[test]
    fn a_brand_with_enough_labels_holds_back_what_it_learnt_is_not_about_it() {
        let p = pipeline();
        let ex = |body: &str, about_us| relevance::Example {
            brand: "GoMonday".into(),
            title: String::new(),
            body: body.into(),
            author: String::new(),
            url: String::new(),
            about_us,
        };
        p.learn_relevance(&[
            ex("GoMonday-appen kraschar", true),
            ex("GoMondays kundtjänst svarar inte", true),
            ex("Bytte till GoMonday-appen igår", true),
            ex("Go Monday-podden avsnitt 40", false),
            ex("Go Monday-podden avsnitt 39 om fotboll", false),
            ex("Lyssnade på Go Monday-podden avsnitt 38", false),
        ]);
        let out = run(
            &p,
            vec![
                item("a", None, "Go Monday-podden avsnitt 41"),
                item("b", None, "GoMonday-appen kraschar igen"),
            ],
            false,
            &SourceContext::default(),
        );
        let [podcast, app] = &out.candidates[..] else {
            panic!("{:?}", out.candidates)
        };
        assert!(podcast.held_back(), "{:?}", podcast.matches);
        assert!(podcast.matches[0].relevance.unwrap() < 0.5);
        assert!(!podcast.matches[0].relevance_reasons.is_empty());
        assert!(!app.held_back(), "{:?}", app.matches);
        // A manual mention is never held back.
        let manual = p.manual_candidate(
            item("m", None, "Go Monday-podden avsnitt 42"),
            Utc::now(),
            None,
        );
        assert!(!manual.held_back());
    }
}
