//! The weekly report page (`/reports/weekly?week=…`), printable.

use super::*;
#[derive(Template)]
#[template(path = "report.html")]
pub(super) struct ReportPage {
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
pub(super) struct DeliveryProblem {
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
            what: format!("{} {}", c.t.word(&d.kind), d.key),
            recipient: d.recipient_label(),
            status: match d.status.as_str() {
                "pending" => c.t.get("delivery_pending").to_string(),
                other => c.t.word(other),
            },
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
