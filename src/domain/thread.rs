//! Threads: the link a listing gives to one, what Lyssna has seen of one (its cursor), and the one URL a
//! thread is known by whatever source found it and whichever of its pages was linked.
//!
//! A site's thread appears under many addresses: page suffixes (`/t123p5`, `/page-5`, `&page=5`,
//! `start=50`), a post's anchor (`#post123`), tracking parameters, session ids. [`canonical_thread_url`]
//! folds them into one, so that a listing, a feed and a watched-thread re-crawl all agree on which thread
//! a post lives in. [`page_number`] reads the page a URL names, which is how a thread is entered at its
//! last page and walked backwards.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

/// One row of a listing (forum section, "new posts", search results, a feed of new threads): a thread
/// and what the row says about it. A changed `last_post_at` or `replies` means the thread has new posts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThreadLink {
    /// The canonical thread URL ([`canonical_thread_url`]).
    pub thread_url: String,
    pub title: Option<String>,
    pub last_post_at: Option<DateTime<Utc>>,
    pub replies: Option<u64>,
    /// Where to read the thread when the listing links an API form of it (Discourse's `/t/123.json`),
    /// which its canonical URL leaves out.
    #[serde(skip)]
    pub read_url: Option<String>,
}

/// Whether a post at `url` is its thread itself (an article, a blog post), not a post or comment in it:
/// its address, without a fragment, is the thread's canonical URL.
pub fn is_thread_root(url: Option<&str>, thread_url: &str) -> bool {
    url.and_then(|u| Url::parse(u).ok()).is_some_and(|u| {
        u.fragment().is_none_or(str::is_empty) && canonical_thread_url(&u) == thread_url
    })
}

/// The address a listing's link is read at: the link itself when it is an API form of the thread
/// (a `.json` path), which [`canonical_thread_url`] folds into the thread's page address.
pub fn api_read_url(link: &Url) -> Option<String> {
    link.path().ends_with(".json").then(|| {
        let mut u = link.clone();
        u.set_fragment(None);
        u.to_string()
    })
}

/// What Lyssna has seen of one thread: enough to read only what is new on the next crawl.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThreadCursor {
    /// The site's id of the newest post read (or its permalink when the site gives no id).
    pub last_post_id: Option<String>,
    pub last_post_at: Option<DateTime<Utc>>,
    /// How many pages the thread had when it was last read (1 for a thread on one page).
    pub pages: u32,
    /// The address of the last page as last read: the next crawl starts there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_page_url: Option<String>,
    /// The posts of the pages last read, each with a hash of its content: a known post is not
    /// processed again unless its text changed (an edit).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seen: Vec<SeenPost>,
}

/// One post the cursor knows: its key (site id, else permalink, else a hash of the text) and a hash of
/// its content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenPost {
    pub key: String,
    pub hash: String,
}

/// How many posts a cursor remembers: the last pages' worth, enough to spot edits where new posts
/// arrive, without the cursor growing with the thread.
pub const SEEN_POSTS_KEPT: usize = 200;

impl ThreadCursor {
    /// Whether the post with this key and content hash was seen before unchanged.
    pub fn knows(&self, key: &str, hash: &str) -> bool {
        self.seen.iter().any(|s| s.key == key && s.hash == hash)
    }

    /// Whether a post with this key was seen (changed or not).
    pub fn has_key(&self, key: &str) -> bool {
        self.seen.iter().any(|s| s.key == key) || self.last_post_id.as_deref() == Some(key)
    }
}

/// Query parameters that never tell threads apart: tracking, sessions, search highlighting, and the
/// page or post within a thread.
fn is_ignored_param(name: &str, value: &str, path: &str) -> bool {
    let n = name.to_ascii_lowercase();
    if n.starts_with("utm_") {
        return true;
    }
    if matches!(
        n.as_str(),
        "fbclid"
            | "gclid"
            | "dclid"
            | "msclkid"
            | "mc_cid"
            | "mc_eid"
            | "igshid"
            | "highlight"
            | "hilit"
            | "sid"
            | "phpsessid"
            | "page"
            | "pagenumber"
            | "perpage"
            | "start"
            | "view"
            | "amp"
    ) {
        return true;
    }
    // vBulletin's session hash `s=` (32 hex digits); a WordPress search `?s=word` is kept.
    if n == "s" && value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return true;
    }
    // phpBB's and vBulletin's `p=` names a post inside the topic given by `t=`; WordPress's `/?p=130` is
    // the post itself and stays.
    if n == "p" && !path.ends_with('/') && path != "/" {
        let file = path.rsplit('/').next().unwrap_or("");
        return file.starts_with("viewtopic") || file.starts_with("showthread");
    }
    false
}

/// The one URL of the thread `url` is a page of: lower-cased host (the URL parser does that), no
/// fragment, no tracking or session parameters, no page or post suffix (`/t123p5` → `/t123`,
/// `/threads/x.1/page-5` → `/threads/x.1/`, `/topic/1/slug/5` stays, `showthread.php?t=1&page=2` →
/// `showthread.php?t=1`, Discourse `/t/slug/123/45` and `/t/123.json` → `/t/slug/123` and `/t/123`).
pub fn canonical_thread_url(url: &Url) -> String {
    let mut u = url.clone();
    u.set_fragment(None);
    let path = u.path().to_string();
    let kept: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, v)| !is_ignored_param(k, v, &path))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(kept);
    }
    let new_path = strip_page_suffix(&path);
    if new_path != path {
        u.set_path(&new_path);
    }
    u.to_string()
}

/// The page suffixes of the forum engines Lyssna knows, taken off a path.
fn strip_page_suffix(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let Some(&last) = segments.last() else {
        return path.to_string();
    };
    let head = |n: usize| segments[..segments.len() - n].join("/");
    // XenForo `/page-5` and WordPress comment pages `/comment-page-2`: the thread's first page is the
    // directory (`/threads/x.1/`, `/2020/05/post/`), so the slash stays and page 5 and page 1 agree.
    if let Some(n) = last
        .strip_prefix("page-")
        .or_else(|| last.strip_prefix("comment-page-"))
        && is_number(n)
    {
        return format!("{}/", head(1));
    }
    // vBulletin 4 `/123-title/page5`: the first page is `/123-title`.
    if let Some(n) = last.strip_prefix("page")
        && is_number(n)
    {
        return head(1);
    }
    // A trailing slash after such a segment: `/comment-page-2/`.
    if last.is_empty() && segments.len() > 2 {
        let before = segments[segments.len() - 2];
        if let Some(n) = before
            .strip_prefix("comment-page-")
            .or_else(|| before.strip_prefix("page-"))
            && is_number(n)
        {
            return format!("{}/", head(2));
        }
    }
    // Flashback `/t3357499p2`: a thread id with a page suffix.
    if segments.len() == 2
        && let Some(rest) = last.strip_prefix('t')
        && let Some((id, page)) = rest.split_once('p')
        && is_number(id)
        && is_number(page)
    {
        return format!("/t{id}");
    }
    // Discourse: `/t/slug/123/45` (a post number) → `/t/slug/123`; `/t/123.json` → `/t/123`.
    if segments.len() > 2 && segments[1] == "t" {
        let mut parts: Vec<String> = segments[2..].iter().map(|s| s.to_string()).collect();
        if let Some(p) = parts.last_mut()
            && let Some(stem) = p.strip_suffix(".json")
        {
            *p = stem.to_string();
        }
        let numeric = |s: &String| is_number(s);
        match parts.as_slice() {
            [slug, id, post] if !numeric(slug) && numeric(id) && numeric(post) => {
                return format!("/t/{slug}/{id}");
            }
            [id, post] if numeric(id) && numeric(post) => return format!("/t/{id}"),
            _ => {}
        }
        let joined = format!("/t/{}", parts.join("/"));
        if joined != path {
            return joined;
        }
    }
    path.to_string()
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Which page of its thread a URL names, as a number that orders the pages: 1 for the first page (no
/// suffix), N for `pN`, `page-N`, `pageN`, `comment-page-N`, `page=N`, `pagenumber=N`, and for offsets
/// (`start=50`, phpBB) the offset plus 1. `None` when the URL names a page it cannot read (never for a
/// plain thread URL).
pub fn page_number(url: &Url) -> Option<u64> {
    for (k, v) in url.query_pairs() {
        match k.to_ascii_lowercase().as_str() {
            "page" | "pagenumber" => return v.parse().ok().filter(|n| *n >= 1),
            "start" => return v.parse::<u64>().ok().map(|n| n + 1),
            _ => {}
        }
    }
    let path = url.path().trim_end_matches('/');
    let last = path.rsplit('/').next().unwrap_or("");
    if let Some(n) = last
        .strip_prefix("page-")
        .or_else(|| last.strip_prefix("page"))
        .or_else(|| last.strip_prefix("comment-page-"))
        && is_number(n)
    {
        return n.parse().ok();
    }
    if path.matches('/').count() == 1
        && let Some(rest) = last.strip_prefix('t')
        && let Some((id, page)) = rest.split_once('p')
        && is_number(id)
        && is_number(page)
    {
        return page.parse().ok();
    }
    Some(1)
}

/// Whether two URLs are pages of one thread.
pub fn same_thread(a: &Url, b: &Url) -> bool {
    canonical_thread_url(a) == canonical_thread_url(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        canonical_thread_url(&Url::parse(s).unwrap())
    }

    fn page(s: &str) -> Option<u64> {
        page_number(&Url::parse(s).unwrap())
    }

    #[test]
    fn pages_of_one_thread_have_one_url() {
        let flashback = "https://www.flashback.org/t3357499";
        for u in [
            "https://www.flashback.org/t3357499",
            "https://WWW.Flashback.org/t3357499p2",
            "https://www.flashback.org/t3357499p41#post7",
            "https://www.flashback.org/t3357499?utm_source=x&fbclid=abc",
        ] {
            assert_eq!(canon(u), flashback, "{u}");
        }
        assert_eq!(
            canon("https://forum.example/threads/kalle.123/page-5#post-9"),
            "https://forum.example/threads/kalle.123/"
        );
        assert_eq!(
            canon("https://forum.example/threads/kalle.123/"),
            canon("https://forum.example/threads/kalle.123/page-5"),
            "page 1 and page 5 of a XenForo thread are one thread"
        );
        assert_eq!(
            canon(
                "https://forum.example/showthread.php?t=77&page=3&s=0123456789abcdef0123456789abcdef"
            ),
            "https://forum.example/showthread.php?t=77"
        );
        assert_eq!(
            canon("https://forum.example/viewtopic.php?f=2&t=5&start=50&sid=abc&p=901#p901"),
            "https://forum.example/viewtopic.php?f=2&t=5"
        );
        assert_eq!(
            canon("https://meta.example/t/some-topic/12483/7"),
            "https://meta.example/t/some-topic/12483"
        );
        assert_eq!(
            canon("https://meta.example/t/12483.json"),
            "https://meta.example/t/12483"
        );
        assert_eq!(
            canon("https://blog.example/2020/05/post/comment-page-2/#comment-5"),
            "https://blog.example/2020/05/post/"
        );
        assert_eq!(
            canon("https://pocketpc.example/123-thema/page34"),
            "https://pocketpc.example/123-thema"
        );
    }

    #[test]
    fn what_tells_threads_apart_stays() {
        assert_eq!(
            canon("https://blog.example/?p=130#comment-4"),
            "https://blog.example/?p=130"
        );
        assert_eq!(
            canon("https://blog.example/?s=lyssna"),
            "https://blog.example/?s=lyssna"
        );
        assert_ne!(
            canon("https://forum.example/showthread.php?t=1"),
            canon("https://forum.example/showthread.php?t=2")
        );
        assert_eq!(
            canon("https://nodebb.example/topic/13803/slug"),
            "https://nodebb.example/topic/13803/slug"
        );
    }

    #[test]
    fn page_numbers_order_the_pages() {
        assert_eq!(page("https://www.flashback.org/t3357499"), Some(1));
        assert_eq!(page("https://www.flashback.org/t3357499p41"), Some(41));
        assert_eq!(page("https://f.example/threads/x.1/page-347"), Some(347));
        assert_eq!(
            page("https://f.example/viewtopic.php?t=5&start=225"),
            Some(226)
        );
        assert_eq!(page("https://f.example/showthread.php?t=5&page=3"), Some(3));
        assert_eq!(page("https://f.example/123-thema/page34"), Some(34));
        assert!(same_thread(
            &Url::parse("https://f.example/t5p2").unwrap(),
            &Url::parse("https://f.example/t5").unwrap()
        ));
    }

    #[test]
    fn a_cursor_knows_posts_by_key_and_hash() {
        let c = ThreadCursor {
            last_post_id: Some("9".into()),
            seen: vec![SeenPost {
                key: "8".into(),
                hash: "h".into(),
            }],
            ..ThreadCursor::default()
        };
        assert!(c.knows("8", "h"));
        assert!(!c.knows("8", "edited"));
        assert!(c.has_key("8") && c.has_key("9") && !c.has_key("10"));
    }
}
