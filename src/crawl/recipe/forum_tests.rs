//! The built-in forum, listing and API recipes against the saved real pages of `corpora/html`: every
//! fact each folder's README states.

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
    utc("2026-11-20T11:00:00Z")
}

fn builtin(name: &str) -> Recipe {
    Recipe::builtin(name).unwrap_or_else(|| panic!("built-in {name} must load"))
}

fn page(relative: &str) -> String {
    let bytes = std::fs::read(crate::corpora::corpus(relative)).unwrap();
    crate::crawl::charset::decode_html(&bytes, None)
}

fn run(recipe: &str, relative: &str, at: &str) -> Extraction {
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
