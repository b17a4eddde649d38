//! The built-in JSON API recipes against the saved real responses of `corpora/html`: every fact each
//! folder's README states.

use super::forum_tests::{quoted, run, utc};

const TRY: &str = "https://try.discourse.org/t/this-site-is-a-sandbox-it-is-reset-every-day/57";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn discourse_topic_json_skips_the_image_only_post() {
    let ex = run(
        "discourse-topic",
        "html/discourse/try_t57_topic.json",
        &format!("{TRY}.json"),
    );
    assert_eq!(ex.item_matches, 4);
    // posts/2 (stienman) is only an image: no text to match.
    assert_eq!(ex.items.len(), 3);
    assert_eq!(ex.warnings, ["item 3: no body or title; skipped"]);
    let numbers: Vec<&str> = ex.items.iter().filter_map(|i| i.id.as_deref()).collect();
    assert_eq!(numbers, ["57/1", "57/2", "57/14"]);

    let first = &ex.items[0];
    assert_eq!(first.author.as_deref(), Some("samsaffron"));
    assert_eq!(
        first.published_at,
        Some(utc("2013-02-04T15:26:26.278-05:00"))
    );
    assert_eq!(first.url.as_deref(), Some(format!("{TRY}/1").as_str()));
    assert_eq!(first.thread_url.as_deref(), Some(TRY));
    assert!(first.body.starts_with("Welcome!"), "{}", first.body);
    assert!(
        first
            .body
            .contains("Try is a sandbox, a safe place to play with Discourse")
    );
    assert_eq!(first.reply_to, None);

    let last = &ex.items[2];
    assert_eq!(last.author.as_deref(), Some("splattne"));
    assert_eq!(
        last.published_at,
        Some(utc("2013-02-05T12:14:17.364-05:00"))
    );
    assert_eq!(last.url.as_deref(), Some(format!("{TRY}/14").as_str()));
    assert!(
        last.body
            .starts_with("What? So I have to post this every day?")
    );
    // `reply_to_post_number: 1`
    assert_eq!(last.reply_to.as_deref(), Some("57/1"));
}

const KPOP: &str = "https://discuss.criticalfallibilism.com/t/kpop-demon-hunters/2144";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn discourse_topic_posts_json_ascending_with_replies_and_quotes() {
    let ex = run(
        "discourse-topic",
        "html/discourse/cf_t2144_posts.json",
        "https://discuss.criticalfallibilism.com/t/2144/posts.json",
    );
    assert_eq!(ex.items.len(), 20, "{:?}", ex.warnings);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    let numbers: Vec<String> = ex
        .items
        .iter()
        .map(|i| i.id.clone().unwrap_or_default())
        .collect();
    let want: Vec<String> = (1..=21)
        .filter(|n| *n != 7)
        .map(|n| format!("2144/{n}"))
        .collect();
    assert_eq!(numbers, want, "1–21 without 7");

    let first = &ex.items[0];
    assert_eq!(first.author.as_deref(), Some("Elliot"));
    assert_eq!(first.published_at, Some(utc("2026-01-08T19:23:48.342Z")));
    assert_eq!(first.url.as_deref(), Some(format!("{KPOP}/1").as_str()));
    assert!(
        first.body.starts_with(
            "This is a companion discussion topic for the original entry at https://curi.us/"
        ),
        "{}",
        first.body
    );

    let second = &ex.items[1];
    assert_eq!(second.author.as_deref(), Some("Eternity"));
    assert_eq!(second.published_at, Some(utc("2026-01-10T20:59:07.236Z")));
    assert_eq!(quoted(second), [Some("Elliot"); 4]);
    assert!(
        second.quotes[0]
            .text
            .starts_with("I find it interesting that people love this theme"),
        "{}",
        second.quotes[0].text
    );
    assert!(
        !second
            .body
            .contains("I find it interesting that people love this theme")
    );

    let last = &ex.items[19];
    assert_eq!(last.id.as_deref(), Some("2144/21"));
    assert_eq!(last.author.as_deref(), Some("Eternity"));
    assert_eq!(last.published_at, Some(utc("2026-01-20T22:52:28.156Z")));
    assert_eq!(last.reply_to.as_deref(), Some("2144/18"));
    let replies: Vec<Option<&str>> = ex.items.iter().map(|i| i.reply_to.as_deref()).collect();
    let answered = |n: &[u32]| n.iter().map(|n| format!("2144/{n}")).collect::<Vec<_>>();
    let expected = answered(&[4, 8, 3, 13, 4, 14, 13, 15, 18, 19, 18]);
    let got: Vec<String> = replies.iter().flatten().map(|r| r.to_string()).collect();
    assert_eq!(got, expected);
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn discourse_topic_posts_before_a_number_come_newest_first() {
    let ex = run(
        "discourse-topic",
        "html/discourse/cf_t2144_posts_pn21.json",
        "https://discuss.criticalfallibilism.com/t/2144/posts.json?post_number=21",
    );
    assert_eq!(ex.items.len(), 19, "{:?}", ex.warnings);
    let numbers: Vec<String> = ex
        .items
        .iter()
        .map(|i| i.id.clone().unwrap_or_default())
        .collect();
    let want: Vec<String> = (1..=20)
        .rev()
        .filter(|n| *n != 7)
        .map(|n| format!("2144/{n}"))
        .collect();
    assert_eq!(numbers, want, "20 down to 1, without 7");
    let first = &ex.items[0];
    assert_eq!(first.author.as_deref(), Some("Elliot"));
    assert_eq!(first.published_at, Some(utc("2026-01-20T20:10:52.537Z")));
    assert_eq!(first.url.as_deref(), Some(format!("{KPOP}/20").as_str()));
    assert_eq!(first.reply_to.as_deref(), Some("2144/19"));
    assert_eq!(ex.items[18].id.as_deref(), Some("2144/1"));
    assert_eq!(ex.items[18].reply_to, None);
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn discourse_latest_posts_across_topics() {
    let site = "https://discuss.criticalfallibilism.com";
    let ex = run(
        "discourse-posts",
        "html/discourse/cf_latest_posts.json",
        &format!("{site}/posts.json"),
    );
    assert_eq!(ex.item_matches, 50);
    assert_eq!(ex.items.len(), 50, "{:?}", ex.warnings);
    let times: Vec<_> = ex.items.iter().map(|i| i.published_at).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");

    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("2148/1"));
    assert_eq!(first.author.as_deref(), Some("Elliot"));
    assert_eq!(first.published_at, Some(utc("2026-01-21T23:29:42.524Z")));
    assert_eq!(
        first.url.as_deref(),
        Some(format!("{site}/t/people-being-bad-at-logic/2148/1").as_str())
    );
    assert_eq!(
        first.thread_url.as_deref(),
        Some(format!("{site}/t/people-being-bad-at-logic/2148").as_str())
    );
    assert_eq!(first.title.as_deref(), Some("People Being Bad at Logic"));

    let second = &ex.items[1];
    assert_eq!(second.id.as_deref(), Some("2144/31"));
    assert_eq!(second.author.as_deref(), Some("ActiveMind"));
    assert_eq!(
        second.url.as_deref(),
        Some(format!("{site}/t/kpop-demon-hunters/2144/31").as_str())
    );
    assert_eq!(second.reply_to.as_deref(), Some("2144/28"));
    assert_eq!(quoted(second), [Some("anonymous105"); 3]);
}
