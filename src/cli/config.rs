//! `lyssna config check` and `lyssna config example`.

use super::{Cli, CliResult, ConfigAction, load_config};

pub(super) fn run(cli: &Cli, action: &ConfigAction) -> CliResult {
    match action {
        ConfigAction::Example => {
            print!("{}", crate::config::EXAMPLE);
            Ok(())
        }
        ConfigAction::Check => {
            let config = load_config(cli)?;
            for w in crate::config::warnings(&config) {
                eprintln!("warning: {w}");
            }
            eprintln!(
                "{}: ok ({} brands, {} sources, {} identities)",
                config
                    .file
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "built-in defaults".into()),
                config.brands.len(),
                config.sources.len(),
                config.identities.len()
            );
            Ok(())
        }
    }
}
