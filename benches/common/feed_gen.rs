//! Deterministic generator of realistic feeds, for the ingest benchmark and for tests that need
//! volume.
//!
//! Real feeds are not redistributable and the corpora's test feeds are tiny (one or two entries), so a
//! benchmark on them would measure start-up costs rather than throughput. These feeds look like what
//! Lyssna polls in practice: WordPress blog feeds with `content:encoded` HTML, Atom feeds, and WordPress
//! comment feeds; mixed Swedish and English text with entities and inline markup; GUIDs, dates,
//! authors and categories; about 1 KB per item. A fraction of items mention brands (`GoMonday`,
//! `Kaffekompaniet`, `Nordvik Bank`) so that a matcher downstream has something to find.
//!
//! The generator uses its own SplitMix64 so that a seed produces byte-identical output across
//! platforms and dependency upgrades (benchmark figures stay comparable between runs).

use chrono::{DateTime, Duration, TimeZone, Utc};

/// Which kind of feed to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFlavor {
    /// A WordPress-style RSS 2.0 blog feed (`content:encoded`, `dc:creator`, `<comments>`).
    Rss2,
    /// An Atom 1.0 feed with HTML content and summaries.
    Atom,
    /// A WordPress comment feed: every item is a comment linking to `post-url#comment-N`.
    WordPressComments,
}

/// Brands mentioned by some items; exposed so that benchmarks can build matching queries.
pub const GENERATED_BRANDS: [&str; 3] = ["GoMonday", "Kaffekompaniet", "Nordvik Bank"];

/// One in this many items mentions a brand (so about 12 % of items).
const BRAND_EVERY: u64 = 8;

struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        // n is a small table length; modulo bias is irrelevant for test data.
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }
}

const SWEDISH: &[&str] = &[
    "Vi testade kaffet i en vecka och här är vad vi tycker.",
    "Leveransen kom två dagar för sent, men kundtjänsten var vänlig.",
    "Det är svårt att hitta något bättre för pengarna just nu.",
    "Jag har ringt tre gånger utan att få svar, ärligt talat ganska tröttsamt.",
    "Personalen på kontoret i Göteborg gjorde ett fantastiskt jobb.",
    "Priserna höjdes igen i höstas och många kunder är missnöjda.",
    "Appen fungerar bra på mobilen men kraschar ibland på surfplattan.",
    "Här kommer en sammanfattning av veckans viktigaste nyheter från branschen.",
    "Många läsare har hört av sig om förändringarna i villkoren.",
    "Sammantaget ett stabilt intryck, även om förpackningen kunde vara snyggare.",
    "Öppettiderna över jul och nyår är förkortade, se listan nedan.",
    "Vi åkte till Malmö för att träffa grundarna och ställa några frågor.",
];

const ENGLISH: &[&str] = &[
    "We spent a week with the product and here is what we found.",
    "Shipping took longer than promised, but support was friendly and quick.",
    "It is hard to find anything better at this price right now.",
    "I emailed them twice and never heard back, which is disappointing.",
    "The onboarding flow is clean & the documentation is excellent.",
    "Several readers wrote in about the new pricing announced last month.",
    "Overall a solid impression, although the packaging could be nicer.",
    "Here is a round-up of the most important news from the industry this week.",
];

const BRAND_SENTENCES: &[&str] = &[
    "Vi pratade med {B} om deras nya tjänst och fick ett bra svar.",
    "Tyvärr har {B} fortfarande inte löst problemet med fakturorna.",
    "{B} is by far the best option we tested this year.",
    "Has anyone else had trouble reaching {B} support lately?",
    "Stort tack till {B} för snabb hjälp i fredags!",
];

const TITLES: &[&str] = &[
    "Veckans kaffetest",
    "Recension: sommarens bästa bryggare",
    "Nyheter från branschen",
    "Why we switched suppliers",
    "Frågor & svar om nya villkoren",
    "Höstens prishöjningar – vad betyder de?",
    "A week with the new app",
    "Intervju med grundarna",
    "Kundtjänst i test: vem svarar snabbast?",
    "Notes from the Stockholm meetup",
];

const AUTHORS: &[&str] = &[
    "Anna Svensson",
    "Erik Lindqvist",
    "Åsa Öberg",
    "Johan Karlsson",
    "Maria Nilsson",
    "Peter O'Brien",
    "Linnéa Håkansson",
];

const CATEGORIES: &[&str] = &[
    "Kaffe",
    "Recensioner",
    "Nyheter",
    "Teknik",
    "Kundservice",
    "Företag",
];

/// The sites the generated feeds claim to come from (in their links and GUIDs); a benchmark that needs
/// many distinct sites rewrites them.
pub const GENERATED_HOSTS: &[&str] = &[
    "kaffebloggen.se",
    "techkoll.example.com",
    "vardagsliv.example.se",
];

/// Generates a feed of `items` items; the same `(seed, items, flavor)` always gives the same text.
pub fn generate_realistic_feed(seed: u64, items: usize, flavor: FeedFlavor) -> String {
    let mut rng = SplitMix64(seed ^ 0x4C59_5353_4E41); // "LYSSNA"
    let host = rng.pick(GENERATED_HOSTS);
    let newest = Utc
        .with_ymd_and_hms(2026, 11, 1, 12, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let mut out = String::with_capacity(items * 1200 + 1024);
    let mut date = newest;
    let entries: Vec<GenEntry> = (0..items)
        .map(|i| {
            date -= Duration::minutes(5 + rng.below(600) as i64);
            GenEntry::new(&mut rng, i, seed, host, date)
        })
        .collect();
    match flavor {
        FeedFlavor::Rss2 => write_rss2(&mut out, host, newest, &entries),
        FeedFlavor::Atom => write_atom(&mut out, host, newest, &entries),
        FeedFlavor::WordPressComments => write_wp_comments(&mut out, host, newest, &entries),
    }
    out
}

struct GenEntry {
    number: u64,
    title: String,
    slug: String,
    author: &'static str,
    categories: Vec<&'static str>,
    paragraphs: Vec<String>,
    date: DateTime<Utc>,
}

impl GenEntry {
    fn new(
        rng: &mut SplitMix64,
        index: usize,
        seed: u64,
        _host: &str,
        date: DateTime<Utc>,
    ) -> Self {
        let number = 1000 + seed.wrapping_mul(7919) % 50_000 + index as u64;
        let title = format!("{} #{}", rng.pick(TITLES), index + 1);
        let slug = format!("inlagg-{number}");
        let author = AUTHORS[rng.below(AUTHORS.len())];
        let categories = (0..1 + rng.below(3))
            .map(|_| CATEGORIES[rng.below(CATEGORIES.len())])
            .collect();
        let mentions_brand = rng.next().is_multiple_of(BRAND_EVERY);
        let swedish = rng.below(3) != 0;
        let mut paragraphs: Vec<String> = (0..2)
            .map(|_| {
                let table = if swedish { SWEDISH } else { ENGLISH };
                let a = rng.pick(table);
                let b = rng.pick(table);
                let c = rng.pick(table);
                format!("{a} <em>{b}</em> {c}")
            })
            .collect();
        if mentions_brand {
            let brand = GENERATED_BRANDS[rng.below(GENERATED_BRANDS.len())];
            let sentence = rng
                .pick(BRAND_SENTENCES)
                .replace("{B}", &format!("<strong>{brand}</strong>"));
            let at = rng.below(paragraphs.len());
            if let Some(p) = paragraphs.get_mut(at) {
                p.push(' ');
                p.push_str(&sentence);
            }
        }
        GenEntry {
            number,
            title,
            slug,
            author,
            categories,
            paragraphs,
            date,
        }
    }

    fn html(&self) -> String {
        let mut html = String::new();
        for p in &self.paragraphs {
            html.push_str("<p>");
            html.push_str(p);
            html.push_str("</p>\n");
        }
        html.push_str(
            "<p>Läs mer på <a href=\"https://example.se/mer\">vår sida</a> &amp; dela gärna.</p>",
        );
        html
    }

    fn summary(&self) -> String {
        let first = self.paragraphs.first().map(String::as_str).unwrap_or("");
        let plain = first.replace("<em>", "").replace("</em>", "");
        let cut: String = plain.chars().take(140).collect();
        format!("{cut} [&#8230;]")
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// CDATA cannot contain `]]>`; our text never does, but splitting keeps the function total.
fn cdata(s: &str) -> String {
    format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"))
}

fn write_rss2(out: &mut String, host: &str, newest: DateTime<Utc>, entries: &[GenEntry]) {
    out.push_str(&format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel>
	<title>{host} – om kaffe, teknik &amp; vardag</title>
	<atom:link href="https://{host}/feed/" rel="self" type="application/rss+xml" />
	<link>https://{host}</link>
	<description>Ännu en WordPress-webbplats</description>
	<lastBuildDate>{}</lastBuildDate>
	<language>sv-SE</language>
	<generator>https://wordpress.org/?v=6.7.1</generator>
"#,
        newest.to_rfc2822()
    ));
    for e in entries {
        let link = format!("https://{host}/{}/{}/", e.date.format("%Y/%m"), e.slug);
        out.push_str(&format!(
            "\t<item>\n\t\t<title>{}</title>\n\t\t<link>{link}</link>\n\t\t<comments>{link}#respond</comments>\n\t\t<dc:creator>{}</dc:creator>\n\t\t<pubDate>{}</pubDate>\n",
            xml_escape(&e.title),
            cdata(e.author),
            e.date.to_rfc2822()
        ));
        for c in &e.categories {
            out.push_str(&format!("\t\t<category>{}</category>\n", cdata(c)));
        }
        out.push_str(&format!(
            "\t\t<guid isPermaLink=\"false\">https://{host}/?p={}</guid>\n\t\t<description>{}</description>\n\t\t<content:encoded>{}</content:encoded>\n\t\t<wfw:commentRss>{link}feed/</wfw:commentRss>\n\t\t<slash:comments>{}</slash:comments>\n\t</item>\n",
            e.number,
            cdata(&e.summary()),
            cdata(&e.html()),
            e.number % 7
        ));
    }
    out.push_str("</channel>\n</rss>\n");
}

fn write_atom(out: &mut String, host: &str, newest: DateTime<Utc>, entries: &[GenEntry]) {
    out.push_str(&format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="sv">
  <title type="text">{host}</title>
  <subtitle type="html">Om kaffe, teknik &amp;amp; vardag</subtitle>
  <id>tag:{host},2026:feed</id>
  <link rel="alternate" type="text/html" href="https://{host}/"/>
  <link rel="self" type="application/atom+xml" href="https://{host}/atom.xml"/>
  <updated>{}</updated>
"#,
        newest.to_rfc3339()
    ));
    for e in entries {
        out.push_str(&format!(
            "  <entry>\n    <title type=\"html\">{}</title>\n    <link rel=\"alternate\" type=\"text/html\" href=\"https://{host}/{}/{}.html\"/>\n    <id>tag:{host},2026:post-{}</id>\n    <published>{}</published>\n    <updated>{}</updated>\n    <author><name>{}</name><uri>https://{host}/author/{}</uri></author>\n",
            xml_escape(&xml_escape(&e.title)),
            e.date.format("%Y/%m"),
            e.slug,
            e.number,
            e.date.to_rfc3339(),
            (e.date + Duration::hours(2)).to_rfc3339(),
            xml_escape(e.author),
            e.number % 13
        ));
        for c in &e.categories {
            out.push_str(&format!("    <category term=\"{}\"/>\n", xml_escape(c)));
        }
        out.push_str(&format!(
            "    <summary type=\"html\">{}</summary>\n    <content type=\"html\">{}</content>\n  </entry>\n",
            xml_escape(&e.summary()),
            xml_escape(&e.html())
        ));
    }
    out.push_str("</feed>\n");
}

fn write_wp_comments(out: &mut String, host: &str, newest: DateTime<Utc>, entries: &[GenEntry]) {
    out.push_str(&format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel>
	<title>Kommentarer för {host}</title>
	<atom:link href="https://{host}/comments/feed/" rel="self" type="application/rss+xml" />
	<link>https://{host}</link>
	<description>Ännu en WordPress-webbplats</description>
	<lastBuildDate>{}</lastBuildDate>
	<sy:updatePeriod>hourly</sy:updatePeriod>
	<generator>https://wordpress.org/?v=6.7.1</generator>
"#,
        newest.to_rfc2822()
    ));
    for (i, e) in entries.iter().enumerate() {
        // Comments cluster on a few posts, as they do on real blogs.
        let post = entries.get(i / 5 * 5).unwrap_or(e);
        let post_url = format!(
            "https://{host}/{}/{}/",
            post.date.format("%Y/%m"),
            post.slug
        );
        let comment_id = 20_000 + e.number;
        let link = format!("{post_url}#comment-{comment_id}");
        out.push_str(&format!(
            "\t<item>\n\t\t<title>Kommentar på {} av {}</title>\n\t\t<link>{link}</link>\n\t\t<dc:creator>{}</dc:creator>\n\t\t<pubDate>{}</pubDate>\n\t\t<guid isPermaLink=\"false\">{link}</guid>\n\t\t<description>{}</description>\n\t\t<content:encoded>{}</content:encoded>\n\t</item>\n",
            xml_escape(&post.title),
            xml_escape(e.author),
            cdata(e.author),
            e.date.to_rfc2822(),
            cdata(&e.summary()),
            cdata(&e.html())
        ));
    }
    out.push_str("</channel>\n</rss>\n");
}
