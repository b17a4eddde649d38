//! One mention (`/mentions/{id}`): its text with the brand highlighted, where it sits in its thread,
//! why it matched, its sentiment and reasons, its history in time order, and the actions — each of
//! which moves on to the next open mention.

use super::*;
use crate::domain::mention::{EventReason, NoReplyReason, SystemNote};
use crate::store::{Cursor, EventRecord, FOLLOW_UP_ACTOR, REPLY_DETECTION_ACTOR, SYSTEM_ACTOR};
use crate::web::i18n::{match_explanation, sentiment_reason, short_time};

pub struct EventView {
    pub at: When,
    pub actor: String,
    pub kind: String,
    pub change: String,
    pub detail: String,
    pub reply_href: Option<String>,
}

/// A post of the same thread, for the "in this thread" list.
pub struct ThreadPost {
    pub id: String,
    pub author: String,
    pub at: When,
    pub sentiment: String,
    pub status: String,
    pub this: bool,
}

/// A post of the thread as Lyssna read it (the critic's, the leader's, the follow-ups), for the
/// conversation on the mention page.
pub struct ConversationPost {
    pub author: String,
    pub at: Option<When>,
    pub excerpt: String,
    pub quotes: Vec<(String, String)>,
    pub href: Option<String>,
    /// The stored mention this post is or follows up, linked unless it is this one.
    pub mention_id: Option<String>,
    pub this: bool,
    pub follow_up: bool,
    /// Written by one of the leader's identities.
    pub leader: bool,
    /// The leader's reply that marked this mention replied.
    pub counted: bool,
}

pub struct MentionView {
    pub id: String,
    pub status: String,
    pub open: bool,
    pub source: String,
    pub author: String,
    pub posted: When,
    /// When Lyssna found it, shown when that differs from the post's time by more than a minute.
    pub found: Option<When>,
    pub brands: String,
    pub plain_title: String,
    pub title_html: String,
    pub body_html: String,
    pub href: Option<String>,
    pub url_text: String,
    pub thread_href: Option<String>,
    pub thread: Vec<ThreadPost>,
    /// The thread's posts around this mention, in time order (empty when Lyssna stored none).
    pub conversation: Vec<ConversationPost>,
    pub why: Vec<(String, String)>,
    /// Held back as probably not about us: the page offers "About us".
    pub held: bool,
    pub sentiment: String,
    pub classifier_label: String,
    pub overridden: bool,
    pub score: String,
    pub reasons: Vec<String>,
    pub events: Vec<EventView>,
    pub snoozed_until: Option<String>,
    /// The history has a change the leader can take back.
    pub can_undo: bool,
    pub flags: view::RowFlags,
}

#[derive(Template)]
#[template(path = "mention.html")]
pub(super) struct MentionPage {
    t: Tr,
    nav: Nav,
    csrf: String,
    back: String,
    now_local: String,
    sentiment_opts: Vec<Opt>,
    reason_opts: Vec<Opt>,
    next_href: Option<String>,
    v: MentionView,
}

pub async fn mention(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let c = ctx(&web, &session, &headers, "inbox").await?;
    let t = c.t;
    let tz = web.config.timezone;
    let m = web
        .store
        .mention(&id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("no mention with id {id}")))?;
    let events = web.store.events(&id).await?;
    let (thread, posts) = match m.thread_url.as_deref() {
        Some(url) => (
            web.store.thread_mentions(url, 50).await?,
            web.store.thread_posts(url).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    // The next open mention after this one, in the inbox's order.
    let next = web
        .store
        .inbox(&InboxQuery {
            status: Some(Status::New),
            cursor: Some(Cursor::of(&m)),
            limit: 1,
            ..InboxQuery::default()
        })
        .await?;
    let mut sentiment_values = vec![(
        String::new(),
        format!("{} ({})", t.get("classifier"), t.word(m.sentiment.as_str())),
    )];
    sentiment_values.extend(
        Label::ALL
            .iter()
            .map(|s| (s.to_string(), t.word(s.as_str()))),
    );
    let mut v = mention_view(&m, &events, &thread, t, c.now, tz, c.lang);
    v.conversation = conversation(&m, &events, &posts, c.now, tz, c.lang);
    let page = MentionPage {
        csrf: c.nav.csrf.clone(),
        back: format!("/mentions/{}", m.id),
        now_local: c
            .now
            .with_timezone(&tz)
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        sentiment_opts: opts(
            &sentiment_values,
            m.sentiment_override.map(Label::as_str).unwrap_or(""),
        ),
        reason_opts: super::inbox::reason_opts(t),
        next_href: next.items.first().map(|n| format!("/mentions/{}", n.id)),
        v,
        t,
        nav: c.nav,
    };
    Ok(respond(&web, page.render()?, c.had_flash))
}

/// How many posts around the mention the page shows: the conversation, not the whole thread.
const CONVERSATION_AROUND: usize = 12;

/// The stored posts of the mention's thread around it: those before it that it follows, and what
/// came after — the leader's reply that counted marked.
fn conversation(
    m: &crate::store::MentionRecord,
    events: &[EventRecord],
    posts: &[crate::store::StoredThreadPost],
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    lang: Lang,
) -> Vec<ConversationPost> {
    let Some(own) = posts.iter().position(|p| {
        p.mention_id.as_deref() == Some(&m.id) && p.role.as_deref() == Some("mention")
    }) else {
        return Vec::new();
    };
    let counted = events
        .iter()
        .rev()
        .find(|e| e.to.as_deref() == Some("replied"))
        .and_then(|e| e.reply_url.as_deref());
    let start = own.saturating_sub(2);
    posts[start..]
        .iter()
        .take(CONVERSATION_AROUND)
        .enumerate()
        .map(|(i, p)| ConversationPost {
            author: p.author.clone().unwrap_or_default(),
            at: p.posted_at.map(|at| when(at, now, tz, lang)),
            excerpt: p.excerpt.clone(),
            quotes: p
                .quotes
                .iter()
                .map(|q| (q.author.clone().unwrap_or_default(), q.text.clone()))
                .collect(),
            href: view::safe_href(p.url.as_deref()),
            this: start + i == own,
            follow_up: p.role.as_deref() == Some("follow_up"),
            mention_id: p.mention_id.clone().filter(|id| id != &m.id),
            leader: p.leader.is_some(),
            counted: p.leader.is_some() && counted.is_some_and(|c| p.url.as_deref() == Some(c)),
        })
        .collect()
}

fn mention_view(
    m: &crate::store::MentionRecord,
    events: &[EventRecord],
    thread: &[crate::store::MentionRecord],
    t: Tr,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    lang: Lang,
) -> MentionView {
    let title = m.title.clone().unwrap_or_default();
    let posted = view::posted_at(m);
    // History in time order: a reply recorded later (a detected reply, one marked the next day)
    // stands where it happened. Same-time events keep the order they were written in.
    let mut ordered: Vec<&EventRecord> = events.iter().collect();
    ordered.sort_by_key(|e| (e.at, e.id));
    MentionView {
        id: m.id.clone(),
        status: m.status.as_str().to_string(),
        open: m.status.is_open(),
        source: m.source.clone(),
        author: m.author.clone().unwrap_or_default(),
        posted: when(posted, now, tz, lang),
        found: ((m.found_at - posted).num_seconds().abs() > 60)
            .then(|| when(m.found_at, now, tz, lang)),
        brands: m.brands.join(", "),
        plain_title: if title.is_empty() {
            m.source.clone()
        } else {
            title.clone()
        },
        title_html: if title.is_empty() {
            view::escape(&m.source)
        } else {
            view::highlight(&title, &MatchedBrand::spans_in(&m.matches, Field::Title))
        },
        body_html: view::highlight(&m.body, &MatchedBrand::spans_in(&m.matches, Field::Body)),
        href: view::safe_href(m.url.as_deref()),
        url_text: m.url.clone().unwrap_or_default(),
        thread_href: view::safe_href(m.thread_url.as_deref())
            .filter(|h| Some(h) != view::safe_href(m.url.as_deref()).as_ref()),
        thread: thread
            .iter()
            .map(|p| ThreadPost {
                id: p.id.clone(),
                author: p.author.clone().unwrap_or_default(),
                at: when(view::posted_at(p), now, tz, lang),
                sentiment: p.effective_sentiment().to_string(),
                status: p.status.as_str().to_string(),
                this: p.id == m.id,
            })
            .collect(),
        held: crate::domain::candidate::held_back(&m.matches),
        conversation: Vec::new(),
        why: m
            .matches
            .iter()
            .map(|x| {
                let mut why = match_explanation(&x.explanation, lang);
                if let Some(note) = crate::web::i18n::relevance_note(x, lang) {
                    why.push_str(&format!(" · {note}"));
                }
                (x.brand.clone(), why)
            })
            .collect(),
        sentiment: m.effective_sentiment().to_string(),
        classifier_label: m.sentiment.to_string(),
        overridden: m.sentiment_override.is_some(),
        score: format!("{:+.2}", m.sentiment_score),
        reasons: m
            .sentiment_reasons
            .iter()
            .map(|r| sentiment_reason(r, lang))
            .collect(),
        events: ordered
            .iter()
            .map(|e| event_view(e, t, now, tz, lang))
            .collect(),
        snoozed_until: m
            .snoozed_until
            .filter(|_| m.status == Status::Snoozed)
            .map(|u| short_time(u, tz, lang)),
        can_undo: crate::store::undo_target(events)
            .is_some_and(|e| e.to.as_deref() == Some(m.status.as_str())),
        flags: view::RowFlags::of_mention(m, events),
    }
}

/// Who made a change, in the page's words (Lyssna's own actors are translated).
fn actor_words(actor: &str, t: Tr) -> String {
    match actor {
        SYSTEM_ACTOR => t.get("actor_lyssna").into(),
        REPLY_DETECTION_ACTOR => t.get("actor_reply_detection").into(),
        FOLLOW_UP_ACTOR => t.get("actor_follow_up").into(),
        other => other.to_string(),
    }
}

/// A stored reason in the page's words: a no-reply reason, one of Lyssna's own, or as written.
fn reason_words(reason: &str, t: Tr) -> String {
    if let Ok(r) = reason.parse::<NoReplyReason>() {
        return t.get(r.as_str()).to_string();
    }
    let key = match EventReason::parse(reason) {
        Some(EventReason::Found) => "ev_found",
        Some(EventReason::AddedByHand) => "ev_added_by_hand",
        Some(EventReason::Reopen) => "ev_reopen",
        Some(EventReason::SnoozeEnded) => "ev_snooze_ended",
        Some(EventReason::Undo) => "ev_undo",
        Some(EventReason::Override) => "ev_override",
        Some(EventReason::OverrideCleared) => "ev_override_cleared",
        Some(EventReason::Edited) => "ev_edited",
        None => return reason.to_string(),
    };
    t.get(key).to_string()
}

/// A note in the page's words: Lyssna's own notes are translated, the leader's shown as written.
fn note_words(note: &str, lang: Lang) -> String {
    match (SystemNote::parse(note), lang) {
        (Some(SystemNote::ReplyDetected { handle }), Lang::Sv) => {
            format!("svar av {handle} i tråden")
        }
        (Some(SystemNote::FollowUp { author }), Lang::Sv) => {
            format!("{author} skrev igen i tråden efter svaret")
        }
        _ => format!("“{note}”"),
    }
}

/// One line of a mention's history, in the page's language.
fn event_view(
    e: &EventRecord,
    t: Tr,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    lang: Lang,
) -> EventView {
    let change = match e.kind {
        EventKind::Sentiment => format!(
            "{}: {} → {}",
            t.get("sentiment"),
            t.word(e.from.as_deref().unwrap_or("")),
            t.word(e.to.as_deref().unwrap_or(""))
        ),
        EventKind::Edit => t.get("ev_edit").to_string(),
        EventKind::Relevance => t.get("ev_about_us").to_string(),
        EventKind::Status => match (&e.from, &e.to) {
            (None, Some(to)) => t.status(to),
            (Some(f), Some(to)) => format!("{} → {}", t.status(f), t.status(to)),
            _ => String::new(),
        },
    };
    let mut detail = Vec::new();
    if let Some(r) = &e.reason {
        detail.push(reason_words(r, t));
    }
    if let Some(n) = &e.note {
        detail.push(note_words(n, lang));
    }
    if let Some(u) = e.until {
        detail.push(format!(
            "{} {}",
            t.get("until").to_lowercase(),
            short_time(u, tz, lang)
        ));
    }
    EventView {
        at: when(e.at, now, tz, lang),
        actor: actor_words(&e.actor, t),
        kind: e.kind.to_string(),
        change,
        detail: detail.join(" · "),
        reply_href: view::safe_href(e.reply_url.as_deref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_lyssna_writes_has_words() {
        for lang in [Lang::En, Lang::Sv] {
            for r in EventReason::ALL {
                let w = reason_words(r.as_str(), Tr(lang));
                assert_ne!(w, "?", "{r:?}");
            }
        }
        assert_eq!(reason_words("undo", Tr(Lang::Sv)), "ångrad");
        assert_eq!(reason_words("spam", Tr(Lang::Sv)), "Skräp");
        assert_eq!(
            note_words(
                &SystemNote::ReplyDetected {
                    handle: "ErikA".into()
                }
                .text(),
                Lang::Sv
            ),
            "svar av ErikA i tråden"
        );
    }
}
