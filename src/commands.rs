//! The `report`, `classify` and `match` commands (PRODUCT §8): each is a function from its inputs to
//! its output text, so tests can run them in-process; `cli.rs` only parses arguments and prints.

use crate::cli::{CliError, parse_cli_time};
use crate::config::Config;
use crate::domain::query::{Document, Matcher, match_line};
use crate::domain::report::{IsoWeekId, to_csv, to_text};
use crate::domain::sentiment::{Classifier, classify_line, detect_language, evaluate};
use crate::store::Store;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::path::Path;

/// `lyssna report`: the weekly report for `week` (default: the week containing `as_of`, which
/// defaults to `now`) in `format` (`text`, `json`, `csv`, `html`).
pub async fn report_output(
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
    let as_of = as_of.map(parse_cli_time).transpose()?.unwrap_or(now);
    let week = match week {
        Some(w) => w
            .trim()
            .parse::<IsoWeekId>()
            .map_err(|e| CliError::input(e.to_string()))?,
        None => IsoWeekId::containing(as_of, config.timezone),
    };
    let report = crate::notify::compute_report(store, config, week, as_of).await?;
    Ok(match format {
        "json" => serde_json::to_string(&report).map_err(|e| CliError::failure(e.to_string()))?,
        "csv" => to_csv(&report).trim_end().to_string(),
        "html" => crate::notify::html_document(&report, crate::notify::report_language(config))
            .trim_end()
            .to_string(),
        _ => to_text(&report).trim_end().to_string(),
    })
}

/// Reads a whole input: a file, or standard input for `None` or `-`.
pub fn read_input(path: Option<&Path>) -> Result<String, CliError> {
    match path {
        None => read_stdin(),
        Some(p) if p == Path::new("-") => read_stdin(),
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| CliError::input(format!("cannot read {}: {e}", p.display()))),
    }
}

fn read_stdin() -> Result<String, CliError> {
    use std::io::Read;
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| CliError::input(format!("cannot read standard input: {e}")))?;
    Ok(s)
}

/// The classifier the configuration asks for (the built-in lexicons plus `sentiment_lexicon`).
pub fn classifier(config: &Config) -> Result<Cow<'static, Classifier>, CliError> {
    match &config.sentiment_lexicon {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                CliError::input(format!("cannot read the lexicon {}: {e}", path.display()))
            })?;
            Ok(Cow::Owned(
                Classifier::builtin()
                    .with_user_lexicon(&text)
                    .map_err(CliError::input)?,
            ))
        }
        None => Ok(Cow::Borrowed(Classifier::builtin())),
    }
}

/// `lyssna classify`: one output line per non-blank input line, in order; the first bad line stops
/// everything with its line number (nothing is printed).
pub fn classify_output(classifier: &Classifier, input: &str) -> Result<Vec<String>, CliError> {
    let mut out = Vec::new();
    for (n, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            classify_line(classifier, line)
                .map_err(|e| CliError::input(format!("line {}: {e}", n + 1)))?,
        );
    }
    Ok(out)
}

/// `lyssna classify --eval`: accuracy, macro-F1 and the confusion matrix, as text or JSON.
pub fn eval_output(classifier: &Classifier, input: &str, format: &str) -> Result<String, CliError> {
    let report = evaluate(classifier, input.lines()).map_err(CliError::input)?;
    match format {
        "json" => serde_json::to_string(&report).map_err(|e| CliError::failure(e.to_string())),
        "text" => Ok(report.to_text().trim_end().to_string()),
        other => Err(CliError::input(format!(
            "unknown format '{other}' (text or json)"
        ))),
    }
}

/// The configured brands, compiled; a bad query is bad input.
pub fn matcher(config: &Config) -> Result<Matcher, CliError> {
    Matcher::compile_all(&config.brands).map_err(|errors| {
        CliError::input(
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })
}

/// `lyssna match --input`: one output line per non-blank input line. A line without `lang` gets the
/// detected language of its title and body, as crawled items do (`match_line` itself takes `lang`
/// as given and would leave `lang:` queries unmatched).
pub fn match_output(matcher: &Matcher, input: &str) -> Result<Vec<String>, CliError> {
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

/// What `match --stored` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DryRunSummary {
    pub scanned: u64,
    pub kept: u64,
    pub added: u64,
    pub removed: u64,
}

/// `lyssna match --stored --brand B --query Q`: brand B from the configuration with query Q, run
/// over every stored mention. `emit` gets one JSON line per mention that had B (`before`) or
/// matches now (`after`): `{id, brand, before, after, change}` with change `kept`, `added` or
/// `removed`. Nothing is written to the store.
pub async fn match_stored(
    store: &Store,
    config: &Config,
    brand: &str,
    query: &str,
    mut emit: impl FnMut(String) -> Result<(), CliError>,
) -> Result<DryRunSummary, CliError> {
    let Some(spec) = config.brands.iter().find(|b| b.name == brand) else {
        return Err(CliError::input(format!(
            "no brand named '{brand}' in the configuration (brands: {})",
            config
                .brands
                .iter()
                .map(|b| b.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let mut spec = spec.clone();
    spec.query = query.to_string();
    let matcher = Matcher::compile(std::slice::from_ref(&spec))
        .map_err(|e| CliError::input(e.to_string()))?;
    let mut summary = DryRunSummary::default();
    let mut after_id = String::new();
    loop {
        let page = store.stored_texts(&after_id, 2000).await?;
        let Some(last) = page.last() else { break };
        after_id = last.id.clone();
        for m in &page {
            summary.scanned += 1;
            let title = m.title.as_deref().unwrap_or("");
            let detected;
            let lang = match m.lang.as_deref() {
                Some(l) => l,
                None => {
                    detected = detect_language(&format!("{title}\n{}", m.body));
                    detected
                }
            };
            let doc = Document {
                title,
                body: &m.body,
                author: m.author.as_deref().unwrap_or(""),
                url: m.url.as_deref().unwrap_or(""),
                lang: Some(lang),
            };
            let before = m.brands.iter().any(|b| b == brand);
            let after = !matcher.match_document(&doc).is_empty();
            let change = match (before, after) {
                (true, true) => "kept",
                (false, true) => "added",
                (true, false) => "removed",
                (false, false) => continue,
            };
            match change {
                "kept" => summary.kept += 1,
                "added" => summary.added += 1,
                _ => summary.removed += 1,
            }
            emit(
                json!({"id": m.id, "brand": brand, "before": before, "after": after, "change": change})
                    .to_string(),
            )?;
        }
    }
    Ok(summary)
}
