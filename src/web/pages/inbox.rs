//! The inbox (`/`): open mentions, criticism first then oldest; filters, search, cursor pages.

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
}

#[derive(Template)]
#[template(path = "inbox.html")]
pub(super) struct InboxPage {
    t: Tr,
    nav: Nav,
    csrf: String,
    back: String,
    tomorrow: String,
    rows: Vec<RowView>,
    filter_status: String,
    status_opts: Vec<Opt>,
    sentiment_opts: Vec<Opt>,
    brand_opts: Vec<Opt>,
    source_opts: Vec<Opt>,
    from: String,
    to: String,
    q: String,
    has_cursor: bool,
    first_href: String,
    next_href: Option<String>,
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

pub async fn inbox(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    uri: Uri,
    Query(p): Query<InboxParams>,
) -> PageResult {
    let c = ctx(&web, &session, &headers, "inbox").await?;
    let t = c.t;
    let status_s = match clean(&p.status) {
        s if s.is_empty() => "new".to_string(),
        s => s,
    };
    let status = match status_s.as_str() {
        "all" => None,
        s => Some(s.parse::<Status>().map_err(WebError::Invalid)?),
    };
    let sentiment = check_sentiment(p.sentiment.clone())?;
    let (from, to, q) = (clean(&p.from), clean(&p.to), clean(&p.q));
    let cursor = match clean(&p.cursor) {
        s if s.is_empty() => None,
        s => Some(crate::store::Cursor::decode(&s)?),
    };
    let query = InboxQuery {
        status,
        sentiment,
        brand: Some(clean(&p.brand)).filter(|s| !s.is_empty()),
        source: Some(clean(&p.source)).filter(|s| !s.is_empty()),
        found_from: local_date(&from, &web)?,
        found_before: local_date(&to, &web)?.map(|d| d + chrono::Duration::days(1)),
        search: Some(q.clone()).filter(|s| !s.is_empty()),
        cursor,
        limit: 50,
    };
    let page = web.store.inbox(&query).await?;
    let tz = web.config.timezone;
    let rows: Vec<RowView> = page
        .items
        .iter()
        .map(|m| RowView::new(m, c.now, tz, c.lang))
        .collect();

    // Links keep the filters; the next page adds the cursor.
    let base = {
        let mut base = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", status_s.as_str()),
            ("sentiment", sentiment.map(Label::as_str).unwrap_or("")),
            ("brand", &clean(&p.brand)),
            ("source", &clean(&p.source)),
            ("from", &from),
            ("to", &to),
            ("q", &q),
        ] {
            if !v.is_empty() {
                base.append_pair(k, v);
            }
        }
        base.finish()
    };
    let next_href = page.next.map(|n| {
        let mut s = url::form_urlencoded::Serializer::new(base.clone());
        s.append_pair("cursor", &n.encode());
        format!("/?{}", s.finish())
    });

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

    let page = InboxPage {
        csrf: c.nav.csrf.clone(),
        back: uri_path(&uri),
        tomorrow: tomorrow(&web, c.now),
        rows,
        status_opts: opts(&status_values, &status_s),
        sentiment_opts: opts(
            &sentiment_values,
            sentiment.map(Label::as_str).unwrap_or(""),
        ),
        brand_opts: opts(&brand_values, &clean(&p.brand)),
        source_opts: opts(&source_values, &clean(&p.source)),
        filter_status: status_s,
        from,
        to,
        q,
        has_cursor: p.cursor.is_some(),
        first_href: if base.is_empty() {
            "/".into()
        } else {
            format!("/?{base}")
        },
        next_href,
        t,
        nav: c.nav,
    };
    Ok(respond(&web, page.render()?, c.had_flash))
}
