//! The demo's sample sites, crawled as `lyssna demo` does: mentions appear, matching discriminates,
//! the leader's own forum post counts as a reply.

use chrono::Utc;
use lyssna::app::App;
use lyssna::config::Config;
use lyssna::demo;
use std::net::SocketAddr;
use std::sync::Arc;

#[tokio::test]
async fn the_demo_finds_the_mentions_and_only_those() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("recipes")).unwrap();
    std::fs::write(
        dir.path().join("recipes/demo-forum.toml"),
        demo::FORUM_RECIPE,
    )
    .unwrap();
    let (addr, _sites) = demo::start_sites(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let path = dir.path().join("lyssna.toml");
    std::fs::write(
        &path,
        demo::demo_config(&format!("http://{addr}"), dir.path()),
    )
    .unwrap();
    let config = Config::load(Some(&path)).unwrap_or_else(|e| panic!("{e}"));
    let app = App::build(config, true).await.unwrap();
    let sources = app.config.sources.clone();
    let reports = lyssna::scheduler::crawl_now(
        &app.ingest,
        sources,
        Arc::new(|_: &str, _: usize, _: Option<&_>| {}),
    )
    .await
    .unwrap();
    for r in &reports {
        assert_eq!(r.outcome.as_str(), "ok", "{r:?}");
        assert!(r.errors.is_empty(), "{r:?}");
    }
    let export = app.store.export_all().await.unwrap();
    let bodies: Vec<&str> = export.iter().map(|l| l.body.as_str()).collect();
    let has = |needle: &str| bodies.iter().any(|b| b.contains(needle));
    // Swedish text from the ISO-8859-1 forum keeps its letters.
    assert!(
        has("Har väntat i tre veckor på återbetalningen"),
        "{bodies:#?}"
    );
    assert!(has("MondayPay-appen kraschar"));
    assert!(has("sorted out my billing issue"));
    assert!(has("webhook signature check fails"));
    // Shares a word with a brand and does not match it: where its thread's title names the brand,
    // it is a mention by thread context, and says so.
    for l in export
        .iter()
        .filter(|l| l.body.contains("måndag för hela internet"))
    {
        let matches = l.matches.as_deref().unwrap_or_default();
        assert!(
            !matches.is_empty()
                && matches
                    .iter()
                    .all(|m| m.context == Some(lyssna::domain::query::Context::Thread)),
            "the thread title alone makes a reply a mention only by thread context: {matches:?}"
        );
    }
    assert!(
        !has("Let's go Monday morning"),
        "excluded by \"monday morning\""
    );
    assert!(!has("Monday releases are risky"));
    assert!(!has("Kaffe hjälper mig mest"));
    // The leader's own post is no mention, and it answered the complaints before it.
    assert!(!has("Erik här, vd på GoMonday"));
    let kassakalle = export
        .iter()
        .find(|l| l.body.starts_with("Har väntat i tre veckor"))
        .unwrap();
    let replied = kassakalle
        .events
        .iter()
        .any(|e| e.to.as_deref() == Some("replied"));
    assert!(replied, "{:?}", kassakalle.events);
    // Ratings and labels arrive with the mentions.
    let one_star = export
        .iter()
        .find(|l| l.body.contains("Skickade tre ärenden"))
        .unwrap();
    assert_eq!(one_star.rating, Some(1.0));
    assert_eq!(one_star.sentiment.as_str(), "criticism");
    let praise = export
        .iter()
        .find(|l| l.body.contains("jättenöjd"))
        .unwrap();
    assert_eq!(praise.sentiment.as_str(), "praise");
    assert!(export.iter().all(|l| l.found_at <= Utc::now()));
    // A blog post and the one comment on it are two mentions (the comment's URL is the post's plus
    // `#comment-303`).
    assert!(has("Vi träffade Erik Andersson"));
    assert!(has("Fint att en vd tar kritik på allvar"));

    // Crawling again changes nothing: the old reply does not close the reopened mention again, and
    // the follow-up does not reopen it again (no flip-flop, no growing history).
    let trail = |export: &[lyssna::store::ExportLine]| {
        let m = export
            .iter()
            .find(|l| l.body.starts_with("Har väntat i tre veckor"))
            .unwrap();
        (m.status, m.events.len())
    };
    let before = trail(&export);
    for _ in 0..2 {
        let sources = app.config.sources.clone();
        lyssna::scheduler::crawl_now(
            &app.ingest,
            sources,
            Arc::new(|_: &str, _: usize, _: Option<&_>| {}),
        )
        .await
        .unwrap();
    }
    let after = trail(&app.store.export_all().await.unwrap());
    assert_eq!(
        before, after,
        "a re-crawl must not change the mention's history"
    );
    assert_eq!(
        app.store.export_all().await.unwrap().len(),
        export.len(),
        "no duplicates"
    );

    // Twelve weeks of history, once: the report has a trend on the first start.
    let base = format!("http://{addr}");
    let added = demo::import_history(&app.store, &base, Utc::now())
        .await
        .unwrap();
    assert!(added > 60, "{added}");
    assert_eq!(
        demo::import_history(&app.store, &base, Utc::now())
            .await
            .unwrap(),
        0,
        "a restarted demo does not add it again"
    );
    let week = lyssna::domain::report::IsoWeekId::containing(Utc::now(), app.config.timezone);
    let report = app
        .store
        .weekly_report(week, Utc::now(), &app.config.report_settings())
        .await
        .unwrap();
    let weeks_with_criticism = report
        .trend
        .iter()
        .filter(|w| w.criticism_found > 0)
        .count();
    assert!(weeks_with_criticism >= 11, "{:?}", report.trend);
    assert!(
        report
            .trend
            .iter()
            .any(|w| w.time_to_reply_median_s.is_some())
    );
    assert!(report.open_criticism_by_age.over_7d >= 2, "the missed ones");

    // Every original, thread and reply link opens on the demo's own sites.
    let http = reqwest::Client::new();
    let all = app.store.export_all().await.unwrap();
    let mut links: Vec<String> = Vec::new();
    for l in &all {
        links.extend(l.url.clone());
        links.extend(l.thread_url.clone());
        links.extend(l.events.iter().filter_map(|e| e.reply_url.clone()));
    }
    links.sort();
    links.dedup();
    assert!(links.len() > 80, "{}", links.len());
    for link in &links {
        assert!(link.starts_with(&base), "{link} leaves the demo");
        let resp = http.get(link).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{link}");
        assert!(
            resp.url().as_str().starts_with(&base),
            "{link} redirects off the demo"
        );
        let page = resp.text().await.unwrap();
        if let Some(anchor) = link.split_once('#').map(|(_, a)| a) {
            assert!(
                page.contains(&format!("id=\"{anchor}\"")),
                "{link}: no #{anchor} on the page"
            );
        }
    }
}
