//! The dashboard's form posts: a status change, undo, a sentiment override, bulk actions. With the
//! keyboard script they answer the updated row; without it, a redirect back.

use super::inbox::RowFragment;
use super::*;
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

/// The script asks for the updated row instead of a redirect.
pub(super) fn wants_fragment(headers: &HeaderMap) -> bool {
    headers.contains_key("x-lyssna-fetch")
}

pub(super) async fn after_change(
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

pub(super) fn e_log(e: &WebError) {
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
        Ok(label) => web.override_sentiment(&id, label, &session.user).await,
        Err(e) => Err(e),
    };
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
