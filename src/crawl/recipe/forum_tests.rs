//! The built-in forum, listing and API recipes against the saved real pages of `corpora/html`: every
//! fact each folder's README states.

use super::*;
use chrono_tz::Europe::Stockholm;

pub(super) fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("test literal")
        .with_timezone(&Utc)
}

pub(super) fn url(s: &str) -> Url {
    Url::parse(s).expect("test literal")
}

pub(super) fn now() -> DateTime<Utc> {
    utc("2026-11-20T11:00:00Z")
}

pub(super) fn builtin_text(name: &str) -> &'static str {
    BUILTINS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .unwrap_or("")
}

pub(super) fn builtin(name: &str) -> Recipe {
    Recipe::builtin(name).unwrap_or_else(|| panic!("built-in {name} must load"))
}

pub(super) fn page(relative: &str) -> String {
    let bytes = std::fs::read(crate::corpora::corpus(relative)).unwrap();
    crate::crawl::charset::decode_html(&bytes, None)
}

pub(super) fn run(recipe: &str, relative: &str, at: &str) -> Extraction {
    builtin(recipe).extract(&page(relative), &url(at), now(), Stockholm)
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn flashback_thread_reads_the_current_layout_with_its_quotes() {
    let ex = run(
        "flashback-thread",
        "html/flashback/t3357499_p1_2021.html",
        "https://www.flashback.org/t3357499",
    );
    assert_eq!(ex.item_matches, 12, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 12);
    assert_eq!(
        ex.next_page,
        Some(url("https://www.flashback.org/t3357499p2"))
    );
    assert_eq!(
        ex.last_page,
        Some(url("https://www.flashback.org/t3357499p41"))
    );
    assert!(
        ex.page_links
            .contains(&url("https://www.flashback.org/t3357499p11"))
    );
    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("post77323713"));
    assert_eq!(first.author.as_deref(), Some("Zeusy"));
    assert_eq!(first.published_at, Some(utc("2021-09-20T16:16:00Z")));
    assert_eq!(
        first.url.as_deref(),
        Some("https://www.flashback.org/sp77323713")
    );
    assert_eq!(
        first.title.as_deref(),
        Some("41-årig fd anställd på Säpo och Försvarsmakten gripen av Säpo 2021-09-20")
    );
    assert_eq!(
        first.thread_url.as_deref(),
        Some("https://www.flashback.org/t3357499")
    );
    assert!(first.body.contains("expressen.se"), "{}", first.body);
    assert!(
        first
            .body
            .trim_end()
            .ends_with("Vet man mer? Terrorister eller"),
        "{}",
        first.body
    );
    assert!(!first.body.contains("Enligt uppgifter till Aftonbladet"));
    assert_eq!(first.quotes.len(), 1);
    assert_eq!(first.quotes[0].author, None, "an unattributed quote");
    assert!(
        first.quotes[0]
            .text
            .contains("Enligt uppgifter till Aftonbladet")
    );

    let fifth = &ex.items[4];
    assert_eq!(fifth.id.as_deref(), Some("post77324963"));
    assert_eq!(fifth.author.as_deref(), Some("TonyViking"));
    assert_eq!(fifth.published_at, Some(utc("2021-09-20T18:03:00Z")));
    assert_eq!(
        fifth.url.as_deref(),
        Some("https://www.flashback.org/sp77324963")
    );
    assert!(
        fifth.body.trim_start().starts_with(
            "Det kan ju vara så att det är någon som hotat en vanligt politiskt engagerad medborgare"
        ),
        "{}",
        fifth.body
    );
    assert!(!fifth.body.contains("Inte mycket information"));
    assert!(!fifth.body.contains("Citat"));
    assert_eq!(fifth.quotes[0].author.as_deref(), Some("henriko"));
    assert!(
        fifth.quotes[0]
            .text
            .starts_with("Ok. Inte mycket information.")
    );

    let last = &ex.items[11];
    assert_eq!(last.id.as_deref(), Some("post77328656"));
    assert_eq!(last.author.as_deref(), Some("Djungle"));
    assert_eq!(last.published_at, Some(utc("2021-09-21T04:46:00Z")));

    let quotes: usize = ex.items.iter().map(|i| i.quotes.len()).sum();
    assert_eq!(quotes, 6);
    let attributed: Vec<(usize, &str)> = ex
        .items
        .iter()
        .enumerate()
        .flat_map(|(n, i)| {
            i.quotes
                .iter()
                .filter_map(move |q| q.author.as_deref().map(|a| (n + 1, a)))
        })
        .collect();
    assert_eq!(
        attributed,
        [
            (5, "henriko"),
            (7, "Troian"),
            (8, "HowLongIsNow"),
            (9, "TonyViking"),
            (12, "Troian")
        ]
    );
    for item in &ex.items {
        assert!(
            !item.body.contains("Ursprungligen postat av"),
            "quote header left in post {:?}: {}",
            item.id,
            item.body
        );
    }
}

/// Each item's quoted authors, `None` for an unattributed quote.
pub(super) fn quoted(item: &Item) -> Vec<Option<&str>> {
    item.quotes.iter().map(|q| q.author.as_deref()).collect()
}

pub(super) fn with_quotes(ex: &Extraction) -> usize {
    ex.items.iter().filter(|i| !i.quotes.is_empty()).count()
}

const POCKETPC: &str = "https://www.pocketpc.ch/windows-phone-7-allgemein/122760-microsoft-beginnt-auslieferung-vorbereitungsupdate";
const POCKETPC_S: &str = "?s=22c09551c71c1a6b64e4364ca45cbf28";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn vbulletin4_thread_page_with_german_dates_and_latin1_bytes() {
    let ex = run(
        "vbulletin-thread",
        "html/vbulletin/pocketpc_t122760_p34_vb4.html",
        &format!("{POCKETPC}-34.html{POCKETPC_S}"),
    );
    assert_eq!(ex.item_matches, 20, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 20);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert_eq!(
        ex.next_page,
        Some(url(&format!("{POCKETPC}-35.html{POCKETPC_S}")))
    );
    assert_eq!(
        ex.last_page,
        Some(url(&format!("{POCKETPC}-40.html{POCKETPC_S}")))
    );
    assert_eq!(
        ex.prev_page,
        Some(url(&format!("{POCKETPC}-33.html{POCKETPC_S}")))
    );
    assert_eq!(with_quotes(&ex), 3);
    for item in &ex.items {
        let day = item.published_at.expect("every post is dated");
        assert_eq!(day.date_naive().to_string(), "2011-03-03", "{:?}", item.id);
    }

    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("post_949757"));
    assert_eq!(first.author.as_deref(), Some("Predator"));
    // 03.03.2011, 14:17 in the source's zone (Stockholm in these tests).
    assert_eq!(first.published_at, Some(utc("2011-03-03T13:17:00Z")));
    assert_eq!(
        first.url.as_deref(),
        Some(format!("{POCKETPC}-post949757.html{POCKETPC_S}#post949757").as_str())
    );
    assert_eq!(
        first.title.as_deref(),
        Some("Microsoft beginnt mit der Auslieferung des Vorbereitungsupdate!")
    );
    assert_eq!(quoted(first), [Some("TheFreeman")]);
    assert!(
        first.quotes[0]
            .text
            .starts_with("Gibt es denn irgendow eine Seite")
    );
    assert!(
        first.body.starts_with("Das war noch nicht das Update"),
        "{}",
        first.body
    );
    assert!(
        first
            .body
            .ends_with("Mit der kostenlosen PocketPC.ch App von meinem HD7 T9292 aus geschrieben."),
        "{}",
        first.body
    );

    let second = &ex.items[1];
    assert_eq!(second.id.as_deref(), Some("post_949763"));
    assert_eq!(second.author.as_deref(), Some("Chatfix"));
    assert_eq!(second.published_at, Some(utc("2011-03-03T13:27:00Z")));
    assert_eq!(quoted(second), [Some("Predator")]);
    // `ü` is the ISO-8859-1 byte 0xFC on the page.
    assert!(
        second
            .body
            .contains("Dann links im Menü auf aktualisieren.")
    );

    let last = &ex.items[19];
    assert_eq!(last.id.as_deref(), Some("post_949908"));
    assert_eq!(last.author.as_deref(), Some("tommyp"));
    assert_eq!(last.published_at, Some(utc("2011-03-03T15:31:00Z")));
    assert!(
        last.body
            .contains("ich glaube bei mir auch net, firmware ist auch noch 1601")
    );
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn vbulletin3_thread_page_with_nested_and_unattributed_quotes() {
    let ex = run(
        "vbulletin-thread",
        "html/vbulletin/animesuki_vb3_p152.html",
        "https://forums.animesuki.com/showthread.php?t=128882&page=152",
    );
    assert_eq!(ex.item_matches, 20, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 20);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    let page = |n: u32| {
        url(&format!(
            "https://forums.animesuki.com/showthread.php?t=128882&page={n}"
        ))
    };
    assert_eq!(ex.next_page, Some(page(153)));
    assert_eq!(ex.last_page, Some(page(155)));
    assert_eq!(ex.prev_page, Some(page(151)));
    assert_eq!(with_quotes(&ex), 12);
    // 26 quote boxes, one of them inside another quote: it stays part of the outer quote.
    let quotes: usize = ex.items.iter().map(|i| i.quotes.len()).sum();
    assert_eq!(quotes, 25);
    let nested_in = &ex.items[11].quotes[3];
    assert_eq!(nested_in.author.as_deref(), Some("Kamieichi"));
    assert!(
        nested_in
            .text
            .contains("Takeda: (laughs) In almost every work")
    );

    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("post5768670"));
    assert_eq!(first.author.as_deref(), Some("Shirohige"));
    assert_eq!(first.published_at, Some(utc("2016-02-01T01:21:00Z")));
    assert_eq!(
        first.url.as_deref(),
        Some("https://forums.animesuki.com/showthread.php?p=5768670#post5768670")
    );
    assert_eq!(
        quoted(first),
        [Some("TinyRedLeaf"), None, None, Some("Romanticide")]
    );
    assert!(
        first
            .body
            .starts_with("Let me reword it from lesbians to \"non-straight\" girls"),
        "{}",
        first.body
    );
    assert!(!first.body.contains("Originally Posted by"));
    assert!(
        !first
            .body
            .contains("Sexual orientation is a broad spectrum")
    );

    let second = &ex.items[1];
    assert_eq!(second.id.as_deref(), Some("post5768676"));
    assert_eq!(second.author.as_deref(), Some("BBOvenGuy"));
    assert_eq!(second.published_at, Some(utc("2016-02-01T01:29:00Z")));
    assert_eq!(quoted(second), [Some("Shirohige")]);
    assert!(
        second
            .body
            .starts_with("That's a rather loose interpretation, if you ask me.")
    );

    let last = &ex.items[19];
    assert_eq!(last.id.as_deref(), Some("post5778211"));
    assert_eq!(last.author.as_deref(), Some("Kamieichi"));
    assert_eq!(last.published_at, Some(utc("2016-02-13T09:38:00Z")));
    assert!(
        last.body
            .contains("Voice acting is totally re-recorded for the movie.")
    );
}

const DORR: &str = "http://forums.militarytimes.com/showthread.php/9687-Legendary-military-columnist-author-Bob-Dorr-dies-at-76";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn vbulletin4_links_resolve_against_the_base_href_and_us_dates_read_month_first() {
    // The page's URL as a crawler would hold it; its links are relative to `<base href>`, not to it.
    let ex = run("vbulletin-thread", "html/vbulletin/vb4_bob_dorr.html", DORR);
    assert_eq!(ex.item_matches, 10, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 10);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert_eq!(with_quotes(&ex), 5);
    // The folder README calls this a one-page thread, but the page says "Results 1 to 10 of 15" and
    // links a page 2.
    assert_eq!(ex.next_page, Some(url(&format!("{DORR}/page2"))));
    assert_eq!(ex.last_page, Some(url(&format!("{DORR}/page2"))));

    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("post_365266"));
    assert_eq!(first.author.as_deref(), Some("Rainmaker"));
    // 06-15-2016, 03:03 PM
    assert_eq!(first.published_at, Some(utc("2016-06-15T13:03:00Z")));
    assert_eq!(
        first.url.as_deref(),
        Some(format!("{DORR}?p=365266&viewfull=1#post365266").as_str())
    );
    assert_eq!(
        first.title.as_deref(),
        Some("Legendary military columnist, author Bob Dorr dies at 76")
    );
    assert_eq!(first.thread_url.as_deref(), Some(DORR));
    assert!(first.body.contains("RIP Mr. Dorr."), "{}", first.body);

    let second = &ex.items[1];
    assert_eq!(second.id.as_deref(), Some("post_365267"));
    assert_eq!(second.author.as_deref(), Some("Mjölnir"));
    assert_eq!(second.published_at, Some(utc("2016-06-15T15:21:00Z")));
    assert!(
        second
            .body
            .contains("Fair winds and following seas Mr. Dorr.")
    );

    let last = &ex.items[9];
    assert_eq!(last.id.as_deref(), Some("post_367742"));
    assert_eq!(last.author.as_deref(), Some("sandsjames"));
    assert_eq!(last.published_at, Some(utc("2016-09-19T12:38:00Z")));
    assert_eq!(quoted(last), [Some("giggawatt")]);
}

const ISEKAI: &str = "https://fandompost.vbulletin.net/forum/anime-manga-discussions/general-anime-discussions/727744-isekai-quartet-discussion-thread";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn vbulletin5_thread_page_dates_from_the_publish_timestamp() {
    use chrono_tz::America::Los_Angeles;
    let ex = run(
        "vbulletin5-thread",
        "html/vbulletin/fandompost_vb5.html",
        ISEKAI,
    );
    assert_eq!(ex.item_matches, 15, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 15);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert_eq!(with_quotes(&ex), 5);
    assert_eq!(ex.next_page, Some(url(&format!("{ISEKAI}/page2"))));
    assert_eq!(ex.last_page, Some(url(&format!("{ISEKAI}/page2"))));
    assert_eq!(ex.prev_page, None);
    // The hidden page-nav template is not a page; only page 2 is linked.
    assert_eq!(ex.page_links, [url(&format!("{ISEKAI}/page2"))]);
    // The README's times are the `<time datetime>` values, the server's local time (UTC−7 in spring).
    let local = |i: &Item| {
        i.published_at
            .map(|d| d.with_timezone(&Los_Angeles).naive_local().to_string())
    };

    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("727744"));
    assert_eq!(first.author.as_deref(), Some("Buckeye"));
    assert_eq!(first.published_at, Some(utc("2019-04-09T15:37:23Z")));
    assert_eq!(local(first).as_deref(), Some("2019-04-09 08:37:23"));
    assert_eq!(
        first.url.as_deref(),
        Some(format!("{ISEKAI}#post727744").as_str())
    );
    assert_eq!(first.thread_url.as_deref(), Some(ISEKAI));
    assert_eq!(
        first.title.as_deref(),
        Some("Isekai Quartet Discussion Thread")
    );
    assert!(first.body.starts_with("異世界かるてっと"), "{}", first.body);
    assert!(
        first
            .body
            .contains("A short about characters from four different Kadokawa isekai shows")
    );

    let third = &ex.items[2];
    assert_eq!(third.id.as_deref(), Some("727761"));
    assert_eq!(third.author.as_deref(), Some("General Hentai"));
    assert_eq!(local(third).as_deref(), Some("2019-04-09 11:40:18"));
    assert_eq!(
        third.url.as_deref(),
        Some(format!("{ISEKAI}?p=727761#post727761").as_str())
    );
    assert_eq!(quoted(third), [Some("Buckeye")]);
    assert!(third.quotes[0].text.starts_with("Episode 1"));
    assert!(!third.quotes[0].text.contains("View Post"));

    let last = &ex.items[14];
    assert_eq!(last.id.as_deref(), Some("731647"));
    assert_eq!(last.author.as_deref(), Some("Buckeye"));
    assert_eq!(local(last).as_deref(), Some("2019-05-28 19:02:19"));
    assert!(last.body.starts_with("Episode 8"), "{}", last.body);
    assert!(last.body.contains("Got swimsuits?"));
}

const SA: &str = "https://forums.somethingawful.com/";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn something_awful_thread_middle_page_windows_1252_without_a_charset() {
    let at = format!("{SA}showthread.php?threadid=3507451&userid=0&perpage=40&pagenumber=5");
    let ex = run(
        "vbulletin-thread",
        "html/somethingawful/showthread_t3507451_p5.html",
        &at,
    );
    assert_eq!(ex.item_matches, 40, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 40);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert_eq!(with_quotes(&ex), 29);
    let page = |n: u32| {
        url(&format!(
            "{SA}showthread.php?threadid=3507451&userid=0&perpage=40&pagenumber={n}"
        ))
    };
    assert_eq!(ex.next_page, Some(page(6)));
    assert_eq!(ex.last_page, Some(page(151)));
    assert_eq!(ex.prev_page, Some(page(4)));

    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("post407741839"));
    assert_eq!(first.author.as_deref(), Some("Majuju"));
    // Sep 20, 2012 11:16
    assert_eq!(first.published_at, Some(utc("2012-09-20T09:16:00Z")));
    assert_eq!(
        first.url.as_deref(),
        Some(format!("{at}#post407741839").as_str())
    );
    assert_eq!(
        first.title.as_deref(),
        Some("Canadian Politics Thread: Revenge of Trudeaumania: Brawl Me, Maybe")
    );
    assert_eq!(
        first.thread_url.as_deref(),
        Some(format!("{SA}showthread.php?threadid=3507451").as_str())
    );
    assert_eq!(quoted(first), [Some("MikeSevigny")]);
    assert_eq!(first.quotes[0].text, "BC's most evil premier");
    assert!(
        first
            .body
            .starts_with("Hey, now, there's a lot of room for debate on this one."),
        "{}",
        first.body
    );

    let second = &ex.items[1];
    assert_eq!(second.id.as_deref(), Some("post407742778"));
    assert_eq!(second.author.as_deref(), Some("Pinterest Mom"));
    assert_eq!(second.published_at, Some(utc("2012-09-20T09:47:00Z")));
    assert_eq!(quoted(second), [Some("JohnnyCanuck")]);
    assert!(second.body.starts_with(
        "No. They're not affiliated, so the federal Libs has no say on the use of the Liberal name by the BC Libs."
    ));

    let last = &ex.items[39];
    assert_eq!(last.id.as_deref(), Some("post407769816"));
    assert_eq!(last.author.as_deref(), Some("Louis Riel"));
    assert_eq!(last.published_at, Some(utc("2012-09-21T01:19:00Z")));

    // 0xE9 without any charset on the page: windows-1252, as the site's HTTP header says.
    let quebec = ex
        .items
        .iter()
        .find(|i| i.id.as_deref() == Some("post407751664"))
        .expect("post407751664");
    assert!(
        quebec.body.contains("Resounding win for Québec students."),
        "{}",
        quebec.body
    );
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn something_awful_last_page_has_no_next_page() {
    let at = format!("{SA}showthread.php?threadid=3179230&userid=0&perpage=40&pagenumber=77");
    let ex = run(
        "vbulletin-thread",
        "html/somethingawful/showthread_t3179230_p77_last.html",
        &at,
    );
    assert_eq!(ex.item_matches, 33, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 33);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    // The folder README says 8, but 13 posts of this page hold a `div.bbc-block` quote (15 quotes).
    assert_eq!(with_quotes(&ex), 13);
    assert_eq!(ex.items.iter().map(|i| i.quotes.len()).sum::<usize>(), 15);
    assert_eq!(ex.next_page, None);
    assert_eq!(ex.last_page, None);
    assert_eq!(
        ex.prev_page,
        Some(url(&format!(
            "{SA}showthread.php?threadid=3179230&userid=0&perpage=40&pagenumber=76"
        )))
    );

    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("post397709043"));
    assert_eq!(first.author.as_deref(), Some("Jazerus"));
    assert_eq!(first.published_at, Some(utc("2011-11-17T13:13:00Z")));
    assert_eq!(quoted(first), [Some("NCPalooka")]);
    assert!(
        first
            .body
            .starts_with("Moronville does \"Expansion Thursdays\" now"),
        "{}",
        first.body
    );

    let second = &ex.items[1];
    assert_eq!(second.id.as_deref(), Some("post397715438"));
    assert_eq!(second.author.as_deref(), Some("Gestalt Intellect"));
    assert_eq!(second.published_at, Some(utc("2011-11-17T16:27:00Z")));
    assert_eq!(quoted(second), [Some("Jazerus"), None]);

    let last = &ex.items[32];
    assert_eq!(last.id.as_deref(), Some("post411283452"));
    assert_eq!(last.author.as_deref(), Some("Ashmole"));
    assert_eq!(last.published_at, Some(utc("2013-01-07T18:21:00Z")));
    assert!(
        last.body
            .contains("Well, they're not in his voice...so let's pretend it's some evil robot.")
    );
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn something_awful_forum_listing_skips_the_announcement_row() {
    let r = builtin("vbulletin-forum");
    assert_eq!(
        r.follow().and_then(|f| f.thread_recipe.as_deref()),
        Some("vbulletin-thread")
    );
    let ex = r.extract(
        &page("html/somethingawful/forumdisplay_f46_p1.html"),
        &url(&format!("{SA}forumdisplay.php?forumid=46")),
        now(),
        Stockholm,
    );
    assert_eq!(ex.item_matches, 41, "{:?}", ex.warnings);
    assert_eq!(ex.threads.len(), 40);
    assert!(ex.items.is_empty());
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    let listing = |n: u32| {
        url(&format!(
            "{SA}forumdisplay.php?forumid=46&daysprune=30&perpage=40&posticon=0&sortorder=desc&sortfield=lastpost&pagenumber={n}"
        ))
    };
    assert_eq!(ex.next_page, Some(listing(2)));
    assert_eq!(ex.last_page, Some(listing(6)));

    let first = &ex.threads[0];
    assert_eq!(
        first.thread_url,
        format!("{SA}showthread.php?threadid=3332697")
    );
    assert_eq!(
        first.title.as_deref(),
        Some("The Improved Rules of Debate and Discussion - New Update")
    );
    assert_eq!(first.replies, Some(11));
    // "19:42 Feb 25, 2012"
    assert_eq!(first.last_post_at, Some(utc("2012-02-25T18:42:00Z")));

    let second = &ex.threads[1];
    assert_eq!(
        second.thread_url,
        format!("{SA}showthread.php?threadid=3520449")
    );
    assert_eq!(
        second.title.as_deref(),
        Some("Aust Pol Dec- Jan Late Edition : Wiping Out The British One Receptionist At A Time")
    );
    assert_eq!(second.replies, Some(3280));

    let last = &ex.threads[39];
    assert_eq!(
        last.thread_url,
        format!("{SA}showthread.php?threadid=3510719")
    );
    assert_eq!(last.title.as_deref(), Some("Venezuelan elections"));
}

const KATZEN: &str = "https://www.katzen-forum.net/threads/jede-nacht-verliert-pepe-soviel-dreck-aus-dem-fell.230143/";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn xenforo2_custom_theme_with_the_permalink_on_the_share_link() {
    let ex = run(
        "xenforo-thread",
        "html/xenforo/katzen-forum_t230143_xf2.html",
        KATZEN,
    );
    assert_eq!(ex.item_matches, 18, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 18);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert_eq!(
        (ex.next_page, ex.last_page, ex.prev_page),
        (None, None, None)
    );
    assert!(ex.page_links.is_empty(), "{:?}", ex.page_links);
    let quoting: Vec<Vec<Option<&str>>> = ex
        .items
        .iter()
        .filter(|i| !i.quotes.is_empty())
        .map(quoted)
        .collect();
    assert_eq!(quoting, [[Some("Pepemaus")], [Some("Pepemaus")]]);

    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("post-6331411"));
    assert_eq!(first.author.as_deref(), Some("Pepemaus"));
    assert_eq!(first.published_at, Some(utc("2018-09-27T14:51:09+02:00")));
    assert_eq!(
        first.url.as_deref(),
        Some(format!("{KATZEN}post-6331411").as_str())
    );
    assert_eq!(
        first.title.as_deref(),
        Some("Jede Nacht verliert Pepe soviel Dreck aus dem Fell")
    );
    assert_eq!(first.thread_url.as_deref(), Some(KATZEN));
    assert!(first.body.contains(
        "Pepe schläft nachts mit mir im Schlafzimmer auf seiner beigefarbenen Fensterbankliege."
    ));

    let second = &ex.items[1];
    assert_eq!(second.id.as_deref(), Some("post-6331423"));
    assert_eq!(second.author.as_deref(), Some("yellowkitty"));
    assert_eq!(second.published_at, Some(utc("2018-09-27T15:11:51+02:00")));
    assert!(second.body.starts_with("Hat er evtl. Milben in den Ohren?"));

    let last = &ex.items[17];
    assert_eq!(last.id.as_deref(), Some("post-6457563"));
    assert_eq!(last.author.as_deref(), Some("Pepemaus"));
    assert_eq!(last.published_at, Some(utc("2019-08-17T10:48:30+02:00")));
}

const VILLAGERS: &str = "https://villagersandheroes.com/forums/threads/patchnotes-4-47-4-tagundnachtgleiche-bugfix-build.3976/";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn xenforo2_quotes_without_data_quote_are_named_by_their_said_line() {
    let ex = run(
        "xenforo-thread",
        "html/xenforo/villagersandheroes_t3976_xf2.html",
        VILLAGERS,
    );
    assert_eq!(ex.item_matches, 9, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 9);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert_eq!(with_quotes(&ex), 4);
    let named: Vec<Option<&str>> = ex.items.iter().flat_map(quoted).collect();
    assert_eq!(
        named,
        [
            Some("Damon Otter"),
            Some("Nixe"),
            Some("Glockenfee"),
            Some("Bibi Blocksberg")
        ]
    );
    for q in ex.items.iter().flat_map(|i| &i.quotes) {
        assert!(!q.text.contains("said:"), "{}", q.text);
        assert!(!q.text.contains("Click to expand"), "{}", q.text);
    }

    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("post-53504"));
    assert_eq!(first.author.as_deref(), Some("Tiberius"));
    assert_eq!(first.published_at, Some(utc("2020-09-18T08:56:40-07:00")));
    assert_eq!(
        first.url.as_deref(),
        Some(format!("{VILLAGERS}post-53504").as_str())
    );
    // The thread's prefix label ("Patch Notes") is part of its heading.
    assert_eq!(
        first.title.as_deref(),
        Some("Patch Notes Patchnotes 4.47.4 - Tagundnachtgleiche Bugfix Build")
    );
    assert!(
        first
            .body
            .starts_with("Patch Notes 4.47.4\n\nVerbesserungen und Balance"),
        "{}",
        first.body
    );

    let second = &ex.items[1];
    assert_eq!(second.id.as_deref(), Some("post-53670"));
    assert_eq!(second.author.as_deref(), Some("Bibi Blocksberg"));
    assert_eq!(second.published_at, Some(utc("2020-09-20T04:01:14-07:00")));
    assert!(
        second
            .body
            .starts_with("Schade das die Lichtrunen bei Okyris weg sind.")
    );

    let last = &ex.items[8];
    assert_eq!(last.id.as_deref(), Some("post-54375"));
    assert_eq!(last.author.as_deref(), Some("Tiberius"));
    assert_eq!(last.published_at, Some(utc("2020-10-06T09:38:08-07:00")));
}

const DARK: &str = "https://xenforo.com/community/threads/a-dark-theme-option.8276/";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn xenforo2_stock_theme() {
    let ex = run(
        "xenforo-thread",
        "html/xenforo/xenforo-com_t8276_xf2.html",
        DARK,
    );
    assert_eq!(ex.item_matches, 8, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 8);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert_eq!(with_quotes(&ex), 0);
    assert_eq!((ex.next_page, ex.last_page), (None, None));

    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("post-114210"));
    assert_eq!(first.author.as_deref(), Some("dieketzer"));
    assert_eq!(first.published_at, Some(utc("2010-11-21T10:51:58Z")));
    assert_eq!(
        first.url.as_deref(),
        Some(format!("{DARK}post-114210").as_str())
    );
    assert_eq!(first.title.as_deref(), Some("a dark theme option"));
    assert!(
        first
            .body
            .starts_with("it would be great if by default a dark theme shipped with xenforo.")
    );

    let second = &ex.items[1];
    assert_eq!(second.id.as_deref(), Some("post-114243"));
    assert_eq!(second.author.as_deref(), Some("krstep"));
    assert_eq!(second.published_at, Some(utc("2010-11-21T13:24:47Z")));
    assert!(
        second
            .body
            .starts_with("I think the theme should stay just as it is.")
    );

    let last = &ex.items[7];
    assert_eq!(last.id.as_deref(), Some("post-1358710"));
    assert_eq!(last.author.as_deref(), Some("sub_ubi"));
    assert_eq!(last.published_at, Some(utc("2019-06-26T10:25:09+01:00")));
    assert_eq!(last.body, "i want this added to xenforo.com itself");
}

const SV: &str = "https://forums.sufficientvelocity.com/";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn xenforo1_thread_page_with_dates_in_titles_and_links_relative_to_the_base() {
    let ex = run(
        "xenforo-thread",
        "html/xenforo/sufficientvelocity_t10402_p54_xf1.html",
        &format!("{SV}threads/renascence-a-homura-quest.10402/page-54"),
    );
    assert_eq!(ex.item_matches, 25, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 25);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert_eq!(with_quotes(&ex), 18);
    let page = |n: u32| {
        url(&format!(
            "{SV}threads/renascence-a-homura-quest.10402/page-{n}"
        ))
    };
    assert_eq!(ex.next_page, Some(page(55)));
    assert_eq!(ex.last_page, Some(page(347)));
    assert_eq!(ex.prev_page, Some(page(53)));

    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("post-2146286"));
    assert_eq!(first.author.as_deref(), Some("TheBleachDoctor"));
    // "Oct 30, 2014 at 10:48 PM" (the text says only "Oct 30, 2014").
    assert_eq!(first.published_at, Some(utc("2014-10-30T21:48:00Z")));
    assert_eq!(
        first.url.as_deref(),
        Some(format!("{SV}posts/2146286/").as_str())
    );
    assert_eq!(first.title.as_deref(), Some("Renascence: A Homura Quest"));
    assert!(
        first.body.contains("TheBleachDoctor threw 60-faced die"),
        "{}",
        first.body
    );

    let second = &ex.items[1];
    assert_eq!(second.id.as_deref(), Some("post-2146297"));
    assert_eq!(second.author.as_deref(), Some("Crow"));
    assert_eq!(second.published_at, Some(utc("2014-10-30T21:49:00Z")));
    assert_eq!(quoted(second), [Some("Higure"), Some("TheBleachDoctor")]);
    assert_eq!(second.quotes[1].text, "Rolling.");
    assert!(second.body.starts_with("OOC behavior? which part?"));

    let last = &ex.items[24];
    assert_eq!(last.id.as_deref(), Some("post-2146619"));
    assert_eq!(last.author.as_deref(), Some("Entropy Judge"));
    assert_eq!(last.published_at, Some(utc("2014-10-30T22:52:00Z")));
    assert_eq!(quoted(last), [Some("Crow")]);
    assert!(
        last.body
            .starts_with("I'm mildly opposed to any profligate use of magic")
    );
}

const ILP: &str = "http://ilovephilosophy.com/viewtopic.php?f=1&t=194998";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn phpbb3_prosilver_topic_page() {
    let at = format!("{ILP}&start=25");
    let ex = run(
        "phpbb-topic",
        "html/phpbb/ilovephilosophy_biological_will.html",
        &at,
    );
    assert_eq!(ex.item_matches, 25, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 25);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert_eq!(with_quotes(&ex), 12);
    assert_eq!(ex.next_page, Some(url(&format!("{ILP}&start=50"))));
    assert_eq!(ex.last_page, Some(url(&format!("{ILP}&start=225"))));
    assert_eq!(ex.prev_page, Some(url(&format!("{ILP}&start=0"))));

    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("p2729870"));
    assert_eq!(first.author.as_deref(), Some("Jakob"));
    // "Sun May 26, 2019 4:34 pm"
    assert_eq!(first.published_at, Some(utc("2019-05-26T14:34:00Z")));
    assert_eq!(
        first.url.as_deref(),
        Some(format!("{at}#p2729870").as_str())
    );
    assert_eq!(first.title.as_deref(), Some("Biological Will"));
    assert_eq!(first.thread_url.as_deref(), Some(at.as_str()));
    assert!(
        first
            .body
            .starts_with("Good lecture. Believe me I know the clown part.")
    );
    assert!(
        !first.body.contains("acts of love and pleasure"),
        "no signature"
    );

    let second = &ex.items[1];
    assert_eq!(second.id.as_deref(), Some("p2729871"));
    assert_eq!(second.author.as_deref(), Some("promethean75"));
    assert_eq!(second.published_at, Some(utc("2019-05-26T14:43:00Z")));
    assert_eq!(second.body, "https://vocaroo.com/i/s0WJlPuchytm");

    let last = &ex.items[24];
    assert_eq!(last.id.as_deref(), Some("p2730442"));
    assert_eq!(last.author.as_deref(), Some("promethean75"));
    assert_eq!(last.published_at, Some(utc("2019-06-01T17:20:00Z")));
    assert_eq!(last.quotes.len(), 1);
    assert_eq!(last.body, "Ohhhh no you don't.");
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn phpbb3_one_post_topic_without_pagination() {
    let at = "https://foren.myoos.de/viewtopic.php?t=167";
    let ex = run("phpbb-topic", "html/phpbb/myoos_t167.html", at);
    assert_eq!(ex.item_matches, 1, "{:?}", ex.warnings);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert_eq!(
        (&ex.next_page, &ex.last_page, &ex.prev_page),
        (&None, &None, &None)
    );
    let post = &ex.items[0];
    assert_eq!(post.id.as_deref(), Some("p453"));
    assert_eq!(post.author.as_deref(), Some("r23"));
    // "21.01.2009, 05:42"
    assert_eq!(post.published_at, Some(utc("2009-01-21T04:42:00Z")));
    assert_eq!(post.url.as_deref(), Some(format!("{at}#p453").as_str()));
    assert_eq!(post.thread_url.as_deref(), Some(at));
    assert!(
        post.body.starts_with(
            "Was ist Freie Software und warum ist sie wichtig?\nvon Georg C. F. Greve"
        ),
        "{}",
        post.body
    );
}

const NODEBB: &str = "https://community.nodebb.org/topic/13803/new-desing-for-nodebb-chat";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn nodebb_topic_page() {
    let ex = run(
        "nodebb-topic",
        "html/nodebb/community-nodebb_t13803.html",
        NODEBB,
    );
    assert_eq!(ex.item_matches, 13, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 13);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert_eq!(
        (&ex.next_page, &ex.last_page, &ex.prev_page),
        (&None, &None, &None)
    );

    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("73812"));
    assert_eq!(first.author.as_deref(), Some("youhosi"));
    assert_eq!(first.published_at, Some(utc("2019-03-24T19:54:11.505Z")));
    assert_eq!(
        first.url.as_deref(),
        Some("https://community.nodebb.org/post/73812")
    );
    assert_eq!(first.title.as_deref(), Some("New desing for NodeBB chat!"));
    assert_eq!(first.thread_url.as_deref(), Some(NODEBB));
    assert!(
        first.body.starts_with(
            "What do you think about this chat for NodeBB?\n\nThe look is not finished yet!"
        ),
        "{}",
        first.body
    );

    let second = &ex.items[1];
    assert_eq!(second.id.as_deref(), Some("73814"));
    assert_eq!(second.author.as_deref(), Some("MJ"));
    assert_eq!(second.published_at, Some(utc("2019-03-24T22:05:33.393Z")));
    assert_eq!(
        second.url.as_deref(),
        Some("https://community.nodebb.org/post/73814")
    );
    assert!(
        second
            .body
            .starts_with("It's much better, more like other chat-apps like Whatsapp and Messenger")
    );

    let last = &ex.items[12];
    assert_eq!(last.id.as_deref(), Some("74301"));
    assert_eq!(last.author.as_deref(), Some("tonylee123321"));
    assert_eq!(last.published_at, Some(utc("2019-05-06T06:07:20.657Z")));
    assert_eq!(
        last.url.as_deref(),
        Some("https://community.nodebb.org/post/74301")
    );
}

const LEMIRE: &str =
    "https://lemire.me/blog/2019/08/02/json-parsing-simdjson-vs-json-for-modern-c/";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn wordpress_post_page_threaded_comments_answer_their_parent() {
    let ex = run(
        "wordpress-post",
        "html/wordpress/lemire_2019-08-02_json-parsing.html",
        LEMIRE,
    );
    assert_eq!(ex.item_matches, 5, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 5);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    let tree: Vec<(Option<&str>, Option<&str>)> = ex
        .items
        .iter()
        .map(|i| (i.id.as_deref(), i.reply_to.as_deref()))
        .collect();
    assert_eq!(tree.iter().filter(|(_, r)| r.is_none()).count(), 3);

    let first = &ex.items[0];
    assert_eq!(first.id.as_deref(), Some("comment-421882"));
    assert_eq!(first.author.as_deref(), Some("degski"));
    assert_eq!(first.published_at, Some(utc("2019-08-03T04:11:57Z")));
    // The permalink, not the commenter's website (`.comment-author a`, http://example.com).
    assert_eq!(
        first.url.as_deref(),
        Some(format!("{LEMIRE}#comment-421882").as_str())
    );
    assert_eq!(
        first.title.as_deref(),
        Some("JSON parsing: simdjson vs. JSON for Modern C++")
    );
    assert_eq!(first.thread_url.as_deref(), Some(LEMIRE));
    assert!(first.body.starts_with(
        "Thanks, for posting this.\n\nThat is well a mega difference, very impressive."
    ));
    assert_eq!(first.reply_to, None);

    let reply = ex
        .items
        .iter()
        .find(|i| i.id.as_deref() == Some("comment-422230"))
        .expect("comment-422230");
    assert_eq!(reply.author.as_deref(), Some("Daniel Lemire"));
    assert_eq!(reply.published_at, Some(utc("2019-08-05T13:46:09Z")));
    assert_eq!(
        reply.url.as_deref(),
        Some(format!("{LEMIRE}#comment-422230").as_str())
    );
    assert_eq!(reply.reply_to.as_deref(), Some("comment-422154"));
    assert_eq!(
        reply.body,
        "We are working toward releasing version 0.2 on vcpkg."
    );

    let last = &ex.items[4];
    assert_eq!(last.id.as_deref(), Some("comment-422257"));
    assert_eq!(last.author.as_deref(), Some("Daniel Lemire"));
    assert_eq!(last.published_at, Some(utc("2019-08-05T20:28:59Z")));
    assert!(last.reply_to.is_some(), "a depth-2 reply");
    assert!(
        last.body
            .starts_with("We support a conventional DOM traversal as well as JSON pointers.")
    );
}

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn wordpress_post_page_genesis_theme_matches_the_rest_api() {
    use chrono_tz::America::New_York;
    let post = "https://www.unitingnc.org/2012/10/international-festival/";
    // The page shows the site's local time (US Eastern), which the source's timezone names.
    let ex = builtin("wordpress-post").extract(
        &page("html/wordpress/unitingnc_2012-10_international-festival.html"),
        &url(post),
        now(),
        New_York,
    );
    assert_eq!(ex.items.len(), 3, "{:?}", ex.warnings);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert!(ex.items.iter().all(|i| i.reply_to.is_none()));
    let want = [
        (
            "comment-909",
            "Dani",
            // The REST API's date_gmt 2012-10-07T14:54:15, to the minute the page shows.
            "2012-10-07T14:54:00Z",
            "Great video! Loved seeing all those smiles.",
        ),
        (
            "comment-913",
            "Ellen G",
            "2012-10-08T21:26:00Z",
            "Loved the upbeat music, and the short stories that tell so much!",
        ),
        (
            "comment-1095",
            "Carlos C",
            "2013-01-02T20:28:00Z",
            "It’s a great event to see the ever increasing diversity in our state.",
        ),
    ];
    for (item, (id, author, at, text)) in ex.items.iter().zip(want) {
        assert_eq!(item.id.as_deref(), Some(id));
        assert_eq!(item.author.as_deref(), Some(author));
        assert_eq!(item.published_at, Some(utc(at)), "{id}");
        assert_eq!(item.url.as_deref(), Some(format!("{post}#{id}").as_str()));
        assert_eq!(item.title.as_deref(), Some("International Festival!"));
        assert!(item.body.starts_with(text), "{id}: {}", item.body);
    }
}

const WOLF: &str = "https://wolfsrebellen-netz.forumieren.com/t7-forums-regeln";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn forumotion_topic_drops_the_sponsored_post() {
    let ex = run(
        "forumotion-topic",
        "html/forumotion/wolfsrebellen_t7.html",
        WOLF,
    );
    assert_eq!(
        ex.item_matches, 3,
        "the sponsored div.post#p0 is not a post"
    );
    assert_eq!(ex.items.len(), 3);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert_eq!(
        (&ex.next_page, &ex.last_page, &ex.prev_page),
        (&None, &None, &None)
    );
    assert!(ex.items.iter().all(|i| i.author.as_deref() == Some("lupa")));
    let want = [
        (
            "p7",
            "2013-10-26T13:48:00Z",
            "Forums - Regeln\n\nWir pflegen hier ein sehr freundschaftliches Miteinander",
        ),
        (
            "p655",
            "2014-05-26T05:41:00Z",
            "2. Nachtrag\n\nDas neue Mitglied bekommt nach dem 3. Beitrag ein eigenes Forum",
        ),
        (
            "p702",
            "2014-05-30T21:17:00Z",
            "30.05.2014 23:07:56 ]b]3. Nachtrag[/b]",
        ),
    ];
    for (item, (id, at, text)) in ex.items.iter().zip(want) {
        assert_eq!(item.id.as_deref(), Some(id));
        // "26/10/13, 03:48 pm": day first, 12-hour clock, Stockholm time in these tests.
        assert_eq!(item.published_at, Some(utc(at)), "{id}");
        let anchor = id.trim_start_matches('p');
        assert_eq!(
            item.url.as_deref(),
            Some(format!("{WOLF}#{anchor}").as_str())
        );
        assert_eq!(item.thread_url.as_deref(), Some(WOLF));
        assert_eq!(item.title.as_deref(), Some("Forums-Regeln"));
        assert!(item.body.starts_with(text), "{id}: {}", item.body);
    }
}

const OCTOVERSE: &str =
    "https://meta.discourse.org/t/congratulations-most-stars-in-2013-github-octoverse/12483";

#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
#[test]
fn discourse_crawler_view_inside_noscript() {
    let ex = run(
        "discourse-thread",
        "html/discourse/meta_t12483_crawler.html",
        OCTOVERSE,
    );
    assert_eq!(ex.item_matches, 2, "{:?}", ex.warnings);
    assert_eq!(ex.items.len(), 2);
    assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    assert_eq!((&ex.next_page, &ex.prev_page), (&None, &None));

    let first = &ex.items[0];
    assert_eq!(first.author.as_deref(), Some("techAPJ"));
    // `datePublished`, not the edit time 2015-06-19T06:45:49Z the visible `<time>` shows.
    assert_eq!(first.published_at, Some(utc("2014-02-06T04:55:19Z")));
    assert_eq!(
        first.title.as_deref(),
        Some("Congratulations, most stars in 2013 GitHub Octoverse!")
    );
    assert_eq!(first.thread_url.as_deref(), Some(OCTOVERSE));
    assert!(first.body.starts_with(
        "Congratulations Discourse for qualifying Repositories with the most stars on GitHub Octoverse"
    ), "{}", first.body);

    let second = &ex.items[1];
    assert_eq!(second.author.as_deref(), Some("codinghorror"));
    assert_eq!(second.published_at, Some(utc("2014-02-06T05:27:06Z")));
    assert!(second.body.starts_with(
        "Ah, cool. I was not sure how to see that since GitHub changed around the way project top stats looked."
    ), "{}", second.body);
}
