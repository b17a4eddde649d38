//! Fuzz harnesses for the four parsers that read what strangers write: the feed wrapper, the recipe
//! engine (HTML and JSON), the query parser (and compiler and matcher behind it) and the date
//! parser. Each is a seeded mutational fuzzer: inputs grow from real-looking seeds by byte flips,
//! insertions of a per-target dictionary of tricky tokens, splices, duplications and cuts; every
//! run is caught with `catch_unwind`, and the harness reports executions and panics per target.
//!
//! `cargo test` runs a bounded number of cases per target (seconds); `LYSSNA_FUZZ_CASES=N` runs N,
//! and `LYSSNA_FUZZ_SEED=S` picks another sequence. A panicking input is printed (escaped) so that it
//! can become a fixture.

use chrono::{TimeZone, Utc};
use lyssna::crawl::dates::{DateSpec, parse_date};
use lyssna::crawl::feed::parse_feed;
use lyssna::crawl::recipe::Recipe;
use lyssna::domain::query::{BrandSpec, Document, Matcher, parse};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::panic::{AssertUnwindSafe, catch_unwind};

fn cases() -> usize {
    std::env::var("LYSSNA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

fn seed() -> u64 {
    std::env::var("LYSSNA_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(14)
}

/// One mutation step of `input`.
fn mutate(rng: &mut StdRng, input: &mut Vec<u8>, dict: &[&[u8]], seeds: &[&[u8]]) {
    let at = |rng: &mut StdRng, len: usize| {
        if len == 0 {
            0
        } else {
            rng.random_range(0..=len)
        }
    };
    match rng.random_range(0..7) {
        0 if !input.is_empty() => {
            let i = rng.random_range(0..input.len());
            input[i] ^= 1 << rng.random_range(0..8);
        }
        1 => {
            let i = at(rng, input.len());
            let tok = dict[rng.random_range(0..dict.len())];
            input.splice(i..i, tok.iter().copied());
        }
        2 => {
            let i = at(rng, input.len());
            let n = rng.random_range(1..8);
            let junk: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            input.splice(i..i, junk);
        }
        3 if input.len() > 1 => {
            let a = rng.random_range(0..input.len());
            let b = rng.random_range(a..=input.len().min(a + 64));
            let piece = input[a..b].to_vec();
            let reps = rng.random_range(1..64);
            let i = at(rng, input.len());
            input.splice(i..i, piece.repeat(reps));
        }
        4 if !input.is_empty() => {
            let i = rng.random_range(0..input.len());
            input.truncate(i);
        }
        5 => {
            let other = seeds[rng.random_range(0..seeds.len())];
            let cut = at(rng, other.len());
            let i = at(rng, input.len());
            input.splice(i.., other[cut..].iter().copied());
        }
        _ if !input.is_empty() => {
            let a = rng.random_range(0..input.len());
            let b = rng.random_range(a..=input.len().min(a + 16));
            input.drain(a..b);
        }
        _ => {}
    }
    // Keep inputs small enough for thousands of runs.
    input.truncate(64 * 1024);
}

/// Runs `target` on `cases()` mutated inputs; prints and returns (executions, panics).
fn fuzz(name: &str, seeds: &[&[u8]], dict: &[&[u8]], target: impl Fn(&[u8])) -> (usize, usize) {
    let mut rng = StdRng::seed_from_u64(seed() ^ name.len() as u64);
    let n = cases();
    let mut panics = Vec::new();
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for _ in 0..n {
        let mut input = seeds[rng.random_range(0..seeds.len())].to_vec();
        for _ in 0..rng.random_range(1..12) {
            mutate(&mut rng, &mut input, dict, seeds);
        }
        if catch_unwind(AssertUnwindSafe(|| target(&input))).is_err() {
            panics.push(input);
        }
    }
    std::panic::set_hook(previous_hook);
    eprintln!("fuzz {name}: {n} executions, {} panics", panics.len());
    for p in panics.iter().take(3) {
        eprintln!("  panicking input: {:?}", String::from_utf8_lossy(p));
    }
    (n, panics.len())
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()
}

#[test]
fn fuzz_the_feed_wrapper() {
    let rss = br#"<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title><link>http://x.example/</link><item><title>GoMonday &amp; co</title><guid isPermaLink="false">g1</guid><link>https://www.google.com/url?rct=j&amp;url=https://a.example/1&amp;ct=ga</link><description><![CDATA[<p>Hej <b>d&aring;</b></p>]]></description><pubDate>Fri, 20 Nov 2026 10:00:00 +0000</pubDate><dc:creator>Erik</dc:creator></item></channel></rss>"#;
    let atom = br#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://x.example/"><title type="html">A</title><entry><id>tag:x,2026:1</id><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">T</div></title><link rel="alternate" href="/p/1#comment-2"/><updated>2026-11-20T10:00:00Z</updated><content type="html">&lt;p&gt;x&lt;/p&gt;</content><author><name>N</name></author></entry></feed>"#;
    let json = br#"{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "1", "url": "https://j.example/1", "content_html": "<p>GoMonday</p>", "date_published": "2026-11-20T10:00:00Z", "authors": [{"name": "A"}]}]}"#;
    let rdf = br#"<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>R</title></channel><item rdf:about="http://r.example/1"><title>r</title></item></rdf:RDF>"#;
    let dict: &[&[u8]] = &[
        b"&#0;",
        b"&#xD800;",
        b"&#1114112;",
        b"&lol;",
        b"<![CDATA[",
        b"]]>",
        b"<!--",
        b"-->",
        b"<item>",
        b"</item>",
        b"<entry>",
        b"\0",
        b"\xff\xfe",
        b"\xef\xbb\xbf",
        b"\\ud800",
        b"encoding=\"utf-16\"",
        b"<!DOCTYPE x [<!ENTITY a \"b\">]>",
        b"type=\"application/x\"",
        b"<itunes:duration>99999999999999999999</itunes:duration>",
        b"<pubDate>",
        b"xml:base=\"//\"",
        b"{",
        b"}",
        b"[",
        b"\"",
        b"<html>",
    ];
    let url = url::Url::parse("https://x.example/feed").unwrap();
    let (_, panics) = fuzz("feed", &[rss, atom, json, rdf], dict, |input| {
        for ct in [
            None,
            Some("application/rss+xml; charset=utf-8"),
            Some("text/xml; charset=windows-1252"),
        ] {
            let _ = parse_feed(input, ct, &url, now());
        }
    });
    assert_eq!(panics, 0);
}

#[test]
fn fuzz_the_recipe_engine() {
    let html_recipe = Recipe::from_toml(
        "fuzz-html",
        "name = \"f\"\nkind = \"html\"\nitem = \"div.post\"\n[fields]\nid = { attr = \"id\" }\ntitle = { select = \"h1\", scope = \"page\" }\nlink = { select = \"a.p\", attr = \"href\" }\nauthor = \".u\"\nbody = \".t\"\ndate = { select = \".d\", locale = \"sv\", timezone = \"Europe/Stockholm\" }\nrating = { select = \"[itemprop=ratingValue]\", attr = \"content\", scale = 5 }\n[pagination]\nnext = { select = \"a[rel=next]\", attr = \"href\" }\nmax_pages = 3\n",
    )
    .unwrap();
    let json_recipe = Recipe::from_toml(
        "fuzz-json",
        "name = \"j\"\nkind = \"json\"\nitems = \"/data/children\"\n[fields]\nid = \"/data/id\"\ntitle = \"/data/title\"\nbody = \"/data/selftext_html\"\nauthor = \"/data/author\"\nlink = { path = \"/data/permalink\", prefix = \"https://www.reddit.com\" }\ndate = { path = \"/data/created_utc\", format = \"unix\" }\n",
    )
    .unwrap();
    let schema = Recipe::builtin("schema-org").unwrap();
    let page = br#"<html><head><h1>Tr&aring;d</h1><script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"Review","reviewBody":"GoMonday","author":{"name":"A"},"reviewRating":{"ratingValue":"1"}}]}</script></head><body><div class="post" id="p1"><a class="p" href="/t/1#p1">#</a><span class="u">Erik</span><span class="d">Idag 14:05</span><div class="t">GoMonday <br>svarar <blockquote>citat</blockquote> inte</div><meta itemprop="ratingValue" content="2"></div><a rel="next" href="?page=2">n</a></body></html>"#;
    let json = br#"{"data": {"children": [{"data": {"id": "t3_1", "title": "GoMonday", "selftext_html": "&lt;p&gt;x&lt;/p&gt;", "author": "u", "permalink": "/r/x/1", "created_utc": 1763630000.5}}]}}"#;
    let dict: &[&[u8]] = &[
        b"<div class=\"post\" id=\"",
        b"</div>",
        b"<script>i<n</script>",
        b"<style>a<b</style>",
        b"<!--",
        b"-->",
        b"<![CDATA[",
        b"\0",
        b"&#0;",
        b"\\ud800",
        b"\"@type\":\"Comment\"",
        b"<div>",
        b"<table><tr><td>",
        b"<pre>",
        b"href=\"javascript:x\"",
        b"content=\"NaN\"",
        b"content=\"1e999\"",
        b"f\xf6r 3 timmar sedan",
        b"{\"data\":",
        b"[",
        b"]",
        b"1e308",
        b"-99999999999999999999",
        b"<meta charset=\"utf-16\">",
    ];
    let url = url::Url::parse("https://forum.example/t/1").unwrap();
    let tz = chrono_tz::Europe::Stockholm;
    let (_, panics) = fuzz("recipe", &[page, json], dict, |input| {
        let text = String::from_utf8_lossy(input);
        for recipe in [&html_recipe, &json_recipe, &schema] {
            let _ = recipe.extract(&text, &url, now(), tz);
        }
    });
    assert_eq!(panics, 0);
}

#[test]
fn fuzz_the_query_parser() {
    let seeds: &[&[u8]] = &[
        br#""go monday" OR gomonday OR gomonday.se"#,
        b"title:(bank* NEAR/3 -konto) ONEAR/2 `GoMonday` site:example.com lang:sv",
        b"a AND (b OR NOT c) *fix url:x.se/y",
    ];
    let dict: &[&[u8]] = &[
        b"(",
        b")",
        b"\"",
        b"`",
        b"NEAR/",
        b"ONEAR/",
        b"NEAR/99999999999999999999",
        b"NOT",
        b"-",
        b"*",
        b"OR",
        b"AND",
        b"title:",
        b"site:",
        b"lang:",
        b"url:",
        b"author:",
        b"body:",
        "å".as_bytes(),
        "ﬁ".as_bytes(),
        "İ".as_bytes(),
        b"[.]",
        b".",
        b":",
        b"\0",
    ];
    let doc = Document {
        title: "GoMonday-appen: Bankkontot",
        body: "Jag väntade på go monday i veckor, ingen svarar. gomonday[.]se",
        author: "Erik",
        url: "https://www.example.com/t/1",
        lang: Some("sv"),
    };
    let (_, panics) = fuzz("query", seeds, dict, |input| {
        let q = String::from_utf8_lossy(input);
        if parse(&q).is_ok() {
            let spec = BrandSpec {
                name: "B".into(),
                query: q.to_string(),
                exclude: vec![q.to_string()],
                context: Vec::new(),
                fold_diacritics: input.len() % 2 == 0,
                compounds: input.len() % 3 == 0,
            };
            if let Ok(m) = Matcher::compile(&[spec]) {
                let _ = m.match_document(&doc);
            }
        }
    });
    assert_eq!(panics, 0);
}

#[test]
fn fuzz_the_date_parser() {
    let seeds: &[&[u8]] = &[
        b"Fri, 20 Nov 2026 10:00:00 +0000",
        b"2026-11-20T10:00:00.123+01:00",
        "Idag 14:05".as_bytes(),
        "Igår 09:12".as_bytes(),
        "för 3 timmar sedan".as_bytes(),
        b"3 hours ago",
        "20 november 2026 kl. 10:00".as_bytes(),
        b"05/03/2024 10:00 PM",
        b"1763630000",
    ];
    let dict: &[&[u8]] = &[
        b"99999999999",
        b"-",
        b"+",
        b":",
        b"T",
        b"Z",
        b"+99:99",
        b"ago",
        b"sedan",
        b"timmar",
        b"days",
        b"0000",
        b"9999",
        b"31",
        b"29 feb",
        b"maj",
        b" ",
        b"\0",
        "å".as_bytes(),
        b"18446744073709551616",
        b"1e300",
        b"kl.",
        b"PM",
    ];
    let zones = [
        chrono_tz::Europe::Stockholm,
        chrono_tz::UTC,
        chrono_tz::Pacific::Kiritimati,
    ];
    let specs: Vec<DateSpec> = zones
        .iter()
        .flat_map(|tz| {
            [
                None,
                Some("unix"),
                Some("unix_ms"),
                Some("%d/%m/%Y %H:%M"),
                Some("%e %B %Y"),
            ]
            .into_iter()
            .map(move |f| DateSpec {
                format: f.map(str::to_string),
                locale: Some("sv".into()),
                timezone: *tz,
            })
        })
        .collect();
    let (_, panics) = fuzz("dates", seeds, dict, |input| {
        let s = String::from_utf8_lossy(input);
        for spec in &specs {
            let _ = parse_date(&s, spec, now());
        }
    });
    assert_eq!(panics, 0);
}
