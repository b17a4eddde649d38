//! `lyssna source test --recipe R --file PAGE`: a recipe (or `feed`) run on a saved page.

use super::{Cli, CliError, CliResult, load_config, parse_time, stdout_lines};
use crate::config::resolve_recipe;
use crate::crawl::{charset, feed, recipe};
use crate::domain::item::Item;
use chrono::Utc;
use std::path::{Path, PathBuf};

pub(super) fn test(
    cli: &Cli,
    recipe_name: &str,
    file: &Path,
    url: Option<&str>,
    now: Option<&str>,
) -> CliResult {
    let config = load_config(cli)?;
    let bytes = std::fs::read(file)
        .map_err(|e| CliError::input(format!("cannot read {}: {e}", file.display())))?;
    let now = now
        .map(|n| parse_time(n, &config))
        .transpose()?
        .unwrap_or_else(Utc::now);
    let page_url = match url {
        Some(u) => url::Url::parse(u).map_err(|e| CliError::input(format!("--url '{u}': {e}")))?,
        None => {
            let abs = std::fs::canonicalize(file)?;
            url::Url::from_file_path(&abs)
                .map_err(|_| CliError::input("cannot make a URL of the file's path; pass --url"))?
        }
    };
    let items: Vec<Item> = if recipe_name == "feed" {
        let parsed = feed::parse_feed(&bytes, None, &page_url, now)
            .map_err(|e| CliError::input(e.to_string()))?;
        for w in &parsed.warnings {
            eprintln!("warning: {w}");
        }
        parsed.items
    } else {
        let base = config
            .file
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let r = resolve_recipe(recipe_name, &base).map_err(CliError::input)?;
        let text = charset::decode_html(&bytes, None);
        let ex = r.extract(&text, &page_url, now, config.timezone);
        for w in &ex.warnings {
            eprintln!("warning: {w}");
        }
        if ex.item_matches == 0 {
            eprintln!("warning: the recipe's item selector matched nothing on this page");
        }
        if let Some(next) = &ex.next_page {
            eprintln!("next page: {next}");
        }
        if let Some(last) = &ex.last_page {
            eprintln!("last page: {last}");
        }
        if r.follow().is_some() {
            // A listing: one line per thread link, `{thread_url, title, last_post_at, replies}`.
            eprintln!("{} thread link(s)", ex.threads.len());
            return stdout_lines(ex.threads.iter().map(recipe::thread_json_line));
        }
        ex.items
    };
    eprintln!("{} item(s)", items.len());
    stdout_lines(items.iter().map(recipe::item_json_line))
}
