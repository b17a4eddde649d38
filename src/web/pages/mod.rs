//! The dashboard's pages (PRODUCT §9), one file each, and what they share: the page context (navigation
//! counts, flash message), responses and redirects. Pages are askama templates; every value is escaped
//! by the template, except the highlighted snippets and the report, which are built from escaped text
//! in `web::view` and `render::report`.

mod forms;
mod inbox;
mod mention;
mod report;
mod sources;

pub use forms::{bulk, set_sentiment, set_status, undo};
pub use inbox::inbox;
pub use mention::mention;
pub use report::report;
pub use sources::{check_now, sources};

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

pub(super) type PageResult = Result<Response, PageError>;

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

pub(super) fn opts(values: &[(String, String)], current: &str) -> Vec<Opt> {
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
pub(super) struct Ctx {
    t: Tr,
    lang: Lang,
    nav: Nav,
    had_flash: bool,
    now: DateTime<Utc>,
}

pub(super) async fn ctx(
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

pub(super) fn respond(web: &Web, html: String, had_flash: bool) -> Response {
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
pub(super) fn redirect_with_flash(web: &Web, back: &str, message: &str) -> Response {
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

pub(super) fn tomorrow(web: &Web, now: DateTime<Utc>) -> String {
    (now.with_timezone(&web.config.timezone).date_naive() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string()
}

pub(super) fn uri_path(uri: &Uri) -> String {
    uri.path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into())
}
