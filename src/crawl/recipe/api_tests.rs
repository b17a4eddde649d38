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

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn reddit_comment_tree_small_with_its_reply() {
    let ex = run(
        "reddit-comments",
        "html/reddit/redditdev_2gmzqe_comments.json",
        "https://www.reddit.com/comments/2gmzqe.json",
    );
    assert_eq!(ex.items.len(), 2, "{:?}", ex.warnings);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    let thread = "https://www.reddit.com/r/redditdev/comments/2gmzqe/";
    let top = &ex.items[0];
    assert_eq!(top.id.as_deref(), Some("t1_cklfmye"));
    assert_eq!(top.author.as_deref(), Some("paneer_burrito"));
    assert_eq!(top.published_at, Some(utc("2014-09-18T01:51:52Z")));
    assert_eq!(
        top.url.as_deref(),
        Some(format!("{thread}_/cklfmye/").as_str())
    );
    assert_eq!(top.thread_url.as_deref(), Some(thread));
    assert!(top.body.starts_with(
        "Quick question: I remember reading about an issue where the proxy settings for https requests"
    ));
    // A top-level comment answers the post.
    assert_eq!(top.reply_to.as_deref(), Some("t3_2gmzqe"));

    let reply = &ex.items[1];
    assert_eq!(reply.id.as_deref(), Some("t1_cklhv0f"));
    assert_eq!(reply.author.as_deref(), Some("bboe"));
    assert_eq!(reply.published_at, Some(utc("2014-09-18T03:13:54Z")));
    assert!(
        reply
            .body
            .starts_with("Yes it does. That fix is also in the master branch")
    );
    assert_eq!(reply.reply_to.as_deref(), Some("t1_cklfmye"));
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn reddit_comment_tree_large_nested_with_more_stubs() {
    let ex = run(
        "reddit-comments",
        "html/reddit/funny_3hahrw_comments.json",
        "https://www.reddit.com/comments/3hahrw.json",
    );
    // 476 comments; the 18 `more` stubs have no body and are not items (nor warnings).
    assert_eq!(ex.item_matches, 476);
    assert_eq!(ex.items.len(), 476);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    let top = ex
        .items
        .iter()
        .filter(|i| i.reply_to.as_deref() == Some("t3_3hahrw"))
        .count();
    // The README's 138 top-level entries are 137 comments and the top-level `more` stub.
    assert_eq!(top, 137);
    let deleted = ex
        .items
        .iter()
        .filter(|i| i.author.as_deref() == Some("[deleted]"))
        .count();
    assert_eq!(deleted, 16);

    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("t1_cu5pebp"));
    assert_eq!(first.author.as_deref(), Some("johnnwho"));
    assert_eq!(first.published_at, Some(utc("2015-08-17T08:45:51Z")));
    assert_eq!(
        first.body,
        "Man I am glad there isn't someone on a drum set every time I fall over."
    );
    // Depth first: its first reply comes right after it.
    let reply = &ex.items[1];
    assert_eq!(reply.id.as_deref(), Some("t1_cu5sye5"));
    assert_eq!(reply.author.as_deref(), Some("Lommo97"));
    assert_eq!(reply.published_at, Some(utc("2015-08-17T12:35:08Z")));
    assert_eq!(reply.reply_to.as_deref(), Some("t1_cu5pebp"));
    assert!(reply.body.starts_with(
        "Better than being a fat guy and getting followed around with a Tuba all day."
    ));
    assert_eq!(
        reply.url.as_deref(),
        Some("https://www.reddit.com/r/funny/comments/3hahrw/_/cu5sye5/")
    );
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn reddit_search_listings_and_the_after_cursor() {
    let at = "https://oauth.reddit.com/r/all/search/?q=praw+oauth+search";
    let ex = run(
        "reddit-search",
        "html/reddit/search_all_praw_oauth_search.json",
        at,
    );
    assert_eq!(ex.items.len(), 6, "{:?}", ex.warnings);
    assert_eq!(ex.next_page, None, "`after` is null");
    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("t3_3gpbiu"));
    assert_eq!(first.author.as_deref(), Some("dClauzel"));
    assert_eq!(first.published_at, Some(utc("2015-08-12T09:08:34Z")));
    assert_eq!(
        first.url.as_deref(),
        Some(
            "https://www.reddit.com/r/redditdev/comments/3gpbiu/prawoauth2util_problem_using_get_banned_raise/?ref=search_posts"
        )
    );
    assert_eq!(
        first.title.as_deref(),
        Some("[PRAW][OAuth2Util] Problem using get_banned() : raise Forbidden(_raw=response)")
    );
    assert_eq!(ex.items[1].id.as_deref(), Some("t3_3x4kt2"));
    assert_eq!(ex.items[1].author.as_deref(), Some("GrinningMouth38"));
    assert_eq!(ex.items[1].published_at, Some(utc("2015-12-16T21:03:06Z")));
    let last = &ex.items[5];
    assert_eq!(last.id.as_deref(), Some("t3_4at068"));
    assert_eq!(last.author.as_deref(), Some("nmtake"));
    assert_eq!(last.published_at, Some(utc("2016-03-17T13:33:54Z")));
    assert_eq!(
        last.title.as_deref(),
        Some("たびたび話題になるサイドバーの閲覧中ユーザ数について（また）調べた")
    );

    let at = "https://www.reddit.com/r/all/search.json?q=test&after=t3_old";
    let ex = run(
        "reddit-search",
        "html/reddit/search_posts_go-reddit_2020.json",
        at,
    );
    assert_eq!(ex.items.len(), 2, "{:?}", ex.warnings);
    // The cursor replaces the page's own `after`.
    assert_eq!(
        ex.next_page.map(|u| u.to_string()).as_deref(),
        Some("https://www.reddit.com/r/all/search.json?q=test&after=t3_hmwhd7")
    );
    let a = &ex.items[0];
    assert_eq!(a.id.as_deref(), Some("t3_hybow9"));
    assert_eq!(a.author.as_deref(), Some("chocolat_ice_cream"));
    assert_eq!(a.published_at, Some(utc("2020-07-26T18:14:24Z")));
    assert_eq!(
        a.url.as_deref(),
        Some("https://www.reddit.com/r/WatchPeopleDieInside/comments/hybow9/pregnancy_test/")
    );
    assert_eq!(a.title.as_deref(), Some("Pregnancy test"));
    let b = &ex.items[1];
    assert_eq!(b.id.as_deref(), Some("t3_hmwhd7"));
    assert_eq!(b.author.as_deref(), Some("Jeremy_Martin"));
    assert_eq!(b.published_at, Some(utc("2020-07-07T15:19:42Z")));
    assert_eq!(
        b.title.as_deref(),
        Some("Brazilian president Jair Bolsonaro tests positive for coronavirus")
    );
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn hacker_news_firebase_story_and_comment() {
    let story = run(
        "hn-item",
        "html/hackernews/firebase_v0_item_14516538.json",
        "https://hacker-news.firebaseio.com/v0/item/14516538.json",
    );
    assert_eq!(story.items.len(), 1, "{:?}", story.warnings);
    let s = &story.items[0];
    assert_eq!(s.id.as_deref(), Some("14516538"));
    assert_eq!(s.author.as_deref(), Some("vkb"));
    assert_eq!(s.published_at, Some(utc("2017-06-08T19:32:12Z")));
    assert_eq!(
        s.title.as_deref(),
        Some("What are we doing about Facebook, Google, and the closed internet?")
    );
    assert_eq!(
        s.url.as_deref(),
        Some("https://news.ycombinator.com/item?id=14516538")
    );
    // Entities decoded: `I&#x27;ve` is "I've".
    assert!(s.body.starts_with(
        "There have been many, many posts about how toxic advertising and Facebook are (I've written many myself[1][2][3])"
    ), "{}", s.body);
    assert_eq!(s.reply_to, None);

    let comment = run(
        "hn-item",
        "html/hackernews/firebase_v0_item_14516923.json",
        "https://hacker-news.firebaseio.com/v0/item/14516923.json",
    );
    let c = &comment.items[0];
    assert_eq!(c.id.as_deref(), Some("14516923"));
    assert_eq!(c.author.as_deref(), Some("aaronpk"));
    assert_eq!(c.published_at, Some(utc("2017-06-08T20:23:20Z")));
    assert_eq!(c.reply_to.as_deref(), Some("14516538"));
    assert!(
        c.body.starts_with(
            "I am a member of the W3C Social Web Working Group (https://www.w3.org/wiki/Socialwg)"
        ),
        "{}",
        c.body
    );
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn bluesky_search_builds_the_web_link_and_follows_the_cursor() {
    let ex = run(
        "bluesky-search",
        "html/bluesky/searchPosts_q-redistricting.json",
        "https://bsky.social/xrpc/app.bsky.feed.searchPosts?q=redistricting",
    );
    assert_eq!(ex.items.len(), 25, "{:?}", ex.warnings);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert_eq!(
        ex.next_page.map(|u| u.to_string()).as_deref(),
        Some("https://bsky.social/xrpc/app.bsky.feed.searchPosts?q=redistricting&cursor=25")
    );
    assert_eq!(ex.items.iter().filter(|i| i.reply_to.is_some()).count(), 12);

    let first = &ex.items[0];
    assert_eq!(
        first.id.as_deref(),
        Some("at://did:plc:kkergqgbhb56ptpwj2wenkje/app.bsky.feed.post/3lpk2u6qo222m")
    );
    assert_eq!(first.author.as_deref(), Some("socpaperbot.bsky.social"));
    assert_eq!(first.published_at, Some(utc("2025-05-19T17:10:09.561858Z")));
    assert_eq!(
        first.url.as_deref(),
        Some("https://bsky.app/profile/socpaperbot.bsky.social/post/3lpk2u6qo222m")
    );
    assert!(first.body.starts_with(
        "Ends Versus Means: Public Opinion on Congressional Redistricting https://osf.io/v87fn"
    ));

    let second = &ex.items[1];
    assert_eq!(second.author.as_deref(), Some("cjtackett.bsky.social"));
    assert_eq!(second.published_at, Some(utc("2025-05-19T17:08:27.677Z")));
    assert_eq!(
        second.url.as_deref(),
        Some("https://bsky.app/profile/cjtackett.bsky.social/post/3lpk2r5h5ec2j")
    );
    assert!(
        second
            .body
            .starts_with("I dove into the RIDICULOUS op-ed sent into the Fort Worth Star Telegram")
    );

    let last = &ex.items[24];
    assert_eq!(last.author.as_deref(), Some("mcpli.bsky.social"));
    assert_eq!(last.published_at, Some(utc("2025-05-19T00:16:50.191Z")));
    assert_eq!(
        last.url.as_deref(),
        Some("https://bsky.app/profile/mcpli.bsky.social/post/3lpica7sxmk2u")
    );
    assert!(last.body.starts_with(
        "The plaintiffs in the Texas redistricting cases have filed a joint list of the witnesses"
    ));
}

/// The `link:` line of a saved `.headers.txt`.
fn link_header(relative: &str) -> String {
    let text = std::fs::read_to_string(crate::corpora::corpus(relative)).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("link: "))
        .expect("a link header")
        .to_string()
}

fn mastodon(file: &str, at: &str) -> super::Extraction {
    let body = super::forum_tests::page(&format!("html/mastodon/{file}.json"));
    let header = link_header(&format!("html/mastodon/{file}.headers.txt"));
    super::forum_tests::builtin("mastodon-statuses").extract_response(
        &body,
        &super::forum_tests::url(at),
        Some(&header),
        super::forum_tests::now(),
        chrono_tz::UTC,
    )
}

const TAG: &str = "http://localhost:3000/api/v1/timelines/tag/fgiztsshwiaqqiztpmmjbtvmescsculuvmgjgopwoeidbcrixp?limit=10";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn mastodon_tag_timeline_pages_through_the_link_header() {
    let ex = mastodon("tag_timeline_page1", TAG);
    assert_eq!(ex.items.len(), 10, "{:?}", ex.warnings);
    assert_eq!(
        ex.next_page.map(|u| u.to_string()),
        Some(format!("{TAG}&max_id=117020581339834938"))
    );
    assert!(ex.items.iter().all(|i| i.reply_to.is_none()));
    assert!(
        ex.items
            .iter()
            .all(|i| i.author.as_deref() == Some("mastodonpy_test_2"))
    );
    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("117020581413876942"));
    assert_eq!(first.published_at, Some(utc("2026-08-01T13:52:47.767Z")));
    assert_eq!(
        first.url.as_deref(),
        Some("http://localhost:3000/@mastodonpy_test_2/117020581413876942")
    );
    assert_eq!(
        first.body,
        "Toot number 29! #fgiztsshwiaqqiztpmmjbtvmescsculuvmgjgopwoeidbcrixp"
    );
    assert_eq!(ex.items[1].id.as_deref(), Some("117020581405627701"));
    assert_eq!(
        ex.items[1].published_at,
        Some(utc("2026-08-01T13:52:47.641Z"))
    );
    assert!(ex.items[1].body.starts_with("Toot number 28! "));
    assert_eq!(ex.items[9].id.as_deref(), Some("117020581339834938"));
    assert!(ex.items[9].body.starts_with("Toot number 20! "));

    let page2 = mastodon(
        "tag_timeline_page2",
        &format!("{TAG}&max_id=117020581339834938"),
    );
    assert_eq!(page2.items.len(), 10);
    assert_eq!(page2.items[0].id.as_deref(), Some("117020581331681768"));
    assert!(page2.items[0].body.starts_with("Toot number 19! "));
    assert_eq!(page2.items[9].id.as_deref(), Some("117020581259486622"));
    assert!(page2.items[9].body.starts_with("Toot number 10! "));
    assert_eq!(
        page2.next_page.map(|u| u.to_string()),
        Some(format!("{TAG}&max_id=117020581259486622"))
    );
    // Without the header there is no next page: it is not in the body.
    let body = super::forum_tests::page("html/mastodon/tag_timeline_page1.json");
    let bare = super::forum_tests::builtin("mastodon-statuses").extract(
        &body,
        &super::forum_tests::url(TAG),
        super::forum_tests::now(),
        chrono_tz::UTC,
    );
    assert_eq!(bare.next_page, None);
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn mastodon_public_timeline_search_and_empty_context() {
    let public = "http://localhost:3000/api/v1/timelines/public";
    let ex = mastodon("public_timeline", public);
    assert_eq!(ex.items.len(), 8, "{:?}", ex.warnings);
    assert_eq!(
        ex.next_page.map(|u| u.to_string()),
        Some(format!("{public}?max_id=117020574694606796"))
    );
    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("117020593378945190"));
    assert_eq!(first.author.as_deref(), Some("mastodonpy_test_2"));
    assert_eq!(first.published_at, Some(utc("2026-08-01T13:55:50.338Z")));
    assert_eq!(first.body, "Toot, finally!");
    let second = &ex.items[1];
    assert_eq!(second.id.as_deref(), Some("117020592137523525"));
    assert_eq!(second.author.as_deref(), Some("admin"));
    assert_eq!(second.published_at, Some(utc("2026-08-01T13:55:31.396Z")));
    assert_eq!(second.body, "you can't say that on television");
    assert_eq!(ex.items[7].id.as_deref(), Some("117020574694606796"));
    assert_eq!(ex.items[7].author.as_deref(), Some("admin"));
    assert_eq!(ex.items[7].body, "I have never stolen a ham in my life.");

    // Accounts only, no statuses: nothing to read, and no error.
    let search = run(
        "mastodon-search",
        "html/mastodon/search_v2_accounts.json",
        "http://localhost:3000/api/v2/search?q=mastodonpy_test",
    );
    assert_eq!((search.item_matches, search.items.len()), (0, 0));
    assert!(search.warnings.is_empty(), "{:?}", search.warnings);

    // `/context` has `descendants`: a recipe pointing there reads nothing from an empty thread.
    let context = super::Recipe::from_toml(
        "context.toml",
        &super::forum_tests::builtin_text("mastodon-statuses")
            .replace("items = \"\"", "items = \"/descendants\""),
    )
    .expect("valid recipe");
    let ex = context.extract(
        &super::forum_tests::page("html/mastodon/status_context_empty.json"),
        &super::forum_tests::url(
            "http://localhost:3000/api/v1/statuses/117020585487094447/context",
        ),
        super::forum_tests::now(),
        chrono_tz::UTC,
    );
    assert_eq!((ex.item_matches, ex.items.len()), (0, 0));
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn wordpress_rest_comments_with_parent_as_reply_to() {
    let ex = run(
        "wordpress-comments",
        "html/wordpress/unitingnc_wp-json_wp_v2_comments.json",
        "https://www.unitingnc.org/wp-json/wp/v2/comments",
    );
    assert_eq!(ex.items.len(), 10, "{:?}", ex.warnings);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    // All `parent` 0: top-level comments answer no other comment.
    assert!(ex.items.iter().all(|i| i.reply_to.is_none()));
    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("7927"));
    assert_eq!(first.author.as_deref(), Some("Claudette Werleigh"));
    // `date_gmt` 2017-02-04T09:10:11 (`date` is the site's local time, US Eastern).
    assert_eq!(first.published_at, Some(utc("2017-02-04T09:10:11Z")));
    assert_eq!(
        first.url.as_deref(),
        Some("https://www.unitingnc.org/2012/02/the-questions-that-move-us-forward/#comment-7927")
    );
    assert_eq!(
        first.thread_url.as_deref(),
        Some("https://www.unitingnc.org/?p=1404")
    );
    assert!(
        first
            .body
            .starts_with("I had heard about Mount Olive but I had not read the facts until now.")
    );
    let dani = &ex.items[8];
    assert_eq!(dani.id.as_deref(), Some("909"));
    assert_eq!(dani.author.as_deref(), Some("Dani"));
    assert_eq!(dani.published_at, Some(utc("2012-10-07T14:54:15Z")));
    assert_eq!(
        dani.url.as_deref(),
        Some("https://www.unitingnc.org/2012/10/international-festival/#comment-909")
    );
    assert_eq!(
        dani.thread_url.as_deref(),
        Some("https://www.unitingnc.org/?p=1622")
    );
    assert_eq!(dani.body, "Great video! Loved seeing all those smiles.");
    let last = &ex.items[9];
    assert_eq!(last.id.as_deref(), Some("741"));
    assert_eq!(last.author.as_deref(), Some("wahaj d ahmad"));
    assert_eq!(last.published_at, Some(utc("2012-03-03T11:51:55Z")));
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn wordpress_per_post_comments_feed() {
    let bytes = std::fs::read(crate::corpora::corpus(
        "html/wordpress/unitingnc_2016-06_welcome-to-the-podcast_feed.xml",
    ))
    .unwrap();
    let at =
        super::forum_tests::url("https://www.unitingnc.org/2016/06/welcome-to-the-podcast/feed/");
    let parsed = crate::crawl::feed::parse_feed(&bytes, None, &at, super::forum_tests::now())
        .expect("an RSS feed");
    assert_eq!(parsed.items.len(), 1);
    let c = &parsed.items[0];
    assert_eq!(c.title.as_deref(), Some("By: BethBrowneBooks"));
    assert_eq!(c.author.as_deref(), Some("BethBrowneBooks"));
    assert_eq!(c.published_at, Some(utc("2016-06-30T15:42:28Z")));
    assert_eq!(
        c.url.as_deref(),
        Some("https://www.unitingnc.org/2016/06/welcome-to-the-podcast/#comment-6459")
    );
    assert_eq!(
        c.body,
        "Absolutely love this, and Francisco and Uniting NC!"
    );
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn bluesky_thread_without_replies_is_its_one_post() {
    let ex = run(
        "bluesky-thread",
        "html/bluesky/getPostThread_3k7qmjev5lr2s.json",
        "https://bsky.social/xrpc/app.bsky.feed.getPostThread?uri=at%3A%2F%2Fdid%3Aplc%3Aic6zqvuw5ulmfpjiwnhsr2ns%2Fapp.bsky.feed.post%2F3k7qmjev5lr2s",
    );
    assert_eq!(ex.item_matches, 1, "{:?}", ex.warnings);
    let post = &ex.items[0];
    assert_eq!(post.author.as_deref(), Some("soubhikbarari.bsky.social"));
    assert_eq!(post.published_at, Some(utc("2023-09-19T11:32:54.574Z")));
    assert_eq!(
        post.url.as_deref(),
        Some("https://bsky.app/profile/soubhikbarari.bsky.social/post/3k7qmjev5lr2s")
    );
    assert!(
        post.body
            .starts_with("Excited to be a speaker for the\n@rstatsai conf on Oct 19 @Georgetown!"),
        "{:?}",
        post.body
    );
    // The record's "the \n@rstatsai": the space before the line break is dropped.
    assert_eq!(post.reply_to, None);
}
