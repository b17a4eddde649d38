//! The dashboard's form posts: a status change, undo, a sentiment override, and the same for a
//! selection (bulk). Without script each answers a redirect with the toast in the flash cookie (an
//! Undo button in it); the keyboard script sends `X-Lyssna-Fetch` and gets JSON instead — the
//! changed rows, the refusals, the toast and the fresh navigation counts — so it can update the page
//! in place.

use super::inbox::RowFragment;
use super::*;
use crate::domain::mention::NoReplyReason;
use crate::store::{Cursor, MentionRecord};
use crate::web::i18n::{Change, localize_error, short_time};
use serde_json::json;

pub(super) fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Where to go after a post: the form's `back`, else the Referer's path, else `fallback`.
pub(super) fn back_target(
    fields: &[(String, String)],
    headers: &HeaderMap,
    fallback: &str,
) -> String {
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

/// The script asks for JSON instead of a redirect.
pub(super) fn wants_json(headers: &HeaderMap) -> bool {
    headers.contains_key("x-lyssna-fetch")
}

pub(super) fn e_log(e: &WebError) {
    if let WebError::Internal(d) = e {
        tracing::error!(error = %d, "request failed");
    }
}

/// What one post did to the mentions it named.
struct Outcome {
    done: Vec<MentionRecord>,
    refused: Vec<(String, WebError)>,
}

impl Outcome {
    fn one(id: &str, result: Result<MentionRecord, WebError>) -> Outcome {
        match result {
            Ok(m) => Outcome {
                done: vec![m],
                refused: Vec::new(),
            },
            Err(e) => Outcome {
                done: Vec::new(),
                refused: vec![(id.to_string(), e)],
            },
        }
    }
}

/// How to answer a post.
struct Answer<'a> {
    change: Change,
    /// Without script: where to go when nothing else is asked for.
    fallback: &'a str,
    /// The change can be undone from the toast.
    undoable: bool,
    /// One mention named in the URL: an unknown id is a 404 page, not a toast.
    single: bool,
}

/// [`answer`] for an action on the one mention named in the URL: back to its page without script.
async fn answer_one(
    web: &Web,
    headers: &HeaderMap,
    fields: &[(String, String)],
    id: &str,
    outcome: Outcome,
    change: Change,
    undoable: bool,
) -> PageResult {
    let fallback = format!("/mentions/{id}");
    let a = Answer {
        change,
        fallback: &fallback,
        undoable,
        single: true,
    };
    answer(web, headers, fields, outcome, a).await
}

/// The one answer to every action post: JSON for the script, else a redirect with the toast.
async fn answer(
    web: &Web,
    headers: &HeaderMap,
    fields: &[(String, String)],
    outcome: Outcome,
    a: Answer<'_>,
) -> PageResult {
    let lang = web.lang(headers);
    if let Some((_, e @ WebError::Internal(_))) = outcome.refused.first() {
        e_log(e);
        return Err(PageError(WebError::Internal(e.public_message())));
    }
    let mut text = if outcome.done.is_empty() {
        String::new()
    } else {
        a.change.toast(outcome.done.len(), lang)
    };
    for (id, e) in &outcome.refused {
        if !text.is_empty() {
            text.push_str(" · ");
        }
        let msg = localize_error(&e.public_message(), lang);
        if outcome.refused.len() + outcome.done.len() > 1 {
            text.push_str(&format!("{id}: {msg}"));
        } else {
            text.push_str(&msg);
        }
    }
    let undo: Vec<String> = if a.undoable {
        outcome.done.iter().map(|m| m.id.clone()).collect()
    } else {
        Vec::new()
    };
    if wants_json(headers) {
        return json_answer(web, lang, fields, &outcome, &text, &undo).await;
    }
    if a.single
        && let Some((_, e @ WebError::NotFound(_))) = outcome.refused.first()
    {
        return Err(PageError(WebError::NotFound(e.public_message())));
    }
    let back = back_target(fields, headers, a.fallback);
    let target = match (&outcome.done[..], field(fields, "next").as_str()) {
        ([m], "1") => next_mention(web, m).await?,
        _ => back.clone(),
    };
    let toast = Toast {
        text,
        // Undo brings the leader back to what they acted on.
        back: match &outcome.done[..] {
            [m] if target != back => format!("/mentions/{}", m.id),
            _ => back,
        },
        undo,
    };
    Ok(redirect_with_toast(web, &target, &toast))
}

/// The page after acting on `m` from its own page: the next open mention in the inbox's order, or
/// the inbox when there is none.
async fn next_mention(web: &Web, m: &MentionRecord) -> Result<String, PageError> {
    let page = web
        .store
        .inbox(&InboxQuery {
            status: Some(Status::New),
            cursor: Some(Cursor::of(m)),
            limit: 1,
            ..InboxQuery::default()
        })
        .await?;
    Ok(match page.items.first() {
        Some(next) => format!("/mentions/{}", next.id),
        None => "/".to_string(),
    })
}

/// The script's answer: each changed mention's fresh row, the refusals, the toast and the counts.
async fn json_answer(
    web: &Web,
    lang: Lang,
    fields: &[(String, String)],
    outcome: &Outcome,
    text: &str,
    undo: &[String],
) -> PageResult {
    let ids: Vec<&str> = outcome.done.iter().map(|m| m.id.as_str()).collect();
    let mut events = web.store.events_for_mentions(&ids).await?;
    let now = Utc::now();
    let mut done = Vec::new();
    for m in &outcome.done {
        let frag = RowFragment {
            t: Tr(lang),
            csrf: field(fields, "csrf_token"),
            back: field(fields, "back"),
            row: RowView::new(
                m,
                &events.remove(&m.id).unwrap_or_default(),
                now,
                web.config.timezone,
                lang,
            ),
        };
        done.push(json!({
            "id": m.id,
            "status": m.status.as_str(),
            "held": crate::domain::candidate::held_back(&m.matches),
            "row": frag.render()?,
        }));
    }
    let refused: Vec<_> = outcome
        .refused
        .iter()
        .map(|(id, e)| json!({"id": id, "error": localize_error(&e.public_message(), lang)}))
        .collect();
    let counts = web.counts().await?;
    let body = json!({
        "done": done,
        "refused": refused,
        "toast": text,
        "undo": undo,
        "counts": {
            "new": counts.new,
            "new_criticism": counts.new_criticism,
            "snoozed": counts.snoozed,
            "held_back": counts.held_back,
        },
    });
    let status = match (outcome.done.is_empty(), outcome.refused.first()) {
        (true, Some((_, e))) => e.status(),
        _ => axum::http::StatusCode::OK,
    };
    Ok((status, axum::Json(body)).into_response())
}

/// The toast's words for a status input.
fn change_of(web: &Web, input: &StatusInput, lang: Lang, done: &[MentionRecord]) -> Change {
    let status = input.status.trim().parse().unwrap_or(Status::New);
    let reason = input
        .reason
        .as_deref()
        .and_then(|r| r.parse::<NoReplyReason>().ok());
    let until = done
        .iter()
        .find_map(|m| m.snoozed_until)
        .map(|u| short_time(u, web.config.timezone, lang));
    Change::of(status, reason, until)
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
    let outcome = Outcome::one(&id, web.change_status(&id, &input, &session.user).await);
    let change = change_of(&web, &input, web.lang(&headers), &outcome.done);
    answer_one(&web, &headers, &fields, &id, outcome, change, true).await
}

pub async fn undo(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let fields = form_fields(&body);
    let outcome = Outcome::one(&id, web.undo(&id, &session.user).await);
    let change = Change::Undone;
    answer_one(&web, &headers, &fields, &id, outcome, change, false).await
}

/// "About us" on a held-back mention: to the inbox, and a label for its brands' models.
pub async fn about_us(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let fields = form_fields(&body);
    let outcome = Outcome::one(&id, web.confirm_about_us(&id, &session.user).await);
    let change = Change::AboutUs;
    answer_one(&web, &headers, &fields, &id, outcome, change, false).await
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
        Ok(label) => web.override_sentiment(&id, label, &session.user).await,
        Err(e) => Err(e),
    };
    let outcome = Outcome::one(&id, result);
    let lang = web.lang(&headers);
    let change = Change::Sentiment(
        outcome
            .done
            .first()
            .map(|m| Tr(lang).word(m.effective_sentiment().as_str()))
            .unwrap_or_default(),
    );
    answer_one(&web, &headers, &fields, &id, outcome, change, false).await
}

/// The ids a bulk form names (`id`, repeated), or the message asking to select some first.
fn selected(fields: &[(String, String)], lang: Lang) -> Result<Vec<String>, String> {
    let ids: Vec<String> = fields
        .iter()
        .filter(|(k, v)| k == "id" && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect();
    if ids.is_empty() {
        return Err(Tr(lang)
            .pick(
                "Select mentions first (x or the checkboxes).",
                "Välj omnämnanden först (x eller kryssrutorna).",
            )
            .to_string());
    }
    Ok(ids)
}

/// What a selection gets: a status change, the leader's "about us", or an undo.
#[derive(Clone, Copy)]
enum BulkAction<'a> {
    Status(&'a StatusInput),
    AboutUs,
    Undo,
}

/// `action` for each of `ids`, as `actor`; each mention's refusal is kept beside the others'
/// changes.
async fn each(web: &Web, ids: &[String], actor: &str, action: BulkAction<'_>) -> Outcome {
    let mut outcome = Outcome {
        done: Vec::new(),
        refused: Vec::new(),
    };
    for id in ids {
        let result = match action {
            BulkAction::Status(input) => web.change_status(id, input, actor).await,
            BulkAction::AboutUs => web.confirm_about_us(id, actor).await,
            BulkAction::Undo => web.undo(id, actor).await,
        };
        match result {
            Ok(m) => outcome.done.push(m),
            Err(e) => outcome.refused.push((id.clone(), e)),
        }
    }
    outcome
}

/// A status change for every selected mention (the bulk bar, and the keyboard's `r`, `n`, `s` on a
/// selection or on the current row).
pub async fn bulk(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    let fields = form_fields(&body);
    let lang = web.lang(&headers);
    let ids = match selected(&fields, lang) {
        Ok(ids) => ids,
        Err(msg) => return nothing_selected(&web, &headers, &fields, &msg),
    };
    let input = StatusInput::from_form(&fields);
    // "About us" is not a status: it ends the holding back (the `a` key, and the bulk bar of
    // "Probably not about us"); marking the mention not about us takes it back.
    let (action, change, undoable) = if input.status.trim() == crate::domain::relevance::ABOUT_US {
        (BulkAction::AboutUs, Some(Change::AboutUs), false)
    } else {
        (BulkAction::Status(&input), None, true)
    };
    let outcome = each(&web, &ids, &session.user, action).await;
    let a = Answer {
        change: change.unwrap_or_else(|| change_of(&web, &input, lang, &outcome.done)),
        fallback: "/",
        undoable,
        single: false,
    };
    answer(&web, &headers, &fields, outcome, a).await
}

/// Undo for every selected mention: the toast's Undo after a bulk change.
pub async fn bulk_undo(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    let fields = form_fields(&body);
    let lang = web.lang(&headers);
    let ids = match selected(&fields, lang) {
        Ok(ids) => ids,
        Err(msg) => return nothing_selected(&web, &headers, &fields, &msg),
    };
    let outcome = each(&web, &ids, &session.user, BulkAction::Undo).await;
    let a = Answer {
        change: Change::Undone,
        fallback: "/",
        undoable: false,
        single: false,
    };
    answer(&web, &headers, &fields, outcome, a).await
}

fn nothing_selected(
    web: &Web,
    headers: &HeaderMap,
    fields: &[(String, String)],
    msg: &str,
) -> PageResult {
    if wants_json(headers) {
        return Ok(WebError::Invalid(msg.to_string()).into_response());
    }
    Ok(redirect_with_flash(
        web,
        &back_target(fields, headers, "/"),
        msg,
    ))
}
