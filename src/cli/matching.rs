//! `lyssna match --input DOCS.jsonl`, `lyssna match --stored --brand B --query Q` and
//! `lyssna brands suggest [--brand B]`.

use super::{Cli, CliError, CliResult, load_config, open_store, read_input, stdout_lines};
use crate::domain::query::{Matcher, match_line};
use crate::domain::sentiment::detect_language;
use serde_json::Value;
use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

pub(super) async fn run(
    cli: &Cli,
    input: Option<&Path>,
    stored: bool,
    brand: Option<&str>,
    query: Option<&str>,
) -> CliResult {
    let config = load_config(cli)?;
    if !stored {
        let matcher = config.matcher().map_err(CliError::input)?;
        let text = read_input(input)?;
        return stdout_lines(match_output(&matcher, &text)?);
    }
    let (Some(brand), Some(query)) = (brand, query) else {
        return Err(CliError::input("match --stored needs --brand and --query"));
    };
    let store = open_store(&config).await?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let summary = crate::ingest::dry_run::match_stored(&store, &config, brand, query, |line| {
        writeln!(out, "{line}")
    })
    .await
    .map_err(dry_run_error)?;
    out.flush()?;
    eprintln!(
        "{brand}: {} kept, {} added, {} removed ({} stored mentions scanned; nothing was changed)",
        summary.kept, summary.added, summary.removed, summary.scanned
    );
    Ok(())
}

/// `brands suggest`: one JSON line per suggested term, and on stderr what it rests on.
pub(super) async fn suggest(cli: &Cli, brand: Option<&str>) -> CliResult {
    let config = load_config(cli)?;
    let store = open_store(&config).await?;
    let suggestions = crate::ingest::dry_run::suggest(&store, &config, brand)
        .await
        .map_err(dry_run_error)?;
    if suggestions.is_empty() {
        eprintln!(
            "No suggestions yet: a term is proposed once at least {} items the leader marked not about \
             us share it and no confirmed item has it (or the reverse, for context terms).",
            crate::domain::relevance::suggest::MIN_SUPPORT
        );
    } else {
        eprintln!(
            "{} suggestion(s); kept/removed/added are what adding the term would do to the stored \
             mentions. Nothing was changed: add the `toml` line to the brand in lyssna.toml to adopt one.",
            suggestions.len()
        );
    }
    stdout_lines(suggestions.iter().map(|s| s.to_json().to_string()))
}

fn dry_run_error(e: crate::ingest::dry_run::DryRunError) -> CliError {
    match e {
        crate::ingest::dry_run::DryRunError::Invalid(m) => CliError::input(m),
        other => CliError::failure(other.to_string()),
    }
}

/// One output line per non-blank input line. A line without `lang` gets the detected language of its
/// title and body, as crawled items do (`match_line` itself takes `lang` as given and would leave
/// `lang:` queries unmatched).
fn match_output(matcher: &Matcher, input: &str) -> Result<Vec<String>, CliError> {
    let mut out = Vec::new();
    for (n, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |e: String| CliError::input(format!("line {}: {e}", n + 1));
        let mut value: Value =
            serde_json::from_str(line).map_err(|e| bad(format!("invalid input line: {e}")))?;
        let with_lang: Cow<str> = match value.as_object_mut() {
            Some(obj) if obj.get("lang").is_none_or(Value::is_null) => {
                let text = format!(
                    "{}\n{}",
                    obj.get("title").and_then(Value::as_str).unwrap_or(""),
                    obj.get("body").and_then(Value::as_str).unwrap_or("")
                );
                obj.insert("lang".into(), Value::from(detect_language(&text)));
                Cow::Owned(value.to_string())
            }
            _ => Cow::Borrowed(line),
        };
        out.push(match_line(matcher, &with_lang).map_err(bad)?);
    }
    Ok(out)
}
