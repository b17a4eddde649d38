use super::*;
use chrono_tz::Europe::Stockholm;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("test literal")
        .with_timezone(&Utc)
}

fn url(s: &str) -> Url {
    Url::parse(s).expect("test literal")
}

fn now() -> DateTime<Utc> {
    utc("2024-03-06T11:00:00Z")
}

fn builtin(name: &str) -> Recipe {
    Recipe::builtin(name).unwrap_or_else(|| {
        panic!(
            "built-in {name} must load: {:?}",
            Recipe::from_toml(name, builtin_text(name)).err()
        )
    })
}

fn builtin_text(name: &str) -> &'static str {
    BUILTINS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .unwrap_or("")
}

#[test]
fn all_builtins_load() {
    for name in Recipe::builtin_names() {
        let r = builtin(name);
        assert_eq!(
            r.name(),
            name,
            "a built-in recipe's file names it as it is listed"
        );
    }
    assert!(Recipe::builtin("nope").is_none());
    assert_eq!(builtin("flashback-thread").kind(), RecipeKind::Html);
    assert_eq!(builtin("flashback-thread").max_pages(), 3);
    assert_eq!(builtin("hn-algolia").kind(), RecipeKind::Json);
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn flashback_thread_page() {
    let bytes = std::fs::read(crate::corpora::corpus("html/flashback/sample_page.html")).unwrap();
    // The page's <meta> says ISO-8859-1 but the bytes are UTF-8: the charset module must cope.
    let page = crate::crawl::charset::decode_html(&bytes, None);
    let r = builtin("flashback-thread");
    let ex = r.extract(
        &page,
        &url("https://www.flashback.org/t50000"),
        now(),
        Stockholm,
    );
    assert_eq!(ex.item_matches, 5, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 5);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert_eq!(ex.next_page, None, "the thread has one page");
    let first = &ex.items[0];
    assert_eq!(
        first.title.as_deref(),
        Some("Dansk minister avvisar multikulti")
    );
    assert_eq!(
        first.thread_url.as_deref(),
        Some("https://www.flashback.org/t50000")
    );
    assert_eq!(
        first.url.as_deref(),
        Some("https://www.flashback.org/sp314812")
    );
    assert_eq!(first.author.as_deref(), Some("Ördög (old)"));
    assert_eq!(first.id.as_deref(), Some("post314812"));
    assert_eq!(first.published_at, Some(utc("2000-09-06T16:09:00Z")));
    assert!(
        first.body.contains("mycket läsvärd artikel"),
        "{}",
        first.body
    );
    assert!(
        !first.body.contains("vbmenu_register"),
        "script text leaked: {}",
        first.body
    );
    let authors: Vec<_> = ex
        .items
        .iter()
        .filter_map(|i| i.author.as_deref())
        .collect();
    assert_eq!(
        authors,
        [
            "Ördög (old)",
            "Anna (old)",
            "- Z - (old)",
            "Rac (old)",
            "Daler (old)"
        ]
    );
    assert!(
        ex.items
            .iter()
            .all(|i| i.published_at.is_some() && !i.body.is_empty())
    );
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn flashback_single_post() {
    let bytes = std::fs::read(crate::corpora::corpus("html/flashback/sample_post.html")).unwrap();
    let page = crate::crawl::charset::decode_html(&bytes, None);
    let ex = builtin("flashback-thread").extract(
        &page,
        &url("https://www.flashback.org/sp314812"),
        now(),
        Stockholm,
    );
    assert_eq!(ex.items.len(), 1);
    let post = &ex.items[0];
    assert_eq!(
        post.url.as_deref(),
        Some("https://www.flashback.org/sp314812")
    );
    assert_eq!(url(post.url.as_deref().unwrap_or("x:")).path(), "/sp314812");
    assert_eq!(post.published_at, Some(utc("2000-09-06T16:09:00Z")));
    assert_eq!(post.author.as_deref(), Some("Ördög (old)"));
    assert!(post.body.contains("mycket läsvärd artikel"));
    assert!(
        post.body.contains("\n"),
        "the <br>s must become line breaks: {:?}",
        post.body
    );
}

#[test]
fn flashback_relative_dates() {
    let page = r#"<html><body><a class="navbar-thread-title" href="/t1">Lyssna?</a>
      <table class="post" id="post1"><tr><td class="thead post-date">Idag, 09:15 <span>#<a id="postcount1" href="/sp1">1</a></span></td></tr>
      <tr><td><a class="bigusername" href="/u1">A</a><div class="post_message">Hej</div></td></tr></table>
      <table class="post" id="post2"><tr><td class="thead post-date">Igår, 23:59 <span>#<a id="postcount2" href="/sp2">2</a></span></td></tr>
      <tr><td><a class="bigusername" href="/u2">B</a><div class="post_message">Hopp</div></td></tr></table></body></html>"#;
    let ex = builtin("flashback-thread").extract(
        page,
        &url("https://www.flashback.org/t1"),
        now(),
        chrono_tz::UTC,
    );
    let dates: Vec<_> = ex.items.iter().map(|i| i.published_at).collect();
    assert_eq!(
        dates,
        [
            Some(utc("2024-03-06T08:15:00Z")),
            Some(utc("2024-03-05T22:59:00Z"))
        ]
    );
}

#[test]
fn custom_html_recipe_all_field_kinds() {
    let toml = r#"
name = "generic"
kind = "html"
item = "div.post"
[fields]
title  = { select = "h1", scope = "page" }
link   = { select = "a.permalink" }
id     = { attr = "id" }
author = ".username"
body   = ".post_message"
date   = { select = ".post-date", timezone = "Europe/Stockholm" }
rating = { select = ".rating", attr = "data-score", scale = 5 }
thread = { select = "link[rel=canonical]", attr = "href", scope = "page" }
[pagination]
next = { select = "a[rel=next]" }
"#;
    let r = Recipe::from_toml("generic.toml", toml).expect("valid recipe");
    let page = include_str!("../../../tests/fixtures/pages/forum-generic.html");
    let ex = r.extract(
        page,
        &url("https://forum.example.se/t/99"),
        now(),
        chrono_tz::UTC,
    );
    assert_eq!(ex.item_matches, 3);
    assert_eq!(
        ex.items.len(),
        2,
        "the third post has no body or title: {:?}",
        ex.warnings
    );
    let a = &ex.items[0];
    assert_eq!(a.id.as_deref(), Some("p1"));
    assert_eq!(a.url.as_deref(), Some("https://forum.example.se/t/99#p1"));
    assert_eq!(
        a.thread_url.as_deref(),
        Some("https://forum.example.se/t/99")
    );
    assert_eq!(a.title.as_deref(), Some("Lyssna eller konkurrenten?"));
    assert_eq!(a.author.as_deref(), Some("Kalle"));
    assert_eq!(a.body, "Jag gillar Lyssna.\nBra pris!");
    assert_eq!(a.published_at, Some(utc("2024-03-06T08:15:00Z")));
    assert_eq!(
        a.rating,
        Some(crate::domain::item::Rating {
            value: 4.5,
            scale: 5.0
        })
    );
    // The unparseable date keeps the item and is reported with its text.
    assert_eq!(ex.items[1].published_at, None);
    assert!(
        ex.warnings
            .iter()
            .any(|w| w.contains("i förrgår klockan fem")),
        "{:?}",
        ex.warnings
    );
    assert!(
        ex.warnings.iter().any(|w| w.contains("item 3")),
        "{:?}",
        ex.warnings
    );
    assert_eq!(
        ex.next_page,
        Some(url("https://forum.example.se/t/99?page=2"))
    );
}

#[test]
fn wordpress_comments() {
    let page = include_str!("../../../tests/fixtures/pages/wp-comments.json");
    let ex = builtin("wordpress-comments").extract(
        page,
        &url("https://blogg.example.se/wp-json/wp/v2/comments?post=123"),
        now(),
        Stockholm,
    );
    assert_eq!(ex.item_matches, 2);
    let c = &ex.items[0];
    assert_eq!(c.id.as_deref(), Some("4711"));
    assert_eq!(c.author.as_deref(), Some("Karin L"));
    assert_eq!(
        c.body,
        "Vi bytte till Lyssna i januari – supporten svarar snabbt.\n\nRekommenderas!"
    );
    // date_gmt has no zone: the recipe says UTC, so the Stockholm default must not apply.
    assert_eq!(c.published_at, Some(utc("2024-03-05T13:22:00Z")));
    assert_eq!(
        c.url.as_deref(),
        Some("https://blogg.example.se/2024/03/byta-verktyg/#comment-4711")
    );
    assert_eq!(
        c.thread_url.as_deref(),
        Some("https://blogg.example.se/?p=123")
    );
    assert_eq!(ex.items[1].author.as_deref(), Some("Jonas & Co"));
    assert_eq!(ex.items[1].body, "Håller med, men priset är högt.");
}

#[test]
fn discourse_search() {
    let page = include_str!("../../../tests/fixtures/pages/discourse-search.json");
    let ex = builtin("discourse-search").extract(
        page,
        &url("https://forum.example.com/search.json?q=lyssna"),
        now(),
        Stockholm,
    );
    assert_eq!(ex.items.len(), 2);
    let p = &ex.items[0];
    assert_eq!(p.id.as_deref(), Some("90210"));
    assert_eq!(p.url.as_deref(), Some("https://forum.example.com/t/1234/4"));
    assert_eq!(
        p.thread_url.as_deref(),
        Some("https://forum.example.com/t/1234")
    );
    assert_eq!(p.author.as_deref(), Some("anna_s"));
    assert_eq!(
        p.body,
        "...we tried Lyssna for brand monitoring & it found posts our old tool missed..."
    );
    assert_eq!(p.published_at, Some(utc("2024-03-05T13:22:11.123Z")));
}

#[test]
fn reddit_search() {
    let page = include_str!("../../../tests/fixtures/pages/reddit-search.json");
    let ex = builtin("reddit-search").extract(
        page,
        &url("https://www.reddit.com/search.json?q=lyssna"),
        now(),
        Stockholm,
    );
    assert_eq!(ex.items.len(), 2);
    let p = &ex.items[0];
    assert_eq!(p.id.as_deref(), Some("t3_1b7abc1"));
    assert_eq!(
        p.url.as_deref(),
        Some("https://www.reddit.com/r/sweden/comments/1b7abc1/erfarenheter_av_lyssna/")
    );
    assert_eq!(p.title.as_deref(), Some("Erfarenheter av Lyssna?"));
    assert_eq!(
        p.body,
        "Någon som testat Lyssna? Verkar bra men jag undrar över priset & supporten."
    );
    assert_eq!(p.published_at, Some(utc("2024-03-05T13:22:00Z")));
    // A link post: no selftext, the title carries it.
    assert_eq!(ex.items[1].body, "");
    assert_eq!(ex.items[1].title.as_deref(), Some("Lyssna launches 1.0"));
}

#[test]
fn hn_algolia() {
    let page = include_str!("../../../tests/fixtures/pages/hn-algolia.json");
    let ex = builtin("hn-algolia").extract(
        page,
        &url("https://hn.algolia.com/api/v1/search_by_date?query=lyssna"),
        now(),
        Stockholm,
    );
    assert_eq!(ex.items.len(), 2);
    let c = &ex.items[0];
    assert_eq!(c.id.as_deref(), Some("39600123"));
    assert_eq!(
        c.url.as_deref(),
        Some("https://news.ycombinator.com/item?id=39600123")
    );
    assert_eq!(
        c.thread_url.as_deref(),
        Some("https://news.ycombinator.com/item?id=39600000")
    );
    assert_eq!(
        c.title.as_deref(),
        Some("Show HN: Self-hosted brand monitoring"),
        "comments fall back to story_title"
    );
    assert_eq!(
        c.body,
        "I run Lyssna at work.\n\nIt's quick to set up & cheap."
    );
    assert_eq!(c.published_at, Some(utc("2024-03-05T13:22:00Z")));
    assert_eq!(ex.items[1].body, "We built Lyssna.");
}

#[test]
fn schema_org_json_ld_and_microdata() {
    let page = include_str!("../../../tests/fixtures/pages/schema-org-reviews.html");
    let ex = builtin("schema-org").extract(
        page,
        &url("https://omdomen.example.se/lyssna"),
        now(),
        Stockholm,
    );
    let bodies: Vec<&str> = ex.items.iter().map(|i| i.body.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "Krånglig installation, men bra support.",
            "Fantastiskt verktyg!",
            "Funderar på att köpa.\n\nTips?",
            "Kör på det, den är bra."
        ],
        "the duplicate microdata review is dropped"
    );
    let r1 = &ex.items[0];
    assert_eq!(
        r1.id.as_deref(),
        Some("https://omdomen.example.se/lyssna#r1")
    );
    assert_eq!(
        r1.url.as_deref(),
        Some("https://omdomen.example.se/lyssna#r1")
    );
    assert_eq!(r1.author.as_deref(), Some("Maria K."));
    assert_eq!(r1.title.as_deref(), Some("Okej till slut"));
    assert_eq!(r1.published_at, Some(utc("2024-03-04T23:00:00Z")));
    assert_eq!(
        r1.rating,
        Some(crate::domain::item::Rating {
            value: 2.5,
            scale: 5.0
        })
    );
    assert_eq!(ex.items[1].rating.and_then(|r| r.normalised()), Some(1.0));
    let post = &ex.items[2];
    assert_eq!(post.title.as_deref(), Some("Någon som använt Lyssna?"));
    assert_eq!(post.author.as_deref(), Some("Olle"));
    assert_eq!(
        post.url.as_deref(),
        Some("https://omdomen.example.se/forum/t/42")
    );
    assert_eq!(post.published_at, Some(utc("2024-03-04T08:30:00Z")));
    let comment = &ex.items[3];
    assert_eq!(comment.author.as_deref(), Some("Lisa"));
    assert_eq!(comment.published_at, Some(utc("2024-03-04T09:00:00Z")));
    assert!(
        ex.warnings.iter().any(|w| w.contains("JSON-LD")),
        "the broken block is reported: {:?}",
        ex.warnings
    );
}

#[test]
fn schema_org_nested_comments_inherit_thread() {
    let page = r#"<script type="application/ld+json">[{"@type":"BlogPosting","url":"https://b.example/post","headline":"Inlägg","articleBody":"Text",
      "comment":[{"@type":"Comment","text":"Svar ett","author":{"name":"X"}},[{"@type":"Comment","text":"Svar två"}]]}]</script>"#;
    let ex =
        builtin("schema-org").extract(page, &url("https://b.example/post?x"), now(), Stockholm);
    assert_eq!(ex.items.len(), 3);
    assert_eq!(
        ex.items[1].thread_url.as_deref(),
        Some("https://b.example/post")
    );
    assert_eq!(ex.items[2].body, "Svar två");
}

#[test]
fn validation_reports_file_line_and_selector() {
    let toml = "name = \"bad\"\nkind = \"html\"\nitem = \"div..post\"\n\n[fields]\nbody = \".msg\"\ntitel = \"h1\"\ndate = { select = \"time\", fromat = \"%Y\" }\n";
    let err = Recipe::from_toml("recipes/bad.toml", toml).expect_err("invalid");
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with(
            "recipes/bad.toml:3: `item` = \"div..post\" is not a CSS selector: a `.` must be followed by a class name, as in `.post`"
        ),
        "{text}"
    );
    assert!(
        lines[1].starts_with(
            "recipes/bad.toml:7: unknown field `titel` (did you mean `title`?); valid fields: id, link, title"
        ),
        "{text}"
    );
    assert!(lines[2].starts_with("recipes/bad.toml:8: unknown key `fromat` in `fields.date` (did you mean `format`?); valid keys for a html recipe: select, attr, scope, format"), "{text}");
}

#[test]
fn validation_of_json_recipes() {
    let toml = "name = \"j\"\nkind = \"json\"\nitems = \"data\"\n[fields]\ntitle = \"/t~2\"\nbody = { select = \"p\" }\nlink = { template = \"/x/{/id\" }\n";
    let err = Recipe::from_toml("j.toml", toml)
        .expect_err("invalid")
        .to_string();
    assert!(
        err.contains("j.toml:3: invalid JSON pointer \"data\" in `items`"),
        "{err}"
    );
    assert!(
        err.contains("j.toml:5: invalid JSON pointer \"/t~2\" in `fields.title`"),
        "{err}"
    );
    assert!(err.contains("j.toml:6: unknown key `select` in `fields.body`; valid keys for a json recipe: path, template"), "{err}");
    assert!(
        err.contains("j.toml:7: template \"/x/{/id\" in `fields.link` has an unclosed `{`"),
        "{err}"
    );
}

#[test]
fn validation_of_structure() {
    let cases: &[(&str, &str)] = &[
        (
            "kind = \"html\"\nitem = \"p\"\n[fields]\nbody = \"p\"\n",
            "missing `name`",
        ),
        (
            "name = \"x\"\nkind = \"xml\"\nitem = \"p\"\n[fields]\nbody = \"p\"\n",
            "x.toml:2: `kind = \"xml\"` is not a recipe kind",
        ),
        (
            "name = \"x\"\nkind = \"html\"\n[fields]\nbody = \"p\"\n",
            "missing `item = \"div.post\"`",
        ),
        (
            "name = \"x\"\nkind = \"html\"\nitem = \"p\"\n[fields]\nauthor = \"p\"\n",
            "x.toml:4: a recipe needs at least `body` or `title`",
        ),
        (
            "name = \"x\"\nkind = \"html\"\nitem = \"p\"\nfoo = 1\n[fields]\nbody = \"p\"\n",
            "x.toml:4: unknown key `foo`; valid keys: name, kind, item",
        ),
        (
            "name = \"x\"\nkind = \"html\"\nitem = \"p\"\n[fields]\nbody = \"p\"\ndate = { select = \"t\", timezone = \"Mars/Olympus\" }\n",
            "x.toml:6: unknown time zone \"Mars/Olympus\"",
        ),
        (
            "name = \"x\"\nkind = \"html\"\nitem = \"p\"\n[fields]\nbody = \"p\"\ndate = { select = \"t\", format = \"%Y-%Q\" }\n",
            "x.toml:6: invalid date format",
        ),
        (
            "name = \"x\"\nkind = \"html\"\nitem = \"p\"\n[fields]\nbody = \"p\"\nrating = { select = \"r\", scale = 0 }\n",
            "x.toml:6: `scale` in `fields.rating` must be a positive number",
        ),
        (
            "name = \"x\"\nkind = \"html\"\nitem = \"p\"\n[fields]\nbody = \"p\"\n[pagination]\nnext = \"a\"\nmax_pages = -1\n",
            "x.toml:8: `pagination.max_pages` must be a whole number",
        ),
        (
            "name = \"x\"\nkind = \"html\"\nitem = \"p\"\n[fields]\nbody = 3\n",
            "x.toml:5: `fields.body` must be a CSS selector string",
        ),
        (
            "name = \"x\"\nkind = \"html\"\nitem = \"p\"\n[fields\nbody = \"p\"\n",
            "x.toml:4: invalid TOML",
        ),
    ];
    for (toml, want) in cases {
        let err = Recipe::from_toml("x.toml", toml)
            .expect_err(want)
            .to_string();
        assert!(err.contains(want), "expected {want:?} in:\n{err}");
    }
}

#[test]
fn item_json_line_format() {
    let item = Item {
        id: Some("post1".into()),
        url: Some("https://f.example/sp1".into()),
        thread_url: None,
        title: None,
        author: Some("Ö".into()),
        published_at: Some(utc("2000-09-06T16:09:00Z")),
        body: "rad 1\nrad \"2\"".into(),
        rating: Some(crate::domain::item::Rating {
            value: 4.5,
            scale: 5.0,
        }),
        ..Item::default()
    };
    assert_eq!(
        item_json_line(&item),
        r#"{"id":"post1","url":"https://f.example/sp1","thread_url":null,"title":null,"author":"Ö","published_at":"2000-09-06T16:09:00Z","body":"rad 1\nrad \"2\"","rating":{"value":4.5,"scale":5.0},"quotes":[]}"#
    );
    let quoting = Item {
        reply_to: Some("7".into()),
        quotes: vec![crate::domain::item::Quote {
            author: None,
            text: "citerat".into(),
        }],
        ..Item::default()
    };
    assert!(
        item_json_line(&quoting)
            .ends_with(r#""reply_to":"7","quotes":[{"author":null,"text":"citerat"}]}"#),
        "{}",
        item_json_line(&quoting)
    );
    let empty = item_json_line(&Item::default());
    assert_eq!(
        empty,
        r#"{"id":null,"url":null,"thread_url":null,"title":null,"author":null,"published_at":null,"body":"","rating":null,"quotes":[]}"#
    );
}

#[test]
fn ratings() {
    let r = |s: &str, scale: Option<f64>| parse_rating(s, scale).map(|r| (r.value, r.scale));
    assert_eq!(r("4,5", None), Some((4.5, 5.0)));
    assert_eq!(r("4.5", Some(10.0)), Some((4.5, 10.0)));
    assert_eq!(r("Betyg: 3 av 5", None), Some((3.0, 5.0)));
    assert_eq!(r("8/10", None), Some((8.0, 10.0)));
    assert_eq!(r("4 of 5 stars", None), Some((4.0, 5.0)));
    assert_eq!(r("inget betyg", None), None);
    // Percentages, star glyphs and thumbs, the scales review sites use besides 5 and 10.
    assert_eq!(r("80 %", None), Some((80.0, 100.0)));
    assert_eq!(r("92%", Some(5.0)), Some((92.0, 100.0)));
    assert_eq!(r("★★★★☆", None), Some((4.0, 5.0)));
    assert_eq!(r("★★", None), Some((2.0, 5.0)));
    assert_eq!(r("👍", None), Some((1.0, 1.0)));
    assert_eq!(r("Recommended", None), Some((1.0, 1.0)));
    assert_eq!(r("Not recommended", None), Some((0.0, 1.0)));
    assert_eq!(r("Rekommenderas inte", None), Some((0.0, 1.0)));
    assert_eq!(r("👎", None), Some((0.0, 1.0)));
}

#[test]
fn hostile_pages_do_not_panic() {
    let html = Recipe::from_toml(
        "h",
        "name=\"h\"\nkind=\"html\"\nitem=\"div\"\n[fields]\nbody=\"p\"\ndate=\"time\"\n",
    )
    .expect("valid");
    let json = builtin("reddit-search");
    let schema = builtin("schema-org");
    let deep = "<div>".repeat(40_000);
    let deep_json = "[".repeat(10_000);
    let huge_attr = format!("<div data-x=\"{}\"><p>x</p></div>", "a".repeat(1_000_000));
    let inputs = [
        "",
        " ",
        "<",
        "\u{FFFD}\u{0}",
        "null",
        "{}",
        "[]",
        "{\"data\":{\"children\":[1,null,\"x\",{}]}}",
        &deep,
        &deep_json,
        &huge_attr,
    ];
    let u = url("https://x.example/");
    for page in inputs {
        for r in [&html, &json, &schema] {
            let ex = r.extract(page, &u, now(), Stockholm);
            assert!(ex.items.len() <= ex.item_matches.max(1) * 2);
        }
    }
    let ex = html.extract(&deep, &u, now(), Stockholm);
    assert!(!ex.warnings.is_empty());
    let ex = html.extract(&huge_attr, &u, now(), Stockholm);
    assert_eq!(ex.items.len(), 1);
}

#[test]
fn attr_lists_take_the_first_attribute_the_element_has() {
    let toml = r#"
name = "two-layouts"
kind = "html"
item = "article, li.message"
[fields]
id   = { attr = ["data-content", "id"] }
body = "div.text"
"#;
    let r = Recipe::from_toml("two.toml", toml).expect("valid recipe");
    let page = r#"<article data-content="post-1" id="js-post-1"><div class="text">new</div></article>
        <li class="message" id="post-2"><div class="text">old</div></li>
        <article><div class="text">none</div></article>"#;
    let ex = r.extract(page, &url("https://f.example/t/1"), now(), Stockholm);
    let ids: Vec<Option<&str>> = ex.items.iter().map(|i| i.id.as_deref()).collect();
    assert_eq!(ids, [Some("post-1"), Some("post-2"), None]);

    for bad in ["[]", "3", "[\"id\", 4]", "\"\""] {
        let text = format!(
            "name = \"x\"\nkind = \"html\"\nitem = \"p\"\n[fields]\nbody = {{ select = \"p\", attr = {bad} }}\n"
        );
        let err = Recipe::from_toml("x.toml", &text).expect_err(bad);
        assert!(
            err.to_string().contains(
                "x.toml:5: `attr` in `fields.body` must be an attribute name or an array"
            ),
            "{bad}: {err}"
        );
    }
}

#[test]
fn dates_read_a_title_attribute_before_a_text_that_is_only_the_day() {
    let toml = r#"
name = "xf1"
kind = "html"
item = "li"
[fields]
body = "p"
date = "span.DateTime"
"#;
    let r = Recipe::from_toml("xf1.toml", toml).expect("valid recipe");
    let page = r#"<ul><li><p>a</p><span class="DateTime" title="Oct 30, 2014 at 10:48 PM">Oct 30, 2014</span></li>
        <li><p>b</p><span class="DateTime" title="Permalink">2014-10-31 08:00</span></li></ul>"#;
    let ex = r.extract(page, &url("https://f.example/t/1"), now(), chrono_tz::UTC);
    assert_eq!(ex.items[0].published_at, Some(utc("2014-10-30T22:48:00Z")));
    // A title that is no date leaves the text to be read.
    assert_eq!(ex.items[1].published_at, Some(utc("2014-10-31T08:00:00Z")));
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
}

#[test]
fn links_resolve_against_the_base_href() {
    let toml = r#"
name = "based"
kind = "html"
item = "div.post"
[fields]
link = "a"
body = "p"
[pagination]
next = { select = "a[rel=next]" }
"#;
    let r = Recipe::from_toml("based.toml", toml).expect("valid recipe");
    let page = r#"<html><head><base href="https://forum.example/"></head><body>
        <div class="post"><a href="showthread.php/9-x?p=1#post1">#1</a><p>hej</p></div>
        <a rel="next" href="showthread.php/9-x/page2">next</a></body></html>"#;
    let at = url("https://forum.example/showthread.php/9-x");
    let ex = r.extract(page, &at, now(), Stockholm);
    assert_eq!(
        ex.items[0].url.as_deref(),
        Some("https://forum.example/showthread.php/9-x?p=1#post1")
    );
    assert_eq!(
        ex.next_page,
        Some(url("https://forum.example/showthread.php/9-x/page2"))
    );
    // Without a base, the same links are relative to the page.
    let ex = r.extract(
        &page.replace("<base href=\"https://forum.example/\">", ""),
        &at,
        now(),
        Stockholm,
    );
    assert_eq!(
        ex.items[0].url.as_deref(),
        Some("https://forum.example/showthread.php/showthread.php/9-x?p=1#post1")
    );
}

#[test]
fn json_templates_filter_and_fall_back_after_paths() {
    let toml = r#"
name = "tree"
kind = "json"
items = "/list"
children = "/replies"
items_with = "/text"
[fields]
id   = "/uri"
link = { path = "/permalink", template = "/profile/{/handle}/post/{/uri|after:/}", prefix = "https://bsky.example" }
body = "/text"
[pagination]
next = { path = "/cursor", param = "cursor" }
"#;
    let r = Recipe::from_toml("tree.toml", toml).expect("valid recipe");
    let doc = r#"{"cursor": "c2", "list": [
        {"uri": "at://did:plc:a/app.bsky.feed.post/K1", "handle": "a.example", "text": "one",
         "replies": [{"uri": "at://did:plc:b/app.bsky.feed.post/K2", "handle": "b.example", "text": "two",
                      "replies": [{"uri": "x", "permalink": "/own/link", "text": "three"}]}]},
        {"uri": "stub", "replies": [{"uri": "K5", "handle": "e.example", "text": "under a stub"}]},
        {"uri": "K4", "handle": "d.example", "text": "four"}]}"#;
    let at = url("https://api.example/search?q=lyssna&cursor=c1");
    let ex = r.extract(doc, &at, now(), Stockholm);
    let got: Vec<(&str, &str)> = ex
        .items
        .iter()
        .map(|i| (i.body.as_str(), i.url.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        got,
        [
            ("one", "https://bsky.example/profile/a.example/post/K1"),
            ("two", "https://bsky.example/profile/b.example/post/K2"),
            // A path that has a value wins over the template.
            ("three", "https://bsky.example/own/link"),
            // A stub without `text` is no item, but what nests under it is.
            (
                "under a stub",
                "https://bsky.example/profile/e.example/post/K5"
            ),
            // No `/` in the value: `after:` keeps it whole.
            ("four", "https://bsky.example/profile/d.example/post/K4"),
        ]
    );
    assert_eq!(ex.item_matches, 5);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    // The cursor replaces the page's own.
    assert_eq!(
        ex.next_page,
        Some(url("https://api.example/search?q=lyssna&cursor=c2"))
    );
    let last_page = doc.replace("\"cursor\": \"c2\", ", "");
    assert_eq!(r.extract(&last_page, &at, now(), Stockholm).next_page, None);
}

#[test]
fn json_next_page_from_the_link_header() {
    let toml = r#"
name = "toots"
kind = "json"
items = ""
[fields]
body = "/content"
[pagination]
next = { link_rel = "next" }
prev = { link_rel = "prev" }
"#;
    let r = Recipe::from_toml("toots.toml", toml).expect("valid recipe");
    let at = url("https://social.example/api/v1/timelines/public");
    let header = "<https://social.example/api/v1/timelines/public?max_id=1>; rel=\"next\", \
                  <https://social.example/api/v1/timelines/public?min_id=9>; rel=\"prev\"";
    let ex = r.extract_response(
        r#"[{"content": "<p>hej</p>"}]"#,
        &at,
        Some(header),
        now(),
        Stockholm,
    );
    assert_eq!(ex.items[0].body, "hej");
    assert_eq!(
        ex.next_page,
        Some(url(
            "https://social.example/api/v1/timelines/public?max_id=1"
        ))
    );
    assert_eq!(
        ex.prev_page,
        Some(url(
            "https://social.example/api/v1/timelines/public?min_id=9"
        ))
    );
    assert_eq!(
        json::link_header_target("</p/2>; title=\"a, b\"; rel=\"last next\"", "next").as_deref(),
        Some("/p/2")
    );
    assert_eq!(json::link_header_target("</p/2>; rel=prev", "next"), None);
    assert_eq!(json::link_header_target("garbage, <unclosed", "next"), None);
}

#[test]
fn json_items_may_be_one_object() {
    let toml = "name = \"one\"\nkind = \"json\"\nitems = \"\"\n[fields]\nid = \"/id\"\nbody = \"/text\"\nreply_to = \"/parent\"\n";
    let r = Recipe::from_toml("one.toml", toml).expect("valid recipe");
    let ex = r.extract(
        r#"{"id": 2, "parent": 1, "text": "svar"}"#,
        &url("https://hn.example/v0/item/2.json"),
        now(),
        Stockholm,
    );
    assert_eq!(ex.item_matches, 1);
    assert_eq!(ex.items[0].id.as_deref(), Some("2"));
    assert_eq!(ex.items[0].reply_to.as_deref(), Some("1"));
    let ex = r.extract("\"text\"", &url("https://hn.example/x"), now(), Stockholm);
    assert!(
        ex.warnings[0].contains("does not point at an array or an object"),
        "{:?}",
        ex.warnings
    );
}

#[test]
fn json_pagination_and_template_keys_are_checked() {
    let bad = r#"
name = "bad"
kind = "json"
items = "/x"
children = 3
[fields]
body = "/text"
link = { template = "/p/{/id|before:_}" }
id   = { path = "/id", param = "page" }
[pagination]
next = { link_rel = "next" }
"#;
    let err = Recipe::from_toml("bad.toml", bad).expect_err("invalid");
    let text = err.to_string();
    assert!(
        text.contains("bad.toml:5: `children` must be a string"),
        "{text}"
    );
    assert!(
        text.contains("bad.toml:8: template \"/p/{/id|before:_}\" in `fields.link`: unknown filter `|before:_`"),
        "{text}"
    );
    assert!(
        text.contains(
            "bad.toml:9: `param` in `fields.id`: only the [pagination] links take `param`"
        ),
        "{text}"
    );
    assert_eq!(err.problems.len(), 3, "{text}");
    let html = "name = \"h\"\nkind = \"html\"\nitem = \"p\"\nchildren = \"/r\"\nitems_with = \"/x\"\n[fields]\nbody = \"p\"\n";
    let err = Recipe::from_toml("h.toml", html).expect_err("children in html");
    let text = err.to_string();
    assert!(
        text.contains("h.toml:4: `children` is for JSON recipes"),
        "{text}"
    );
    assert!(
        text.contains("h.toml:5: `items_with` is for JSON recipes"),
        "{text}"
    );
}

#[test]
fn ancestor_scope_reads_the_enclosing_comment() {
    let toml = r#"
name = "threaded"
kind = "html"
item = "li.c"
[fields]
id       = { attr = "id" }
body     = "p"
reply_to = { select = "li.c", attr = "id", scope = "ancestor" }
"#;
    let r = Recipe::from_toml("threaded.toml", toml).expect("valid recipe");
    let page = r#"<ol><li class="c" id="c1"><p>top</p><ol><li class="c" id="c2"><p>reply</p>
        <ol><li class="c" id="c3"><p>deeper</p></li></ol></li></ol></li><li class="c" id="c4"><p>next</p></li></ol>"#;
    let ex = r.extract(page, &url("https://blog.example/p/"), now(), Stockholm);
    let tree: Vec<(&str, Option<&str>)> = ex
        .items
        .iter()
        .map(|i| (i.id.as_deref().unwrap_or(""), i.reply_to.as_deref()))
        .collect();
    assert_eq!(
        tree,
        [
            ("c1", None),
            ("c2", Some("c1")),
            ("c3", Some("c2")),
            ("c4", None)
        ]
    );
    assert_eq!(
        ex.items[0].body, "top",
        "a comment's own text, not its replies'"
    );

    let err = Recipe::from_toml(
        "x.toml",
        "name = \"x\"\nkind = \"html\"\nitem = \"p\"\n[fields]\nbody = \"p\"\nreply_to = { attr = \"id\", scope = \"ancestor\" }\n",
    )
    .expect_err("ancestor without select");
    assert!(
        err.to_string()
            .contains("x.toml:6: `scope = \"ancestor\"` in `fields.reply_to` needs `select`"),
        "{err}"
    );
}

#[test]
fn posts_inside_noscript_are_read_when_nothing_else_matches() {
    let toml = "name = \"n\"\nkind = \"html\"\nitem = \"div.post\"\n[fields]\nbody = \"p\"\ntitle = { select = \"title\", scope = \"page\" }\n";
    let r = Recipe::from_toml("n.toml", toml).expect("valid recipe");
    let page = "<html><head><title>Ämne</title></head><body><div id=app></div>\
        <noscript data-path=\"/t/1\"><div class=\"post\"><p>hej</p></div><div class=\"post\"><p>då</p></div></noscript></body></html>";
    let ex = r.extract(page, &url("https://f.example/t/1"), now(), Stockholm);
    let bodies: Vec<&str> = ex.items.iter().map(|i| i.body.as_str()).collect();
    assert_eq!(bodies, ["hej", "då"]);
    assert_eq!(ex.items[0].title.as_deref(), Some("Ämne"));
    // Posts outside `<noscript>` are the page's; its fallback copy is not read twice.
    let both = page.replace(
        "<div id=app></div>",
        "<div class=\"post\"><p>live</p></div>",
    );
    let ex = r.extract(&both, &url("https://f.example/t/1"), now(), Stockholm);
    assert_eq!(ex.items.len(), 1);
    assert_eq!(ex.items[0].body, "live");
}

/// No real `/latest.json` was found for the corpora; this is its documented shape.
#[test]
fn discourse_latest_lists_topics_for_the_html_thread_recipe() {
    let r = builtin("discourse-latest");
    let follow = r.follow().expect("a listing");
    assert_eq!(follow.thread_recipe.as_deref(), Some("discourse-thread"));
    assert!(Recipe::builtin("discourse-thread").is_some());
    let page = r#"{"users": [], "topic_list": {"more_topics_url": "/latest?page=1", "topics": [
        {"id": 2148, "slug": "people-being-bad-at-logic", "title": "People Being Bad at Logic",
         "posts_count": 3, "last_posted_at": "2024-01-21T23:29:42.524Z"},
        {"id": 2144, "slug": "kpop-demon-hunters", "title": "KPop Demon Hunters", "posts_count": 31,
         "last_posted_at": "2024-01-21T22:40:40.329Z"}]}}"#;
    let ex = r.extract(
        page,
        &url("https://discuss.example.com/latest.json"),
        now(),
        Stockholm,
    );
    assert!(ex.items.is_empty());
    let rows: Vec<(&str, Option<&str>, Option<u64>)> = ex
        .threads
        .iter()
        .map(|t| (t.thread_url.as_str(), t.title.as_deref(), t.replies))
        .collect();
    assert_eq!(
        rows,
        [
            (
                "https://discuss.example.com/t/people-being-bad-at-logic/2148",
                Some("People Being Bad at Logic"),
                Some(3)
            ),
            (
                "https://discuss.example.com/t/kpop-demon-hunters/2144",
                Some("KPop Demon Hunters"),
                Some(31)
            ),
        ]
    );
    assert_eq!(
        ex.threads[0].last_post_at,
        Some(utc("2024-01-21T23:29:42.524Z"))
    );
}

#[test]
fn discourse_search_topics_follows_each_hit_to_its_topic() {
    let page = include_str!("../../../tests/fixtures/pages/discourse-search.json");
    let ex = builtin("discourse-search-topics").extract(
        page,
        &url("https://forum.example.com/search.json?q=lyssna"),
        now(),
        Stockholm,
    );
    let links: Vec<&str> = ex.threads.iter().map(|t| t.thread_url.as_str()).collect();
    assert_eq!(
        links,
        [
            "https://forum.example.com/t/1234",
            "https://forum.example.com/t/1240"
        ]
    );
    assert_eq!(
        ex.threads[0].read_url.as_deref(),
        Some("https://forum.example.com/t/1234/4.json"),
        "each topic is read as JSON from the hit on"
    );
    assert_eq!(
        ex.threads[0].last_post_at,
        Some(utc("2024-03-05T13:22:11.123Z"))
    );
}
