//! `lyssna export [--format jsonl|csv]` and `lyssna import FILE.jsonl` (all or nothing).

use super::{Cli, CliError, CliResult, load_config, open_store, stdout_lines};
use crate::store::{Store, parse_import};
use chrono::Utc;
use std::io::BufRead;
use std::path::Path;

pub(super) async fn export(cli: &Cli, format: &str, delimiter: &str) -> CliResult {
    use crate::render::csv;
    let delimiter = csv::parse_delimiter(delimiter).map_err(CliError::input)?;
    if format != "csv" && delimiter != ',' {
        return Err(CliError::input("--delimiter is for --format csv"));
    }
    let config = load_config(cli)?;
    let store = open_store(&config).await?;
    let lines = store.export_all().await?;
    match format {
        "jsonl" => stdout_lines(
            lines
                .iter()
                .map(|l| serde_json::to_string(l).unwrap_or_default()),
        ),
        "csv" => {
            let mut rows = csv::export_csv(&lines, delimiter);
            rows[0].insert_str(0, csv::BOM);
            stdout_lines(rows)
        }
        other => Err(CliError::input(format!(
            "unknown export format '{other}' (jsonl or csv)"
        ))),
    }
}

pub(super) async fn import(cli: &Cli, file: &Path) -> CliResult {
    let config = load_config(cli)?;
    let text = if file == Path::new("-") {
        let mut s = String::new();
        for line in std::io::stdin().lock().lines() {
            s.push_str(&line?);
            s.push('\n');
        }
        s
    } else {
        std::fs::read_to_string(file)
            .map_err(|e| CliError::input(format!("cannot read {}: {e}", file.display())))?
    };
    let lines = parse_import(&text).map_err(|errors| {
        CliError::input(format!(
            "nothing imported; {} problem(s) in {}:\n{}",
            errors.len(),
            file.display(),
            errors
                .iter()
                .map(|e| format!("  {e}"))
                .collect::<Vec<_>>()
                .join("\n")
        ))
    })?;
    let store = Store::connect(&config.database_url).await?;
    store.migrate().await?;
    let n = store
        .import(&lines, Utc::now())
        .await
        .map_err(|e| CliError::input(format!("nothing imported: {e}")))?;
    eprintln!("{n} mention(s) imported");
    Ok(())
}
