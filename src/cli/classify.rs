//! `lyssna classify [--input FILE]` and `lyssna classify --eval FILE [--learn] [--format text|json]`.

use super::{Cli, CliError, CliResult, load_config, read_input, stdout_lines};
use crate::domain::sentiment::{Classifier, classify_line, evaluate, learning_curve_output};
use std::path::Path;

pub(super) fn run(
    cli: &Cli,
    input: Option<&Path>,
    eval: Option<&Path>,
    format: &str,
    learn: bool,
) -> CliResult {
    let config = load_config(cli)?;
    let classifier = config.classifier().map_err(CliError::input)?;
    match eval {
        Some(file) if learn => {
            let text = read_input(Some(file))?;
            let (table, json) =
                learning_curve_output(&classifier, text.lines()).map_err(CliError::input)?;
            match format {
                "json" => stdout_lines([json.to_string()]),
                "text" => stdout_lines([table.trim_end().to_string()]),
                other => Err(CliError::input(format!(
                    "unknown format '{other}' (text or json)"
                ))),
            }
        }
        Some(file) => {
            let text = read_input(Some(file))?;
            stdout_lines([eval_output(&classifier, &text, format)?])
        }
        None => {
            let text = read_input(input)?;
            stdout_lines(classify_output(&classifier, &text)?)
        }
    }
}

/// One output line per non-blank input line, in order; the first bad line stops everything with its
/// line number (nothing is printed).
fn classify_output(classifier: &Classifier, input: &str) -> Result<Vec<String>, CliError> {
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

/// Accuracy, macro-F1 and the confusion matrix, as text or JSON.
fn eval_output(classifier: &Classifier, input: &str, format: &str) -> Result<String, CliError> {
    let report = evaluate(classifier, input.lines()).map_err(CliError::input)?;
    match format {
        "json" => serde_json::to_string(&report).map_err(|e| CliError::failure(e.to_string())),
        "text" => Ok(report.to_text().trim_end().to_string()),
        other => Err(CliError::input(format!(
            "unknown format '{other}' (text or json)"
        ))),
    }
}
