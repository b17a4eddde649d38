//! The web side: the dashboard (server-rendered, askama templates in `templates/`), the JSON API and the
//! health check. Every route is listed once in [`ROUTES`] with who may call it; the router is built from
//! that list, and the tests walk the same list to prove that nothing but the public routes answers
//! without a session or a token.

use crate::config::Config;
use crate::domain::pipeline::Pipeline;
use crate::store::{InboxCounts, Store};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{MethodRouter, get, post};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub mod actions;
pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
pub mod i18n;
pub mod limiter;
pub mod pages;
pub mod password_rule;
pub mod session;
pub mod view;

pub use auth::ensure_demo_user;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Anyone: `/healthz`, the login form, static assets.
    Public,
    /// A dashboard session (and a CSRF token on POST).
    Session,
    /// An API bearer token.
    Token,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
}

/// One route: its method and path, who may call it, and its handler.
#[derive(Clone, Copy)]
pub struct Route {
    pub verb: Verb,
    pub path: &'static str,
    pub access: Access,
    pub handler: fn() -> MethodRouter<Web>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} {} ({:?})", self.verb, self.path, self.access)
    }
}

const fn route(
    verb: Verb,
    path: &'static str,
    access: Access,
    handler: fn() -> MethodRouter<Web>,
) -> Route {
    Route {
        verb,
        path,
        access,
        handler,
    }
}

/// Every route, once, with its handler: [`router`] builds from this list, and the tests walk it to
/// prove that nothing but the public routes answers without a session or a token. A new page is one
/// entry here (and its file under `pages/`).
pub const ROUTES: &[Route] = &[
    route(Verb::Get, "/healthz", Access::Public, || get(healthz)),
    route(Verb::Get, "/login", Access::Public, || {
        get(session::login_form)
    }),
    route(Verb::Post, "/login", Access::Public, || {
        post(session::login_submit)
    }),
    route(Verb::Get, "/static/{file}", Access::Public, || {
        get(assets::serve)
    }),
    route(Verb::Post, "/logout", Access::Session, || {
        post(session::logout)
    }),
    route(Verb::Get, "/", Access::Session, || get(pages::inbox)),
    route(Verb::Get, "/mentions/new", Access::Session, || {
        get(pages::new_mention)
    }),
    route(Verb::Post, "/mentions", Access::Session, || {
        post(pages::create_mention)
    }),
    route(Verb::Get, "/mentions/{id}", Access::Session, || {
        get(pages::mention)
    }),
    route(Verb::Post, "/mentions/{id}/status", Access::Session, || {
        post(pages::set_status)
    }),
    route(Verb::Post, "/mentions/{id}/undo", Access::Session, || {
        post(pages::undo)
    }),
    route(
        Verb::Post,
        "/mentions/{id}/about-us",
        Access::Session,
        || post(pages::about_us),
    ),
    route(
        Verb::Post,
        "/mentions/{id}/sentiment",
        Access::Session,
        || post(pages::set_sentiment),
    ),
    route(Verb::Post, "/mentions/bulk", Access::Session, || {
        post(pages::bulk)
    }),
    route(Verb::Post, "/mentions/undo", Access::Session, || {
        post(pages::bulk_undo)
    }),
    route(Verb::Get, "/sources", Access::Session, || {
        get(pages::sources)
    }),
    route(Verb::Post, "/sources/check", Access::Session, || {
        post(pages::check_now)
    }),
    route(Verb::Get, "/reports/weekly", Access::Session, || {
        get(pages::report)
    }),
    route(Verb::Get, "/api/mentions", Access::Token, || get(api::list)),
    route(Verb::Post, "/api/mentions", Access::Token, || {
        post(api::create)
    }),
    route(Verb::Get, "/api/mentions/{id}", Access::Token, || {
        get(api::one)
    }),
    route(
        Verb::Post,
        "/api/mentions/{id}/status",
        Access::Token,
        || post(api::set_status),
    ),
    route(
        Verb::Post,
        "/api/mentions/{id}/sentiment",
        Access::Token,
        || post(api::set_sentiment),
    ),
    route(
        Verb::Post,
        "/api/mentions/{id}/about-us",
        Access::Token,
        || post(api::about_us),
    ),
    route(Verb::Post, "/api/mentions/{id}/undo", Access::Token, || {
        post(api::undo)
    }),
    route(Verb::Get, "/api/threads", Access::Token, || {
        get(api::threads)
    }),
    route(Verb::Get, "/api/reports/weekly", Access::Token, || {
        get(api::report)
    }),
];

/// What the web handlers share: the configuration, the store, the pipeline (for manual mentions), and a
/// few small in-memory caches.
#[derive(Clone)]
pub struct Web {
    pub config: Arc<Config>,
    pub store: Store,
    pub pipeline: Arc<Pipeline>,
    pub limiter: Arc<limiter::LoginLimiter>,
    /// Cookies get `Secure` when the dashboard is served over https.
    pub secure_cookies: bool,
    counts: Arc<Mutex<Option<(Instant, InboxCounts)>>>,
    /// Brand and source names for the inbox's filter menus.
    filter_names: Arc<Mutex<Option<(Instant, FilterNames)>>>,
    /// The terms the leader's marks suggest, with their dry-run counts, for the "Probably not about
    /// us" panel: a scan of every stored mention, so reused until the labels change or a while passes.
    suggestions: Arc<Mutex<Option<(Instant, usize, Suggestions)>>>,
    /// No login exists yet (a first run): the login page says how to create one. Rechecked on each
    /// visit to the login page until a user exists.
    no_users: Arc<std::sync::atomic::AtomicBool>,
}

type Suggestions = Arc<Vec<crate::ingest::dry_run::CountedSuggestion>>;

/// The inbox's filter menus: brand names and source names.
pub type FilterNames = (Vec<String>, Vec<String>);

/// How long the navigation counts and a looked-up session are reused. The counts are also dropped on
/// every change made through the web; a crawl's new mentions show within this time.
const COUNTS_TTL: Duration = Duration::from_secs(5);
const FILTER_NAMES_TTL: Duration = Duration::from_secs(60);
const SUGGESTIONS_TTL: Duration = Duration::from_secs(600);

impl Web {
    pub fn new(config: Arc<Config>, store: Store, pipeline: Arc<Pipeline>) -> Web {
        let secure_cookies = config.server.base_url.starts_with("https://");
        Web {
            config,
            store,
            pipeline,
            limiter: Arc::default(),
            secure_cookies,
            counts: Arc::default(),
            filter_names: Arc::default(),
            suggestions: Arc::default(),
            no_users: Arc::default(),
        }
    }

    /// Whether the last check found no login at all.
    pub fn no_users(&self) -> bool {
        self.no_users.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Looks again whether any login exists (cheap: one COUNT over a tiny table).
    pub async fn check_users(&self) {
        if let Ok(n) = self.store.user_count().await {
            self.no_users
                .store(n == 0, std::sync::atomic::Ordering::Relaxed);
        }
    }

    pub fn lang(&self, headers: &HeaderMap) -> i18n::Lang {
        i18n::Lang::choose(self.config.server.language.as_deref(), headers)
    }

    /// The navigation counts, cached briefly (they are COUNT(*)s over the inbox index).
    pub async fn counts(&self) -> crate::store::StoreResult<InboxCounts> {
        if let Some((at, c)) = *self.counts.lock().unwrap_or_else(|e| e.into_inner())
            && at.elapsed() < COUNTS_TTL
        {
            return Ok(c);
        }
        let c = self.store.inbox_counts().await?;
        *self.counts.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), c));
        Ok(c)
    }

    /// Brand and source names for the filter menus, reused for a minute: `SELECT DISTINCT brand` reads
    /// the whole brand index, which is too slow for every page view over a million mentions.
    pub async fn filter_names(&self) -> crate::store::StoreResult<FilterNames> {
        if let Some((at, names)) = &*self.filter_names.lock().unwrap_or_else(|e| e.into_inner())
            && at.elapsed() < FILTER_NAMES_TTL
        {
            return Ok(names.clone());
        }
        let brands = self.store.brand_names().await?;
        let sources = self
            .store
            .sources()
            .await?
            .into_iter()
            .map(|s| s.name)
            .collect();
        let names = (brands, sources);
        *self.filter_names.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), names.clone()));
        Ok(names)
    }

    /// Every brand's suggested terms with their dry-run counts (`brands suggest`), reused while the
    /// relevance models have learnt nothing new, for at most ten minutes.
    pub async fn suggestions(&self) -> Result<Suggestions, crate::ingest::dry_run::DryRunError> {
        let labels = self.pipeline.relevance_model().len();
        if let Some((at, n, s)) = &*self.suggestions.lock().unwrap_or_else(|e| e.into_inner())
            && *n == labels
            && at.elapsed() < SUGGESTIONS_TTL
        {
            return Ok(s.clone());
        }
        let s = Arc::new(crate::ingest::dry_run::suggest(&self.store, &self.config, None).await?);
        *self.suggestions.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), labels, s.clone()));
        Ok(s)
    }

    /// Something changed: the next page recounts.
    pub fn changed(&self) {
        *self.counts.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The session for a cookie's token, looked up by its hash on every request. Not cached: a
    /// cached session outlived its `expires_at` and a password reset made by another process (`user
    /// add`), and the lookup is one primary-key read.
    pub async fn session(
        &self,
        token: &str,
    ) -> crate::store::StoreResult<Option<session::Session>> {
        let hash = auth::token_hash(token);
        Ok(self
            .store
            .session(&hash, chrono::Utc::now())
            .await?
            .map(|s| session::Session {
                user: s.user_name,
                csrf: s.csrf_token,
            }))
    }
}

/// Binds the web server on `listen` (port 0 picks a free port) and serves until `shutdown` turns true.
/// Returns the bound address and the running task.
pub async fn serve(
    web: Web,
    listen: std::net::SocketAddr,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<(std::net::SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    let app = router(web);
    let mut rx = shutdown;
    let handle = tokio::spawn(async move {
        let graceful = async move {
            while !*rx.borrow() {
                if rx.changed().await.is_err() {
                    break;
                }
            }
        };
        // The peer address feeds the per-IP login rate limit.
        let service = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        if let Err(e) = axum::serve(listener, service)
            .with_graceful_shutdown(graceful)
            .await
        {
            tracing::error!(error = %e, "the web server stopped");
        }
    });
    Ok((addr, handle))
}

pub fn router(web: Web) -> Router {
    let mut groups: HashMap<(&str, Access), MethodRouter<Web>> = HashMap::new();
    for route in ROUTES {
        let h = (route.handler)();
        let key = (route.path, route.access);
        let merged = match groups.remove(&key) {
            Some(existing) => existing.merge(h),
            None => h,
        };
        groups.insert(key, merged);
    }
    let (mut public, mut dashboard, mut api) = (Router::new(), Router::new(), Router::new());
    for ((path, access), mr) in groups {
        match access {
            Access::Public => public = public.route(path, mr),
            Access::Session => dashboard = dashboard.route(path, mr),
            Access::Token => api = api.route(path, mr),
        }
    }
    let dashboard = dashboard.route_layer(middleware::from_fn_with_state(
        web.clone(),
        session::require_session,
    ));
    let api = api.route_layer(middleware::from_fn_with_state(
        web.clone(),
        session::require_token,
    ));
    public
        .merge(dashboard)
        .merge(api)
        .fallback(not_found)
        .layer(middleware::from_fn(security_headers))
        .with_state(web)
}

async fn not_found(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        error::WebError::NotFound("no such API route".into()).into_response()
    } else {
        error::PageError(error::WebError::NotFound("no such page".into())).into_response()
    }
}

/// Content-Security-Policy without inline scripts (the report's inline `style` attributes need
/// 'unsafe-inline' for styles only), no framing, no sniffing, no referrer to other sites.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
                   frame-ancestors 'none'";

async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// `application/x-www-form-urlencoded` fields in order (repeated names kept: bulk ids).
pub fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// Liveness and a cheap database round trip; no session needed.
async fn healthz(State(web): State<Web>) -> impl IntoResponse {
    match web.store.ping().await {
        Ok(()) => (axum::http::StatusCode::OK, Json(json!({"status": "ok"}))),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "error", "error": "the database is not reachable"})),
            )
        }
    }
}
