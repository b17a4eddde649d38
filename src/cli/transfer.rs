//! `lyssna export [--format jsonl|csv]` and `lyssna import FILE.jsonl` (all or nothing), both in
//! constant memory: export writes page by page, import reads, checks and stores chunk by chunk
//! inside one transaction (see `store::Import`).

use super::{Cli, CliError, CliResult, load_config, open_store};
use crate::domain::transfer::{ImportError, MAX_LINE_BYTES, check_line};
use crate::store::{ExportLine, IMPORT_CHUNK_LINES, Store};
use chrono::Utc;
use std::io::{BufRead, Write};
use std::path::Path;

pub(super) async fn export(cli: &Cli, format: &str, delimiter: &str) -> CliResult {
    use crate::render::csv;
    let delimiter = csv::parse_delimiter(delimiter).map_err(CliError::input)?;
    if format != "csv" && delimiter != ',' {
        return Err(CliError::input("--delimiter is for --format csv"));
    }
    if format != "csv" && format != "jsonl" {
        return Err(CliError::input(format!(
            "unknown export format '{format}' (jsonl or csv)"
        )));
    }
    let config = load_config(cli)?;
    let store = open_store(&config).await?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut after = None;
    let mut first = true;
    loop {
        let (lines, next) = store.export_page(after.as_ref()).await?;
        if format == "jsonl" {
            for l in &lines {
                writeln!(out, "{}", serde_json::to_string(l).unwrap_or_default())?;
            }
        } else {
            // The header (after the BOM) once, then each page's rows.
            let rows = csv::export_csv(&lines, delimiter);
            let skip = if first {
                write!(out, "{}", csv::BOM)?;
                0
            } else {
                1
            };
            for r in rows.iter().skip(skip) {
                writeln!(out, "{r}")?;
            }
        }
        first = false;
        match next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    out.flush()?;
    Ok(())
}

/// Problems listed in full when an import is refused; the rest are counted.
const SHOWN_PROBLEMS: usize = 100;

/// Bytes of lines held before a chunk is stored, whatever their number.
const CHUNK_BYTES: usize = 8 << 20;

pub(super) async fn import(cli: &Cli, file: &Path) -> CliResult {
    let config = load_config(cli)?;
    let mut input: Box<dyn BufRead> = if file == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(file)
            .map_err(|e| CliError::input(format!("cannot read {}: {e}", file.display())))?;
        Box::new(std::io::BufReader::with_capacity(1 << 16, f))
    };
    let store = Store::connect(&config.database_url).await?;
    store.migrate().await?;
    let mut import = store
        .begin_import(Utc::now())
        .await
        .map_err(|e| CliError::input(format!("nothing imported: {e}")))?;
    let mut problems = Problems::default();
    let mut chunk: Vec<(usize, ExportLine)> = Vec::with_capacity(IMPORT_CHUNK_LINES);
    let mut chunk_bytes = 0;
    let mut buf = Vec::new();
    let mut n = 0;
    // Every line is checked, so that one run names every problem; lines are stored only while
    // none was found (after the first, the import is undone anyway).
    while read_line(&mut input, &mut buf)
        .map_err(|e| CliError::input(format!("cannot read {}: {e}", file.display())))?
    {
        n += 1;
        let checked = match std::str::from_utf8(&buf) {
            Err(_) if buf.len() > MAX_LINE_BYTES => Err(vec![too_long(n)]),
            Err(e) => Err(vec![ImportError {
                line: n,
                message: format!("not UTF-8 text: {e}"),
            }]),
            Ok(_) if buf.len() > MAX_LINE_BYTES => Err(vec![too_long(n)]),
            Ok(raw) => check_line(n, raw),
        };
        match checked {
            Ok(None) => {}
            Ok(Some(line)) if problems.count == 0 => {
                chunk_bytes += buf.len();
                chunk.push((n, line));
                if chunk.len() >= IMPORT_CHUNK_LINES || chunk_bytes >= CHUNK_BYTES {
                    if let Err(e) = import.add(&chunk).await {
                        problems.note(e);
                    }
                    chunk.clear();
                    chunk_bytes = 0;
                }
            }
            Ok(Some(_)) => {}
            Err(errors) => {
                chunk.clear();
                for e in errors {
                    problems.note(e);
                }
            }
        }
    }
    if problems.count == 0
        && !chunk.is_empty()
        && let Err(e) = import.add(&chunk).await
    {
        problems.note(e);
    }
    if problems.count > 0 {
        drop(import);
        let more = problems.count - problems.shown.len();
        return Err(CliError::input(format!(
            "nothing imported; {} problem(s) in {}:\n{}{}",
            problems.count,
            file.display(),
            problems
                .shown
                .iter()
                .map(|e| format!("  {e}"))
                .collect::<Vec<_>>()
                .join("\n"),
            if more > 0 {
                format!("\n  … and {more} more")
            } else {
                String::new()
            }
        )));
    }
    let stored = import
        .commit()
        .await
        .map_err(|e| CliError::input(format!("nothing imported: {e}")))?;
    eprintln!("{stored} mention(s) imported");
    Ok(())
}

/// The problems found so far: the first [`SHOWN_PROBLEMS`] of them, and how many.
#[derive(Default)]
struct Problems {
    shown: Vec<ImportError>,
    count: usize,
}

impl Problems {
    fn note(&mut self, e: ImportError) {
        self.count += 1;
        if self.shown.len() < SHOWN_PROBLEMS {
            self.shown.push(e);
        }
    }
}

fn too_long(n: usize) -> ImportError {
    ImportError {
        line: n,
        message: format!(
            "the line is longer than {} MiB; is this an export file?",
            MAX_LINE_BYTES >> 20
        ),
    }
}

/// Reads the next line into `buf` (without its line break), at most `MAX_LINE_BYTES + 1` bytes of
/// it: the rest of a longer line is skipped, so a damaged file cannot fill the memory. `false` at
/// the end of the input.
fn read_line(input: &mut dyn BufRead, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    buf.clear();
    let limit = MAX_LINE_BYTES as u64 + 1;
    let read = std::io::Read::take(&mut *input, limit).read_until(b'\n', buf)?;
    if read == 0 {
        return Ok(false);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else if buf.len() as u64 >= limit {
        // Skip to the end of the overlong line.
        let mut rest = Vec::new();
        loop {
            rest.clear();
            let r = std::io::Read::take(&mut *input, 1 << 20).read_until(b'\n', &mut rest)?;
            if r == 0 || rest.last() == Some(&b'\n') {
                break;
            }
        }
    }
    Ok(true)
}
