//! The JSON API (PRODUCT §10), bearer tokens only. Mentions are the export line shape of §8.1.

use crate::domain::mention::Status;
use crate::domain::report::{IsoWeekId, WeeklyReport};
use crate::domain::sentiment::Label;
use crate::ingest::manual::{self, ManualMention};
use crate::store::{Cursor, ExportLine, InboxQuery, MentionRecord};
use crate::web::Web;
use crate::web::actions::StatusInput;
use crate::web::error::{WebError, WebResult};
use crate::web::session::ApiCaller;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    sentiment: Option<String>,
    brand: Option<String>,
    source: Option<String>,
    cursor: Option<String>,
    /// A search in the query language, as the inbox's `?q=`.
    q: Option<String>,
    limit: Option<i64>,
}

impl ListQuery {
    /// Reads the query string itself, so that bad input is a 422 with a JSON message (axum's extractor
    /// answers 400 in plain text) and a misspelt parameter is an error rather than silently ignored.
    fn parse(raw: Option<&str>) -> WebResult<ListQuery> {
        let mut q = ListQuery {
            status: None,
            sentiment: None,
            brand: None,
            source: None,
            cursor: None,
            q: None,
            limit: None,
        };
        for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let v = v.into_owned();
            let slot = match k.as_ref() {
                "status" => &mut q.status,
                "sentiment" => &mut q.sentiment,
                "brand" => &mut q.brand,
                "source" => &mut q.source,
                "cursor" => &mut q.cursor,
                "q" => &mut q.q,
                "limit" => {
                    let n: i64 = v.trim().parse().map_err(|_| {
                        WebError::Invalid(format!("limit '{v}' is not a whole number"))
                    })?;
                    if !(1..=500).contains(&n) {
                        return Err(WebError::Invalid(format!("limit {n} is outside 1–500")));
                    }
                    q.limit = Some(n);
                    continue;
                }
                other => {
                    return Err(WebError::Invalid(format!(
                        "unknown parameter '{other}' (status, sentiment, brand, source, q, cursor, limit)"
                    )));
                }
            };
            if slot.is_some() {
                return Err(WebError::Invalid(format!("parameter '{k}' is given twice")));
            }
            *slot = Some(v);
        }
        Ok(q)
    }
}

fn nonempty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

/// A sentiment parameter: absent when empty, else one of the three labels (by their exact names).
pub fn check_sentiment(s: Option<String>) -> WebResult<Option<Label>> {
    match nonempty(s) {
        None => Ok(None),
        Some(s) => match s.parse::<Label>() {
            Ok(l) if l.as_str() == s => Ok(Some(l)),
            _ => Err(WebError::Invalid(format!(
                "unknown sentiment '{s}' (criticism, praise or neutral)"
            ))),
        },
    }
}

/// `?week=2026-W47`, else the current week in the configured time zone.
pub fn week_param(web: &Web, week: Option<&str>) -> WebResult<IsoWeekId> {
    match week.map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => w
            .parse::<IsoWeekId>()
            .map_err(|e| WebError::Invalid(e.to_string())),
        None => Ok(IsoWeekId::containing(Utc::now(), web.config.timezone)),
    }
}

/// The weekly report for `week` as of now (PRODUCT §7).
pub async fn compute_report(web: &Web, week: IsoWeekId) -> WebResult<WeeklyReport> {
    Ok(web
        .store
        .weekly_report(week, Utc::now(), &web.config.report_settings())
        .await?)
}

async fn line(web: &Web, m: MentionRecord) -> WebResult<ExportLine> {
    let mut lines = web.store.export_lines(vec![m]).await?;
    lines
        .pop()
        .ok_or_else(|| WebError::Internal("a mention vanished while it was read".into()))
}

pub async fn list(
    State(web): State<Web>,
    RawQuery(raw): RawQuery,
) -> WebResult<Json<serde_json::Value>> {
    let q = ListQuery::parse(raw.as_deref())?;
    let status = nonempty(q.status)
        .map(|s| s.parse::<Status>().map_err(WebError::Invalid))
        .transpose()?;
    let cursor = nonempty(q.cursor)
        .map(|c| Cursor::decode(&c))
        .transpose()
        .map_err(|e| WebError::Invalid(e.to_string()))?;
    let query = InboxQuery {
        status,
        sentiment: check_sentiment(q.sentiment)?,
        brand: nonempty(q.brand),
        source: nonempty(q.source),
        search: nonempty(q.q),
        cursor,
        limit: q.limit.unwrap_or(50).clamp(1, 500),
        ..InboxQuery::default()
    };
    let page = web.store.inbox(&query).await?;
    let items = web.store.export_lines(page.items).await?;
    Ok(Json(json!({
        "items": items,
        "next_cursor": page.next.map(|c| c.encode()),
    })))
}

/// `GET /api/threads[?source=NAME]`: the threads Lyssna watches (and those it retired), the next to be
/// read first.
pub async fn threads(
    State(web): State<Web>,
    RawQuery(raw): RawQuery,
) -> WebResult<Json<serde_json::Value>> {
    let mut source = None;
    for (k, v) in url::form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "source" if !v.trim().is_empty() => source = Some(v.into_owned()),
            "source" => {}
            other => {
                return Err(WebError::Invalid(format!(
                    "unknown parameter '{other}' (this list takes source=NAME)"
                )));
            }
        }
    }
    let source_id = match &source {
        Some(name) => Some(
            web.store
                .source_by_name(name)
                .await?
                .ok_or_else(|| WebError::NotFound(format!("no source named '{name}'")))?
                .id,
        ),
        None => None,
    };
    let threads: Vec<serde_json::Value> = web
        .store
        .watched_threads(source_id)
        .await?
        .iter()
        .map(|t| {
            let mut v = serde_json::to_value(t).unwrap_or_default();
            v["state"] = json!(if t.next_check_at.is_some() {
                "watching"
            } else {
                "retired"
            });
            v
        })
        .collect();
    Ok(Json(json!({ "threads": threads })))
}

pub async fn one(State(web): State<Web>, Path(id): Path<String>) -> WebResult<Json<ExportLine>> {
    let m = web
        .store
        .mention(&id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("no mention with id {id}")))?;
    Ok(Json(line(&web, m).await?))
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> WebResult<T> {
    serde_json::from_slice(body).map_err(|e| WebError::Invalid(format!("bad JSON body: {e}")))
}

pub async fn set_status(
    State(web): State<Web>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
    body: Bytes,
) -> WebResult<Json<ExportLine>> {
    let input: StatusInput = parse_json(&body)?;
    let m = web.change_status(&id, &input, &caller.0).await?;
    Ok(Json(line(&web, m).await?))
}

/// `{"sentiment": "criticism" | "praise" | "neutral" | null}` → the override; `null` goes back to
/// the classifier's label. The key is required: an empty body must not clear an override.
fn sentiment_input(body: &[u8]) -> WebResult<Option<Label>> {
    const SHAPE: &str = r#"{"sentiment": "criticism" | "praise" | "neutral" | null}"#;
    let v: serde_json::Value = parse_json(body)?;
    let obj = v
        .as_object()
        .ok_or_else(|| WebError::Invalid(format!("the body must be {SHAPE}")))?;
    if let Some(k) = obj.keys().find(|k| *k != "sentiment") {
        return Err(WebError::Invalid(format!(
            "unknown field '{k}'; the body is {SHAPE}"
        )));
    }
    match obj.get("sentiment") {
        None => Err(WebError::Invalid(format!(
            "sentiment is missing; the body is {SHAPE}"
        ))),
        Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {
            check_sentiment(Some(s.clone()))
        }
        Some(other) => Err(WebError::Invalid(format!(
            "sentiment {other} is not one of criticism, praise, neutral or null"
        ))),
    }
}

pub async fn set_sentiment(
    State(web): State<Web>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
    body: Bytes,
) -> WebResult<Json<ExportLine>> {
    let label = sentiment_input(&body)?;
    let m = web.override_sentiment(&id, label, &caller.0).await?;
    Ok(Json(line(&web, m).await?))
}

/// Takes back the mention's last status change (409 when there is none left).
pub async fn undo(
    State(web): State<Web>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
) -> WebResult<Json<ExportLine>> {
    let m = web.undo(&id, &caller.0).await?;
    Ok(Json(line(&web, m).await?))
}

/// `POST /api/mentions/{id}/about-us`: the mention is about us (out of "Probably not about us").
pub async fn about_us(
    State(web): State<Web>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
) -> WebResult<Json<ExportLine>> {
    let m = web.confirm_about_us(&id, &caller.0).await?;
    Ok(Json(line(&web, m).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMention {
    text: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    published_at: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    brand: Option<String>,
}

pub async fn create(State(web): State<Web>, body: Bytes) -> WebResult<Response> {
    let n: NewMention = parse_json(&body)?;
    let published_at = nonempty(n.published_at)
        .map(|p| crate::web::actions::parse_time(&p, web.config.timezone, "published_at"))
        .transpose()?;
    let mention = ManualMention {
        source: nonempty(n.source).unwrap_or_else(|| "Manual".into()),
        url: nonempty(n.url),
        title: nonempty(n.title),
        text: n.text,
        author: nonempty(n.author),
        published_at,
        brand: nonempty(n.brand),
    };
    let id = manual::add(&web.store, &web.pipeline, &mention, Utc::now()).await?;
    web.changed();
    let m = web
        .store
        .mention(&id)
        .await?
        .ok_or_else(|| WebError::Internal("the new mention was not found".into()))?;
    Ok((StatusCode::CREATED, Json(line(&web, m).await?)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct WeekQuery {
    pub week: Option<String>,
}

pub async fn report(
    State(web): State<Web>,
    Query(q): Query<WeekQuery>,
) -> WebResult<Json<WeeklyReport>> {
    let week = week_param(&web, q.week.as_deref())?;
    Ok(Json(compute_report(&web, week).await?))
}
