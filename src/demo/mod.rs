//! The demo's sample sites (a forum, a review site, a blog with its feed and comments, a JSON API) on
//! loopback, and the configuration that watches them. `lyssna demo` (in `cli::demo`) starts them,
//! crawls and serves the dashboard: everything offline.

pub mod content;
pub mod history;
pub mod sites;

use chrono::{DateTime, Utc};
use std::net::SocketAddr;
use std::path::Path;

/// The demo's login (user, password); only ever served on loopback unless a new password is given.
pub const DEMO_USER: (&str, &str) = ("demo", "demo");

/// The demo's source names: its configuration and its generated history use the same ones.
pub const FORUM_SOURCE: &str = "Snackis: GoMonday-tråden";
pub const PAYMENTS_SOURCE: &str = "Snackis: Betalappar";
pub const REVIEWS_SOURCE: &str = "Omdömen: GoMonday";
pub const BLOG_SOURCE: &str = "Konsumentbloggen";
pub const COMMENTS_SOURCE: &str = "Konsumentbloggen: kommentarer";
pub const DEV_SOURCE: &str = "Utvecklarforum: sök";

/// Stores the generated history (twelve weeks of found, answered and missed mentions) unless an
/// earlier start of the demo already did. Returns how many mentions were added.
pub async fn import_history(
    store: &crate::store::Store,
    base: &str,
    now: DateTime<Utc>,
) -> crate::store::StoreResult<usize> {
    if store.mention(&history::mention_id(1)).await?.is_some() {
        return Ok(0);
    }
    let lines: Vec<(usize, crate::domain::transfer::ExportLine)> = history::lines(base, now)
        .into_iter()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .collect();
    store
        .import(&lines, now)
        .await
        .map_err(|e| crate::store::StoreError::Invalid(format!("the demo's history: {e}")))
}

/// The demo forum's recipe, written beside the demo configuration: an example of a user recipe.
pub const FORUM_RECIPE: &str = r#"# The demo forum's thread pages (vBulletin-like markup).
name = "demo-forum"
kind = "html"
item = "div.post"

[fields]
title  = { select = "h1.thread-title", scope = "page" }
link   = { select = "a.permalink", attr = "href" }
id     = { attr = "id" }
author = "a.username"
body   = "div.post-body"
date   = { select = "span.date", locale = "sv", timezone = "Europe/Stockholm" }
thread = { select = "link[rel=canonical]", attr = "href", scope = "page" }

[pagination]
next = { select = "a[rel=next]", attr = "href" }
max_pages = 5
"#;

/// The demo configuration for sample sites at `base`, storing its data in `dir`.
pub fn demo_config(base: &str, dir: &Path) -> String {
    let db = dir.join("lyssna.db");
    format!(
        r#"# Written by `lyssna demo`: the sample sites on {base}.
timezone = "Europe/Stockholm"
database_url = "sqlite://{db}"

[crawler]
user_agent = "Lyssna/0.1 (+https://example.org/lyssna-bot)"
per_host_delay = "100ms"   # the sample sites are ours; real sites get the default 2s

[[brands]]
name = "GoMonday"
query = '"go monday" OR gomonday OR gomonday.se'
exclude = ['"monday morning"']

[[brands]]
name = "MondayPay"
query = 'mondaypay OR "monday pay"'

[[brands]]
name = "Erik Andersson"
query = '"erik andersson"'

[[identities]]
site = "127.0.0.1"
handle = "{leader}"

[[sources]]
name = "{forum}"
kind = "html"
url = "{base}/forum/t/4711"
recipe = "demo-forum"
every = "2m"
allow_private = true

[[sources]]
name = "{payments}"
kind = "html"
url = "{base}/forum/t/4712"
recipe = "demo-forum"
every = "2m"
allow_private = true

[[sources]]
name = "{reviews}"
kind = "html"
url = "{base}/reviews/gomonday"
recipe = "schema-org"
every = "2m"
allow_private = true

[[sources]]
name = "{blog}"
kind = "feed"
url = "{base}/blog/feed.xml"
every = "2m"
allow_private = true

[[sources]]
name = "{comments}"
kind = "feed"
url = "{base}/blog/comments/feed.xml"
every = "1m"
allow_private = true

[[sources]]
name = "{dev}"
kind = "json"
url = "{base}/api/search.json?q=gomonday%20mondaypay"
recipe = "discourse-search"
every = "2m"
allow_private = true
"#,
        db = db.display(),
        leader = content::LEADER_HANDLE,
        forum = FORUM_SOURCE,
        payments = PAYMENTS_SOURCE,
        reviews = REVIEWS_SOURCE,
        blog = BLOG_SOURCE,
        comments = COMMENTS_SOURCE,
        dev = DEV_SOURCE,
    )
}

/// Serves the sample sites on `addr` (port 0 for any free port) and returns where they are.
pub async fn start_sites(
    addr: SocketAddr,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let router = sites::router(Utc::now(), format!("http://{local}"));
    let handle = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "the demo sites stopped");
        }
    });
    Ok((local, handle))
}
