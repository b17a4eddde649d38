//! The benchmarks' feed generator (`benches/common/feed_gen.rs`) makes feeds that look like real
//! ones and parse completely: what the ingest figures are measured on.

#[path = "../../benches/common/feed_gen.rs"]
#[allow(dead_code)]
mod feed_gen;

use chrono::{TimeZone, Utc};
use feed_gen::*;
use lyssna::crawl::feed::parse_feed;

#[test]
fn same_seed_same_feed_different_seed_different_feed() {
    let a = generate_realistic_feed(7, 20, FeedFlavor::Rss2);
    assert_eq!(a, generate_realistic_feed(7, 20, FeedFlavor::Rss2));
    assert_ne!(a, generate_realistic_feed(8, 20, FeedFlavor::Rss2));
}

#[test]
fn about_one_kilobyte_per_item_and_some_brand_mentions() {
    for flavor in [
        FeedFlavor::Rss2,
        FeedFlavor::Atom,
        FeedFlavor::WordPressComments,
    ] {
        let feed = generate_realistic_feed(1, 200, flavor);
        let per_item = feed.len() / 200;
        assert!(
            (700..=1800).contains(&per_item),
            "{flavor:?}: {per_item} bytes/item"
        );
        let mentions = feed.matches("GoMonday").count();
        assert!(
            (2..=60).contains(&mentions),
            "{flavor:?}: {mentions} GoMonday mentions"
        );
    }
}

#[test]
fn generated_feeds_parse_into_complete_items() {
    let url = url::Url::parse("https://kaffebloggen.se/feed/").expect("url");
    let now = Utc
        .with_ymd_and_hms(2026, 11, 2, 0, 0, 0)
        .single()
        .expect("date");
    for flavor in [
        FeedFlavor::Rss2,
        FeedFlavor::Atom,
        FeedFlavor::WordPressComments,
    ] {
        let feed = generate_realistic_feed(3, 50, flavor);
        let parse = match parse_feed(feed.as_bytes(), None, &url, now) {
            Ok(p) => p,
            Err(e) => panic!("{flavor:?} does not parse: {e}"),
        };
        assert_eq!(parse.items.len(), 50, "{flavor:?}");
        assert!(
            parse.warnings.is_empty(),
            "{flavor:?}: {:?}",
            parse.warnings
        );
        for item in &parse.items {
            assert!(
                item.id.is_some() && item.url.is_some() && item.title.is_some(),
                "{item:?}"
            );
            assert!(
                item.author.is_some() && item.published_at.is_some(),
                "{item:?}"
            );
            assert!(
                item.body.len() > 200,
                "{flavor:?}: short body {:?}",
                item.body
            );
            assert!(!item.body.contains("<p>"), "{flavor:?}: {:?}", item.body);
        }
        if flavor == FeedFlavor::WordPressComments {
            let first = &parse.items[0];
            let thread = first.thread_url.as_deref().unwrap_or("");
            assert!(
                first.url.as_deref().unwrap_or("").starts_with(thread) && !thread.contains('#')
            );
        }
    }
}
