//! `lyssna crawl [--source NAME]`: crawl now, with progress and a summary table.

use super::{Cli, CliError, CliResult, load_config, stdout_lines};
use crate::app::App;
use crate::domain::health::CrawlOutcome;
use crate::ingest::CrawlReport;
use std::sync::Arc;

pub(super) async fn run(cli: &Cli, only: Option<&str>) -> CliResult {
    let config = load_config(cli)?;
    let sources: Vec<_> = match only {
        Some(name) => vec![config.source(name).cloned().ok_or_else(|| {
            CliError::input(format!(
                "no source named '{name}' in the configuration (sources: {})",
                config
                    .sources
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?],
        None => config
            .sources
            .iter()
            .filter(|s| s.enabled && s.url.is_some())
            .cloned()
            .collect(),
    };
    if sources.is_empty() {
        return Err(CliError::input(
            "there are no sources to crawl; add [[sources]] to the configuration",
        ));
    }
    let app = App::build(config, false).await?;
    let multi = indicatif::MultiProgress::new();
    let style = indicatif::ProgressStyle::with_template("{spinner} {prefix:<32} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
    let bars: std::collections::HashMap<String, indicatif::ProgressBar> = sources
        .iter()
        .map(|s| {
            let b = multi.add(indicatif::ProgressBar::new_spinner());
            b.set_style(style.clone());
            b.set_prefix(s.name.clone());
            b.set_message("waiting");
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            (s.name.clone(), b)
        })
        .collect();
    let bars = Arc::new(bars);
    let b2 = bars.clone();
    let progress = Arc::new(
        move |name: &str, pages: usize, done: Option<&CrawlReport>| {
            if let Some(bar) = b2.get(name) {
                match done {
                    None => bar.set_message(format!("{pages} page(s)")),
                    Some(r) => bar.finish_with_message(format!(
                        "{} — {} new",
                        r.health.label(),
                        r.new_mentions
                    )),
                }
            }
        },
    );
    let reports = crate::scheduler::crawl_now(&app.ingest, sources, progress).await?;
    for b in bars.values() {
        b.finish_and_clear();
    }
    eprintln!("{}", summary_table(&reports));
    let failed = reports
        .iter()
        .filter(|r| r.outcome == CrawlOutcome::Failed)
        .count();
    stdout_lines(
        reports
            .iter()
            .map(|r| serde_json::to_string(r).unwrap_or_default()),
    )?;
    if reports.is_empty() {
        // Every source was left to the process already crawling it (see the log above).
        return Err(CliError::failure(
            "no source was crawled: another Lyssna process is crawling them right now",
        ));
    }
    if failed == reports.len() {
        return Err(CliError::failure(format!("all {failed} source(s) failed")));
    }
    Ok(())
}

/// The `crawl` command's summary: one row per source.
pub fn summary_table(reports: &[CrawlReport]) -> String {
    let mut rows = vec![[
        "source".to_string(),
        "health".into(),
        "fetched".into(),
        "unchanged".into(),
        "items".into(),
        "new".into(),
        "errors".into(),
    ]];
    for r in reports {
        rows.push([
            r.source.clone(),
            r.health.label().to_string(),
            r.pages.to_string(),
            r.unchanged.to_string(),
            r.items.to_string(),
            r.new_mentions.to_string(),
            r.errors.first().cloned().unwrap_or_default(),
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
                .min(60)
        })
        .collect();
    rows.iter()
        .map(|r| {
            r.iter()
                .zip(&widths)
                .map(|(cell, w)| {
                    let cut: String = cell.chars().take(*w).collect();
                    format!("{cut:<w$}", w = *w)
                })
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
