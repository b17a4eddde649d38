//! Sources (`/sources`): health in plain words, last success and error, next check, recent runs,
//! "check now".

use super::forms::field;
use super::*;
/// Watched threads listed per source on the page (the API lists them all).
const WATCHED_SHOWN: usize = 50;

pub struct RunView {
    pub at: When,
    pub outcome: String,
    pub summary: String,
    pub error: String,
}

pub struct WatchView {
    pub href: Option<String>,
    pub title: String,
    pub summary: String,
    pub next_check: Option<When>,
    pub error: String,
}

pub struct SourceView {
    pub name: String,
    pub kind: String,
    pub href: Option<String>,
    pub url_text: String,
    pub health: String,
    pub health_label: String,
    pub health_words: String,
    pub last_success: Option<When>,
    pub last_error: String,
    pub next_check: Option<When>,
    pub items_found: i64,
    pub checkable: bool,
    pub runs: Vec<RunView>,
    pub watched: Vec<WatchView>,
    /// "Watched threads: 3 (1 open)".
    pub watched_summary: String,
}

#[derive(Template)]
#[template(path = "sources.html")]
pub(super) struct SourcesPage {
    t: Tr,
    nav: Nav,
    csrf: String,
    back: String,
    sources: Vec<SourceView>,
}

pub async fn sources(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
) -> PageResult {
    let c = ctx(&web, &session, &headers, "sources").await?;
    let t = c.t;
    let tz = web.config.timezone;
    let mut views = Vec::new();
    for s in web.store.sources().await? {
        let runs = web
            .store
            .recent_runs(s.id, 5)
            .await?
            .into_iter()
            .map(|r| RunView {
                at: when(r.started_at, c.now, tz, c.lang),
                outcome: t.word(&r.outcome),
                summary: [
                    t.count(r.pages as usize, ("page", "pages"), ("sida", "sidor")),
                    t.count(r.items as usize, ("item", "items"), ("post", "poster")),
                    t.count(
                        r.new_mentions as usize,
                        ("new mention", "new mentions"),
                        ("nytt omnämnande", "nya omnämnanden"),
                    ),
                ]
                .join(" · "),
                error: r.error.unwrap_or_default(),
            })
            .collect();
        let threads = web
            .store
            .watched_threads_first(Some(s.id), Some(WATCHED_SHOWN))
            .await?;
        let summary = web.store.watch_summary(s.id).await?;
        let watched_summary = format!(
            "{}: {} · {}",
            t.get("watched_threads"),
            summary.watching,
            t.count(
                usize::try_from(summary.open_mentions).unwrap_or(0),
                ("open mention", "open mentions"),
                ("öppet omnämnande", "öppna omnämnanden")
            )
        );
        let watched = threads
            .into_iter()
            .map(|w| WatchView {
                href: view::safe_href(Some(&w.url)),
                title: w.title.clone().unwrap_or_else(|| w.url.clone()),
                summary: [
                    t.count(
                        usize::try_from(w.mentions).unwrap_or(0),
                        ("mention", "mentions"),
                        ("omnämnande", "omnämnanden"),
                    ),
                    t.count(
                        usize::try_from(w.open_mentions).unwrap_or(0),
                        ("open", "open"),
                        ("öppet", "öppna"),
                    ),
                    match (&w.next_check_at, &w.reader) {
                        (None, _) => t.get("watch_retired").to_string(),
                        (Some(_), None) if w.last_checked_at.is_some() => {
                            t.get("watch_not_found_yet").to_string()
                        }
                        (Some(_), _) => t.get("watch_next").to_string(),
                    },
                ]
                .join(" · "),
                next_check: w.next_check_at.map(|n| when(n, c.now, tz, c.lang)),
                error: w.last_error.unwrap_or_default(),
            })
            .collect();
        views.push(SourceView {
            watched,
            watched_summary,
            href: view::safe_href(s.url.as_deref()),
            url_text: s.url.clone().unwrap_or_default(),
            health: s.health.as_str().to_string(),
            health_label: t.get(&format!("health_{}", s.health.as_str())).to_string(),
            health_words: t.word(s.health.as_str()),
            last_success: s.last_success_at.map(|w| when(w, c.now, tz, c.lang)),
            last_error: s.last_error.clone().unwrap_or_default(),
            next_check: s.next_check_at.map(|w| when(w, c.now, tz, c.lang)),
            items_found: s.items_found,
            checkable: s.kind != SourceKind::Manual && s.in_config,
            kind: t.get(&format!("kind_{}", s.kind.as_str())).to_string(),
            name: s.name,
            runs,
        });
    }
    let page = SourcesPage {
        csrf: c.nav.csrf.clone(),
        back: "/sources".into(),
        sources: views,
        t,
        nav: c.nav,
    };
    Ok(respond(&web, page.render()?, c.had_flash))
}

pub async fn check_now(State(web): State<Web>, headers: HeaderMap, body: Bytes) -> PageResult {
    let fields = form_fields(&body);
    let name = field(&fields, "name");
    web.store.check_source_now(&name, Utc::now()).await?;
    let t = Tr(web.lang(&headers));
    Ok(redirect_with_flash(&web, "/sources", t.get("check_queued")))
}
