//! The inbox (`/`): open mentions, criticism first then oldest (by the post's time where known);
//! filters, search (`?q=`), cursor pages. A search the store refuses (too long, not understood) is
//! shown on the page with its reason, the filters kept.

use super::*;
#[derive(Debug, Default, Deserialize)]
pub struct InboxParams {
    status: Option<String>,
    sentiment: Option<String>,
    brand: Option<String>,
    source: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
    /// `1`: the mentions held back as probably not about us.
    held: Option<String>,
}

#[derive(Template)]
#[template(path = "inbox.html")]
pub(super) struct InboxPage {
    t: Tr,
    nav: Nav,
    csrf: String,
    back: String,
    rows: Vec<RowView>,
    filter_status: String,
    status_opts: Vec<Opt>,
    sentiment_opts: Vec<Opt>,
    brand_opts: Vec<Opt>,
    source_opts: Vec<Opt>,
    reason_opts: Vec<Opt>,
    from: String,
    to: String,
    q: String,
    /// "Probably not about us": the held-back mentions, each one key from the inbox or dismissed.
    held_view: bool,
    /// On "Probably not about us": what each brand's relevance model learnt, and the terms it
    /// suggests.
    learned: Option<Learned>,
    /// Some filter besides the default status is set: the filter box starts open on a phone.
    filtered: bool,
    /// Why the search or a filter could not be used (the page's status is then 422).
    problem: Option<String>,
    has_cursor: bool,
    first_href: String,
    next_href: Option<String>,
}

/// The "What Lyssna has learnt" panel.
pub(super) struct Learned {
    brands: Vec<LearnedBrand>,
    /// Why the suggestions are missing, when they could not be computed.
    problem: Option<String>,
}

pub(super) struct LearnedBrand {
    brand: String,
    /// `12 about us · 5 not about us · scores new mentions`
    labels: String,
    /// The strongest features each way, as they read, with their weights.
    leans_not: Vec<String>,
    leans_about: Vec<String>,
    suggestions: Vec<SuggestionView>,
}

pub(super) struct SuggestionView {
    /// The line to add to the brand in `lyssna.toml`.
    toml: String,
    /// `4 not about us, 0 about us · keeps 20, removes 4`
    counts: String,
}

/// What each configured brand's model learnt and suggests (brands without a mark are left out).
async fn learned(web: &Web, lang: Lang) -> Learned {
    let t = Tr(lang);
    let model = web.pipeline.relevance_model();
    let (suggestions, problem) = match web.suggestions().await {
        Ok(s) => (s, None),
        Err(e) => {
            tracing::error!(error = %e, "computing the relevance suggestions failed");
            (
                Default::default(),
                Some(t.get("suggestions_failed").to_string()),
            )
        }
    };
    let brands = web
        .config
        .brands
        .iter()
        .filter_map(|b| {
            let (about, not) = model.labels_of(&b.name);
            if about + not == 0 {
                return None;
            }
            let state = if model.is_ready(&b.name) {
                t.get("scoring").to_string()
            } else {
                let n = crate::domain::relevance::MIN_EACH;
                t.pick(
                    &format!("learning: needs {n} of each kind before it holds anything back"),
                    &format!("lär sig: behöver {n} av varje slag innan något hålls tillbaka"),
                )
                .to_string()
            };
            let labels = format!(
                "{about} {} · {not} {} · {state}",
                t.get("about_us").to_lowercase(),
                t.get("not_about_us_short").to_lowercase()
            );
            let strongest = model.strongest(&b.name, 12);
            let leaning = |about_us: bool| -> Vec<String> {
                strongest
                    .iter()
                    .filter(|(_, w)| (*w > 0.0) == about_us)
                    .take(5)
                    .map(|(f, w)| format!("{} ({w:+.1})", crate::web::i18n::relevance_features(f, lang)))
                    .collect()
            };
            let suggestions = suggestions
                .iter()
                .filter(|s| s.suggestion.brand == b.name)
                .map(|s| SuggestionView {
                    toml: s.toml_line(),
                    counts: t
                        .pick(
                            &format!(
                                "in {} not about us and {} about us · would keep {}, remove {}, add {}",
                                s.suggestion.not_about_us,
                                s.suggestion.about_us,
                                s.counts.kept,
                                s.counts.removed,
                                s.counts.added
                            ),
                            &format!(
                                "i {} inte om oss och {} om oss · skulle behålla {}, ta bort {}, lägga till {}",
                                s.suggestion.not_about_us,
                                s.suggestion.about_us,
                                s.counts.kept,
                                s.counts.removed,
                                s.counts.added
                            ),
                        )
                        .to_string(),
                })
                .collect();
            Some(LearnedBrand {
                brand: b.name.clone(),
                labels,
                leans_not: leaning(false),
                leans_about: leaning(true),
                suggestions,
            })
        })
        .collect();
    Learned { brands, problem }
}

/// One row, for the script's in-place update.
#[derive(Template)]
#[template(path = "row.html")]
pub(super) struct RowFragment {
    pub(super) t: Tr,
    pub(super) csrf: String,
    pub(super) back: String,
    pub(super) row: RowView,
}

pub(super) fn clean(v: &Option<String>) -> String {
    v.as_deref().map(str::trim).unwrap_or("").to_string()
}

pub(super) fn local_date(s: &str, web: &Web) -> Result<Option<DateTime<Utc>>, WebError> {
    if s.is_empty() {
        return Ok(None);
    }
    crate::web::actions::parse_time(s, web.config.timezone, "date").map(Some)
}

/// The filters as given, checked: bad ones are the page's problem, shown above an empty list.
struct Filters {
    status_s: String,
    sentiment: Option<Label>,
    from: String,
    to: String,
    q: String,
    brand: String,
    source: String,
    held: bool,
}

impl Filters {
    /// The filters as given; a bad one is left out and its reason returned, so that the page can
    /// say what is wrong and still show the rest.
    fn read(p: &InboxParams, web: &Web) -> (Filters, Vec<String>) {
        let mut problems = Vec::new();
        let mut status_s = match clean(&p.status) {
            s if s.is_empty() => "new".to_string(),
            s => s,
        };
        if status_s != "all"
            && let Err(e) = status_s.parse::<Status>()
        {
            problems.push(e);
            status_s = "new".into();
        }
        let sentiment = check_sentiment(p.sentiment.clone()).unwrap_or_else(|e| {
            problems.push(e.public_message());
            None
        });
        let mut date = |s: String| match local_date(&s, web) {
            Ok(_) => s,
            Err(e) => {
                problems.push(e.public_message());
                String::new()
            }
        };
        let (from, to) = (date(clean(&p.from)), date(clean(&p.to)));
        let f = Filters {
            sentiment,
            status_s,
            from,
            to,
            q: clean(&p.q),
            brand: clean(&p.brand),
            source: clean(&p.source),
            held: clean(&p.held) == "1",
        };
        (f, problems)
    }

    fn query(
        &self,
        web: &Web,
        cursor: Option<crate::store::Cursor>,
    ) -> crate::web::error::WebResult<InboxQuery> {
        Ok(InboxQuery {
            status: match self.status_s.as_str() {
                "all" => None,
                s => Some(s.parse::<Status>().map_err(WebError::Invalid)?),
            },
            sentiment: self.sentiment,
            brand: Some(self.brand.clone()).filter(|s| !s.is_empty()),
            source: Some(self.source.clone()).filter(|s| !s.is_empty()),
            posted_from: local_date(&self.from, web)?,
            posted_before: local_date(&self.to, web)?.map(|d| d + chrono::Duration::days(1)),
            search: Some(self.q.clone()).filter(|s| !s.is_empty()),
            // The inbox leaves out what waits in "Probably not about us"; that view shows only it.
            held_back: match (self.held, self.status_s.as_str()) {
                (true, _) => Some(true),
                (false, "new") => Some(false),
                _ => None,
            },
            cursor,
            limit: 50,
        })
    }

    /// The filters as query pairs (the search box and the page links keep them).
    /// Some filter besides the default status (and the held-back view) is set.
    fn filtered(&self) -> bool {
        self.pairs().iter().filter(|(k, _)| *k != "held").count() > 1 || self.status_s != "new"
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("status", self.status_s.clone()),
            (
                "sentiment",
                self.sentiment.map(Label::as_str).unwrap_or("").to_string(),
            ),
            ("brand", self.brand.clone()),
            ("source", self.source.clone()),
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("held", if self.held { "1".into() } else { String::new() }),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }
}

pub async fn inbox(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    uri: Uri,
    Query(p): Query<InboxParams>,
) -> PageResult {
    let section = if clean(&p.held) == "1" {
        "held"
    } else {
        "inbox"
    };
    let mut c = ctx(&web, &session, &headers, section).await?;
    let t = c.t;
    // Bad filters, a cursor that is not one and a search the store cannot run are shown on the
    // page (422) with their reason; the filters that are fine stay.
    let (f, mut problems) = Filters::read(&p, &web);
    let cursor = match clean(&p.cursor) {
        s if s.is_empty() => None,
        s => crate::store::Cursor::decode(&s)
            .map_err(|e| problems.push(e.to_string()))
            .ok(),
    };
    let page = inbox_page(&web, &f, cursor, &mut problems).await?;
    let problem = (!problems.is_empty()).then(|| {
        problems
            .iter()
            .map(|m| crate::web::i18n::localize_error(m, c.lang))
            .collect::<Vec<_>>()
            .join(" · ")
    });
    let ids: Vec<&str> = page.items.iter().map(|m| m.id.as_str()).collect();
    let mut events = web.store.events_for_mentions(&ids).await?;
    let tz = web.config.timezone;
    let rows: Vec<RowView> = page
        .items
        .iter()
        .map(|m| {
            let ev = events.remove(&m.id).unwrap_or_default();
            RowView::new(m, &ev, c.now, tz, c.lang)
        })
        .collect();

    // Links keep the filters and the search; the next page adds the cursor.
    let mut pairs = f.pairs();
    if !f.q.is_empty() {
        pairs.push(("q", f.q.clone()));
    }
    let base = {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pairs {
            s.append_pair(k, v);
        }
        s.finish()
    };
    let next_href = page.next.map(|n| {
        let mut s = url::form_urlencoded::Serializer::new(base.clone());
        s.append_pair("cursor", &n.encode());
        format!("/?{}", s.finish())
    });
    c.nav.q = f.q.clone();
    c.nav.keep = f
        .pairs()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let (status_opts, sentiment_opts, brand_opts, source_opts) = menus(&web, t, &f).await?;
    let page = InboxPage {
        csrf: c.nav.csrf.clone(),
        back: uri_path(&uri),
        rows,
        status_opts,
        sentiment_opts,
        brand_opts,
        source_opts,
        reason_opts: reason_opts(t),
        filtered: f.filtered(),
        filter_status: f.status_s,
        from: f.from,
        to: f.to,
        q: f.q,
        held_view: f.held,
        learned: if f.held {
            Some(learned(&web, c.lang).await)
        } else {
            None
        },
        has_cursor: p.cursor.is_some(),
        first_href: if base.is_empty() {
            "/".into()
        } else {
            format!("/?{base}")
        },
        next_href,
        t,
        nav: c.nav,
        problem: problem.clone(),
    };
    let mut resp = respond(&web, page.render()?, c.had_flash);
    if problem.is_some() {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// The mentions the filters ask for; nothing when a filter has a problem, or when the store refuses
/// the search (its reason joins `problems`).
async fn inbox_page(
    web: &Web,
    f: &Filters,
    cursor: Option<crate::store::Cursor>,
    problems: &mut Vec<String>,
) -> Result<crate::store::Page, PageError> {
    let empty = crate::store::Page {
        items: Vec::new(),
        next: None,
    };
    if !problems.is_empty() {
        return Ok(empty);
    }
    match web.store.inbox(&f.query(web, cursor)?).await {
        Ok(page) => Ok(page),
        Err(e) => match WebError::from(e) {
            WebError::Invalid(msg) => {
                problems.push(msg);
                Ok(empty)
            }
            other => Err(PageError(other)),
        },
    }
}

/// The filter menus: status, sentiment, brand and source, each with the current choice selected.
async fn menus(
    web: &Web,
    t: Tr,
    f: &Filters,
) -> Result<(Vec<Opt>, Vec<Opt>, Vec<Opt>, Vec<Opt>), PageError> {
    let mut status_values: Vec<(String, String)> = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), t.word(s.as_str())))
        .collect();
    status_values.push(("all".into(), t.get("all").into()));
    let any = (String::new(), t.get("any").to_string());
    let mut sentiment_values = vec![any.clone()];
    sentiment_values.extend(
        Label::ALL
            .iter()
            .map(|s| (s.to_string(), t.word(s.as_str()))),
    );
    let (brands, sources) = web.filter_names().await?;
    let mut brand_values = vec![any.clone()];
    brand_values.extend(brands.into_iter().map(|b| (b.clone(), b)));
    let mut source_values = vec![any];
    source_values.extend(sources.into_iter().map(|s| (s.clone(), s)));
    Ok((
        opts(&status_values, &f.status_s),
        opts(
            &sentiment_values,
            f.sentiment.map(Label::as_str).unwrap_or(""),
        ),
        opts(&brand_values, &f.brand),
        opts(&source_values, &f.source),
    ))
}

/// The no-reply reasons, translated, for the forms and the reason picker.
pub(super) fn reason_opts(t: Tr) -> Vec<Opt> {
    crate::domain::mention::NoReplyReason::ALL
        .iter()
        .map(|r| Opt {
            value: r.as_str().to_string(),
            label: t.get(r.as_str()).to_string(),
            selected: false,
        })
        .collect()
}
