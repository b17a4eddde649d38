//! `lyssna report [--week W] [--as-of T] [--format text|json|csv|html]`.

use super::{Cli, CliError, CliResult, load_config, open_store, parse_time, stdout_lines};
use crate::config::Config;
use crate::domain::report::IsoWeekId;
use crate::render::report as render;
use crate::store::Store;
use chrono::{DateTime, Utc};

pub(super) async fn run(
    cli: &Cli,
    week: Option<&str>,
    as_of: Option<&str>,
    format: &str,
) -> CliResult {
    let config = load_config(cli)?;
    let store = open_store(&config).await?;
    let out = output(&store, &config, week, as_of, format, Utc::now()).await?;
    stdout_lines([out])
}

/// The weekly report for `week` (default: the week containing `as_of`, which defaults to `now`) in
/// `format` (`text`, `json`, `csv`, `html`), as the command prints it.
pub async fn output(
    store: &Store,
    config: &Config,
    week: Option<&str>,
    as_of: Option<&str>,
    format: &str,
    now: DateTime<Utc>,
) -> Result<String, CliError> {
    if !matches!(format, "text" | "json" | "csv" | "html") {
        return Err(CliError::input(format!(
            "unknown report format '{format}' (text, json, csv or html)"
        )));
    }
    let as_of = as_of
        .map(|t| parse_time(t, config))
        .transpose()?
        .unwrap_or(now);
    let week = match week {
        Some(w) => w
            .trim()
            .parse::<IsoWeekId>()
            .map_err(|e| CliError::input(e.to_string()))?,
        None => IsoWeekId::containing(as_of, config.timezone),
    };
    let report = store
        .weekly_report(week, as_of, &config.report_settings())
        .await?;
    Ok(match format {
        "json" => serde_json::to_string(&report).map_err(|e| CliError::failure(e.to_string()))?,
        "csv" => render::to_csv(&report).trim_end().to_string(),
        "html" => render::html_document(&report, config.report_language())
            .trim_end()
            .to_string(),
        _ => render::to_text(&report, render::Lang::parse(config.report_language()))
            .trim_end()
            .to_string(),
    })
}
