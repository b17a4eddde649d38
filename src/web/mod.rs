//! The web side: health check now; the dashboard and the JSON API hang off this router.

use crate::app::App;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use serde_json::json;

pub mod auth;

pub use auth::ensure_demo_user;

pub fn router(app: App) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .with_state(app)
}

/// Liveness and a cheap database round trip; no session needed.
async fn healthz(State(app): State<App>) -> impl IntoResponse {
    match app.store.mention_count().await {
        Ok(n) => (
            axum::http::StatusCode::OK,
            Json(json!({"status": "ok", "mentions": n})),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "error", "error": "the database is not reachable"})),
            )
        }
    }
}
