//! `lyssna demo`: everything offline. Starts the sample sites on loopback, writes a configuration
//! for them (with a recipe file of its own, as a user would), crawls once, then serves the dashboard
//! and keeps crawling on schedule.

use super::{CliError, CliResult, summary_table};
use crate::app::{App, shutdown_signal};
use crate::config::Config;
use crate::demo::{FORUM_RECIPE, demo_config, start_sites};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// The demo login's password: `None` keeps demo / demo, which is only acceptable on loopback. A
/// non-loopback `--listen` needs `--public` and a new password from standard input, so that the
/// well-known login is never served to a network by accident.
pub fn demo_password(
    listen: SocketAddr,
    public: bool,
    password_stdin: bool,
) -> Result<Option<String>, CliError> {
    let allowed = listen.ip().is_loopback() || (public && password_stdin);
    if !allowed {
        return Err(CliError::input(format!(
            "demo --listen {listen} would serve the dashboard, with its well-known login demo / demo, to the network. \
             Listen on loopback (127.0.0.1:8080), or add --public and give a new password with --password-stdin \
             (e.g. `echo 'a long passphrase' | lyssna demo --listen {listen} --public --password-stdin`)"
        )));
    }
    if !password_stdin {
        return Ok(None);
    }
    let password = super::user::read_password(true)?;
    crate::web::password_rule::check(crate::web::auth::DEMO_USER.0, &password)
        .map_err(CliError::input)?;
    Ok(Some(password))
}

pub async fn run(listen: SocketAddr, dir: &Path, password: Option<String>) -> CliResult {
    std::fs::create_dir_all(dir.join("recipes"))
        .map_err(|e| CliError::failure(format!("cannot create {}: {e}", dir.display())))?;
    let dir = std::fs::canonicalize(dir)?;
    // The sites keep the same port from run to run when they can, so that their URLs stay the same.
    let preferred = SocketAddr::from(([127, 0, 0, 1], listen.port().wrapping_add(1).max(1024)));
    let (sites_addr, _sites) = match start_sites(preferred).await {
        Ok(s) => s,
        Err(_) => start_sites(SocketAddr::from(([127, 0, 0, 1], 0))).await?,
    };
    let base = format!("http://{sites_addr}");
    let config_path = dir.join("lyssna.toml");
    std::fs::write(&config_path, demo_config(&base, &dir))?;
    std::fs::write(dir.join("recipes/demo-forum.toml"), FORUM_RECIPE)?;
    let mut config =
        Config::load(Some(&config_path)).map_err(|e| CliError::failure(e.to_string()))?;
    config.server.listen = listen;
    config.server.base_url = format!("http://{listen}");

    let app = App::build(config, true).await?;
    let login = crate::web::ensure_demo_user(&app.store, password.as_deref()).await?;
    let added = crate::demo::import_history(&app.store, &base, chrono::Utc::now()).await?;
    if added > 0 {
        eprintln!(
            "Twelve weeks of history added ({added} mentions) so that the weekly report has trends."
        );
    }
    eprintln!("Sample sites on {base}/ — crawling them once…");
    let sources = app.config.sources.clone();
    let reports = crate::scheduler::crawl_now(
        &app.ingest,
        sources,
        Arc::new(|_: &str, _: usize, _: Option<&_>| {}),
    )
    .await?;
    eprintln!("{}\n", summary_table(&reports));

    let shutdown = shutdown_signal();
    let (addr, web) = app.serve_web(listen, shutdown.clone()).await?;
    eprintln!(
        "Lyssna demo: open http://{addr}/ and log in as {} / {}\n\
         Data: {} (try `lyssna --config {} export`). Sources are crawled again every minute or two; Ctrl-C stops.",
        login.0,
        if password.is_some() {
            "(the password you gave)"
        } else {
            login.1.as_str()
        },
        dir.join("lyssna.db").display(),
        config_path.display()
    );
    app.scheduler("demo").run(shutdown).await;
    let _ = web.await;
    Ok(())
}
