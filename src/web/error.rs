//! One error type for the web side. It turns into a JSON body for the API (`{"error": "…"}`) and an
//! HTML page for the dashboard, and it never shows internals: database and template errors are
//! logged here and answered with a generic message.

use crate::store::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde_json::json;

#[derive(Debug)]
pub enum WebError {
    /// 401: no valid session or token.
    Unauthorized,
    /// 403: a missing or wrong CSRF token, or similar.
    Forbidden(String),
    /// 404.
    NotFound(String),
    /// 409: an illegal transition, or someone else changed the mention first.
    Conflict(String),
    /// 422: input that cannot be used (unknown status, bad time…).
    Invalid(String),
    /// 429: too many attempts.
    TooMany(String),
    /// 500: logged, never shown.
    Internal(String),
}

pub type WebResult<T> = Result<T, WebError>;

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the client may see.
    pub fn public_message(&self) -> String {
        match self {
            WebError::Unauthorized => {
                "authentication required: send Authorization: Bearer TOKEN (see `lyssna token add`)"
                    .into()
            }
            WebError::Forbidden(m)
            | WebError::NotFound(m)
            | WebError::Conflict(m)
            | WebError::Invalid(m)
            | WebError::TooMany(m) => m.clone(),
            WebError::Internal(_) => "internal error; the server log has the details".into(),
        }
    }

    fn log(&self) {
        if let WebError::Internal(detail) = self {
            tracing::error!(error = %detail, "request failed");
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        use crate::domain::mention::TransitionError;
        match e {
            StoreError::MentionNotFound(id) => {
                WebError::NotFound(format!("no mention with id {id}"))
            }
            StoreError::SourceNotFound(n) => WebError::NotFound(format!("no source named '{n}'")),
            StoreError::Transition(t @ TransitionError::NotAllowed { .. }) => {
                WebError::Conflict(t.to_string())
            }
            StoreError::Transition(t) => WebError::Invalid(t.to_string()),
            e @ (StoreError::Conflict | StoreError::NothingToUndo) => {
                WebError::Conflict(e.to_string())
            }
            StoreError::Invalid(m) => WebError::Invalid(m),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<crate::ingest::manual::ManualError> for WebError {
    fn from(e: crate::ingest::manual::ManualError) -> Self {
        match e {
            crate::ingest::manual::ManualError::Invalid(m) => WebError::Invalid(m),
            crate::ingest::manual::ManualError::Store(s) => s.into(),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(format!("template: {e}"))
    }
}

/// The API's shape: `{"error": "…"}` with the status code.
impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let mut resp = (status, Json(json!({"error": self.public_message()}))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}

/// The dashboard's shape: a small HTML page (escaped message) with the status code.
pub struct PageError(pub WebError);

impl From<WebError> for PageError {
    fn from(e: WebError) -> Self {
        PageError(e)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError(e.into())
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.0.log();
        let status = self.0.status();
        let msg = crate::render::escape::escape(&self.0.public_message());
        let body = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{code}</title>\
             <link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main class=\"error-page\">\
             <h1>{code}</h1><p>{msg}</p><p><a href=\"/\">Inbox</a></p></main></body></html>",
            code = status.as_u16()
        );
        (
            status,
            [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response()
    }
}
