//! The manual mention form (`/mentions/new`, posting to `/mentions`): what Lyssna cannot crawl — a
//! Facebook or LinkedIn post, a phone call, an e-mail — so that it is answered and counted like the
//! rest. It goes through `ingest::manual::add` with the app's pipeline, as the CLI and the API do.
//! A refused form comes back filled in, with the reason.

use super::forms::field;
use super::*;
use crate::ingest::manual::{self, ManualMention};
use crate::web::i18n::{Change, localize_error};

/// Where a manual mention was said. Each channel is a manual source named as the dashboard calls
/// it, so the report lists "Telefon" or "LinkedIn" beside the crawled sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Facebook,
    LinkedIn,
    X,
    Phone,
    Email,
    Other,
}

impl Channel {
    const ALL: [Channel; 6] = [
        Channel::Facebook,
        Channel::LinkedIn,
        Channel::X,
        Channel::Phone,
        Channel::Email,
        Channel::Other,
    ];

    fn key(self) -> &'static str {
        match self {
            Channel::Facebook => "ch_facebook",
            Channel::LinkedIn => "ch_linkedin",
            Channel::X => "ch_x",
            Channel::Phone => "ch_phone",
            Channel::Email => "ch_email",
            Channel::Other => "ch_other",
        }
    }

    fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.key() == s)
    }
}

#[derive(Template)]
#[template(path = "manual.html")]
pub(super) struct ManualPage {
    t: Tr,
    nav: Nav,
    csrf: String,
    channel_opts: Vec<Opt>,
    brand_opts: Vec<Opt>,
    url: String,
    author: String,
    text: String,
    when: String,
    problem: Option<String>,
}

/// The form as it was filled in (empty for a new one).
#[derive(Default)]
struct Filled {
    channel: String,
    brand: String,
    url: String,
    author: String,
    text: String,
    when: String,
}

async fn page(
    web: &Web,
    session: &Session,
    headers: &HeaderMap,
    filled: Filled,
    problem: Option<String>,
) -> PageResult {
    let c = ctx(web, session, headers, "add").await?;
    let t = c.t;
    let channels: Vec<(String, String)> = Channel::ALL
        .iter()
        .map(|ch| (ch.key().to_string(), t.get(ch.key()).to_string()))
        .collect();
    let mut brands = vec![(String::new(), t.get("brand_match").to_string())];
    brands.extend(
        web.config
            .brands
            .iter()
            .map(|b| (b.name.clone(), b.name.clone())),
    );
    let when = if filled.when.is_empty() {
        c.now
            .with_timezone(&web.config.timezone)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    } else {
        filled.when
    };
    let page = ManualPage {
        csrf: c.nav.csrf.clone(),
        channel_opts: opts(&channels, &filled.channel),
        brand_opts: opts(&brands, &filled.brand),
        url: filled.url,
        author: filled.author,
        text: filled.text,
        when,
        problem: problem.clone(),
        t,
        nav: c.nav,
    };
    let mut resp = respond(web, page.render()?, c.had_flash);
    if problem.is_some() {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub async fn new_mention(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
) -> PageResult {
    page(&web, &session, &headers, Filled::default(), None).await
}

pub async fn create_mention(
    State(web): State<Web>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    let fields = form_fields(&body);
    let lang = web.lang(&headers);
    let t = Tr(lang);
    let filled = Filled {
        channel: field(&fields, "channel"),
        brand: field(&fields, "brand").trim().to_string(),
        url: field(&fields, "url").trim().to_string(),
        author: field(&fields, "author").trim().to_string(),
        text: field(&fields, "text"),
        when: field(&fields, "when").trim().to_string(),
    };
    let channel = Channel::parse(&filled.channel).unwrap_or(Channel::Other);
    let published_at = match filled.when.as_str() {
        "" => Ok(None),
        w => crate::web::actions::parse_time(w, web.config.timezone, "time").map(Some),
    };
    let result = match published_at {
        Ok(published_at) => {
            let mention = ManualMention {
                source: t.get(channel.key()).to_string(),
                url: Some(filled.url.clone()).filter(|u| !u.is_empty()),
                title: None,
                text: filled.text.clone(),
                author: Some(filled.author.clone()).filter(|a| !a.is_empty()),
                published_at,
                brand: Some(filled.brand.clone()).filter(|b| !b.is_empty()),
            };
            manual::add(&web.store, &web.pipeline, &mention, Utc::now())
                .await
                .map_err(WebError::from)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => {
            web.changed();
            let toast = Toast::say(Change::Added.toast(1, lang));
            Ok(redirect_with_toast(
                &web,
                &format!("/mentions/{id}"),
                &toast,
            ))
        }
        Err(e @ WebError::Internal(_)) => Err(PageError(e)),
        Err(e) => {
            let msg = localize_error(&e.public_message(), lang);
            page(&web, &session, &headers, filled, Some(msg)).await
        }
    }
}
