//! The store's scenarios, run on SQLite and (when configured) PostgreSQL.

use crate::support::stores;
use chrono::{DateTime, Duration, TimeZone, Utc};
use lyssna::domain::dedup;
use lyssna::domain::health::CrawlOutcome;
use lyssna::domain::item::Item;
use lyssna::domain::mention::{Action, EventKind, NoReplyReason, Status};
use lyssna::domain::sentiment::Label;
use lyssna::domain::source::SourceKind;
use lyssna::store::{
    Candidate, CrawlRecord, Health, IngestSummary, SourceSpec, SourceState, Store, StoreError,
    StoreResult, parse_import,
};
use std::collections::HashSet;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
}

fn candidate(source_scope: &str, id: Option<&str>, url: Option<&str>, body: &str) -> Candidate {
    let item = Item {
        id: id.map(str::to_string),
        url: url.map(str::to_string),
        body: body.to_string(),
        ..Item::default()
    };
    Candidate {
        keys: dedup::keys_for(source_scope, &item, &HashSet::new()),
        url: item.url.clone(),
        canonical_url: item.url.as_deref().and_then(dedup::canonical_url),
        body: body.to_string(),
        author: Some("kund".into()),
        brands: vec!["GoMonday".into()],
        matches: Vec::new(),
        sentiment: Label::Criticism,
        sentiment_reasons: Vec::new(),
        content_hash: dedup::content_hash(None, body),
        thread_url: None,
        title: None,
        published_at: None,
        rating: None,
        rating_scale: None,
        lang: None,
        sentiment_score: 0.0,
    }
}

fn ok_state(now: DateTime<Utc>) -> SourceState {
    SourceState {
        health: Health::Ok,
        last_error: None,
        consecutive_failures: 0,
        empty_streak: 0,
        last_attempt_at: now,
        last_success_at: Some(now),
        last_new_item_at: None,
        next_check_at: now + Duration::minutes(30),
        etag: Some("\"v1\"".into()),
        last_modified: None,
        items_found: None,
        items_fingerprint: None,
    }
}

fn crawl(source_id: i64, now: DateTime<Utc>, candidates: Vec<Candidate>) -> CrawlRecord {
    CrawlRecord {
        source_id,
        started_at: now,
        finished_at: now,
        outcome: CrawlOutcome::Ok,
        pages: 1,
        unchanged_pages: 0,
        items: candidates.len() as i64,
        error: None,
        candidates,
        thread_posts: Vec::new(),
        reply_scope: Default::default(),
        brand_reply_scopes: Vec::new(),
    }
}

/// These scenarios store crawls whose source state is always "ok"; the state decision itself is
/// `domain::health::next_state`'s, tested there.
trait RecordOk {
    async fn record_ok(&self, rec: &CrawlRecord) -> StoreResult<IngestSummary>;
}

impl RecordOk for Store {
    async fn record_ok(&self, rec: &CrawlRecord) -> StoreResult<IngestSummary> {
        let (summary, _) = self
            .record_crawl(rec, |_| ok_state(rec.finished_at))
            .await?;
        Ok(summary)
    }
}

async fn two_sources(store: &Store) -> (i64, i64) {
    let specs = [
        SourceSpec {
            name: "Blogg".into(),
            kind: SourceKind::Feed,
            url: Some("https://blogg.example/feed".into()),
            schedule: "every 30m".into(),
        },
        SourceSpec {
            name: "Forum".into(),
            kind: SourceKind::Html,
            url: Some("https://forum.example/t/1".into()),
            schedule: "every 30m".into(),
        },
    ];
    store.sync_sources(&specs, t(8, 0)).await.unwrap();
    let a = store.source_by_name("Blogg").await.unwrap().unwrap().id;
    let b = store.source_by_name("Forum").await.unwrap().unwrap().id;
    (a, b)
}

#[tokio::test]
async fn dedup_edits_and_shared_urls_on_both_backends() {
    for (backend, store, _dir) in stores("dedup").await {
        let (blog, forum) = two_sources(&store).await;
        let b = blog.to_string();
        // Crawl 1: two items with GUIDs, one without GUID but with a URL.
        let first = vec![
            candidate(
                &b,
                Some("g1"),
                Some("https://blogg.example/p/1"),
                "GoMonday svarar aldrig",
            ),
            candidate(
                &b,
                Some("g2"),
                Some("https://blogg.example/p/2"),
                "GoMonday är bra",
            ),
            candidate(
                &b,
                None,
                Some("https://blogg.example/p/3?utm_source=x"),
                "Om GoMonday",
            ),
        ];
        let s1 = store.record_ok(&crawl(blog, t(9, 0), first)).await.unwrap();
        assert_eq!(s1.new_mentions.len(), 3, "{backend}");

        // Crawl 2: g1 edited, g2 unchanged, p/3 again (other tracking), one new item.
        let second = vec![
            candidate(
                &b,
                Some("g1"),
                Some("https://blogg.example/p/1"),
                "GoMonday svarar aldrig. EDIT: nu svarade de",
            ),
            candidate(
                &b,
                Some("g2"),
                Some("https://blogg.example/p/2"),
                "GoMonday  är BRA",
            ),
            candidate(
                &b,
                None,
                Some("https://blogg.example/p/3?utm_medium=y"),
                "Om GoMonday",
            ),
            candidate(
                &b,
                Some("g4"),
                Some("https://blogg.example/p/4"),
                "Ny post om GoMonday",
            ),
        ];
        let s2 = store
            .record_ok(&crawl(blog, t(9, 30), second))
            .await
            .unwrap();
        assert_eq!(s2.new_mentions.len(), 1, "{backend}");
        assert_eq!(s2.updated_mentions, 1, "{backend}");
        assert_eq!(s2.already_known, 2, "{backend}");

        // Crawl 3, another source: the same canonical URL as g4 is the same mention.
        let f = forum.to_string();
        let third = vec![
            candidate(
                &f,
                Some("post-99"),
                Some("https://BLOGG.example/p/4?utm_medium=forum"),
                "Ny post om GoMonday",
            ),
            candidate(
                &f,
                Some("post-100"),
                Some("https://forum.example/t/1#p100"),
                "GoMonday på forumet",
            ),
        ];
        let s3 = store
            .record_ok(&crawl(forum, t(10, 0), third))
            .await
            .unwrap();
        assert_eq!(s3.new_mentions.len(), 1, "{backend}");
        assert_eq!(store.mention_count().await.unwrap(), 5, "{backend}");

        let export = store.export_all().await.unwrap();
        let edited = export
            .iter()
            .find(|l| l.url.as_deref() == Some("https://blogg.example/p/1"))
            .unwrap();
        assert!(edited.body.contains("EDIT"), "{backend}");
        assert_eq!(
            edited
                .events
                .iter()
                .filter(|e| e.kind == EventKind::Edit)
                .count(),
            1,
            "{backend}"
        );
        let src = store.source_by_name("Blogg").await.unwrap().unwrap();
        assert_eq!(src.etag.as_deref(), Some("\"v1\""));
        assert_eq!(store.recent_runs(blog, 10).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn a_dismissed_mention_never_comes_back() {
    for (backend, store, _dir) in stores("dismissed").await {
        let (blog, _) = two_sources(&store).await;
        let b = blog.to_string();
        let c = candidate(&b, Some("g1"), None, "GoMonday spam spam");
        let s = store
            .record_ok(&crawl(blog, t(9, 0), vec![c.clone()]))
            .await
            .unwrap();
        let id = &s.new_mentions[0];
        let action = Action::NoReplyNeeded {
            reason: NoReplyReason::Spam,
            note: None,
        };
        store
            .apply_action(id, &action, "erik", t(9, 5))
            .await
            .unwrap();
        let again = store
            .record_ok(&crawl(blog, t(10, 0), vec![c]))
            .await
            .unwrap();
        assert!(again.new_mentions.is_empty(), "{backend}");
        let m = store.mention(id).await.unwrap().unwrap();
        assert_eq!(m.status, Status::NoReplyNeeded, "{backend}");
    }
}

#[tokio::test]
async fn a_failed_crawl_stores_nothing() {
    for (backend, store, _dir) in stores("atomic").await {
        let (blog, _) = two_sources(&store).await;
        let b = blog.to_string();
        let mut rec = crawl(
            blog,
            t(9, 0),
            (0..50)
                .map(|i| candidate(&b, Some(&format!("g{i}")), None, &format!("GoMonday {i}")))
                .collect(),
        );
        // A source that does not exist: the mentions' foreign key fails inside the transaction.
        rec.source_id = 9999;
        assert!(store.record_ok(&rec).await.is_err(), "{backend}");
        assert_eq!(store.mention_count().await.unwrap(), 0, "{backend}");

        // A crawl cancelled mid-way (its future dropped) leaves all or nothing, never a part.
        let rec = crawl(
            blog,
            t(9, 0),
            (0..2000)
                .map(|i| candidate(&b, Some(&format!("k{i}")), None, &format!("GoMonday {i}")))
                .collect(),
        );
        let r =
            tokio::time::timeout(std::time::Duration::from_millis(5), store.record_ok(&rec)).await;
        let n = store.mention_count().await.unwrap();
        match r {
            Ok(Ok(_)) => assert_eq!(n, 2000, "{backend}"),
            _ => assert!(
                n == 0 || n == 2000,
                "{backend}: partial crawl stored {n} mentions"
            ),
        }
    }
}

#[tokio::test]
async fn the_lifecycle_with_undo_override_and_snooze() {
    for (backend, store, _dir) in stores("lifecycle").await {
        let (blog, _) = two_sources(&store).await;
        let b = blog.to_string();
        let s = store
            .record_ok(&crawl(
                blog,
                t(9, 0),
                vec![candidate(&b, Some("g1"), None, "GoMonday svarar inte")],
            ))
            .await
            .unwrap();
        let id = s.new_mentions[0].clone();

        let replied = Action::Replied {
            at: t(11, 0),
            reply_url: Some("https://forum.example/p/5".into()),
            note: Some("ringde".into()),
        };
        let m = store
            .apply_action(&id, &replied, "erik", t(12, 0))
            .await
            .unwrap();
        assert_eq!(m.status, Status::Replied);
        assert_eq!(
            m.replied_at,
            Some(t(11, 0)),
            "{backend}: replied_at is the given time"
        );
        let err = store
            .apply_action(&id, &replied, "erik", t(12, 1))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Transition(_)), "{backend}");

        let m = store.undo_last(&id, "erik", t(12, 2)).await.unwrap();
        assert_eq!(m.status, Status::New);
        assert_eq!(
            m.replied_at, None,
            "{backend}: an undone reply does not count"
        );

        let m = store
            .apply_action(&id, &Action::Snooze { until: t(15, 0) }, "erik", t(12, 3))
            .await
            .unwrap();
        assert_eq!(m.status, Status::Snoozed);
        assert_eq!(store.wake_snoozed(t(14, 0)).await.unwrap(), 0);
        assert_eq!(store.wake_snoozed(t(15, 0)).await.unwrap(), 1);
        assert_eq!(
            store.mention(&id).await.unwrap().unwrap().status,
            Status::New
        );

        let m = store
            .set_sentiment_override(&id, Some(Label::Praise), "erik", t(15, 1))
            .await
            .unwrap();
        assert_eq!(m.effective_sentiment(), Label::Praise);
        // An unknown label cannot reach the store: it is refused where it is read.
        assert!("angry".parse::<Label>().is_err());

        let events = store.events(&id).await.unwrap();
        let trail: Vec<(String, Option<String>, Option<String>)> = events
            .iter()
            .map(|e| (e.kind.to_string(), e.from.clone(), e.to.clone()))
            .collect();
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            trail,
            vec![
                ("status".into(), None, s("new")),
                ("status".into(), s("new"), s("replied")),
                ("status".into(), s("replied"), s("new")),
                ("status".into(), s("new"), s("snoozed")),
                ("status".into(), s("snoozed"), s("new")),
                ("sentiment".into(), s("criticism"), s("praise")),
            ],
            "{backend}"
        );
        assert_eq!(events[1].actor, "erik");
        assert_eq!(events[1].recorded_at, t(12, 0));
        assert!(matches!(
            store
                .apply_action("m_nope", &replied, "erik", t(16, 0))
                .await,
            Err(StoreError::MentionNotFound(_))
        ));
    }
}

#[tokio::test]
async fn export_then_import_round_trips_exactly() {
    for (backend, store, _dir) in stores("roundtrip").await {
        let (blog, _) = two_sources(&store).await;
        let b = blog.to_string();
        let mut c1 = candidate(
            &b,
            Some("g1"),
            Some("https://blogg.example/p/1"),
            "GoMonday svarar aldrig 😡",
        );
        c1.title = Some("Åsikt om \"GoMonday\"".into());
        c1.published_at = Some(t(8, 30));
        c1.rating = Some(1.0);
        c1.rating_scale = Some(5.0);
        c1.lang = Some("sv".into());
        let s = store
            .record_ok(&crawl(
                blog,
                t(9, 0),
                vec![c1, candidate(&b, Some("g2"), None, "GoMonday ok")],
            ))
            .await
            .unwrap();
        let id = &s.new_mentions[0];
        let replied = Action::Replied {
            at: t(11, 0),
            reply_url: None,
            note: Some("tack".into()),
        };
        store
            .apply_action(id, &replied, "erik", t(12, 0))
            .await
            .unwrap();
        store
            .set_sentiment_override(&s.new_mentions[1], Some(Label::Praise), "erik", t(12, 5))
            .await
            .unwrap();

        let export = store.export_all().await.unwrap();
        let text: String = export
            .iter()
            .map(|l| serde_json::to_string(l).unwrap() + "\n")
            .collect();

        let dir = tempfile::tempdir().unwrap();
        let other =
            Store::open_and_migrate(&format!("sqlite://{}", dir.path().join("b.db").display()))
                .await
                .unwrap();
        let lines = parse_import(&text).unwrap();
        assert_eq!(other.import(&lines, t(13, 0)).await.unwrap(), 2);
        let again: String = other
            .export_all()
            .await
            .unwrap()
            .iter()
            .map(|l| serde_json::to_string(l).unwrap() + "\n")
            .collect();
        assert_eq!(text, again, "{backend}");
        let m = other.mention(id).await.unwrap().unwrap();
        assert_eq!(m.replied_at, Some(t(11, 0)));
        assert_eq!(m.status, Status::Replied);

        // Importing the same file twice: rejected whole, nothing added.
        let err = other.import(&lines, t(13, 0)).await.unwrap_err();
        assert_eq!(err.line, 1, "{backend}: {err}");
        assert_eq!(other.mention_count().await.unwrap(), 2);
    }
}

#[test]
fn import_errors_name_their_lines_and_keep_nothing() {
    let text = r#"{"source": "Telefon", "body": "Ringde om GoMonday", "found_at": "2026-11-20T10:00:00Z", "status": "replied"}

{"source": "X", "body": "b", "found_at": "yesterday"}
{"source": "X", "body": "b", "found_at": "2026-11-20T10:00:00Z", "sentiment": "angry"}
{"source": "X", "body": "b", "found_at": "2026-11-20T10:00:00Z", "status": "new", "events": [{"at": "2026-11-20T10:00:00Z", "actor": "a", "from": "new", "to": "replied"}]}
"#;
    let errors = parse_import(text).unwrap_err();
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3, 4, 5], "{errors:?}");
    assert!(errors[2].message.contains("disagrees"), "{}", errors[2]);
    // A line with only an outcome gets one synthetic event, so its status is explained.
    let ok = parse_import(text.lines().next().unwrap()).unwrap();
    assert_eq!(ok[0].1.events.len(), 1);
    assert_eq!(ok[0].1.events[0].to.as_deref(), Some("replied"));
}

#[tokio::test]
async fn leases_hand_out_each_due_source_once() {
    for (backend, store, _dir) in stores("leases").await {
        two_sources(&store).await;
        let now = t(9, 0);
        let a = store
            .lease_due_sources("w1", now, now + Duration::minutes(5), 10)
            .await
            .unwrap();
        let b = store
            .lease_due_sources("w2", now, now + Duration::minutes(5), 10)
            .await
            .unwrap();
        assert_eq!(a.len(), 2, "{backend}");
        assert!(
            b.is_empty(),
            "{backend}: a leased source is not handed out twice"
        );
        let later = now + Duration::minutes(6);
        let c = store
            .lease_due_sources("w2", later, later + Duration::minutes(5), 1)
            .await
            .unwrap();
        assert_eq!(
            c.len(),
            1,
            "{backend}: an expired lease is handed out again"
        );
    }
}

#[tokio::test]
async fn concurrent_crawls_all_commit() {
    for (backend, store, _dir) in stores("concurrent").await {
        let (blog, forum) = two_sources(&store).await;
        let mut set = tokio::task::JoinSet::new();
        for i in 0..8 {
            let store = store.clone();
            let source = if i % 2 == 0 { blog } else { forum };
            set.spawn(async move {
                let scope = source.to_string();
                let cands = (0..20)
                    .map(|j| {
                        candidate(
                            &scope,
                            Some(&format!("c{i}-{j}")),
                            None,
                            &format!("GoMonday {i} {j}"),
                        )
                    })
                    .collect();
                store.record_ok(&crawl(source, t(9, i), cands)).await
            });
        }
        while let Some(r) = set.join_next().await {
            r.unwrap()
                .unwrap_or_else(|e| panic!("{backend}: a concurrent crawl failed: {e}"));
        }
        assert_eq!(store.mention_count().await.unwrap(), 160, "{backend}");
    }
}

#[tokio::test]
async fn a_new_password_ends_the_users_sessions() {
    for (backend, store, _dir) in stores("pwreset").await {
        store.upsert_user("erik", "hash-1", t(9, 0)).await.unwrap();
        let user = store.user_by_name("erik").await.unwrap().unwrap();
        store
            .create_session(
                "tok",
                user.id,
                "csrf",
                t(9, 0),
                t(9, 0) + Duration::days(30),
            )
            .await
            .unwrap();
        assert!(store.session("tok", t(10, 0)).await.unwrap().is_some());
        store.upsert_user("erik", "hash-2", t(11, 0)).await.unwrap();
        assert!(
            store.session("tok", t(11, 1)).await.unwrap().is_none(),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn an_undone_reply_stays_undone_after_export_and_import() {
    for (backend, store, _dir) in stores("undoexport").await {
        let (blog, _) = two_sources(&store).await;
        let s = store
            .record_ok(&crawl(
                blog,
                t(9, 0),
                vec![candidate(&blog.to_string(), Some("g"), None, "GoMonday")],
            ))
            .await
            .unwrap();
        let id = &s.new_mentions[0];
        let reply = |h| Action::Replied {
            at: t(h, 0),
            reply_url: None,
            note: None,
        };
        store
            .apply_action(id, &reply(10), "erik", t(10, 0))
            .await
            .unwrap();
        store.undo_last(id, "erik", t(10, 5)).await.unwrap();
        store
            .apply_action(id, &reply(14), "erik", t(14, 0))
            .await
            .unwrap();
        let text: String = store
            .export_all()
            .await
            .unwrap()
            .iter()
            .map(|l| serde_json::to_string(l).unwrap() + "\n")
            .collect();
        assert!(text.contains("\"undoes\":1"), "{backend}: {text}");
        let dir = tempfile::tempdir().unwrap();
        let other =
            Store::open_and_migrate(&format!("sqlite://{}", dir.path().join("u.db").display()))
                .await
                .unwrap();
        other
            .import(&parse_import(&text).unwrap(), t(15, 0))
            .await
            .unwrap();
        assert_eq!(
            other.mention(id).await.unwrap().unwrap().replied_at,
            Some(t(14, 0)),
            "{backend}"
        );
        let again: String = other
            .export_all()
            .await
            .unwrap()
            .iter()
            .map(|l| serde_json::to_string(l).unwrap() + "\n")
            .collect();
        assert_eq!(again, text, "{backend}");
    }
}

#[test]
fn imports_keep_undo_links_and_refuse_broken_lifecycles() {
    let ok = r#"{"id":"m_u1","source":"S","body":"GoMonday","found_at":"2026-11-20T10:00:00Z","status":"replied","events":[{"at":"2026-11-20T10:00:00Z","actor":"lyssna","to":"new"},{"at":"2026-11-20T11:00:00Z","actor":"e","from":"new","to":"replied"},{"at":"2026-11-20T11:05:00Z","actor":"e","from":"replied","to":"new","reason":"undo","undoes":1},{"at":"2026-11-21T09:00:00Z","actor":"e","from":"new","to":"replied"}]}"#;
    assert!(parse_import(ok).is_ok());
    let chain = r#"{"source":"S","body":"b","found_at":"2026-11-20T10:00:00Z","status":"replied","events":[{"at":"2026-11-20T10:00:00Z","actor":"a","from":"new","to":"replied"},{"at":"2026-11-20T10:01:00Z","actor":"a","from":"new","to":"replied"}]}"#;
    let err = parse_import(chain).unwrap_err();
    assert!(err[0].message.contains("goes from 'new'"), "{err:?}");
    let snooze =
        r#"{"source":"S","body":"b","found_at":"2026-11-20T10:00:00Z","status":"snoozed"}"#;
    assert!(
        parse_import(snooze).unwrap_err()[0]
            .message
            .contains("until")
    );
}

#[tokio::test]
async fn inbox_search_finds_swedish_capitals_on_both_backends() {
    for (backend, store, _dir) in stores("search").await {
        let (blog, _) = two_sources(&store).await;
        let b = blog.to_string();
        store
            .record_ok(&crawl(
                blog,
                t(9, 0),
                vec![
                    candidate(&b, Some("a"), None, "Åhléns och GoMonday svarar inte"),
                    candidate(&b, Some("b"), None, "ÖREBRO: GoMonday öppnar kontor"),
                    candidate(&b, Some("c"), None, "GoMonday i Malmö"),
                ],
            ))
            .await
            .unwrap();
        for (words, hits) in [
            ("åhléns", 1),
            ("Åhléns", 1),
            ("örebro", 1),
            ("malmö", 1),
            ("gomonday", 3),
            ("svarar ÅHLÉNS", 1),
            ("malmö svarar", 0),
        ] {
            let page = store
                .inbox(&lyssna::store::InboxQuery {
                    search: Some(words.into()),
                    limit: 50,
                    ..Default::default()
                })
                .await
                .unwrap();
            assert_eq!(page.items.len(), hits, "{backend}: {words}");
        }
    }
}

/// The query language's search (issue: "The daily review"), through the index on both backends:
/// phrases, fields, OR, NOT, every diacritic folded, with the inbox's filters and cursor pages, an
/// edit and an import keeping the index in step, and refusals in words.
#[tokio::test]
async fn inbox_search_speaks_the_query_language_on_both_backends() {
    for (backend, store, _dir) in stores("querysearch").await {
        let (blog, forum) = two_sources(&store).await;
        let (b, f) = (blog.to_string(), forum.to_string());
        let mut kalle = candidate(
            &f,
            Some("k"),
            Some("https://www.flashback.org/t1"),
            "Det är inte okej, GoMonday",
        );
        kalle.author = Some("Kalle Åberg".into());
        let mut title = candidate(
            &b,
            Some("t"),
            Some("https://blogg.example/a"),
            "GoMonday svarar",
        );
        title.title = Some("Återbetalning dröjer".into());
        title.sentiment = Label::Neutral;
        let rec = crawl(
            blog,
            t(9, 0),
            vec![
                title,
                candidate(&b, Some("o"), None, "okej men inte bra, GoMonday"),
                candidate(
                    &b,
                    Some("r"),
                    None,
                    "Reklam för GoMonday återbetalningsskydd",
                ),
            ],
        );
        store.record_ok(&rec).await.unwrap();
        store
            .record_ok(&crawl(forum, t(9, 0), vec![kalle]))
            .await
            .unwrap();
        let find = |q: &str| {
            let store = store.clone();
            let q = q.to_string();
            async move {
                let page = store
                    .inbox(&lyssna::store::InboxQuery {
                        search: Some(q.clone()),
                        limit: 50,
                        ..Default::default()
                    })
                    .await
                    .unwrap_or_else(|e| panic!("{q}: {e}"));
                let mut bodies: Vec<String> = page
                    .items
                    .iter()
                    .map(|m| m.body.chars().take(12).collect())
                    .collect();
                bodies.sort();
                bodies
            }
        };
        for (q, want) in [
            ("\"inte okej\"", vec!["Det är inte "]),
            ("inte okej", vec!["Det är inte ", "okej men int"]),
            ("author:Kalle", vec!["Det är inte "]),
            ("author:aberg", vec!["Det är inte "]),
            ("kalle", vec!["Det är inte "]),
            ("title:kalle", vec![]),
            ("aterbetalning", vec!["GoMonday sva"]),
            ("title:ÅTERBETALNING", vec!["GoMonday sva"]),
            ("body:aterbetalning", vec![]),
            ("aterbetalning*", vec!["GoMonday sva", "Reklam för G"]),
            ("site:flashback.org", vec!["Det är inte "]),
            ("site:flashback", vec!["Det är inte "]),
            ("reklam OR dröjer", vec!["GoMonday sva", "Reklam för G"]),
            (
                "gomonday -reklam -\"inte okej\"",
                vec!["GoMonday sva", "okej men int"],
            ),
            ("gomonday NOT (okej OR reklam)", vec!["GoMonday sva"]),
            ("zzzyxx", vec![]),
        ] {
            assert_eq!(find(q).await, want, "{backend}: {q}");
        }
        // With the inbox's filters, and page by page.
        let filtered = store
            .inbox(&lyssna::store::InboxQuery {
                search: Some("gomonday".into()),
                sentiment: Some(Label::Neutral),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(filtered.items.len(), 1, "{backend}");
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = store
                .inbox(&lyssna::store::InboxQuery {
                    search: Some("gomonday".into()),
                    source: Some("Blogg".into()),
                    cursor,
                    limit: 2,
                    ..Default::default()
                })
                .await
                .unwrap();
            seen.extend(page.items.iter().map(|m| m.id.clone()));
            match page.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 3, "{backend}: every Blogg mention once");

        // An edit replaces the words the mention is found by.
        let edited = crawl(
            blog,
            t(10, 0),
            vec![candidate(
                &b,
                Some("o"),
                None,
                "helt ändrad text om GoMonday",
            )],
        );
        store.record_ok(&edited).await.unwrap();
        assert_eq!(
            find("\"okej men\"").await,
            Vec::<String>::new(),
            "{backend}"
        );
        assert_eq!(find("andrad").await, vec!["helt ändrad "], "{backend}");

        // An import is indexed as it is stored.
        let line = r#"{"id":"m_imp1","source":"Import","body":"Importerad kritik om Översättning","author":"Stina","found_at":"2026-11-20T10:00:00Z","status":"new"}"#;
        let lines = lyssna::store::parse_import(line).unwrap();
        store.import(&lines, t(11, 0)).await.unwrap();
        assert_eq!(
            find("oversattning author:stina").await,
            vec!["Importerad k"],
            "{backend}"
        );

        // What cannot be searched is said, and nothing is scanned.
        for (q, says) in [
            ("a".repeat(60 * 1024), "at most 512"),
            ("\"inte okej".into(), "not understood"),
            ("-reklam".into(), "a word to look for"),
            ("*skydd".into(), "cannot begin with '*'"),
        ] {
            let err = store
                .inbox(&lyssna::store::InboxQuery {
                    search: Some(q.clone()),
                    limit: 50,
                    ..Default::default()
                })
                .await
                .unwrap_err();
            assert!(
                matches!(&err, StoreError::Invalid(m) if m.contains(says)),
                "{backend}: {}: {err}",
                &q[..q.len().min(20)]
            );
        }
    }
}

/// A database from before the search index gets its stored mentions indexed when it is migrated.
#[tokio::test]
async fn migrating_to_the_search_index_indexes_what_is_stored() {
    use sqlx::Connection;
    for (backend, url, _dir) in crate::support::databases("searchfill").await {
        let store = Store::open_and_migrate(&url).await.unwrap();
        let (blog, _) = two_sources(&store).await;
        let b = blog.to_string();
        let many: Vec<Candidate> = (0..2_500)
            .map(|i| {
                candidate(
                    &b,
                    Some(&format!("g{i}")),
                    None,
                    &format!("Inlägg nummer n{i} om GoMonday"),
                )
            })
            .collect();
        store.record_ok(&crawl(blog, t(9, 0), many)).await.unwrap();
        // As an older Lyssna left it: no index.
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        let undo = match backend.as_str() {
            "sqlite" => {
                "DROP TABLE mention_search; DROP TABLE mention_search_rows; \
                 DELETE FROM lyssna_migrations WHERE version = 9;"
            }
            _ => "DROP TABLE mention_search; DELETE FROM lyssna_migrations WHERE version = 9;",
        };
        sqlx::raw_sql(undo).execute(&mut conn).await.unwrap();
        assert!(store.check_schema().await.is_err(), "{backend}");
        assert_eq!(store.migrate().await.unwrap(), 1, "{backend}");
        for q in ["n0", "n2499", "inlagg"] {
            let page = store
                .inbox(&lyssna::store::InboxQuery {
                    search: Some(q.into()),
                    limit: 500,
                    ..Default::default()
                })
                .await
                .unwrap();
            let want = if q == "inlagg" { 500 } else { 1 };
            assert_eq!(page.items.len(), want, "{backend}: {q}");
        }
    }
}

/// Migrations are append-only: a database whose applied migration differs from the one this binary
/// carries is refused with a message that says so; one applied before checksums were kept is trusted.
#[tokio::test]
async fn a_changed_applied_migration_is_refused() {
    use sqlx::Connection;
    for (backend, url, _dir) in crate::support::databases("migration_checksum").await {
        let store = Store::open_and_migrate(&url).await.unwrap();
        store.check_schema().await.unwrap();
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        // As an older Lyssna left it: no checksum. Trusted, and recorded on the next look.
        sqlx::raw_sql("UPDATE lyssna_migrations SET checksum = NULL")
            .execute(&mut conn)
            .await
            .unwrap();
        store.check_schema().await.unwrap();
        let row = sqlx::query("SELECT checksum FROM lyssna_migrations WHERE version = 1")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let recorded: Option<String> = sqlx::Row::try_get(&row, "checksum").unwrap();
        assert_eq!(recorded.map(|c| c.len()), Some(64), "{backend}");
        // Edited after it was applied: refused by check and by migrate, with what to do.
        sqlx::raw_sql("UPDATE lyssna_migrations SET checksum = 'edited' WHERE version = 1")
            .execute(&mut conn)
            .await
            .unwrap();
        for err in [
            store.check_schema().await.unwrap_err(),
            store.migrate().await.map(|_| ()).unwrap_err(),
        ] {
            assert!(
                matches!(err, StoreError::MigrationChanged { version: 1, .. }),
                "{backend}: {err}"
            );
            assert!(err.to_string().contains("append-only"), "{backend}: {err}");
        }
        conn.close().await.ok();
    }
}

/// A database from before the inbox's clock: migration 0005 fills `posted_at` from what is stored
/// (the post's time, never later than found, else found), and the inbox orders by it. Versions may
/// have gaps: one not applied yet is applied even when a higher one is.
#[tokio::test]
async fn an_older_database_gets_the_inbox_clock() {
    use sqlx::Connection;
    for (backend, url, _dir) in crate::support::databases("migration_posted").await {
        let store = Store::connect(&url).await.unwrap();
        let initial = if store.backend() == lyssna::store::Backend::Sqlite {
            include_str!("../../migrations/sqlite/0001_initial.sql")
        } else {
            include_str!("../../migrations/postgres/0001_initial.sql")
        };
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(initial).execute(&mut conn).await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE lyssna_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
             applied_at BIGINT NOT NULL, checksum TEXT); \
             INSERT INTO lyssna_migrations VALUES (1, 'initial', 0, NULL); \
             INSERT INTO sources (id, name, kind, created_at) VALUES (1, 'Forum', 'html', 0); \
             INSERT INTO mentions (id, source_id, body, found_at, updated_at, content_hash, published_at, status) VALUES \
               ('m_found_late', 1, 'x', 5000, 5000, 'a', 1000, 'new'), \
               ('m_no_date', 1, 'y', 3000, 3000, 'b', NULL, 'new'), \
               ('m_skewed', 1, 'z', 2000, 2000, 'c', 9000, 'new')",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        assert!(
            matches!(
                store.check_schema().await,
                Err(StoreError::OutdatedSchema { found: 1, .. })
            ),
            "{backend}"
        );
        // 0005 and every migration after it (the schema is then current).
        assert!(store.migrate().await.unwrap() >= 1, "{backend}");
        store.check_schema().await.unwrap();
        let page = store
            .inbox(&lyssna::store::InboxQuery {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        let ids: Vec<&str> = page.items.iter().map(|m| m.id.as_str()).collect();
        // Posted 1000, found 2000 (its post time 9000 is skew), found 3000.
        assert_eq!(ids, ["m_found_late", "m_skewed", "m_no_date"], "{backend}");
        // A migration numbered below the newest applied one, not applied, is missing: `migrate`
        // would apply it, and until then the schema counts as older than that one.
        sqlx::raw_sql("DELETE FROM lyssna_migrations WHERE version = 1")
            .execute(&mut conn)
            .await
            .unwrap();
        assert!(
            matches!(
                store.check_schema().await,
                Err(StoreError::OutdatedSchema { found: 0, .. })
            ),
            "{backend}"
        );
        conn.close().await.ok();
    }
}

/// On PostgreSQL a crawl waits only for crawls that store the same posts: a 3-item crawl of another
/// source commits while a 20,000-item crawl is still being stored (it used to queue behind it under
/// one lock for all ingest). Two crawls of the same new posts still store each post once.
#[tokio::test]
async fn a_small_crawl_does_not_wait_behind_a_big_one_on_postgresql() {
    let Some(url) = crate::support::postgres_url("ingestlock").await else {
        eprintln!("skipped: ingest lock on PostgreSQL (set LYSSNA_TEST_POSTGRES_URL to run it)");
        return;
    };
    let _heavy = crate::support::heavy().await;
    let store = Store::open_and_migrate(&url).await.unwrap();
    let (blog, forum) = two_sources(&store).await;
    let big: Vec<Candidate> = (0..20_000)
        .map(|j| {
            candidate(
                "big",
                Some(&format!("b{j}")),
                None,
                &format!("GoMonday stort {j}"),
            )
        })
        .collect();
    let big_store = store.clone();
    let big_crawl =
        tokio::spawn(async move { big_store.record_ok(&crawl(blog, t(9, 0), big)).await });
    // Well inside the big crawl's transaction (it takes seconds).
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let small: Vec<Candidate> = (0..3)
        .map(|j| {
            candidate(
                "small",
                Some(&format!("s{j}")),
                None,
                &format!("GoMonday litet {j}"),
            )
        })
        .collect();
    let summary = store
        .record_ok(&crawl(forum, t(9, 1), small))
        .await
        .unwrap();
    assert_eq!(summary.new_mentions.len(), 3);
    assert!(
        !big_crawl.is_finished(),
        "the big crawl should still be storing: this test needs it to outlast the small one"
    );
    big_crawl.await.unwrap().unwrap();
    assert_eq!(store.mention_count().await.unwrap(), 20_003);

    // The same new posts from two crawls at once: one mention each.
    let shared = |scope: &str| -> Vec<Candidate> {
        (0..200)
            .map(|j| {
                candidate(
                    scope,
                    None,
                    Some(&format!("https://delad.example/{j}")),
                    &format!("GoMonday delad {j}"),
                )
            })
            .collect()
    };
    let (x, y) = (
        crawl(blog, t(10, 0), shared("x")),
        crawl(forum, t(10, 0), shared("y")),
    );
    let (a, b) = tokio::join!(store.record_ok(&x), store.record_ok(&y));
    let new = a.unwrap().new_mentions.len() + b.unwrap().new_mentions.len();
    assert_eq!(new, 200, "each shared post is one mention");
    assert_eq!(store.mention_count().await.unwrap(), 20_203);
}

/// `n` distinct items of one source, each with its own GUID and URL.
fn many(source_id: i64, tag: &str, n: usize) -> Vec<Candidate> {
    let scope = source_id.to_string();
    (0..n)
        .map(|i| {
            candidate(
                &scope,
                Some(&format!("{tag}-{i}")),
                Some(&format!("https://blogg.example/{tag}/{i}")),
                &format!("GoMonday inlägg {tag} nummer {i} om leveransen"),
            )
        })
        .collect()
}

/// Issue 14 item 7: one crawl of many items held SQLite's write lock in one transaction, and every
/// other writer — a status change of this process, `mention add` of another process (here a second
/// store on the same file: its own pool, no shared in-process lock, so it waits in SQLite's busy
/// handler) — waited for all of it and failed after the busy timeout. Now the crawl is written in
/// chunks: both kinds of writer get in within a second, and the crawl stays all-or-nothing to readers.
#[tokio::test]
async fn a_big_crawl_leaves_other_writers_their_turn_on_sqlite() {
    let _heavy = crate::support::heavy().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("lyssna.db").display());
    let store = Store::open_and_migrate(&url).await.unwrap();
    let other_process = Store::connect(&url).await.unwrap();
    let (blog, _) = two_sources(&store).await;
    let now = Utc::now();
    let seeded = store
        .record_ok(&crawl(blog, now, many(blog, "seed", 1)))
        .await
        .unwrap();
    let id = seeded.new_mentions[0].clone();
    let n = 24 * lyssna::store::STAGE_CHUNK + 17;
    let big = crawl(blog, now, many(blog, "big", n));
    let crawling = {
        let store = store.clone();
        tokio::spawn(async move { store.record_ok(&big).await })
    };
    // Under way (one transaction took several seconds here in a debug build).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (mut own, mut cross, mut counts) = (Vec::new(), Vec::new(), HashSet::new());
    let mut i = 0;
    while !crawling.is_finished() {
        let action = if i % 2 == 0 {
            Action::NoReplyNeeded {
                reason: NoReplyReason::Spam,
                note: None,
            }
        } else {
            Action::Reopen { note: None }
        };
        let started = std::time::Instant::now();
        store
            .apply_action(&id, &action, "leader", Utc::now())
            .await
            .expect("a status change during the crawl");
        own.push(started.elapsed());
        let started = std::time::Instant::now();
        let mut manual = candidate("manual", None, None, &format!("Samtal {i} om GoMonday"));
        manual.keys = vec![format!("manual:{i}")];
        other_process
            .add_manual_mention("Telefon", &manual, Utc::now())
            .await
            .expect("`mention add` from another process during the crawl");
        cross.push(started.elapsed());
        counts.insert(store.mention_count().await.unwrap() - i64::from(i + 1));
        i += 1;
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    let summary = crawling.await.unwrap().unwrap();
    assert_eq!(summary.new_mentions.len(), n);
    let worst = |w: &[std::time::Duration]| w.iter().max().copied().unwrap_or_default();
    eprintln!(
        "{} status changes, worst {:?}; {} adds from another process, worst {:?}",
        own.len(),
        worst(&own),
        cross.len(),
        worst(&cross)
    );
    assert!(worst(&own) < std::time::Duration::from_secs(1), "{own:?}");
    assert!(
        worst(&cross) < std::time::Duration::from_secs(1),
        "{cross:?}"
    );
    assert!(
        own.len() >= 5,
        "the crawl ended before it could be measured"
    );
    // Readers saw the seed alone, or the seed and the whole crawl: never a part of it.
    counts.retain(|&c| c != 1);
    assert!(
        counts.iter().all(|&c| c == 1 + n as i64),
        "partial crawl visible: {counts:?}"
    );
    assert_eq!(
        store.mention_count().await.unwrap(),
        1 + n as i64 + i64::from(i)
    );
    assert!(store.pending_crawls().await.unwrap().is_empty());
}

/// A big crawl killed between two of its chunks (its process gone: the task is dropped mid-way and
/// its worker leaves the registry, as a kill -9 found at the next start does) leaves nothing a reader
/// sees; the next start removes what it staged, and crawling again stores every item exactly once.
#[tokio::test]
async fn a_big_crawl_killed_between_chunks_leaves_nothing_visible_or_duplicated() {
    let _heavy = crate::support::heavy().await;
    for (backend, store, _dir) in stores("killed_between_chunks").await {
        let (blog, _) = two_sources(&store).await;
        let now = Utc::now();
        store
            .record_ok(&crawl(blog, now, many(blog, "seed", 3)))
            .await
            .unwrap();
        let worker = lyssna::store::WorkerSpec {
            id: "host:1:doomed".into(),
            host: "host".into(),
            pid: 1,
            pid_start: 0,
            command: "crawl".into(),
        };
        store.register_worker(&worker, now).await.unwrap();
        assert!(
            store
                .lease_source(blog, &worker.id, now, now + Duration::minutes(10))
                .await
                .unwrap()
        );
        let n = 4 * lyssna::store::STAGE_CHUNK + 5;
        let candidates = many(blog, "big", n);
        let doomed = {
            let (store, rec) = (store.clone(), crawl(blog, now, candidates.clone()));
            tokio::spawn(async move { store.record_ok(&rec).await })
        };
        let staged = loop {
            let pending = store.pending_crawls().await.unwrap();
            if let Some(p) = pending.first().filter(|p| p.staged > 0) {
                break p.clone();
            }
            assert!(!doomed.is_finished(), "{backend}: the crawl ended unstaged");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        };
        doomed.abort();
        assert!(doomed.await.unwrap_err().is_cancelled(), "{backend}");
        assert_eq!(
            staged.owner.as_deref(),
            Some(worker.id.as_str()),
            "{backend}"
        );
        let pending = store.pending_crawls().await.unwrap();
        assert_eq!(pending.len(), 1, "{backend}");
        assert!(
            pending[0].staged > 0 && pending[0].staged < n as i64,
            "{backend}: {pending:?}"
        );
        // Nothing of it is visible: counts, the inbox, a search, a mention page, the export.
        assert_eq!(store.mention_count().await.unwrap(), 3, "{backend}");
        assert_eq!(store.inbox_counts().await.unwrap().new, 3, "{backend}");
        let page = store
            .inbox(&lyssna::store::InboxQuery {
                limit: 500,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.items.len(), 3, "{backend}");
        let searched = store
            .inbox(&lyssna::store::InboxQuery {
                search: Some("leveransen".into()),
                limit: 500,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(searched.items.len(), 3, "{backend}");
        let lines = store.export_all().await.unwrap();
        assert_eq!(lines.len(), 3, "{backend}");
        // The next start: the dead worker leaves the registry, its stage goes with it.
        store
            .remove_dead_workers(std::slice::from_ref(&worker.id))
            .await
            .unwrap();
        assert_eq!(
            store.discard_abandoned_crawls(Utc::now()).await.unwrap(),
            1,
            "{backend}"
        );
        assert!(
            store.pending_crawls().await.unwrap().is_empty(),
            "{backend}"
        );
        assert_eq!(store.mention_count().await.unwrap(), 3, "{backend}");
        // Crawled again: every item once, and once more: nothing new.
        let again = store
            .record_ok(&crawl(blog, now, candidates.clone()))
            .await
            .unwrap();
        assert_eq!(again.new_mentions.len(), n, "{backend}");
        let third = store
            .record_ok(&crawl(blog, now, candidates))
            .await
            .unwrap();
        assert_eq!(third.new_mentions.len(), 0, "{backend}");
        assert_eq!(third.already_known, n, "{backend}");
        assert_eq!(
            store.mention_count().await.unwrap(),
            3 + n as i64,
            "{backend}"
        );
        assert_eq!(
            store.inbox_counts().await.unwrap().new,
            3 + n as i64,
            "{backend}"
        );
        let searched = store
            .inbox(&lyssna::store::InboxQuery {
                search: Some("leveransen".into()),
                limit: 500,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(searched.items.len(), 500, "{backend}");
    }
}

/// Syncing the configuration writes only what changed, and `lyssna crawl` leases its sources in
/// bulk: more sources than one statement names, both backends.
#[tokio::test]
async fn sources_are_synced_and_leased_in_bulk_on_both_backends() {
    use sqlx::Connection;
    let specs: Vec<SourceSpec> = (0..600)
        .map(|i| SourceSpec {
            name: format!("s{i}"),
            kind: SourceKind::Feed,
            url: Some(format!("https://h{}.example/feed{i}", i % 7)),
            schedule: "every 30m".into(),
        })
        .collect();
    let etags = |store: Store| async move {
        let all = store.sources().await.unwrap();
        let with_etag = all.iter().filter(|s| s.etag.is_some()).count();
        let out_of_config: Vec<String> = all
            .iter()
            .filter(|s| !s.in_config)
            .map(|s| s.name.clone())
            .collect();
        (all.len(), with_etag, out_of_config)
    };
    for (backend, url, _dir) in crate::support::databases("bulksources").await {
        let store = Store::open_and_migrate(&url).await.unwrap();
        store.sync_sources(&specs, t(8, 0)).await.unwrap();
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::raw_sql("UPDATE sources SET etag = 'e1', next_check_at = 123")
            .execute(&mut conn)
            .await
            .unwrap();
        // The same configuration again: nothing is rewritten.
        store.sync_sources(&specs, t(9, 0)).await.unwrap();
        assert_eq!(etags(store.clone()).await, (600, 600, vec![]), "{backend}");
        let s3 = store.source_by_name("s3").await.unwrap().unwrap();
        assert_eq!(
            s3.next_check_at.map(|t| t.timestamp()),
            Some(123),
            "{backend}"
        );
        // One address changed (its validators go), one source dropped (kept, out of config).
        let mut changed: Vec<SourceSpec> = specs.clone();
        changed[0].url = Some("https://elsewhere.example/feed".into());
        changed.remove(1);
        store.sync_sources(&changed, t(10, 0)).await.unwrap();
        assert_eq!(
            etags(store.clone()).await,
            (600, 599, vec!["s1".to_string()]),
            "{backend}"
        );
        assert!(
            store
                .source_by_name("s0")
                .await
                .unwrap()
                .unwrap()
                .etag
                .is_none(),
            "{backend}"
        );
        store.sync_sources(&specs, t(11, 0)).await.unwrap();
        assert!(etags(store.clone()).await.2.is_empty(), "{backend}");

        let now = Utc::now();
        let until = now + Duration::minutes(10);
        // An unknown name takes no lease at all.
        let err = store
            .lease_sources(&["s5", "nope"], "w1", now, until)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::SourceNotFound(ref n) if n == "nope"),
            "{backend}: {err}"
        );
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        let first = store.lease_sources(&names, "w1", now, until).await.unwrap();
        assert_eq!(first.len(), 600, "{backend}");
        assert!(
            first
                .iter()
                .zip(&names)
                .all(|(r, n)| r.as_ref().is_some_and(|r| r.name == *n)),
            "{backend}: every source leased, in the order named"
        );
        // Held by w1 until its lease ends: another process gets none of them.
        let second = store.lease_sources(&names, "w2", now, until).await.unwrap();
        assert!(second.iter().all(Option::is_none), "{backend}");
    }
}
