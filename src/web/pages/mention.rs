//! One mention (`/mentions/{id}`): its text with the brand highlighted, why it matched, its sentiment
//! and reasons, its history, and the actions.

use super::*;
pub struct EventView {
    pub at: When,
    pub actor: String,
    pub kind: String,
    pub change: String,
    pub detail: String,
    pub reply_href: Option<String>,
}

pub struct MentionView {
    pub id: String,
    pub status: String,
    pub open: bool,
    pub source: String,
    pub author: String,
    pub found: When,
    pub brands: String,
    pub plain_title: String,
    pub title_html: String,
    pub body_html: String,
    pub href: Option<String>,
    pub url_text: String,
    pub thread_href: Option<String>,
    pub why: Vec<(String, String)>,
    pub sentiment: String,
    pub classifier_label: String,
    pub overridden: bool,
    pub score: String,
    pub reasons: Vec<String>,
    pub events: Vec<EventView>,
}

#[derive(Template)]
#[template(path = "mention.html")]
pub(super) struct MentionPage {
    t: Tr,
    nav: Nav,
    csrf: String,
    back: String,
    tomorrow: String,
    now_local: String,
    sentiment_opts: Vec<Opt>,
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
    let title = m.title.clone().unwrap_or_default();
    let plain_title = if title.is_empty() {
        m.source.clone()
    } else {
        title.clone()
    };
    let title_html = if title.is_empty() {
        view::escape(&m.source)
    } else {
        view::highlight(&title, &MatchedBrand::spans_in(&m.matches, Field::Title))
    };
    let why = m
        .matches
        .iter()
        .map(|x| (x.brand.clone(), x.explanation.clone()))
        .collect();
    let event_views = events
        .iter()
        .map(|e| event_view(e, t, c.now, tz, c.lang))
        .collect();
    let effective = m.effective_sentiment().to_string();
    let mut sentiment_values = vec![(
        String::new(),
        format!("{} ({})", t.get("classifier"), t.word(m.sentiment.as_str())),
    )];
    sentiment_values.extend(
        Label::ALL
            .iter()
            .map(|s| (s.to_string(), t.word(s.as_str()))),
    );
    let v = MentionView {
        id: m.id.clone(),
        status: m.status.as_str().to_string(),
        open: m.status.is_open(),
        source: m.source.clone(),
        author: m.author.clone().unwrap_or_default(),
        found: when(m.published_at.unwrap_or(m.found_at), c.now, tz, c.lang),
        brands: m.brands.join(", "),
        plain_title,
        title_html,
        body_html: view::highlight(&m.body, &MatchedBrand::spans_in(&m.matches, Field::Body)),
        href: view::safe_href(m.url.as_deref()),
        url_text: m.url.clone().unwrap_or_default(),
        thread_href: view::safe_href(m.thread_url.as_deref())
            .filter(|h| Some(h) != view::safe_href(m.url.as_deref()).as_ref()),
        why,
        sentiment: effective,
        classifier_label: m.sentiment.to_string(),
        overridden: m.sentiment_override.is_some(),
        score: format!("{:+.2}", m.sentiment_score),
        reasons: m.sentiment_reasons.clone(),
        events: event_views,
    };
    let page = MentionPage {
        csrf: c.nav.csrf.clone(),
        back: format!("/mentions/{}", m.id),
        tomorrow: tomorrow(&web, c.now),
        now_local: c
            .now
            .with_timezone(&tz)
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        sentiment_opts: opts(
            &sentiment_values,
            m.sentiment_override.map(Label::as_str).unwrap_or(""),
        ),
        v,
        t,
        nav: c.nav,
    };
    Ok(respond(&web, page.render()?, c.had_flash))
}

/// One line of a mention's history, in the page's language.
fn event_view(
    e: &crate::store::EventRecord,
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
        EventKind::Edit => "edit".to_string(),
        EventKind::Status => match (&e.from, &e.to) {
            (None, Some(to)) => format!("{} ({})", t.word(to), t.get("event_found")),
            (Some(f), Some(to)) => format!("{} → {}", t.word(f), t.word(to)),
            _ => String::new(),
        },
    };
    let mut detail = Vec::new();
    if let Some(r) = &e.reason {
        detail.push(t.word(r));
    }
    if let Some(n) = &e.note {
        detail.push(format!("“{n}”"));
    }
    if let Some(u) = e.until {
        detail.push(format!(
            "{} {}",
            t.get("until").to_lowercase(),
            u.with_timezone(&tz).format("%Y-%m-%d %H:%M")
        ));
    }
    EventView {
        at: when(e.at, now, tz, lang),
        actor: e.actor.clone(),
        kind: e.kind.to_string(),
        change,
        detail: detail.join(" · "),
        reply_href: view::safe_href(e.reply_url.as_deref()),
    }
}
