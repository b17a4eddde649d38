//! Recipes: how to cut an HTML page or a JSON document into items (PRODUCT §3.2).
//!
//! A recipe is TOML, written by users or built in (`config/recipes/*.toml`, compiled in). It is checked
//! completely when it loads — every selector compiled, every JSON pointer checked, every unknown key
//! named with the keys that would be valid — and all problems are reported at once as `file:line:
//! message`, so a user fixes a recipe in one go instead of one error per restart.
//!
//! Extensions beyond the §3.2 example, all optional:
//! - JSON fields may give `path` as an array of pointers: the first that yields a non-empty value wins
//!   (Hacker News items carry `comment_text` *or* `story_text`).
//! - JSON `link`/`thread`/`id` may use `template = "/t/{/topic_id}/{/post_number}"`: each `{pointer}` is
//!   replaced by that value of the item (a missing value leaves the field empty); `{pointer|after:S}`
//!   takes only the part after the value's last `S` (`{/uri|after:/}` is a Bluesky post's key). With
//!   `path` too, the paths are tried first and the template is the fallback. `prefix` is prepended
//!   afterwards, then the result is resolved against the page URL.
//! - JSON `children = "/data/replies/data/children"`: each item's nested items (a comment's replies),
//!   read depth first after it, at any depth; `items_with = "/data/body"`: only entries with a value
//!   there are items (Reddit's "more comments" stubs are passed over, without a warning).
//! - JSON `[pagination] next` may give `param = "cursor"`: the value is a cursor, and the next page is
//!   this page's URL with that query parameter set to it; or `link_rel = "next"`: the next page is the
//!   response's `Link` header entry with that `rel` (Mastodon), when the caller passes the header.
//! - `extractor = "schema-org"` (kind `html`) reads JSON-LD and microdata instead of selectors; `item`
//!   and `[fields]` are then not used.
//! - `max_pages` may sit at the top level or in `[pagination]`.
//! - HTML `attr` may list names (`["data-content", "id"]`): the first the element has is read.
//! - HTML `scope = "ancestor"`: the item's nearest enclosing element the selector matches (the comment
//!   a nested comment answers).
//! - HTML links resolve against the page's `<base href>`; when `item` matches nothing and the page has
//!   `<noscript>`, the posts inside it are read (Discourse serves its crawler view there).
//!
//! Field rules: `link`, `thread` and `pagination.next` read `href` when no `attr` is given and the element
//! has one; `date` reads a `datetime` attribute (HTML `<time>`), else a `title` one, the same way, and when the element's whole
//! text is not a date, each of its own text pieces is tried (a forum's date cell often holds `#1` too).

mod html;
mod json;
mod quotes;
mod schema_org;

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use scraper::Selector;
use serde::Serialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};
use url::Url;

use crate::domain::item::Item;
use crate::domain::thread::ThreadLink;

/// Whether a recipe reads HTML (CSS selectors) or JSON (JSON pointers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipeKind {
    Html,
    Json,
}

/// The result of running a recipe on one page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extraction {
    pub items: Vec<Item>,
    /// The next page to fetch, when the recipe has pagination and the page links onward.
    pub next_page: Option<Url>,
    /// The thread's last page (`[pagination] last`), where a thread is entered to read it newest first.
    pub last_page: Option<Url>,
    /// The page before this one (`[pagination] prev`), for walking a thread backwards.
    pub prev_page: Option<Url>,
    /// Every link on the page to another page of the same thread (HTML pages): the highest is the last
    /// page and the one just below this page's number the previous one, where the recipe names neither.
    pub page_links: Vec<Url>,
    /// A listing's thread links (recipes with `[follow]`), one per row; such a recipe yields no items.
    pub threads: Vec<ThreadLink>,
    /// Things the user should see but that do not stop extraction: unparseable dates (with the text),
    /// items skipped because they had neither body nor title, an unreadable document.
    pub warnings: Vec<String>,
    /// How many elements the item selector matched. 0 on a page that loaded means "broken recipe"
    /// (the site's layout probably changed), which the caller shows as the source's health.
    pub item_matches: usize,
}

/// One problem found while loading a recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub message: String,
}

/// Everything wrong with a recipe, each problem as `file:line: message` (one per line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipeError {
    pub source_name: String,
    pub problems: Vec<Problem>,
}

impl fmt::Display for RecipeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match p.line {
                Some(line) => write!(f, "{}:{}: {}", self.source_name, line, p.message)?,
                None => write!(f, "{}: {}", self.source_name, p.message)?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for RecipeError {}

/// Where a field looks: inside the item, anywhere on the page, or at the item's nearest enclosing
/// element its selector matches (the comment a nested comment answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Item,
    Page,
    Ancestor,
}

/// One field's instructions, already validated.
#[derive(Debug, Clone)]
struct FieldSpec {
    /// HTML: the compiled selector and its text (for messages). `None` = the item element itself.
    select: Option<(Selector, String)>,
    /// HTML: the attributes to read instead of the text, the first the element has wins (XenForo 2 posts
    /// carry `data-content="post-1"`, XenForo 1 posts `id="post-1"`). Empty = the text.
    attr: Vec<String>,
    scope: Scope,
    /// JSON: pointers relative to the item, tried in order.
    paths: Vec<String>,
    /// JSON: `{pointer}` placeholders.
    template: Option<String>,
    prefix: Option<String>,
    /// JSON pagination: the value is a cursor for this query parameter of the page's URL.
    param: Option<String>,
    /// JSON pagination: the `Link` header's entry with this `rel` is the page.
    link_rel: Option<String>,
    format: Option<String>,
    locale: Option<String>,
    timezone: Option<Tz>,
    scale: Option<f64>,
}

impl FieldSpec {
    /// The value of the first of the field's `attr` names that the element has; `None` when it has
    /// none of them (or the field reads text).
    fn attr_of<'e>(&self, el: &'e scraper::node::Element) -> Option<&'e str> {
        self.attr.iter().find_map(|a| el.attr(a))
    }
}

#[derive(Debug, Clone, Default)]
struct Fields {
    id: Option<FieldSpec>,
    link: Option<FieldSpec>,
    title: Option<FieldSpec>,
    author: Option<FieldSpec>,
    body: Option<FieldSpec>,
    date: Option<FieldSpec>,
    rating: Option<FieldSpec>,
    thread: Option<FieldSpec>,
    reply_to: Option<FieldSpec>,
}

/// `[quotes]`: the quote blocks inside a post's body, and where each names its author and its text
/// (both HTML selectors relative to the quote block, also for JSON recipes, whose bodies are HTML).
#[derive(Debug, Clone)]
struct QuoteSpec {
    select: (Selector, String),
    author: Option<FieldSpec>,
    text: Option<FieldSpec>,
}

/// `[follow]`: a listing's rows are thread links, each crawled with `thread_recipe`.
#[derive(Debug, Clone)]
pub struct Follow {
    link: FieldSpec,
    title: Option<FieldSpec>,
    last_post_at: Option<FieldSpec>,
    replies: Option<FieldSpec>,
    /// The recipe each thread is read with (a built-in name or a file, resolved by the configuration).
    pub thread_recipe: Option<String>,
    /// Most threads read per crawl of the listing (new and changed ones, newest rows first).
    pub max_threads: usize,
}

/// Threads one crawl of a listing reads at most, unless `[follow] max_threads` says otherwise.
pub const DEFAULT_MAX_THREADS: usize = 20;

#[derive(Debug, Clone)]
enum ItemSource {
    Css(Selector),
    Pointer(String),
    SchemaOrg,
}

/// A loaded, validated recipe.
#[derive(Debug, Clone)]
pub struct Recipe {
    name: String,
    kind: RecipeKind,
    item: ItemSource,
    fields: Fields,
    next: Option<FieldSpec>,
    last: Option<FieldSpec>,
    prev: Option<FieldSpec>,
    max_pages: usize,
    quotes: Option<QuoteSpec>,
    follow: Option<Follow>,
    /// JSON: where an item's nested items sit, relative to the item.
    children: Option<String>,
    /// JSON: only entries with a value here are items (the others, such as Reddit's "more comments"
    /// stubs, are passed over without a warning; their children are still read).
    items_with: Option<String>,
}

const FIELD_NAMES: &[&str] = &[
    "id", "link", "title", "author", "body", "date", "rating", "thread", "reply_to",
];
const FOLLOW_KEYS: &[&str] = &[
    "link",
    "title",
    "last_post_at",
    "replies",
    "thread_recipe",
    "max_threads",
];
const QUOTE_KEYS: &[&str] = &["select", "author", "text"];
const TOP_KEYS: &[&str] = &[
    "name",
    "kind",
    "item",
    "items",
    "extractor",
    "fields",
    "pagination",
    "max_pages",
    "quotes",
    "follow",
    "children",
    "items_with",
];
const HTML_FIELD_KEYS: &[&str] = &[
    "select", "attr", "scope", "format", "locale", "timezone", "scale", "prefix",
];
const JSON_FIELD_KEYS: &[&str] = &[
    "path", "template", "prefix", "format", "locale", "timezone", "scale", "param", "link_rel",
];

/// Built-in recipes, compiled into the binary: a new one is a file in `config/recipes/` and its line
/// here.
const BUILTINS: &[(&str, &str)] = &[
    (
        "schema-org",
        include_str!("../../../config/recipes/schema-org.toml"),
    ),
    (
        "flashback-thread",
        include_str!("../../../config/recipes/flashback-thread.toml"),
    ),
    (
        "flashback-section",
        include_str!("../../../config/recipes/flashback-section.toml"),
    ),
    (
        "wordpress-comments",
        include_str!("../../../config/recipes/wordpress-comments.toml"),
    ),
    (
        "discourse-search",
        include_str!("../../../config/recipes/discourse-search.toml"),
    ),
    (
        "reddit-search",
        include_str!("../../../config/recipes/reddit-search.toml"),
    ),
    (
        "hn-algolia",
        include_str!("../../../config/recipes/hn-algolia.toml"),
    ),
    (
        "vbulletin-thread",
        include_str!("../../../config/recipes/vbulletin-thread.toml"),
    ),
    (
        "vbulletin5-thread",
        include_str!("../../../config/recipes/vbulletin5-thread.toml"),
    ),
    (
        "vbulletin-forum",
        include_str!("../../../config/recipes/vbulletin-forum.toml"),
    ),
    (
        "xenforo-thread",
        include_str!("../../../config/recipes/xenforo-thread.toml"),
    ),
    (
        "phpbb-topic",
        include_str!("../../../config/recipes/phpbb-topic.toml"),
    ),
    (
        "nodebb-topic",
        include_str!("../../../config/recipes/nodebb-topic.toml"),
    ),
    (
        "discourse-topic",
        include_str!("../../../config/recipes/discourse-topic.toml"),
    ),
    (
        "discourse-posts",
        include_str!("../../../config/recipes/discourse-posts.toml"),
    ),
    (
        "discourse-latest",
        include_str!("../../../config/recipes/discourse-latest.toml"),
    ),
    (
        "discourse-search-topics",
        include_str!("../../../config/recipes/discourse-search-topics.toml"),
    ),
    (
        "reddit-comments",
        include_str!("../../../config/recipes/reddit-comments.toml"),
    ),
    (
        "hn-item",
        include_str!("../../../config/recipes/hn-item.toml"),
    ),
    (
        "mastodon-statuses",
        include_str!("../../../config/recipes/mastodon-statuses.toml"),
    ),
    (
        "mastodon-search",
        include_str!("../../../config/recipes/mastodon-search.toml"),
    ),
    (
        "bluesky-search",
        include_str!("../../../config/recipes/bluesky-search.toml"),
    ),
    (
        "bluesky-thread",
        include_str!("../../../config/recipes/bluesky-thread.toml"),
    ),
    (
        "wordpress-post",
        include_str!("../../../config/recipes/wordpress-post.toml"),
    ),
    (
        "forumotion-topic",
        include_str!("../../../config/recipes/forumotion-topic.toml"),
    ),
    (
        "discourse-thread",
        include_str!("../../../config/recipes/discourse-thread.toml"),
    ),
];

/// Upper bound on `max_pages`: a recipe must not turn one crawl into a site mirror.
const MAX_PAGES_CAP: usize = 50;

impl Recipe {
    /// Loads and validates a recipe. `source_name` (a file path, or `built-in:name`) prefixes messages.
    pub fn from_toml(source_name: &str, text: &str) -> Result<Recipe, RecipeError> {
        let mut loader = Loader {
            text,
            problems: Vec::new(),
        };
        let recipe = loader.load();
        // Problems come out in file order, whatever order the checks ran in.
        loader.problems.sort_by_key(|p| p.line.unwrap_or(0));
        match recipe {
            Some(r) if loader.problems.is_empty() => Ok(r),
            _ => Err(RecipeError {
                source_name: source_name.to_string(),
                problems: loader.problems,
            }),
        }
    }

    /// A built-in recipe by name (`flashback-thread`, …).
    pub fn builtin(name: &str) -> Option<Recipe> {
        let (_, text) = BUILTINS.iter().find(|(n, _)| *n == name)?;
        // Built-ins are tested to load; should one ever fail, "unknown recipe" beats a panic.
        Recipe::from_toml(&format!("built-in:{name}"), text).ok()
    }

    /// The names of the built-in recipes.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTINS.iter().map(|(name, _)| *name).collect()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn kind(&self) -> RecipeKind {
        self.kind
    }

    /// How many pages one crawl may follow through pagination (at least 1).
    pub fn max_pages(&self) -> usize {
        self.max_pages
    }

    /// The listing's `[follow]` table, when the recipe reads a listing of threads.
    pub fn follow(&self) -> Option<&Follow> {
        self.follow.as_ref()
    }

    /// Whether the recipe reads pages of one thread in order (it names a next, last or previous page).
    pub fn is_paginated(&self) -> bool {
        self.next.is_some() || self.last.is_some() || self.prev.is_some()
    }

    /// Runs the recipe on one page (decoded text). `now` resolves relative dates and clamps future ones;
    /// `default_tz` applies to dates without a zone when the recipe names none.
    pub fn extract(
        &self,
        page: &str,
        page_url: &Url,
        now: DateTime<Utc>,
        default_tz: Tz,
    ) -> Extraction {
        self.extract_response(page, page_url, None, now, default_tz)
    }

    /// [`Recipe::extract`] with the response's `Link` header, which `[pagination]` links with
    /// `link_rel` read (an API that pages in headers rather than in the body, such as Mastodon's).
    pub fn extract_response(
        &self,
        page: &str,
        page_url: &Url,
        link_header: Option<&str>,
        now: DateTime<Utc>,
        default_tz: Tz,
    ) -> Extraction {
        let ctx = Ctx {
            page_url,
            link_header,
            base: None,
            now,
            default_tz,
        };
        let mut ex = match (&self.item, self.kind) {
            (ItemSource::SchemaOrg, _) => schema_org::extract(page, &ctx),
            (ItemSource::Css(sel), _) => html::extract(self, sel, page, &ctx),
            (ItemSource::Pointer(ptr), _) => json::extract(self, ptr, page, &ctx),
        };
        if ex.next_page.as_ref() == Some(page_url) {
            ex.next_page = None;
        }
        if ex.prev_page.as_ref() == Some(page_url) {
            ex.prev_page = None;
        }
        ex
    }
}

/// What every extractor needs besides the recipe.
struct Ctx<'a> {
    page_url: &'a Url,
    /// The response's `Link` header, when the caller has it.
    link_header: Option<&'a str>,
    /// The page's `<base href>`, which relative links resolve against instead of the page's URL
    /// (vBulletin 4 writes every link relative to it).
    base: Option<Url>,
    now: DateTime<Utc>,
    default_tz: Tz,
}

impl Ctx<'_> {
    /// Resolves a (possibly relative) URL against the page; only http(s) results are kept.
    fn resolve(&self, raw: &str, prefix: Option<&str>) -> Option<String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let joined = match prefix {
            Some(p) if !raw.starts_with("http://") && !raw.starts_with("https://") => {
                format!("{p}{raw}")
            }
            _ => raw.to_string(),
        };
        let url = self
            .base
            .as_ref()
            .unwrap_or(self.page_url)
            .join(&joined)
            .ok()?;
        matches!(url.scheme(), "http" | "https").then(|| url.to_string())
    }

    /// Parses a date field's text; a failure becomes a warning naming the text.
    fn date(
        &self,
        spec: &FieldSpec,
        candidates: &[String],
        warnings: &mut Vec<String>,
        item_no: usize,
    ) -> Option<DateTime<Utc>> {
        let ds = crate::crawl::dates::DateSpec {
            format: spec.format.clone(),
            locale: spec.locale.clone(),
            timezone: spec.timezone.unwrap_or(self.default_tz),
        };
        let candidates: Vec<&String> = candidates.iter().filter(|c| !c.trim().is_empty()).collect();
        for c in &candidates {
            if let Some(d) = crate::crawl::dates::parse_date(c, &ds, self.now) {
                return Some(d);
            }
        }
        if let Some(first) = candidates.first() {
            let shown: String = first.chars().take(80).collect();
            warnings.push(format!("item {item_no}: date not understood: {shown:?}"));
        }
        None
    }
}

/// Reads a rating such as `4,5`, `4.5 av 5`, `3/5` or `80 %`. The scale is the recipe's `scale`, else a
/// number written after `/`, `av` or `of`, else 5.
fn parse_rating(text: &str, scale: Option<f64>) -> Option<crate::domain::item::Rating> {
    use crate::domain::item::Rating;
    if let Some(r) = glyph_rating(text) {
        return Some(r);
    }
    let mut numbers = Vec::new();
    let mut current = String::new();
    let mut words_between = Vec::new();
    let mut word = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() || ((c == ',' || c == '.') && !current.is_empty()) {
            current.push(if c == ',' { '.' } else { c });
            if !word.is_empty() {
                words_between.push(std::mem::take(&mut word));
            }
        } else {
            if !current.is_empty() {
                if let Ok(n) = current.trim_end_matches('.').parse::<f64>() {
                    numbers.push((n, words_between.len()));
                }
                current.clear();
            }
            if c.is_alphabetic() || c == '/' {
                word.push(c);
            } else if !word.is_empty() {
                words_between.push(std::mem::take(&mut word));
            }
        }
    }
    let &(value, at) = numbers.first()?;
    // "80 %", "80%": a percentage, whatever the recipe's scale says.
    let percent = text.trim_end().ends_with('%') && numbers.len() == 1;
    let scale = if percent { Some(100.0) } else { scale };
    let scale = scale.or_else(|| {
        let &(s, at2) = numbers.get(1)?;
        let joiner = words_between.get(at..at2)?.join(" ").to_lowercase();
        matches!(joiner.trim(), "/" | "av" | "of" | "out of" | "von" | "sur").then_some(s)
    });
    let scale = scale.unwrap_or(5.0);
    (value.is_finite() && scale > 0.0).then_some(Rating { value, scale })
}

/// Ratings written without digits: stars as glyphs (`★★★★☆` is 4 of 5) and thumbs (`👍`, "Recommended",
/// "Rekommenderas" are 1 of 1; `👎`, "Not recommended", "Rekommenderas inte" are 0 of 1).
fn glyph_rating(text: &str) -> Option<crate::domain::item::Rating> {
    use crate::domain::item::Rating;
    let t = text.trim();
    let filled = t.chars().filter(|c| matches!(c, '★' | '⭐')).count();
    let empty = t.chars().filter(|c| matches!(c, '☆')).count();
    if filled + empty > 0
        && t.chars()
            .all(|c| matches!(c, '★' | '⭐' | '☆' | ' ' | '\u{fe0f}'))
    {
        return Some(Rating {
            value: filled as f64,
            scale: if empty > 0 {
                (filled + empty) as f64
            } else {
                5.0
            },
        });
    }
    let lower = t.to_lowercase();
    let negated = ["not ", "inte", "ej ", "don't", "do not"]
        .iter()
        .any(|n| lower.contains(n));
    let up = t.contains('👍')
        || ["recommended", "recommend", "rekommenderas", "rekommenderar"]
            .iter()
            .any(|w| lower.contains(w));
    if t.contains('👎') || (up && negated) {
        return Some(Rating {
            value: 0.0,
            scale: 1.0,
        });
    }
    up.then_some(Rating {
        value: 1.0,
        scale: 1.0,
    })
}

/// The `lyssna source test` output line for one item:
/// `{id, url, thread_url, title, author, published_at, body, rating}`, `published_at` as RFC 3339 UTC
/// (`2000-09-06T16:09:00Z`) or null. One place, so the CLI and tests agree on the format.
pub fn item_json_line(item: &Item) -> String {
    #[derive(Serialize)]
    struct Line<'a> {
        id: &'a Option<String>,
        url: &'a Option<String>,
        thread_url: &'a Option<String>,
        title: &'a Option<String>,
        author: &'a Option<String>,
        published_at: Option<String>,
        body: &'a str,
        rating: &'a Option<crate::domain::item::Rating>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reply_to: &'a Option<String>,
        quotes: &'a [crate::domain::item::Quote],
    }
    let line = Line {
        id: &item.id,
        url: &item.url,
        thread_url: &item.thread_url,
        title: &item.title,
        author: &item.author,
        published_at: item
            .published_at
            .map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true)),
        body: &item.body,
        rating: &item.rating,
        reply_to: &item.reply_to,
        quotes: &item.quotes,
    };
    // Serialising plain strings and numbers cannot fail; the fallback keeps the line JSON anyway.
    serde_json::to_string(&line).unwrap_or_else(|_| "{}".to_string())
}

/// The `lyssna source test` output line for one thread link of a listing:
/// `{thread_url, title, last_post_at, replies}`, `last_post_at` as RFC 3339 UTC or null.
pub fn thread_json_line(link: &ThreadLink) -> String {
    serde_json::json!({
        "thread_url": link.thread_url,
        "title": link.title,
        "last_post_at": link
            .last_post_at
            .map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true)),
        "replies": link.replies,
    })
    .to_string()
}

/// A reply count as a listing row writes it: `3,280`, `1 234`, `12 svar` → the number.
fn parse_count(text: &str) -> Option<u64> {
    let digits: String = text
        .trim()
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | ' ' | '\u{a0}' | '\u{202f}'))
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

// ---------------------------------------------------------------------------------------------------
// Loading and validation
// ---------------------------------------------------------------------------------------------------

/// A recipe's `[pagination]` table, checked.
struct Pagination {
    next: Option<FieldSpec>,
    last: Option<FieldSpec>,
    prev: Option<FieldSpec>,
    max_pages: usize,
}

struct Loader<'a> {
    text: &'a str,
    problems: Vec<Problem>,
}

impl Loader<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn problem(&mut self, offset: Option<usize>, message: String) {
        let line = offset.map(|o| self.line_of(o));
        self.problems.push(Problem { line, message });
    }

    fn load(&mut self) -> Option<Recipe> {
        let doc = match DeTable::parse(self.text) {
            Ok(doc) => doc,
            Err(e) => {
                let offset = e.span().map(|s| s.start);
                let msg = e.message().trim().to_string();
                self.problem(offset, format!("invalid TOML: {msg}"));
                return None;
            }
        };
        let doc = doc.get_ref();
        for (key, value) in doc.iter() {
            if !TOP_KEYS.contains(&key.get_ref().as_ref()) {
                self.problem(
                    Some(key.span().start),
                    format!(
                        "unknown key `{}`; valid keys: {}",
                        key.get_ref(),
                        TOP_KEYS.join(", ")
                    ),
                );
                let _ = value;
            }
        }
        let name = self.string(doc, "name", "name");
        if name.is_none() && self.get(doc, "name").is_none() {
            self.problem(None, "missing `name`".to_string());
        }
        let kind = self.kind_of(doc);
        let item = self.item_of(doc, kind);
        let fields = self.fields_of(doc, kind, item.as_ref());
        let pagination = self.pagination_of(doc, kind);
        let quotes = self.quotes_of(doc);
        let follow = self.follow_of(doc, kind);
        let children = self.json_pointer_key(doc, kind, "children");
        let items_with = self.json_pointer_key(doc, kind, "items_with");
        Some(Recipe {
            name: name?,
            kind,
            item: item?,
            fields,
            next: pagination.next,
            last: pagination.last,
            prev: pagination.prev,
            max_pages: pagination.max_pages,
            quotes,
            follow,
            children,
            items_with,
        })
    }

    /// `children` or `items_with`: a JSON pointer relative to an item, for JSON recipes only.
    fn json_pointer_key(&mut self, doc: &DeTable, kind: RecipeKind, key: &str) -> Option<String> {
        let v = self.get(doc, key)?;
        let at = v.span().start;
        if kind != RecipeKind::Json {
            self.problem(
                Some(at),
                format!("`{key}` is for JSON recipes; an HTML recipe's `item` selector says which elements are items (nested ones too)"),
            );
            return None;
        }
        let s = self.string(doc, key, key)?;
        self.pointer(&s, key, at).then_some(s)
    }

    /// `kind`: html or json (html when it is missing or wrong, so the rest is still checked).
    fn kind_of(&mut self, doc: &DeTable) -> RecipeKind {
        match self.string(doc, "kind", "kind").as_deref() {
            Some("html") => RecipeKind::Html,
            Some("json") => RecipeKind::Json,
            Some(other) => {
                let at = self.get(doc, "kind").map(|v| v.span().start);
                self.problem(
                    at,
                    format!("`kind = \"{other}\"` is not a recipe kind; use \"html\" or \"json\""),
                );
                RecipeKind::Html
            }
            None => {
                if self.get(doc, "kind").is_none() {
                    self.problem(None, "missing `kind` (\"html\" or \"json\")".to_string());
                }
                RecipeKind::Html
            }
        }
    }

    /// What one item is: the schema.org extractor, a CSS selector or a JSON pointer.
    fn item_of(&mut self, doc: &DeTable, kind: RecipeKind) -> Option<ItemSource> {
        let extractor = self.string(doc, "extractor", "extractor");
        match extractor.as_deref() {
            Some("schema-org") => {
                if kind != RecipeKind::Html {
                    let at = self.get(doc, "extractor").map(|v| v.span().start);
                    self.problem(
                        at,
                        "`extractor = \"schema-org\"` needs `kind = \"html\"`".to_string(),
                    );
                }
                Some(ItemSource::SchemaOrg)
            }
            Some(other) => {
                let at = self.get(doc, "extractor").map(|v| v.span().start);
                self.problem(
                    at,
                    format!("unknown extractor \"{other}\"; the only one is \"schema-org\""),
                );
                None
            }
            None => self.item_source(doc, kind),
        }
    }

    /// `[fields]`, which must give at least `body` or `title` (the schema.org extractor needs none).
    fn fields_of(&mut self, doc: &DeTable, kind: RecipeKind, item: Option<&ItemSource>) -> Fields {
        let fields = match self.get(doc, "fields") {
            Some(v) => match v.get_ref() {
                DeValue::Table(t) => self.fields(t, kind),
                _ => {
                    self.problem(
                        Some(v.span().start),
                        "`fields` must be a table: [fields]".to_string(),
                    );
                    Fields::default()
                }
            },
            None => Fields::default(),
        };
        // A `body` or `title` that is present but invalid has its own message already.
        let written = |key: &str| match self.get(doc, "fields").map(|v| v.get_ref()) {
            Some(DeValue::Table(t)) => self.get(t, key).is_some(),
            _ => false,
        };
        let neither_written = !written("body") && !written("title");
        if !matches!(item, Some(ItemSource::SchemaOrg))
            && self.get(doc, "follow").is_none()
            && fields.body.is_none()
            && fields.title.is_none()
            && neither_written
        {
            let at = self.get(doc, "fields").map(|v| v.span().start);
            self.problem(
                at,
                "a recipe needs at least `body` or `title` in [fields]".to_string(),
            );
        }
        fields
    }

    /// `[pagination]` (and a top-level `max_pages`): the next, last and previous page links and the
    /// page budget.
    fn pagination_of(&mut self, doc: &DeTable, kind: RecipeKind) -> Pagination {
        let mut max_pages = None;
        let mut next = None;
        let mut last = None;
        let mut prev = None;
        if let Some(v) = self.get(doc, "pagination") {
            match v.get_ref() {
                DeValue::Table(t) => {
                    for (key, value) in t.iter() {
                        match key.get_ref().as_ref() {
                            "next" => next = self.field("pagination.next", value, kind),
                            "last" => last = self.field("pagination.last", value, kind),
                            "prev" => prev = self.field("pagination.prev", value, kind),
                            "max_pages" => max_pages = self.count(value, "pagination.max_pages"),
                            other => self.problem(
                                Some(key.span().start),
                                format!("unknown key `{other}` in [pagination]; valid keys: next, last, prev, max_pages"),
                            ),
                        }
                    }
                }
                _ => self.problem(
                    Some(v.span().start),
                    "`pagination` must be a table: [pagination]".to_string(),
                ),
            }
        }
        if let Some(v) = self.get(doc, "max_pages") {
            if max_pages.is_some() {
                self.problem(
                    Some(v.span().start),
                    "`max_pages` is given twice (top level and [pagination])".to_string(),
                );
            }
            max_pages = self.count(v, "max_pages");
        }
        let paginated = next.is_some() || last.is_some() || prev.is_some();
        let max_pages = max_pages
            .unwrap_or(if paginated { 3 } else { 1 })
            .clamp(1, MAX_PAGES_CAP);
        Pagination {
            next,
            last,
            prev,
            max_pages,
        }
    }

    /// `[quotes]`: `select` (required), `author` and `text`, HTML selectors inside the quote block.
    fn quotes_of(&mut self, doc: &DeTable) -> Option<QuoteSpec> {
        let v = self.get(doc, "quotes")?;
        let DeValue::Table(t) = v.get_ref() else {
            self.problem(
                Some(v.span().start),
                "`quotes` must be a table: [quotes]".to_string(),
            );
            return None;
        };
        let mut select = None;
        let mut author = None;
        let mut text = None;
        for (key, value) in t.iter() {
            match key.get_ref().as_ref() {
                "select" => match value.get_ref() {
                    DeValue::String(sel) => {
                        select = self.selector(sel, "quotes.select", value.span().start)
                    }
                    _ => self.problem(
                        Some(value.span().start),
                        "`quotes.select` must be a CSS selector string".to_string(),
                    ),
                },
                "author" => author = self.field("quotes.author", value, RecipeKind::Html),
                "text" => text = self.field("quotes.text", value, RecipeKind::Html),
                other => self.problem(
                    Some(key.span().start),
                    format!(
                        "unknown key `{other}` in [quotes]{}; valid keys: {}",
                        crate::domain::spelling::did_you_mean(other, QUOTE_KEYS),
                        QUOTE_KEYS.join(", ")
                    ),
                ),
            }
        }
        if select.is_none() && self.get(t, "select").is_none() {
            self.problem(
                Some(v.span().start),
                "[quotes] needs `select`, the CSS selector of a quote block (e.g. \"blockquote\")"
                    .to_string(),
            );
        }
        Some(QuoteSpec {
            select: select?,
            author,
            text,
        })
    }

    /// `[follow]`: `link` (required), `title`, `last_post_at`, `replies`, `thread_recipe`, `max_threads`.
    fn follow_of(&mut self, doc: &DeTable, kind: RecipeKind) -> Option<Follow> {
        let v = self.get(doc, "follow")?;
        let DeValue::Table(t) = v.get_ref() else {
            self.problem(
                Some(v.span().start),
                "`follow` must be a table: [follow]".to_string(),
            );
            return None;
        };
        let mut link = None;
        let mut title = None;
        let mut last_post_at = None;
        let mut replies = None;
        let mut thread_recipe = None;
        let mut max_threads = None;
        for (key, value) in t.iter() {
            let k = key.get_ref().as_ref();
            let what = format!("follow.{k}");
            match k {
                "link" => link = self.field(&what, value, kind),
                "title" => title = self.field(&what, value, kind),
                "last_post_at" => last_post_at = self.field(&what, value, kind),
                "replies" => replies = self.field(&what, value, kind),
                "thread_recipe" => thread_recipe = self.string(t, "thread_recipe", &what),
                "max_threads" => max_threads = self.count(value, &what),
                other => self.problem(
                    Some(key.span().start),
                    format!(
                        "unknown key `{other}` in [follow]{}; valid keys: {}",
                        crate::domain::spelling::did_you_mean(other, FOLLOW_KEYS),
                        FOLLOW_KEYS.join(", ")
                    ),
                ),
            }
        }
        if link.is_none() && self.get(t, "link").is_none() {
            self.problem(
                Some(v.span().start),
                "[follow] needs `link`, where a row links to its thread".to_string(),
            );
        }
        Some(Follow {
            link: link?,
            title,
            last_post_at,
            replies,
            thread_recipe,
            max_threads: max_threads.unwrap_or(DEFAULT_MAX_THREADS).max(1),
        })
    }

    fn get<'t, 'i>(&self, table: &'t DeTable<'i>, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    fn string(&mut self, table: &DeTable, key: &str, what: &str) -> Option<String> {
        let v = self.get(table, key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.problem(Some(v.span().start), format!("`{what}` must be a string"));
                None
            }
        }
    }

    fn count(&mut self, v: &Spanned<DeValue>, what: &str) -> Option<usize> {
        let n = match v.get_ref() {
            DeValue::Integer(i) => i.as_str().replace('_', "").parse::<usize>().ok(),
            _ => None,
        };
        if n.is_none() {
            self.problem(
                Some(v.span().start),
                format!("`{what}` must be a whole number ≥ 1"),
            );
        }
        n
    }

    fn item_source(&mut self, doc: &DeTable, kind: RecipeKind) -> Option<ItemSource> {
        let item = self.get(doc, "item");
        let items = self.get(doc, "items");
        let (key, v) = match (item, items) {
            (Some(a), Some(_)) => {
                self.problem(
                    Some(a.span().start),
                    "give `item` or `items`, not both".to_string(),
                );
                return None;
            }
            (Some(v), None) => ("item", v),
            (None, Some(v)) => ("items", v),
            (None, None) => {
                let hint = match kind {
                    RecipeKind::Html => {
                        "`item = \"div.post\"` (a CSS selector, one match per item)"
                    }
                    RecipeKind::Json => {
                        "`items = \"/data/children\"` (a JSON pointer to the array of items)"
                    }
                };
                self.problem(None, format!("missing {hint}"));
                return None;
            }
        };
        let DeValue::String(s) = v.get_ref() else {
            self.problem(Some(v.span().start), format!("`{key}` must be a string"));
            return None;
        };
        match kind {
            RecipeKind::Html => self
                .selector(s, key, v.span().start)
                .map(|(sel, _)| ItemSource::Css(sel)),
            RecipeKind::Json => self
                .pointer(s, key, v.span().start)
                .then(|| ItemSource::Pointer(s.to_string())),
        }
    }

    fn selector(&mut self, s: &str, what: &str, at: usize) -> Option<(Selector, String)> {
        match Selector::parse(s) {
            Ok(sel) => Some((sel, s.to_string())),
            Err(e) => {
                self.problem(
                    Some(at),
                    format!(
                        "`{what}` = {s:?} is not a CSS selector: {}",
                        selector_problem(&e)
                    ),
                );
                None
            }
        }
    }

    /// Checks an RFC 6901 JSON pointer: empty, or `/`-separated tokens where `~` is followed by 0 or 1.
    fn pointer(&mut self, s: &str, what: &str, at: usize) -> bool {
        let ok = (s.is_empty() || s.starts_with('/')) && {
            let b = s.as_bytes();
            b.iter()
                .enumerate()
                .all(|(i, &c)| c != b'~' || matches!(b.get(i + 1), Some(b'0') | Some(b'1')))
        };
        if !ok {
            self.problem(
                Some(at),
                format!("invalid JSON pointer {s:?} in `{what}`: it must be empty or start with `/` (e.g. \"/data/title\"), with `~` only as ~0 or ~1"),
            );
        }
        ok
    }

    fn fields(&mut self, t: &DeTable, kind: RecipeKind) -> Fields {
        let mut fields = Fields::default();
        for (key, value) in t.iter() {
            let name = key.get_ref().as_ref();
            let what = format!("fields.{name}");
            let slot = match name {
                "id" => &mut fields.id,
                "link" => &mut fields.link,
                "title" => &mut fields.title,
                "author" => &mut fields.author,
                "body" => &mut fields.body,
                "date" => &mut fields.date,
                "rating" => &mut fields.rating,
                "thread" => &mut fields.thread,
                "reply_to" => &mut fields.reply_to,
                other => {
                    self.problem(
                        Some(key.span().start),
                        format!(
                            "unknown field `{other}`{}; valid fields: {}",
                            crate::domain::spelling::did_you_mean(other, FIELD_NAMES),
                            FIELD_NAMES.join(", ")
                        ),
                    );
                    continue;
                }
            };
            *slot = self.field(&what, value, kind);
        }
        fields
    }

    fn field(
        &mut self,
        what: &str,
        value: &Spanned<DeValue>,
        kind: RecipeKind,
    ) -> Option<FieldSpec> {
        let mut spec = FieldSpec {
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
            timezone: None,
            scale: None,
        };
        let at = value.span().start;
        match value.get_ref() {
            DeValue::String(s) => match kind {
                RecipeKind::Html => spec.select = Some(self.selector(s, what, at)?),
                RecipeKind::Json => {
                    if !self.pointer(s, what, at) {
                        return None;
                    }
                    spec.paths.push(s.to_string());
                }
            },
            DeValue::Table(t) => {
                let mut ok = true;
                for (key, v) in t.iter() {
                    ok &= self.field_key(&mut spec, what, key, v, kind);
                }
                if spec.scope == Scope::Ancestor && spec.select.is_none() {
                    self.problem(
                        Some(at),
                        format!("`scope = \"ancestor\"` in `{what}` needs `select`, the enclosing element to look for (e.g. \"li.comment\")"),
                    );
                    ok = false;
                }
                if kind == RecipeKind::Json
                    && spec.paths.is_empty()
                    && spec.template.is_none()
                    && spec.link_rel.is_none()
                {
                    self.problem(
                        Some(at),
                        format!("`{what}` needs `path` (a JSON pointer) or `template`"),
                    );
                    ok = false;
                }
                if !ok {
                    return None;
                }
            }
            _ => {
                let hint = match kind {
                    RecipeKind::Html => {
                        "a CSS selector string or a table like { select = \"…\", attr = \"href\" }"
                    }
                    RecipeKind::Json => "a JSON pointer string or a table like { path = \"/…\" }",
                };
                self.problem(Some(at), format!("`{what}` must be {hint}"));
                return None;
            }
        }
        Some(spec)
    }

    /// One key of a field's table into `spec`; false (with the problem reported) when it is wrong.
    fn field_key(
        &mut self,
        spec: &mut FieldSpec,
        what: &str,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        v: &Spanned<DeValue>,
        kind: RecipeKind,
    ) -> bool {
        let valid = match kind {
            RecipeKind::Html => HTML_FIELD_KEYS,
            RecipeKind::Json => JSON_FIELD_KEYS,
        };
        let k = key.get_ref().as_ref();
        if !valid.contains(&k) {
            let kind_name = if kind == RecipeKind::Html {
                "html"
            } else {
                "json"
            };
            self.problem(
                Some(key.span().start),
                format!(
                    "unknown key `{k}` in `{what}`{}; valid keys for a {kind_name} recipe: {}",
                    crate::domain::spelling::did_you_mean(k, valid),
                    valid.join(", ")
                ),
            );
            return false;
        }
        let vat = v.span().start;
        match k {
            "scale" => return self.scale(spec, what, v),
            "path" => return self.paths(spec, what, v),
            "attr" => return self.attrs(spec, what, v),
            _ => {}
        }
        let Some(s) = v.get_ref().as_str() else {
            self.problem(Some(vat), format!("`{k}` in `{what}` must be a string"));
            return false;
        };
        match k {
            "select" => match self.selector(s, what, vat) {
                Some(sel) => spec.select = Some(sel),
                None => return false,
            },
            "scope" => match s {
                "item" => spec.scope = Scope::Item,
                "page" => spec.scope = Scope::Page,
                "ancestor" => spec.scope = Scope::Ancestor,
                other => {
                    self.problem(
                        Some(vat),
                        format!("`scope = \"{other}\"` in `{what}`: use \"item\", \"page\" or \"ancestor\""),
                    );
                    return false;
                }
            },
            "template" => {
                spec.template = Some(s.to_string());
                return self.template(s, what, vat);
            }
            "prefix" => spec.prefix = Some(s.to_string()),
            "param" | "link_rel" if !what.starts_with("pagination.") => {
                self.problem(
                    Some(key.span().start),
                    format!("`{k}` in `{what}`: only the [pagination] links take `{k}`"),
                );
                return false;
            }
            "param" => spec.param = Some(s.to_string()),
            "link_rel" => spec.link_rel = Some(s.to_lowercase()),
            "format" => {
                spec.format = Some(s.to_string());
                return self.date_format(s, what, vat);
            }
            "locale" => match s {
                "sv" | "en" => spec.locale = Some(s.to_string()),
                other => {
                    self.problem(
                        Some(vat),
                        format!("`locale = \"{other}\"` in `{what}`: use \"sv\" or \"en\""),
                    );
                    return false;
                }
            },
            "timezone" => match s.parse::<Tz>() {
                Ok(tz) => spec.timezone = Some(tz),
                Err(_) => {
                    self.problem(Some(vat), format!("unknown time zone {s:?} in `{what}`; use an IANA name like \"Europe/Stockholm\" or \"UTC\""));
                    return false;
                }
            },
            _ => {}
        }
        true
    }

    /// `scale`: a positive number.
    fn scale(&mut self, spec: &mut FieldSpec, what: &str, v: &Spanned<DeValue>) -> bool {
        let n = match v.get_ref() {
            DeValue::Integer(i) => i.as_str().replace('_', "").parse::<f64>().ok(),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            _ => None,
        };
        match n.filter(|n| *n > 0.0 && n.is_finite()) {
            Some(n) => {
                spec.scale = Some(n);
                true
            }
            None => {
                self.problem(
                    Some(v.span().start),
                    format!("`scale` in `{what}` must be a positive number, e.g. 5"),
                );
                false
            }
        }
    }

    /// `attr`: an attribute name, or an array of them tried in order.
    fn attrs(&mut self, spec: &mut FieldSpec, what: &str, v: &Spanned<DeValue>) -> bool {
        let names: Option<Vec<String>> = match v.get_ref() {
            DeValue::String(s) => Some(vec![s.to_string()]),
            DeValue::Array(a) => a
                .iter()
                .map(|x| x.get_ref().as_str().map(str::to_string))
                .collect(),
            _ => None,
        };
        match names.filter(|n| !n.is_empty() && n.iter().all(|a| !a.trim().is_empty())) {
            Some(names) => {
                spec.attr = names;
                true
            }
            None => {
                self.problem(
                    Some(v.span().start),
                    format!("`attr` in `{what}` must be an attribute name or an array of them, e.g. \"href\" or [\"data-content\", \"id\"]"),
                );
                false
            }
        }
    }

    /// `path`: a JSON pointer, or an array of them tried in order.
    fn paths(&mut self, spec: &mut FieldSpec, what: &str, v: &Spanned<DeValue>) -> bool {
        let vat = v.span().start;
        let list: Vec<&str> = match v.get_ref() {
            DeValue::String(s) => vec![s.as_ref()],
            DeValue::Array(a) => a.iter().filter_map(|x| x.get_ref().as_str()).collect(),
            _ => Vec::new(),
        };
        let mut ok = true;
        if list.is_empty() {
            self.problem(
                Some(vat),
                format!("`path` in `{what}` must be a JSON pointer string or an array of them"),
            );
            ok = false;
        }
        for p in list {
            ok &= self.pointer(p, what, vat);
            spec.paths.push(p.to_string());
        }
        ok
    }

    fn template(&mut self, s: &str, what: &str, at: usize) -> bool {
        let mut ok = true;
        let mut any = false;
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                self.problem(
                    Some(at),
                    format!("template {s:?} in `{what}` has an unclosed `{{`"),
                );
                return false;
            };
            let placeholder = &rest[open + 1..open + close];
            let (ptr, filter) = match placeholder.split_once('|') {
                Some((p, f)) => (p, Some(f)),
                None => (placeholder, None),
            };
            ok &= self.pointer(ptr, what, at);
            if let Some(f) = filter
                && f.strip_prefix("after:").is_none_or(str::is_empty)
            {
                self.problem(
                    Some(at),
                    format!("template {s:?} in `{what}`: unknown filter `|{f}`; the one filter is `|after:S` (the part after the value's last S)"),
                );
                ok = false;
            }
            any = true;
            rest = &rest[open + close + 1..];
        }
        if !any {
            self.problem(
                Some(at),
                format!("template {s:?} in `{what}` has no {{/pointer}} placeholder"),
            );
            return false;
        }
        ok
    }

    fn date_format(&mut self, s: &str, what: &str, at: usize) -> bool {
        if matches!(s, "unix" | "unix_ms" | "rfc3339" | "rfc2822") {
            return true;
        }
        let bad =
            chrono::format::StrftimeItems::new(s).any(|i| matches!(i, chrono::format::Item::Error));
        if bad {
            self.problem(Some(at), format!("invalid date format {s:?} in `{what}` (chrono strftime, e.g. \"%Y-%m-%d, %H:%M\", or unix, unix_ms, rfc3339, rfc2822)"));
        }
        !bad
    }
}

/// What is wrong with a CSS selector, in words a recipe writer can act on. scraper's own messages
/// are its parser's internal names (`UnexpectedSelectorParseError(ClassNeedsIdent)`).
fn selector_problem(e: &scraper::error::SelectorErrorKind) -> String {
    use scraper::error::SelectorErrorKind as K;
    let inner = match e {
        K::UnexpectedSelectorParseError(inner) => format!("{inner:?}"),
        _ => String::new(),
    };
    let name = inner.split(['(', ' ']).next().unwrap_or("");
    let words = match (e, name) {
        (K::UnexpectedToken, _) => "a character that does not belong there (check the punctuation)",
        (K::EndOfLine, _) => {
            "it ends too early: a `.`, `#`, `:`, `[` or `(` at its end needs the name or the part that closes it"
        }
        (K::ExpectedColonOnPseudoElement, _) | (K::ExpectedIdentityOnPseudoElement, _) => {
            "a `::` needs a pseudo-element name after it"
        }
        (_, "ClassNeedsIdent") => "a `.` must be followed by a class name, as in `.post`",
        (_, "EmptySelector") => "it is empty",
        (_, "DanglingCombinator") => "it ends with `>`, `+` or `~` and nothing after it",
        (
            _,
            "NoQualifiedNameInAttributeSelector"
            | "UnexpectedTokenInAttributeSelector"
            | "ExpectedBarInAttr"
            | "BadValueInAttr"
            | "InvalidQualNameInAttr",
        ) => {
            "the attribute part `[…]` is not written right; write it like `[itemprop=name]` or `[data-id]`"
        }
        (
            _,
            "NoIdentForPseudo" | "UnsupportedPseudoClassOrElement" | "PseudoElementExpectedIdent",
        ) => {
            "the part after `:` is not a pseudo-class this parser knows, such as `:first-child` or `:not(.ad)`"
        }
        (_, "ExpectedNamespace" | "ExplicitNamespaceUnexpectedToken") => {
            "namespaces (`ns|tag`) are not supported"
        }
        (_, "UnexpectedIdent") => "a name stands where none belongs (a missing `.`, `#` or space?)",
        _ => "it is not a selector this parser understands",
    };
    words.to_string()
}

#[cfg(test)]
mod api_tests;
#[cfg(test)]
mod forum_tests;
#[cfg(test)]
mod tests;
