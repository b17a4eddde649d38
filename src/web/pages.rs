//! The dashboard's pages (PRODUCT §9) and its form posts. Pages are askama templates; every value is
//! escaped by the template, except the highlighted snippets and the report, which are built from
//! escaped text here and in `domain::report::html`.

use crate::domain::mention::{EventKind, Status};
use crate::domain::query::{Field, MatchedBrand};
use crate::domain::sentiment::Label;
use crate::domain::source::SourceKind;
use crate::store::{InboxCounts, InboxQuery};
use crate::web::actions::StatusInput;
use crate::web::api::{check_sentiment, compute_report, week_param};
use crate::web::error::{PageError, WebError};
use crate::web::i18n::{Lang, Tr};
use crate::web::session::{FLASH_COOKIE, Session, cookie, local_path, set_cookie};
use crate::web::view::{self, RowView, When, when};
use crate::web::{Web, form_fields};
use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::Deserialize;

type PageResult = Result<Response, PageError>;

/// What the layout shows on every page.
pub struct Nav {
    pub user: String,
    pub csrf: String,
    pub counts: InboxCounts,
    pub flash: Option<String>,
    pub asset_version: &'static str,
    pub section: &'static str,
}

/// A select's option.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn opts(values: &[(String, String)], current: &str) -> Vec<Opt> {
    values
        .iter()
        .map(|(v, l)| Opt {
            value: v.clone(),
            label: l.clone(),
            selected: v == current,
        })
        .collect()
}

/// The page context shared by every dashboard page; clears the flash message it shows.
struct Ctx {
    t: Tr,
    lang: Lang,
    nav: Nav,
    had_flash: bool,
    now: DateTime<Utc>,
}

async fn ctx(
    web: &Web,
    session: &Session,
    headers: &HeaderMap,
    section: &'static str,
) -> Result<Ctx, PageError> {
    let lang = web.lang(headers);
    let flash = cookie(headers, FLASH_COOKIE)
        .map(|f| percent_decode_str(&f).decode_utf8_lossy().into_owned())
        .filter(|f| !f.is_empty());
    Ok(Ctx {
        t: Tr(lang),
        lang,
        had_flash: flash.is_some(),
        nav: Nav {
            user: session.user.clone(),
            csrf: session.csrf.clone(),
            counts: web.counts().await?,
            flash,
            asset_version: crate::web::assets::version(),
            section,
        },
        now: Utc::now(),
    })
}

fn respond(web: &Web, html: String, had_flash: bool) -> Response {
    let mut resp = Html(html).into_response();
    if had_flash {
        resp.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(FLASH_COOKIE, "", 0, web.secure_cookies),
        );
    }
    resp
}

/// Back to `back` (a local path) with a message shown once.
fn redirect_with_flash(web: &Web, back: &str, message: &str) -> Response {
    let mut resp = Redirect::to(back).into_response();
    let value: String = utf8_percent_encode(
        &message.chars().take(300).collect::<String>(),
        NON_ALPHANUMERIC,
    )
    .to_string();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(FLASH_COOKIE, &value, 60, web.secure_cookies),
    );
    resp
}

fn tomorrow(web: &Web, now: DateTime<Utc>) -> String {
    (now.with_timezone(&web.config.timezone).date_naive() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string()
}

fn uri_path(uri: &Uri) -> String {
    uri.path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into())
}

// ---------------------------------------------------------------------------------------------
// Inbox

#[derive(Debug, Default, Deserialize)]
pub struct InboxParams {
    status: Option<String>,
    sentiment: Option<String>,
    brand: Option<String>,
    source: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    t: Tr,
    nav: Nav,
    csrf: String,
    back: String,
    tomorrow: String,
    rows: Vec<RowView>,
    filter_status: String,
    status_opts: Vec<Opt>,
    sentiment_opts: Vec<Opt>,
    brand_opts: Vec<Opt>,
    source_opts: Vec<Opt>,
    from: String,
    to: String,
    q: String,
    has_cursor: bool,
    first_href: String,
    next_href: Option<String>,
}

/// One row, for the script's in-place update.
#[derive(Template)]
#[template(path = "row.html")]
struct RowFragment {
    t: Tr,
    csrf: String,
    back: String,
    row: RowView,
}

fn clean(v: &Option<String>) -> String {
    v.as_deref().map(str::trim).unwrap_or("").to_string()
}

fn local_date(s: &str, web: &Web) -> Result<Option<DateTime<Utc>>, WebError> {
    if s.is_empty() {
        return Ok(None);
    }
    crate::web::actions::parse_time(s, web.config.timezone, "date").map(Some)
}

pub async fn inbox(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    uri: Uri,
    Query(p): Query<InboxParams>,
) -> PageResult {
    let c = ctx(&web, &session, &headers, "inbox").await?;
    let t = c.t;
    let status_s = match clean(&p.status) {
        s if s.is_empty() => "new".to_string(),
        s => s,
    };
    let status = match status_s.as_str() {
        "all" => None,
        s => Some(s.parse::<Status>().map_err(WebError::Invalid)?),
    };
    let sentiment = check_sentiment(p.sentiment.clone())?;
    let (from, to, q) = (clean(&p.from), clean(&p.to), clean(&p.q));
    let cursor = match clean(&p.cursor) {
        s if s.is_empty() => None,
        s => Some(crate::store::Cursor::decode(&s)?),
    };
    let query = InboxQuery {
        status,
        sentiment,
        brand: Some(clean(&p.brand)).filter(|s| !s.is_empty()),
        source: Some(clean(&p.source)).filter(|s| !s.is_empty()),
        found_from: local_date(&from, &web)?,
        found_before: local_date(&to, &web)?.map(|d| d + chrono::Duration::days(1)),
        search: Some(q.clone()).filter(|s| !s.is_empty()),
        cursor,
        limit: 50,
    };
    let page = web.store.inbox(&query).await?;
    let tz = web.config.timezone;
    let rows: Vec<RowView> = page
        .items
        .iter()
        .map(|m| RowView::new(m, c.now, tz, c.lang))
        .collect();

    // Links keep the filters; the next page adds the cursor.
    let base = {
        let mut base = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", status_s.as_str()),
            ("sentiment", sentiment.map(Label::as_str).unwrap_or("")),
            ("brand", &clean(&p.brand)),
            ("source", &clean(&p.source)),
            ("from", &from),
            ("to", &to),
            ("q", &q),
        ] {
            if !v.is_empty() {
                base.append_pair(k, v);
            }
        }
        base.finish()
    };
    let next_href = page.next.map(|n| {
        let mut s = url::form_urlencoded::Serializer::new(base.clone());
        s.append_pair("cursor", &n.encode());
        format!("/?{}", s.finish())
    });

    let mut status_values: Vec<(String, String)> = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), t.word(s.as_str())))
        .collect();
    status_values.push(("all".into(), t.get("all").into()));
    let any = (String::new(), t.get("any").to_string());
    let mut sentiment_values = vec![any.clone()];
    sentiment_values.extend(
        Label::ALL
            .iter()
            .map(|s| (s.to_string(), t.word(s.as_str()))),
    );
    let (brands, sources) = web.filter_names().await?;
    let mut brand_values = vec![any.clone()];
    brand_values.extend(brands.into_iter().map(|b| (b.clone(), b)));
    let mut source_values = vec![any];
    source_values.extend(sources.into_iter().map(|s| (s.clone(), s)));

    let page = InboxPage {
        csrf: c.nav.csrf.clone(),
        back: uri_path(&uri),
        tomorrow: tomorrow(&web, c.now),
        rows,
        status_opts: opts(&status_values, &status_s),
        sentiment_opts: opts(
            &sentiment_values,
            sentiment.map(Label::as_str).unwrap_or(""),
        ),
        brand_opts: opts(&brand_values, &clean(&p.brand)),
        source_opts: opts(&source_values, &clean(&p.source)),
        filter_status: status_s,
        from,
        to,
        q,
        has_cursor: p.cursor.is_some(),
        first_href: if base.is_empty() {
            "/".into()
        } else {
            format!("/?{base}")
        },
        next_href,
        t,
        nav: c.nav,
    };
    Ok(respond(&web, page.render()?, c.had_flash))
}

// ---------------------------------------------------------------------------------------------
// Mention

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
struct MentionPage {
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
        .map(|e| {
            let change = match e.kind {
                EventKind::Sentiment => format!(
                    "{}: {} → {}",
                    t.get("sentiment"),
                    t.word(e.from.as_deref().unwrap_or("")),
                    t.word(e.to.as_deref().unwrap_or(""))
                ),
                EventKind::Edit => "edit".to_string(),
                _ => match (&e.from, &e.to) {
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
                at: when(e.at, c.now, tz, c.lang),
                actor: e.actor.clone(),
                kind: e.kind.to_string(),
                change,
                detail: detail.join(" · "),
                reply_href: view::safe_href(e.reply_url.as_deref()),
            }
        })
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

// ---------------------------------------------------------------------------------------------
// Form posts

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Where to go after a post: the form's `back`, else the Referer's path, else `fallback`.
fn back_target(fields: &[(String, String)], headers: &HeaderMap, fallback: &str) -> String {
    let back = field(fields, "back");
    if !back.is_empty() {
        return local_path(Some(&back));
    }
    headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .map(|u| {
            let mut p = u.path().to_string();
            if let Some(q) = u.query() {
                p.push('?');
                p.push_str(q);
            }
            local_path(Some(&p))
        })
        .unwrap_or_else(|| fallback.to_string())
}

/// The script asks for the updated row instead of a redirect.
fn wants_fragment(headers: &HeaderMap) -> bool {
    headers.contains_key("x-lyssna-fetch")
}

async fn after_change(
    web: &Web,
    headers: &HeaderMap,
    fields: &[(String, String)],
    result: Result<crate::store::MentionRecord, WebError>,
    fallback: &str,
) -> PageResult {
    let lang = web.lang(headers);
    let back = back_target(fields, headers, fallback);
    if wants_fragment(headers) {
        return Ok(match result {
            Ok(m) => {
                let frag = RowFragment {
                    t: Tr(lang),
                    csrf: field(fields, "csrf_token"),
                    back,
                    row: RowView::new(&m, Utc::now(), web.config.timezone, lang),
                };
                Html(frag.render()?).into_response()
            }
            Err(e) => {
                e_log(&e);
                (e.status(), e.public_message()).into_response()
            }
        });
    }
    match result {
        Ok(_) => Ok(Redirect::to(&back).into_response()),
        Err(e @ WebError::NotFound(_)) | Err(e @ WebError::Internal(_)) => Err(PageError(e)),
        Err(e) => Ok(redirect_with_flash(web, &back, &e.public_message())),
    }
}

fn e_log(e: &WebError) {
    if let WebError::Internal(d) = e {
        tracing::error!(error = %d, "request failed");
    }
}

pub async fn set_status(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let fields = form_fields(&body);
    let input = StatusInput::from_form(&fields);
    let result = web.change_status(&id, &input, &session.user).await;
    after_change(&web, &headers, &fields, result, &format!("/mentions/{id}")).await
}

pub async fn undo(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let fields = form_fields(&body);
    let result = web.undo(&id, &session.user).await;
    after_change(&web, &headers, &fields, result, &format!("/mentions/{id}")).await
}

pub async fn set_sentiment(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let fields = form_fields(&body);
    let result = match check_sentiment(Some(field(&fields, "sentiment"))) {
        Ok(label) => web
            .store
            .set_sentiment_override(&id, label, &session.user, Utc::now())
            .await
            .map_err(WebError::from),
        Err(e) => Err(e),
    };
    web.changed();
    after_change(&web, &headers, &fields, result, &format!("/mentions/{id}")).await
}

pub async fn bulk(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    let fields = form_fields(&body);
    let back = back_target(&fields, &headers, "/");
    let ids: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.as_str())
        .collect();
    let lang = web.lang(&headers);
    if ids.is_empty() {
        let msg = match lang {
            Lang::En => "Select mentions first (x or the checkboxes).",
            Lang::Sv => "Välj omnämnanden först (x eller kryssrutorna).",
        };
        return Ok(redirect_with_flash(&web, &back, msg));
    }
    let input = StatusInput::from_form(&fields);
    let mut done = 0;
    let mut refused = Vec::new();
    for id in &ids {
        match web.change_status(id, &input, &session.user).await {
            Ok(_) => done += 1,
            Err(WebError::Internal(d)) => return Err(PageError(WebError::Internal(d))),
            Err(e) => refused.push(format!("{id}: {}", e.public_message())),
        }
    }
    let mut msg = match lang {
        Lang::En => format!("{done} changed."),
        Lang::Sv => format!("{done} ändrade."),
    };
    if !refused.is_empty() {
        msg.push_str(&format!(" {} ", refused.len()));
        msg.push_str(match lang {
            Lang::En => "refused: ",
            Lang::Sv => "nekade: ",
        });
        msg.push_str(&refused.join("; "));
    }
    Ok(redirect_with_flash(&web, &back, &msg))
}

// ---------------------------------------------------------------------------------------------
// Sources

pub struct RunView {
    pub at: When,
    pub outcome: String,
    pub summary: String,
    pub error: String,
}

pub struct SourceView {
    pub name: String,
    pub kind: String,
    pub href: Option<String>,
    pub url_text: String,
    pub health: String,
    pub health_label: String,
    pub health_words: String,
    pub last_success: Option<When>,
    pub last_error: String,
    pub next_check: Option<When>,
    pub items_found: i64,
    pub checkable: bool,
    pub runs: Vec<RunView>,
}

#[derive(Template)]
#[template(path = "sources.html")]
struct SourcesPage {
    t: Tr,
    nav: Nav,
    csrf: String,
    back: String,
    sources: Vec<SourceView>,
}

pub async fn sources(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
) -> PageResult {
    let c = ctx(&web, &session, &headers, "sources").await?;
    let t = c.t;
    let tz = web.config.timezone;
    let mut views = Vec::new();
    for s in web.store.sources().await? {
        let runs = web
            .store
            .recent_runs(s.id, 5)
            .await?
            .into_iter()
            .map(|r| RunView {
                at: when(r.started_at, c.now, tz, c.lang),
                outcome: r.outcome,
                summary: format!("{} p · {} items · {} new", r.pages, r.items, r.new_mentions),
                error: r.error.unwrap_or_default(),
            })
            .collect();
        views.push(SourceView {
            href: view::safe_href(s.url.as_deref()),
            url_text: s.url.clone().unwrap_or_default(),
            health: s.health.as_str().to_string(),
            health_label: s.health.label().to_string(),
            health_words: t.word(s.health.as_str()),
            last_success: s.last_success_at.map(|w| when(w, c.now, tz, c.lang)),
            last_error: s.last_error.clone().unwrap_or_default(),
            next_check: s.next_check_at.map(|w| when(w, c.now, tz, c.lang)),
            items_found: s.items_found,
            checkable: s.kind != SourceKind::Manual && s.in_config,
            kind: if s.kind == SourceKind::Manual {
                t.get("manual").into()
            } else {
                s.kind.to_string()
            },
            name: s.name,
            runs,
        });
    }
    let page = SourcesPage {
        csrf: c.nav.csrf.clone(),
        back: "/sources".into(),
        sources: views,
        t,
        nav: c.nav,
    };
    Ok(respond(&web, page.render()?, c.had_flash))
}

pub async fn check_now(State(web): State<Web>, headers: HeaderMap, body: Bytes) -> PageResult {
    let fields = form_fields(&body);
    let name = field(&fields, "name");
    web.store.check_source_now(&name, Utc::now()).await?;
    let t = Tr(web.lang(&headers));
    Ok(redirect_with_flash(&web, "/sources", t.get("check_queued")))
}

// ---------------------------------------------------------------------------------------------
// Weekly report

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    t: Tr,
    nav: Nav,
    week: String,
    prev: String,
    next: String,
    report_html: String,
    /// Reports, digests and webhooks that could not be delivered (still retrying, or given up).
    problems: Vec<DeliveryProblem>,
}

/// One delivery that failed, as the report page lists it.
struct DeliveryProblem {
    what: String,
    recipient: String,
    status: String,
    attempts: i64,
    error: String,
    next_attempt: Option<crate::web::view::When>,
}

pub async fn report(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Query(q): Query<crate::web::api::WeekQuery>,
) -> PageResult {
    let c = ctx(&web, &session, &headers, "report").await?;
    let week = week_param(&web, q.week.as_deref())?;
    let report = compute_report(&web, week).await?;
    let now = chrono::Utc::now();
    let tz = web.config.timezone;
    let problems = web
        .store
        .delivery_problems()
        .await?
        .into_iter()
        .map(|d| DeliveryProblem {
            what: format!("{} {}", d.kind.replace('_', " "), d.key),
            recipient: d.recipient_label(),
            status: d.status.clone(),
            attempts: d.attempts,
            error: d.last_error.clone().unwrap_or_default(),
            next_attempt: d
                .next_attempt_at
                .filter(|_| d.status == "pending")
                .map(|t| crate::web::view::when(t, now, tz, c.lang)),
        })
        .collect();
    let page = ReportPage {
        problems,
        week: week.to_string(),
        prev: week.prev().to_string(),
        next: week.next().to_string(),
        report_html: crate::render::report::to_html(&report, c.lang.code()),
        t: c.t,
        nav: c.nav,
    };
    Ok(respond(&web, page.render()?, c.had_flash))
}
