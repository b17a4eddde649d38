//! The dashboard's pages (PRODUCT §9), one file each, and what they share: the page context (navigation
//! counts, flash message), responses and redirects. Pages are askama templates; every value is escaped
//! by the template, except the highlighted snippets and the report, which are built from escaped text
//! in `web::view` and `render::report`.

mod forms;
mod inbox;
mod manual;
mod mention;
mod report;
mod sources;

pub use forms::{about_us, bulk, bulk_undo, set_sentiment, set_status, undo};
pub use inbox::inbox;
pub use manual::{create_mention, new_mention};
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
    pub toast: Option<Toast>,
    pub asset_version: &'static str,
    pub section: &'static str,
    /// The search box's text, and the inbox filters it keeps (name, value).
    pub q: String,
    pub keep: Vec<(String, String)>,
    /// The snooze dialog's presets, computed at page time in the configured time zone.
    pub snooze: Vec<view::SnoozeChoice>,
    pub tomorrow: String,
    /// The no-reply reasons for the reason picker, translated.
    pub reasons: Vec<Opt>,
}

/// The one toast: what the last action did, with an Undo button when it can be undone. It travels
/// in the flash cookie across the redirect after a form post (`IDS|TEXT`), and the script shows the
/// same component after its own requests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Toast {
    pub text: String,
    pub undo: Vec<String>,
    /// Where the Undo form returns to.
    pub back: String,
}

impl Toast {
    pub fn say(text: impl Into<String>) -> Toast {
        Toast {
            text: text.into(),
            ..Toast::default()
        }
    }

    fn encode(&self) -> String {
        let text: String = self.text.chars().take(300).collect();
        let ids: Vec<&str> = self.undo.iter().take(100).map(String::as_str).collect();
        format!("{}|{}|{text}", ids.join(","), self.back)
    }

    fn decode(raw: &str) -> Option<Toast> {
        let mut parts = raw.splitn(3, '|');
        let (ids, back, text) = (parts.next()?, parts.next()?, parts.next()?);
        (!text.is_empty()).then(|| Toast {
            text: text.to_string(),
            undo: ids
                .split(',')
                .filter(|i| !i.is_empty())
                .map(str::to_string)
                .collect(),
            back: local_path(Some(back)),
        })
    }
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
    let raw = cookie(headers, FLASH_COOKIE);
    let toast = raw
        .as_deref()
        .map(|f| percent_decode_str(f).decode_utf8_lossy().into_owned())
        .and_then(|f| Toast::decode(&f));
    let now = Utc::now();
    Ok(Ctx {
        t: Tr(lang),
        lang,
        had_flash: raw.is_some_and(|r| !r.is_empty()),
        nav: Nav {
            user: session.user.clone(),
            csrf: session.csrf.clone(),
            counts: web.counts().await?,
            toast,
            asset_version: crate::web::assets::version(),
            section,
            q: String::new(),
            keep: Vec::new(),
            snooze: view::snooze_choices(now, web.config.timezone, lang),
            tomorrow: tomorrow(web, now),
            reasons: inbox::reason_opts(Tr(lang)),
        },
        now,
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
    redirect_with_toast(web, back, &Toast::say(message))
}

/// Back to `back` (a local path) with the toast shown once.
pub(super) fn redirect_with_toast(web: &Web, back: &str, toast: &Toast) -> Response {
    let mut resp = Redirect::to(back).into_response();
    let value = utf8_percent_encode(&toast.encode(), NON_ALPHANUMERIC).to_string();
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

#[cfg(test)]
mod tests {
    use super::Toast;

    #[test]
    fn toasts_survive_the_cookie() {
        let t = Toast {
            text: "2 markerade besvarade | med ett streck".into(),
            undo: vec!["m_1".into(), "m_2".into()],
            back: "/?status=new".into(),
        };
        assert_eq!(Toast::decode(&t.encode()), Some(t));
        assert_eq!(Toast::decode("Saved."), None);
        assert_eq!(
            Toast::decode("||Sparat."),
            Some(Toast {
                text: "Sparat.".into(),
                undo: vec![],
                back: "/".into()
            })
        );
        // A forged back link stays on this site.
        assert_eq!(Toast::decode("m_1|//evil.example|x").unwrap().back, "/");
    }
}
