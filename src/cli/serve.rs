//! `lyssna serve`, `lyssna worker` and `lyssna migrate`.

use super::{Cli, CliResult, load_config};
use crate::app::{App, shutdown_signal};
use crate::store::Store;

pub(super) async fn migrate(cli: &Cli) -> CliResult {
    let config = load_config(cli)?;
    let store = Store::connect(&config.database_url).await?;
    let n = store.migrate().await?;
    eprintln!("{n} migration(s) applied; the schema is up to date");
    Ok(())
}

pub(super) async fn serve(cli: &Cli, listen: Option<std::net::SocketAddr>) -> CliResult {
    let config = load_config(cli)?;
    let listen = listen.unwrap_or(config.server.listen);
    let app = App::build(config, true).await?;
    let shutdown = shutdown_signal();
    let (addr, web) = app.serve_web(listen, shutdown.clone()).await?;
    eprintln!(
        "Lyssna is listening on http://{addr}/ (database {})",
        redact(&app.config.database_url)
    );
    if app.store.user_count().await? == 0 {
        eprintln!(
            "No dashboard login exists yet. Create one (in another terminal, with the same --config):\n  \
             lyssna user add NAME\n\
             It asks for the password twice; the login page will work as soon as it is done."
        );
    }
    let scheduler = app.scheduler("serve");
    scheduler.run(shutdown).await;
    let _ = web.await;
    Ok(())
}

pub(super) async fn worker(cli: &Cli) -> CliResult {
    let config = load_config(cli)?;
    let app = App::build(config, false).await?;
    eprintln!(
        "Lyssna worker crawling for {}",
        redact(&app.config.database_url)
    );
    app.scheduler("worker").run(shutdown_signal()).await;
    Ok(())
}

/// A database URL with any password replaced, for logs.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}
