use super::*;
use chrono::TimeZone;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
}

fn post(key: &str, author: &str, at: DateTime<Utc>, body: &str) -> ThreadPost {
    ThreadPost {
        key: key.into(),
        site_id: Some(key.into()),
        url: Some(format!("https://forum.example/t/1#{key}")),
        author: Some(author.into()),
        at: Some(at),
        body: body.into(),
        ..ThreadPost::default()
    }
}

fn leader(key: &str, at: DateTime<Utc>, body: &str) -> ThreadPost {
    ThreadPost {
        leader: Some("ErikA".into()),
        ..post(key, "ErikA", at, body)
    }
}

fn replying(mut p: ThreadPost, to: &str) -> ThreadPost {
    p.reply_to = Some(to.into());
    p
}

fn quoting(mut p: ThreadPost, author: Option<&str>, text: &str) -> ThreadPost {
    p.quotes.push(Quote {
        author: author.map(str::to_string),
        text: text.into(),
    });
    p
}

/// A stored, open mention made from `p`.
fn mention_of(p: &ThreadPost) -> ThreadMention {
    ThreadMention {
        id: format!("m-{}", p.key),
        stored: true,
        author: p.author.clone(),
        at: p.at.unwrap(),
        body: p.body.clone(),
        posts: vec![p.key.clone()],
        ids: Vec::new(),
        status: Status::New,
        last_change_at: None,
        scope: ReplyScope::Post,
    }
}

/// The changes as (mention id, what, post key, time), for readable tables.
fn summary(
    posts: &[ThreadPost],
    mentions: &[ThreadMention],
    l: &Linking,
) -> Vec<(String, &'static str, String, DateTime<Utc>)> {
    l.changes
        .iter()
        .map(|c| match c {
            Change::Replied {
                mention, post, at, ..
            } => (
                mentions[*mention].id.clone(),
                "replied",
                posts[*post].key.clone(),
                *at,
            ),
            Change::Reopened { mention, post, at } => (
                mentions[*mention].id.clone(),
                "reopened",
                posts[*post].key.clone(),
                *at,
            ),
        })
        .collect()
}

fn kalle_and_lisa() -> Vec<ThreadPost> {
    vec![
        post(
            "p1",
            "Kalle",
            t(10, 0),
            "GoMonday har inte betalat tillbaka på tre veckor",
        ),
        post("p2", "Lisa", t(10, 30), "Jag älskar GoMonday, bästa appen"),
    ]
}

#[test]
fn a_reply_to_kalle_leaves_lisas_praise_open() {
    let mut posts = kalle_and_lisa();
    posts.push(leader(
        "p3",
        t(11, 0),
        "Hej Kalle! Jag ringer dig i dag om återbetalningen.",
    ));
    let mentions = [mention_of(&posts[0]), mention_of(&posts[1])];
    let l = link(&posts, &mentions);
    assert_eq!(
        summary(&posts, &mentions, &l),
        vec![("m-p1".into(), "replied", "p3".into(), t(11, 0))]
    );
    assert!(matches!(
        l.changes[0],
        Change::Replied {
            how: LinkKind::Address,
            ..
        }
    ));
    assert_eq!(
        l.posted_after,
        vec![],
        "an answer to someone is no note for Lisa"
    );
}

#[test]
fn a_leader_post_answering_nobody_notes_the_open_mentions_before_it() {
    let mut posts = kalle_and_lisa();
    posts.push(leader(
        "p3",
        t(11, 0),
        "Tack för alla synpunkter, vi ser över det.",
    ));
    posts.push(post("p4", "Olle", t(12, 0), "GoMonday funkar för mig"));
    let mentions = [
        mention_of(&posts[0]),
        mention_of(&posts[1]),
        mention_of(&posts[3]),
    ];
    let l = link(&posts, &mentions);
    assert_eq!(l.changes, vec![]);
    assert_eq!(
        l.posted_after,
        vec![(0, 2), (1, 2)],
        "not Olle's, which came later"
    );

    // reply_scope = "thread": today's behaviour, every open mention before the post is replied.
    let thread: Vec<ThreadMention> = mentions
        .iter()
        .map(|m| ThreadMention {
            scope: ReplyScope::Thread,
            ..m.clone()
        })
        .collect();
    let l = link(&posts, &thread);
    assert_eq!(
        summary(&posts, &thread, &l),
        vec![
            ("m-p1".into(), "replied", "p3".into(), t(11, 0)),
            ("m-p2".into(), "replied", "p3".into(), t(11, 0)),
        ]
    );
    assert_eq!(l.posted_after, vec![]);
}

#[test]
fn follow_ups_are_judged_by_post_times_in_one_crawl() {
    // Critic 08:18, leader 19:59, critic 20:00, leader 20:01 — all seen in one crawl, the critic's
    // second post matching the brand too (a mention this crawl would create).
    let posts = vec![
        post("c1", "Kritikern", t(8, 18), "GoMonday tappade mitt paket"),
        leader("l1", t(19, 59), "@Kritikern vi letar, återkommer"),
        post(
            "c2",
            "Kritikern",
            t(20, 0),
            "GoMonday har fortfarande inte hört av sig",
        ),
        leader(
            "l2",
            t(20, 1),
            "Kritikern: paketet är hittat, kommer i morgon",
        ),
    ];
    let mut first = mention_of(&posts[0]);
    first.stored = false;
    let mut second = mention_of(&posts[2]);
    second.stored = false;
    let mentions = [first, second];
    let l = link(&posts, &mentions);
    assert_eq!(
        summary(&posts, &mentions, &l),
        vec![
            ("m-c1".into(), "replied", "l1".into(), t(19, 59)),
            ("m-c1".into(), "reopened", "c2".into(), t(20, 0)),
            ("m-c1".into(), "replied", "l2".into(), t(20, 1)),
        ]
    );
    assert_eq!(l.attached, vec![(2, 0)]);
    assert_eq!(
        l.absorbed,
        vec![(1, 0)],
        "the follow-up is no second mention"
    );

    // The next crawl sees the same posts: the stored state is where the thread ends; nothing moves.
    let stored = ThreadMention {
        stored: true,
        status: Status::Replied,
        last_change_at: Some(t(20, 1)),
        posts: vec!["c1".into(), "c2".into()],
        ..mentions[0].clone()
    };
    let again = link(&posts, std::slice::from_ref(&stored));
    assert_eq!(again, Linking::default());
    // … and the follow-up, matching the brand again, is still no second mention.
    let both = [stored.clone(), mentions[1].clone()];
    let again = link(&posts, &both);
    assert_eq!((again.changes, again.absorbed), (vec![], vec![(1, 0)]));

    // Only a later critic post reopens it.
    let mut later = posts.clone();
    later.push(post("c3", "Kritikern", t(21, 0), "Inget paket"));
    let l = link(&later, std::slice::from_ref(&stored));
    assert_eq!(
        summary(&later, std::slice::from_ref(&stored), &l),
        vec![("m-c1".into(), "reopened", "c3".into(), t(21, 0))]
    );
}

#[test]
fn the_order_posts_arrive_in_does_not_matter() {
    let mut posts = vec![
        post("c1", "Kritikern", t(8, 18), "GoMonday tappade mitt paket"),
        leader("l1", t(19, 59), "@Kritikern vi letar"),
        post("c2", "Kritikern", t(20, 0), "Fortfarande inget"),
        leader("l2", t(20, 1), "@Kritikern hittat!"),
    ];
    let mentions = [mention_of(&posts[0])];
    let forward = summary(&posts, &mentions, &link(&posts, &mentions));
    posts.reverse();
    assert_eq!(
        summary(&posts, &mentions, &link(&posts, &mentions)),
        forward
    );
}

#[test]
fn structure_quotes_and_addresses_link_a_reply() {
    let critic = post(
        "45",
        "Kassakalle",
        t(9, 0),
        "GoMonday är så dåliga på återbetalningar",
    );
    let other = post("46", "Örjan", t(9, 30), "GoMonday har bra priser");
    // (case, the leader's post, expected link for Kassakalle's mention)
    let table: Vec<(&str, ThreadPost, Option<LinkKind>)> = vec![
        (
            "WordPress parent / Discourse reply_to_post_number",
            replying(leader("50", t(10, 0), "Vi tittar på det."), "45"),
            Some(LinkKind::Structure),
        ),
        (
            "Reddit's parent_id names the comment with its kind prefix",
            replying(leader("50", t(10, 0), "Vi tittar på det."), "t1_45"),
            Some(LinkKind::Structure),
        ),
        (
            "a reply to Örjan is none to Kassakalle",
            replying(leader("50", t(10, 0), "Tack!"), "46"),
            None,
        ),
        (
            "vBulletin: Citat: Ursprungligen postat av Kassakalle",
            quoting(
                leader("50", t(10, 0), "Det stämmer inte."),
                Some("Kassakalle"),
                "något",
            ),
            Some(LinkKind::Quote),
        ),
        (
            "an unattributed blockquote holding the post's text",
            quoting(
                leader("50", t(10, 0), "Det stämmer inte."),
                None,
                "så dåliga på återbetalningar",
            ),
            Some(LinkKind::Quote),
        ),
        (
            "a short quote names nothing",
            quoting(leader("50", t(10, 0), "Ja."), None, "GoMonday"),
            None,
        ),
        (
            "the handle first",
            leader("50", t(10, 0), "Kassakalle, vi ringer dig."),
            Some(LinkKind::Address),
        ),
        (
            "a greeting, then the handle",
            leader("50", t(10, 0), "Hej Kassakalle! Vi ringer."),
            Some(LinkKind::Address),
        ),
        (
            "@handle inside the text",
            leader("50", t(10, 0), "Vi har svarat @kassakalle i PM."),
            Some(LinkKind::Address),
        ),
        (
            "a longer name that begins with the handle",
            leader("50", t(10, 0), "Kassakallesson, hej."),
            None,
        ),
        (
            "an e-mail address is no @handle",
            leader("50", t(10, 0), "Skriv till support@kassakalle.se"),
            None,
        ),
        (
            "before the post it cannot answer it",
            leader("40", t(8, 0), "@Kassakalle hej"),
            None,
        ),
    ];
    for (case, reply, expected) in table {
        let posts = vec![critic.clone(), other.clone(), reply];
        let mentions = [mention_of(&critic), mention_of(&other)];
        let l = link(&posts, &mentions);
        let got = l.changes.iter().find_map(|c| match c {
            Change::Replied {
                mention: 0, how, ..
            } => Some(*how),
            _ => None,
        });
        assert_eq!(got, expected, "{case}");
        assert_eq!(
            l.changes
                .iter()
                .any(|c| matches!(c, Change::Replied { mention: 1, .. })),
            case.starts_with("a reply to Örjan"),
            "{case}: Örjan's mention is answered only by the reply to him"
        );
    }
}

#[test]
fn a_reply_to_a_follow_up_answers_the_mention() {
    let posts = vec![
        post("1", "Kalle", t(9, 0), "GoMonday svarar inte"),
        leader("2", t(10, 0), "@Kalle vi kollar"),
        post("3", "Kalle", t(11, 0), "Fortfarande inget"),
        replying(leader("4", t(12, 0), "Nu är det löst."), "3"),
    ];
    let mentions = [mention_of(&posts[0])];
    let l = link(&posts, &mentions);
    assert_eq!(
        summary(&posts, &mentions, &l).last().cloned(),
        Some(("m-1".into(), "replied", "4".into(), t(12, 0)))
    );
}

#[test]
fn the_leaders_own_changes_are_respected() {
    let posts = vec![
        post("1", "Kalle", t(9, 0), "GoMonday svarar inte"),
        leader("2", t(10, 0), "@Kalle vi kollar"),
        post("3", "Kalle", t(11, 0), "Tack"),
    ];
    // Reopened by hand at 12:00: the 10:00 reply and the 11:00 post are older than that.
    let reopened = ThreadMention {
        last_change_at: Some(t(12, 0)),
        ..mention_of(&posts[0])
    };
    assert_eq!(
        link(&posts, std::slice::from_ref(&reopened)),
        Linking::default()
    );
    // Marked no reply needed: a later post by its author does not reopen it.
    let dismissed = ThreadMention {
        status: Status::NoReplyNeeded,
        last_change_at: Some(t(9, 30)),
        ..mention_of(&posts[0])
    };
    assert_eq!(
        link(&posts, std::slice::from_ref(&dismissed)),
        Linking::default()
    );
    // Still open, and its author writes again: not a follow-up (nothing was answered yet).
    let open = [mention_of(&posts[0])];
    let only_author = [posts[0].clone(), posts[2].clone()];
    assert_eq!(link(&only_author, &open), Linking::default());
}

#[test]
fn a_mention_stored_before_its_threads_posts_finds_its_post_by_author_and_time() {
    let posts = vec![
        post("1", "Kalle", t(9, 0), "GoMonday svarar inte"),
        replying(leader("2", t(10, 0), "Vi kollar."), "1"),
    ];
    let old = ThreadMention {
        posts: Vec::new(),
        ..mention_of(&posts[0])
    };
    let l = link(&posts, std::slice::from_ref(&old));
    assert!(matches!(
        l.changes.as_slice(),
        [Change::Replied {
            how: LinkKind::Structure,
            ..
        }]
    ));
}

#[test]
fn the_thread_scope_comes_from_the_source_or_any_brand() {
    use ReplyScope::*;
    assert_eq!(ReplyScope::effective(Post, &[]), Post);
    assert_eq!(ReplyScope::effective(Post, &[Post, Thread]), Thread);
    assert_eq!(ReplyScope::effective(Thread, &[Post]), Thread);
    assert_eq!("thread".parse::<ReplyScope>(), Ok(Thread));
    assert!(
        "tråd"
            .parse::<ReplyScope>()
            .unwrap_err()
            .contains("\"thread\"")
    );
}
