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
            let n = |count: usize, one: &str, many: &str| {
                format!("{count} {}", if count == 1 { one } else { many })
            };
            eprintln!(
                "{}: ok ({}, {}, {})",
                config
                    .file
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "built-in defaults".into()),
                n(config.brands.len(), "brand", "brands"),
                n(config.sources.len(), "source", "sources"),
                n(config.identities.len(), "identity", "identities")
            );
            Ok(())
        }
    }
}
