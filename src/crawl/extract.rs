//! One fetched page → its items, by the source's kind: a feed is parsed as a feed, an HTML or JSON
//! page is cut by the source's recipe. This is where a new source kind adds its extractor.

use crate::crawl::recipe::Recipe;
use crate::crawl::{charset, feed, sanitize};
use crate::domain::item::Item;
use crate::domain::source::SourceKind;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use url::Url;

/// The bytes of one fetched page and where they came from.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    pub body: &'a [u8],
    pub content_type: Option<&'a str>,
    /// The address after redirects: relative links resolve against it.
    pub url: &'a Url,
    /// The response's `Link` header, for `[pagination]` links with `link_rel`.
    pub link_header: Option<&'a str>,
}

/// What one page gave: its items, how many elements the item selector matched (recipes only), the
/// next page, and warnings for the user.
#[derive(Debug, Clone, Default)]
pub struct PageItems {
    pub items: Vec<Item>,
    pub item_matches: Option<usize>,
    pub next: Option<Url>,
    /// The thread's last page, the page before this one, and every link to another page of the thread
    /// (recipes only; see `Extraction`).
    pub last: Option<Url>,
    pub prev: Option<Url>,
    pub page_links: Vec<Url>,
    /// A listing's thread links (recipes with `[follow]`).
    pub threads: Vec<crate::domain::thread::ThreadLink>,
    pub warnings: Vec<String>,
}

/// How to read a source's pages.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub kind: SourceKind,
    pub recipe: Option<&'a Recipe>,
    /// The zone of dates that name none (the recipe's own zone wins).
    pub timezone: Tz,
}

impl Reader<'_> {
    /// Extracts the items of one page. `now` resolves relative dates and clamps future ones. The error
    /// says in plain words why the page could not be read.
    pub fn extract(&self, page: Page<'_>, now: DateTime<Utc>) -> Result<PageItems, String> {
        match self.kind {
            SourceKind::Feed => {
                let parsed = feed::parse_feed(page.body, page.content_type, page.url, now)
                    .map_err(|e| e.to_string())?;
                Ok(PageItems {
                    items: parsed.items,
                    item_matches: None,
                    warnings: parsed.warnings,
                    ..PageItems::default()
                })
            }
            SourceKind::Html | SourceKind::Json => {
                let recipe = self
                    .recipe
                    .ok_or_else(|| format!("a {} source needs a recipe", self.kind))?;
                let text = charset::decode_html(page.body, page.content_type);
                // An API that answers with a web page or garbage is a failed fetch of JSON, not a
                // recipe that found nothing ("broken recipe" would send the user to the wrong fix).
                if self.kind == SourceKind::Json {
                    let repaired = sanitize::repair_json_surrogates(&text);
                    let checked = repaired.as_ref().map_or(text.as_str(), |(t, _)| t.as_str());
                    if let Some(problem) = sanitize::json_document_problem(checked) {
                        return Err(problem);
                    }
                }
                let ex =
                    recipe.extract_response(&text, page.url, page.link_header, now, self.timezone);
                Ok(PageItems {
                    items: ex.items,
                    item_matches: Some(ex.item_matches),
                    next: ex.next_page,
                    last: ex.last_page,
                    prev: ex.prev_page,
                    page_links: ex.page_links,
                    threads: ex.threads,
                    warnings: ex.warnings,
                })
            }
            SourceKind::Manual => Ok(PageItems::default()),
        }
    }
}
