//! Finding where an article's comments can be read (PRODUCT §3.3b "Watched threads"): the comments
//! feed its page links to, or the standard WordPress comment list. Pure: the page's bytes in, links
//! out; schema.org `Comment` markup is found by running the `schema-org` recipe itself.

use scraper::{Html, Selector};
use url::Url;

use crate::crawl::text::nesting_too_deep;

/// What an article's page says about its comments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommentSigns {
    /// The comments feed of this article (`<link rel="alternate">` to RSS or Atom whose title says
    /// comments, or whose address lies under the article's own).
    pub comments_feed: Option<Url>,
    /// The page carries WordPress's comment list or comment form (`li.comment`, `#respond`).
    pub wordpress: bool,
}

const FEED_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
];

/// Words a comments feed's title uses (WordPress: "… » Title Comments Feed", "… » Title Kommentarsflöde").
const COMMENT_WORDS: &[&str] = &["comment", "kommentar", "reaktion", "svar på"];

/// Reads the signs of a comment section from an article's page at `page_url`.
pub fn comment_signs(html: &str, page_url: &Url) -> CommentSigns {
    if nesting_too_deep(html) {
        return CommentSigns::default();
    }
    let doc = Html::parse_document(html);
    let base = base_url(&doc, page_url);
    let mut signs = CommentSigns::default();
    if let Ok(links) = Selector::parse("link[rel~=alternate][href]") {
        let article = page_url.path().trim_end_matches('/');
        let mut titled: Option<Url> = None;
        for link in doc.select(&links) {
            let el = link.value();
            let kind = el
                .attr("type")
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            if !FEED_TYPES.contains(&kind.as_str()) {
                continue;
            }
            let Some(href) = el.attr("href").and_then(|h| base.join(h.trim()).ok()) else {
                continue;
            };
            let title = el.attr("title").unwrap_or_default().to_lowercase();
            let under_article = !article.is_empty()
                && href.host_str() == page_url.host_str()
                && href.path().starts_with(&format!("{article}/"));
            if under_article {
                signs.comments_feed = Some(href);
                break;
            }
            // WordPress also links the whole site's comments (`/comments/feed/`): not this article's.
            let site_wide = href.path().trim_end_matches('/') == "/comments/feed";
            if titled.is_none() && !site_wide && COMMENT_WORDS.iter().any(|w| title.contains(w)) {
                titled = Some(href);
            }
        }
        signs.comments_feed = signs.comments_feed.or(titled);
    }
    if let Ok(wp) = Selector::parse("li.comment[id^=comment-], #respond, .comment-respond") {
        signs.wordpress = doc.select(&wp).next().is_some();
    }
    signs
}

fn base_url(doc: &Html, page_url: &Url) -> Url {
    Selector::parse("base[href]")
        .ok()
        .and_then(|s| doc.select(&s).next())
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| page_url.join(h.trim()).ok())
        .unwrap_or_else(|| page_url.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn the_articles_own_comments_feed_is_found_not_the_sites() {
        let page = r#"<html><head>
            <link rel="alternate" type="application/rss+xml" title="Bloggen » Flöde" href="https://blogg.example/feed/">
            <link rel="alternate" type="application/rss+xml" title="Bloggen » Kommentarsflöde" href="https://blogg.example/comments/feed/">
            <link rel="alternate" type="application/rss+xml" title="Bloggen » Om GoMonday" href="/2026/11/om-gomonday/feed/">
            </head><body></body></html>"#;
        let signs = comment_signs(page, &url("https://blogg.example/2026/11/om-gomonday/"));
        assert_eq!(
            signs.comments_feed.map(|u| u.to_string()),
            Some("https://blogg.example/2026/11/om-gomonday/feed/".to_string()),
            "a link under the article's path wins; the site's feeds never do"
        );
        let titled = r#"<link rel="alternate" type="application/atom+xml" title="Comments on: GoMonday" href="https://news.example/c/42.atom">"#;
        let s = comment_signs(titled, &url("https://news.example/a/42"));
        assert_eq!(
            s.comments_feed.map(|u| u.to_string()),
            Some("https://news.example/c/42.atom".to_string())
        );
    }

    #[test]
    fn a_page_without_comment_signs_gives_none() {
        let page = r#"<html><head><link rel="alternate" type="application/rss+xml" title="Nyheter" href="/rss"></head>
            <body><article><p>GoMonday växer.</p></article></body></html>"#;
        assert_eq!(
            comment_signs(page, &url("https://news.example/a/1")),
            CommentSigns::default()
        );
    }

    #[test]
    fn a_wordpress_comment_form_is_a_sign_before_the_first_comment() {
        let page = r#"<div id="comments"><div id="respond" class="comment-respond"><form></form></div></div>"#;
        assert!(comment_signs(page, &url("https://blogg.example/inlagg/")).wordpress);
    }
}
