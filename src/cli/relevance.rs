//! `lyssna relevance --eval FILE [--labels K] [--format text|json|jsonl]`: the relevance model's
//! learning curve on labelled lines, or its predictions after each brand's first K lines.

use super::{CliError, CliResult, read_input, stdout_lines};
use crate::domain::relevance::DEFAULT_THRESHOLD;
use crate::domain::relevance::eval::{self, CURVE};
use std::path::Path;

pub(super) fn eval(file: &Path, labels: Option<usize>, format: &str) -> CliResult {
    let text = read_input(Some(file))?;
    let lines = eval::parse(&text).map_err(CliError::input)?;
    match (format, labels) {
        ("jsonl", Some(k)) => {
            stdout_lines(eval::predict(&lines, k, DEFAULT_THRESHOLD).iter().map(json))
        }
        ("jsonl", None) => Err(CliError::input(
            "--format jsonl prints predictions: give --labels K (the labels learnt per brand)",
        )),
        ("text" | "json", _) => {
            let ks: Vec<usize> = labels.map_or(CURVE.to_vec(), |k| vec![k]);
            let points = eval::curve(&lines, &ks);
            if format == "json" {
                stdout_lines(points.iter().map(json))
            } else {
                stdout_lines([eval::render(&points).trim_end().to_string()])
            }
        }
        (other, _) => Err(CliError::input(format!(
            "unknown format '{other}' (text, json or jsonl)"
        ))),
    }
}

/// A value as one JSON line.
fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}
