use super::eval::{self, CURVE};
use super::suggest::{TermKind, suggest};
use super::*;

fn ex(brand: &str, body: &str, about_us: bool) -> Example {
    Example {
        brand: brand.into(),
        title: String::new(),
        body: body.into(),
        author: String::new(),
        url: String::new(),
        about_us,
    }
}

fn stadium_labels() -> Vec<Example> {
    vec![
        ex(
            "Stadium",
            "Köpte löparskor på Stadium i Kista, bra service",
            true,
        ),
        ex("Stadium", "Stadium Outlet har rea på skidjackor", true),
        ex("Stadium", "Min order från Stadium har inte kommit", true),
        ex("Stadium", "Stadiums kundtjänst svarar inte", true),
        ex("Stadium", "Cancern upptäcktes i ett tidigt stadium", false),
        ex("Stadium", "Projektet är i ett tidigt stadium", false),
        ex("Stadium", "The stadium was full for the derby", false),
        ex("Stadium", "Fans sang in the stadium all night", false),
    ]
}

#[test]
fn too_few_labels_score_nothing() {
    let mut m = RelevanceModel::default();
    let doc = Doc {
        body: "i ett tidigt stadium",
        ..Default::default()
    };
    assert!(m.score("Stadium", &doc).is_none());
    for e in stadium_labels().into_iter().take(5) {
        m.learn(&e);
    }
    // Four about us, one not: still too few of the second kind.
    assert_eq!(m.labels_of("Stadium"), (4, 1));
    assert!(m.score("Stadium", &doc).is_none());
    assert!(!m.is_ready("Stadium"));
    assert!(m.score("Other", &doc).is_none());
}

#[test]
fn learns_what_the_marks_say_and_explains_it() {
    let m = RelevanceModel::train(&stadium_labels());
    assert!(m.is_ready("Stadium"));
    let low = m
        .score(
            "Stadium",
            &Doc {
                body: "Sjukdomen är i ett tidigt stadium",
                ..Default::default()
            },
        )
        .unwrap();
    let high = m
        .score(
            "Stadium",
            &Doc {
                body: "Stadium Outlet i Barkarby har rea",
                ..Default::default()
            },
        )
        .unwrap();
    assert!(low.score < 0.5, "{low:?}");
    assert!(high.score > 0.5, "{high:?}");
    assert!(low.reasons.iter().any(|r| r.contains("tidigt")), "{low:?}");
    assert!(low.reasons.iter().all(|r| r.contains("(-")), "{low:?}");
    assert!(
        !high.reasons.is_empty() && high.reasons.iter().all(|r| r.contains("(+")),
        "{high:?}"
    );
    // The strongest features name both sides.
    let strongest = m.strongest("Stadium", 20);
    assert!(strongest.iter().any(|(_, w)| *w > 0.0));
    assert!(strongest.iter().any(|(_, w)| *w < 0.0));
}

#[test]
fn the_name_is_found_in_its_forms_and_its_case_counts() {
    let name = Name::new("Go Monday");
    let words: Vec<String> = ["hej", "go", "mondays", "app"].map(String::from).into();
    assert_eq!(name.ends_at(&words, 2), Some(1));
    let words: Vec<String> = ["gomonday", "app"].map(String::from).into();
    assert_eq!(name.ends_at(&words, 0), Some(0));
    let mut seen = Vec::new();
    for_each_feature(
        &Doc {
            body: "I reject the notion that Notion is slow",
            url: "https://www.reddit.com/r/Notion/comments/1",
            author: "Kalle",
            ..Default::default()
        },
        &Name::new("Notion"),
        &mut |k, t| seen.push((k, t.to_string())),
    );
    let has = |k: Kind, t: &str| seen.contains(&(k, t.to_string()));
    assert!(has(Kind::Case, "in lower case"));
    assert!(has(Kind::Case, "capitalised"));
    assert!(has(Kind::Left, "the"));
    assert!(has(Kind::Pair, "the #"));
    assert!(has(Kind::Host, "reddit.com"));
    assert!(has(Kind::Path, "r/notion"));
    assert!(has(Kind::Author, "kalle"));
    assert!(!has(Kind::Word, "notion"));
}

#[test]
fn eval_reads_lines_and_the_curve_starts_at_keyword_only() {
    let text = [
        r#"{"brand": "Stadium", "body": "Stadium Outlet rea", "label": true}"#,
        "",
        r#"{"brand": "Stadium", "title": "", "body": "tidigt stadium", "author": "", "url": "", "label": false}"#,
        r#"{"brand": "Stadium", "body": "Stadium kundtjänst", "label": true}"#,
    ]
    .join("\n");
    let lines = eval::parse(&text).unwrap();
    assert_eq!(lines.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [1, 3, 4]);
    let points = eval::curve(&lines, &CURVE);
    assert_eq!(points[0].model, points[0].keyword_only);
    assert_eq!(points[0].model.lines, 3);
    assert_eq!(points[0].model.precision, Some(2.0 / 3.0));
    let p = eval::predict(&lines, 1, DEFAULT_THRESHOLD);
    assert_eq!(p.iter().map(|p| p.line).collect::<Vec<_>>(), [3, 4]);
    assert!(p.iter().all(|p| p.about_us && p.score.is_none()));
    assert!(
        eval::parse("{\"brand\": \"x\"}")
            .unwrap_err()
            .starts_with("line 1:")
    );
    assert!(eval::parse("\n{").unwrap_err().starts_with("line 2:"));
}

#[test]
fn suggestions_separate_the_labels() {
    let s = suggest("Stadium", &stadium_labels());
    let exclude: Vec<&str> = s
        .iter()
        .filter(|s| s.kind == TermKind::Exclude)
        .map(|s| s.term.as_str())
        .collect();
    assert!(exclude.contains(&"\"tidigt stadium\""), "{s:?}");
    assert!(
        s.iter()
            .all(|s| s.kind != TermKind::Exclude || s.about_us == 0)
    );
    assert!(suggest("Other", &stadium_labels()).is_empty());
}
