//! Sessions, CSRF and login: the session cookie, the middleware that guards the dashboard and the API,
//! the login form and its rate limit.
//!
//! - The session cookie holds a random token; the database holds its SHA-256 and the session's CSRF
//!   token. Cookies are HttpOnly, SameSite=Lax, and Secure when `server.base_url` is https.
//! - Every POST to a dashboard route carries `csrf_token` (form field, or the `X-CSRF-Token` header for
//!   scripts): the middleware checks it before the handler runs, so no handler can forget.
//! - Before a session exists, the login form uses a double-submit token: a random cookie that the form
//!   must repeat.
//! - Login attempts pass the gate in [`crate::web::limiter`] first: counted before the password is
//!   checked, delayed (never blocked) as failures grow, with known browsers counted on their own.

use crate::web::auth::{random_token, token_hash, verify_password};
use crate::web::error::{PageError, WebError};
use crate::web::i18n::{Lang, Tr};
use crate::web::limiter::{self, DEVICE_COOKIE, Grant};
use crate::web::{Web, form_fields};
use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "lyssna_session";
pub const LOGIN_CSRF_COOKIE: &str = "lyssna_login_csrf";
pub const FLASH_COOKIE: &str = "lyssna_flash";
/// Sessions last 30 days.
const SESSION_DAYS: i64 = 30;
/// Forms bigger than this are refused (a bulk form of 500 ids is ~15 KiB).
const MAX_FORM: usize = 1 << 20;

/// The logged-in user, put in the request's extensions by [`require_session`].
#[derive(Debug, Clone)]
pub struct Session {
    pub user: String,
    pub csrf: String,
}

/// The API caller, put in the request's extensions by [`require_token`]: the token's name.
#[derive(Debug, Clone)]
pub struct ApiCaller(pub String);

/// Password checks running at once, across all logins from unknown browsers.
static ARGON2_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
/// A lane of its own for browsers that have logged in before: a flood of guesses queued for
/// [`ARGON2_SLOTS`] does not delay the leader's own login.
static DEVICE_ARGON2_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// A cookie's value from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    // Other applications on the same host may set odd cookies: skip what cannot be read.
    for v in headers.get_all(header::COOKIE) {
        let Ok(v) = v.to_str() else { continue };
        for part in v.split(';') {
            if let Some((k, val)) = part.trim().split_once('=')
                && k == name
            {
                return Some(val.to_string());
            }
        }
    }
    None
}

/// A `Set-Cookie` value. `max_age` 0 deletes it.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let s = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Constant-time comparison (token checks should not leak how much matched).
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The dashboard's guard: a live session, and on POST a matching CSRF token. Without a session a GET
/// is sent to the login page and anything else gets 401 (a script sees it; a form would 303).
pub async fn require_session(State(web): State<Web>, req: Request, next: Next) -> Response {
    let session = match cookie(req.headers(), SESSION_COOKIE) {
        Some(token) => match web.session(&token).await {
            Ok(s) => s,
            Err(e) => return PageError::from(e).into_response(),
        },
        None => None,
    };
    let Some(session) = session else {
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        if req.headers().contains_key("x-lyssna-fetch") {
            // The keyboard script: a redirect would be followed to the login page and look like
            // success, and the row would leave the inbox while nothing was saved.
            return (
                StatusCode::UNAUTHORIZED,
                "Your session has ended; reload the page and log in again.",
            )
                .into_response();
        }
        let target = if req.method() == Method::GET {
            format!(
                "/login?next={}",
                percent_encoding::utf8_percent_encode(path, percent_encoding::NON_ALPHANUMERIC)
            )
        } else {
            "/login".to_string()
        };
        return Redirect::to(&target).into_response();
    };
    let mut req = req;
    if req.method() == Method::POST {
        // Read the form once, check its token, and hand the same bytes on to the handler.
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_FORM).await {
            Ok(b) => b,
            Err(_) => {
                return PageError(WebError::Invalid("the form is too large".into()))
                    .into_response();
            }
        };
        let sent = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| {
                form_fields(&bytes)
                    .into_iter()
                    .find(|(k, _)| k == "csrf_token")
                    .map(|(_, v)| v)
            });
        if !sent.is_some_and(|t| same(&t, &session.csrf)) {
            return PageError(WebError::Forbidden(
                "the form's security token is missing or out of date; reload the page and try again"
                    .into(),
            ))
            .into_response();
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    req.extensions_mut().insert(session);
    next.run(req).await
}

/// The API's guard: `Authorization: Bearer TOKEN` naming a stored token, else 401 JSON.
pub async fn require_token(State(web): State<Web>, mut req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return WebError::Unauthorized.into_response();
    };
    match web
        .store
        .api_token_name(&token_hash(&token), Utc::now())
        .await
    {
        Ok(Some(name)) => {
            req.extensions_mut().insert(ApiCaller(name));
            next.run(req).await
        }
        Ok(None) => WebError::Unauthorized.into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: Tr,
    csrf: String,
    next: String,
    error: Option<String>,
    username: String,
    /// A first run: say how to create a login.
    no_users: bool,
    asset_version: &'static str,
}

/// A safe place to go after login: a local path, never `//host` or a full URL. Browsers drop tabs and
/// newlines from URLs before resolving them (`/\t/evil.example` becomes `//evil.example`), so any
/// control or space character disqualifies a path, and the result must resolve to our own origin.
pub fn local_path(next: Option<&str>) -> String {
    let Some(n) = next else {
        return "/".to_string();
    };
    let plain = n.starts_with('/')
        && !n.starts_with("//")
        && !n
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    let same_origin = url::Url::parse("http://lyssna.invalid/")
        .and_then(|base| base.join(n))
        .is_ok_and(|u| u.host_str() == Some("lyssna.invalid"));
    if plain && same_origin {
        n.to_string()
    } else {
        "/".to_string()
    }
}

fn login_page(
    web: &Web,
    lang: Lang,
    csrf: &str,
    next: &str,
    error: Option<String>,
    username: &str,
    status: StatusCode,
) -> Response {
    let page = LoginPage {
        t: Tr(lang),
        csrf: csrf.to_string(),
        next: next.to_string(),
        error,
        username: username.to_string(),
        no_users: web.no_users(),
        asset_version: crate::web::assets::version(),
    };
    match page.render() {
        Ok(html) => {
            let mut resp = (status, axum::response::Html(html)).into_response();
            resp.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(LOGIN_CSRF_COOKIE, csrf, 3600, web.secure_cookies),
            );
            resp
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

#[derive(serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_form(
    State(web): State<Web>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<NextQuery>,
) -> Response {
    let lang = web.lang(&headers);
    let csrf = cookie(&headers, LOGIN_CSRF_COOKIE)
        .filter(|c| c.len() == 43)
        .unwrap_or_else(random_token);
    let next = local_path(q.next.as_deref());
    web.check_users().await;
    login_page(&web, lang, &csrf, &next, None, "", StatusCode::OK)
}

pub async fn login_submit(
    State(web): State<Web>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = web.lang(&headers);
    let form = form_fields(&body);
    let field = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (username, password, csrf) = (field("username"), field("password"), field("csrf_token"));
    let next = local_path(Some(&field("next")));
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE);
    if csrf.is_empty() || !expected.as_deref().is_some_and(|e| same(e, &csrf)) {
        return PageError(WebError::Forbidden(
            "the login form's security token is missing or out of date; reload the page".into(),
        ))
        .into_response();
    }
    let ip = limiter::client_ip(peer.ip(), &headers, &web.config.server.trusted_proxies);
    let device = cookie(&headers, DEVICE_COOKIE);
    let refused = |wait: Duration| {
        tracing::warn!(%ip, "login delayed: too many failed attempts");
        too_many(&web, lang, &csrf, &next, &username, wait)
    };
    // Without a device cookie the attempt is counted here, before anything is awaited, so a burst of
    // parallel guesses cannot pass the gate together.
    let mut grant = None;
    if device.is_none() {
        match web.limiter.admit(ip, &username, Instant::now()) {
            Ok(g) => grant = Some(g),
            Err(wait) => return refused(wait),
        }
    }
    let user = match web.store.user_by_name(&username).await {
        Ok(u) => u,
        Err(e) => return PageError::from(e).into_response(),
    };
    let admitted = match grant {
        Some(g) => Ok(g),
        None => admit_with_device(&web, ip, &username, device.as_deref(), user.as_ref()),
    };
    let grant = match admitted {
        Ok(g) => g,
        Err(wait) => return refused(wait),
    };
    // Verify against a real hash even for unknown users, so timing does not tell which names exist.
    let phc = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let ok = password_matches(&grant, password, phc).await;
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!(%ip, "failed login");
        return login_page(
            &web,
            lang,
            &csrf,
            &next,
            Some(Tr(lang).get("login_failed").into()),
            &username,
            StatusCode::UNAUTHORIZED,
        );
    };
    web.limiter.succeeded(&grant);
    let token = random_token();
    let now = Utc::now();
    if let Err(e) = web
        .store
        .create_session(
            &token_hash(&token),
            user.id,
            &random_token(),
            now,
            now + chrono::Duration::days(SESSION_DAYS),
        )
        .await
    {
        return PageError::from(e).into_response();
    }
    tracing::info!(user = %user.name, "logged in");
    let mut resp = Redirect::to(&next).into_response();
    let h = resp.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &token,
            SESSION_DAYS * 86_400,
            web.secure_cookies,
        ),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(LOGIN_CSRF_COOKIE, "", 0, web.secure_cookies),
    );
    // This browser is known from now on (a year; a new password revokes it).
    h.append(
        header::SET_COOKIE,
        set_cookie(
            DEVICE_COOKIE,
            &limiter::device_cookie(user.id, &user.password_hash),
            365 * 86_400,
            web.secure_cookies,
        ),
    );
    resp
}

/// The gate for an attempt that came with a device cookie, once the user is looked up. The cookie
/// is believed only when its HMAC (keyed with the stored hash) is right; otherwise the attempt counts
/// as an unknown browser's — still before the password check.
fn admit_with_device(
    web: &Web,
    ip: std::net::IpAddr,
    username: &str,
    device: Option<&str>,
    user: Option<&crate::store::UserRecord>,
) -> Result<Grant, Duration> {
    let nonce = user.and_then(|u| limiter::verified_device(device?, u.id, &u.password_hash));
    match nonce {
        Some(n) => web.limiter.admit_device(&n, Instant::now()),
        None => web.limiter.admit(ip, username, Instant::now()),
    }
}

/// Runs the (slow) argon2 check in a blocking thread, at most a few at once: each needs ~19 MiB.
async fn password_matches(grant: &Grant, password: String, phc: String) -> bool {
    let slots = if grant.is_device() {
        &DEVICE_ARGON2_SLOTS
    } else {
        &ARGON2_SLOTS
    };
    match slots.acquire().await {
        Ok(_slot) => tokio::task::spawn_blocking(move || verify_password(&password, &phc))
            .await
            .unwrap_or(false),
        Err(_) => false,
    }
}

/// The login page again, 429 with `Retry-After`: how long this account must wait from this browser.
fn too_many(
    web: &Web,
    lang: Lang,
    csrf: &str,
    next: &str,
    username: &str,
    wait: Duration,
) -> Response {
    let secs = wait.as_secs().max(1);
    let minutes = secs.div_ceil(60);
    let message = match lang {
        Lang::En => format!(
            "Too many failed attempts for this account; try again in {}. A browser you have logged in with before is not held back.",
            if secs < 60 {
                format!("{secs} s")
            } else {
                format!("{minutes} min")
            }
        ),
        Lang::Sv => format!(
            "För många misslyckade försök för det här kontot; försök igen om {}. En webbläsare du har loggat in med förut hålls inte tillbaka.",
            if secs < 60 {
                format!("{secs} s")
            } else {
                format!("{minutes} min")
            }
        ),
    };
    let mut resp = login_page(
        web,
        lang,
        csrf,
        next,
        Some(message),
        username,
        StatusCode::TOO_MANY_REQUESTS,
    );
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

pub async fn logout(State(web): State<Web>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let hash = token_hash(&token);
        if let Err(e) = web.store.delete_session(&hash).await {
            return PageError::from(e).into_response();
        }
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, web.secure_cookies),
    );
    resp
}

fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| crate::web::auth::hash_password("not a real password").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(local_path(Some("/mentions/m_1?x=1")), "/mentions/m_1?x=1");
        for evil in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "evil",
            "/ /evil",
        ] {
            assert_eq!(local_path(Some(evil)), "/", "{evil:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
