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

pub async fn run(listen: SocketAddr, dir: &Path) -> CliResult {
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
    let login = crate::web::ensure_demo_user(&app.store).await?;
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
        login.1,
        dir.join("lyssna.db").display(),
        config_path.display()
    );
    app.scheduler().run(shutdown).await;
    let _ = web.await;
    Ok(())
}
