//! `lyssna crawl [--source NAME]`: crawl now, with progress and a summary table.

use super::{Cli, CliError, CliResult, load_config, stdout_lines};
use crate::app::{App, shutdown_signal};
use crate::domain::health::CrawlOutcome;
use crate::ingest::CrawlReport;
use std::sync::Arc;

/// The first names of a list, and how many more: a configuration of 2,000 sources is not one line.
fn some_names<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    const SHOWN: usize = 10;
    let total = names.len();
    let mut out = names.take(SHOWN).collect::<Vec<_>>().join(", ");
    if total > SHOWN {
        out.push_str(&format!(" and {} more", total - SHOWN));
    }
    out
}

pub(super) async fn run(cli: &Cli, only: Option<&str>) -> CliResult {
    let config = load_config(cli)?;
    let sources: Vec<_> = match only {
        Some(name) => vec![config.source(name).cloned().ok_or_else(|| {
            CliError::input(format!(
                "no source named '{name}' in the configuration (sources: {})",
                some_names(config.sources.iter().map(|s| s.name.as_str()))
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
    // One bar for the whole run, drawn when a crawl ends (no ticking thread per source).
    let bar = indicatif::ProgressBar::new(sources.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{pos}/{len} sources {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let b2 = bar.clone();
    let progress = Arc::new(
        move |name: &str, _pages: usize, done: Option<&CrawlReport>| {
            if let Some(r) = done {
                b2.inc(1);
                b2.set_message(format!(
                    "{name}: {} — {} new",
                    r.health.label(),
                    r.new_mentions
                ));
            }
        },
    );
    let run = crate::scheduler::crawl_now_until(
        &app.ingest,
        sources,
        progress,
        shutdown_signal(),
        "crawl",
    )
    .await?;
    bar.finish_and_clear();
    let reports = &run.reports;
    eprintln!("{}", summary_table(reports));
    for (name, why) in &run.skipped {
        eprintln!("skipped {name}: {why}");
    }
    let failed = reports
        .iter()
        .filter(|r| r.outcome == CrawlOutcome::Failed)
        .count();
    stdout_lines(
        reports
            .iter()
            .map(|r| serde_json::to_string(r).unwrap_or_default()),
    )?;
    if run.interrupted {
        return Err(CliError::failure(format!(
            "interrupted: {} source(s) crawled and stored; the crawls under way were dropped and \
             their sources given back",
            reports.len()
        )));
    }
    if reports.is_empty() {
        // Every source was left to the process crawling it (named above).
        return Err(CliError::failure(format!(
            "no source was crawled: {} skipped because another Lyssna process is crawling them",
            run.skipped.len()
        )));
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

#[cfg(test)]
mod tests {
    use super::some_names;

    #[test]
    fn a_long_list_of_names_is_cut_after_ten() {
        let names: Vec<String> = (0..2000).map(|i| format!("feed {i}")).collect();
        let said = some_names(names.iter().map(String::as_str));
        assert!(said.starts_with("feed 0, feed 1, "), "{said}");
        assert!(said.ends_with("feed 9 and 1990 more"), "{said}");
        assert_eq!(some_names(["a", "b"].into_iter()), "a, b");
    }
}
