//! The shape of the code, checked: dependencies point one way (README, "Map for developers") and no
//! function outside tests is longer than 120 lines. Both read `src/` as text, skipping test modules
//! (`#[cfg(test)]` items and `tests.rs` files) and everything inside comments and string literals.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may use modules of lower layers only: never one of its own
/// layer (siblings stay independent) and never one above.
const LAYERS: &[&[&str]] = &[
    &["domain"],
    &["crawl", "net", "store", "render"],
    &["config", "demo"],
    &["ingest", "notify"],
    &["scheduler"],
    &["web"],
    &["app"],
    &["cli"],
];

/// Test-only support compiled into the library's unit tests; used from test code only.
const TEST_SUPPORT: &[&str] = &["corpora"];

const MAX_FN_LINES: usize = 120;

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file with comments and the contents of string and char literals blanked (so braces
/// and `crate::` inside them do not count), lines kept in place.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |out: &mut String, s: &str| {
        out.extend(s.chars().map(|c| if c == '\n' { '\n' } else { ' ' }))
    };
    while i < b.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(rest.len(), |e| e + 2);
            blank(&mut out, &rest[..end]);
            i += end;
        } else if let Some(hashes) = raw_string_start(rest) {
            let close = format!("\"{}", "#".repeat(hashes));
            let open_len = 2 + hashes;
            let end = rest[open_len..]
                .find(&close)
                .map_or(rest.len(), |e| open_len + e + close.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(b.len());
            blank(&mut out, &text[i..end]);
            i = end;
        } else if let Some(len) = char_literal_len(rest) {
            blank(&mut out, &rest[..len]);
            i += len;
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn raw_string_start(s: &str) -> Option<usize> {
    let after_r = s.strip_prefix('r').or_else(|| s.strip_prefix("br"))?;
    let hashes = after_r.len() - after_r.trim_start_matches('#').len();
    after_r[hashes..].starts_with('"').then_some(hashes)
}

/// `'x'`, `'\n'`, `'\u{1F600}'` — not a lifetime such as `'a`.
fn char_literal_len(s: &str) -> Option<usize> {
    let mut chars = s.char_indices();
    if chars.next()?.1 != '\'' {
        return None;
    }
    let (_, c) = chars.next()?;
    if c == '\\' {
        let close = s[2..].find('\'')?;
        return (close <= 10).then_some(close + 3);
    }
    let (j, close) = chars.next()?;
    (close == '\'').then_some(j + 1)
}

/// The byte range of the item that starts at `from` (up to its matching `}` or its `;`).
fn item_end(code: &str, from: usize) -> usize {
    let mut depth = 0usize;
    for (i, c) in code[from..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return from + i + 1;
                }
            }
            ';' if depth == 0 => return from + i + 1,
            _ => {}
        }
    }
    code.len()
}

/// `code` with every `#[cfg(test)]` item blanked.
fn without_tests(code: &str) -> String {
    let mut out = code.to_string();
    let mut search = 0;
    while let Some(at) = out[search..].find("#[cfg(test)]") {
        let start = search + at;
        let end = item_end(&out, start + "#[cfg(test)]".len());
        let blanked: String = out[start..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        out.replace_range(start..end, &blanked);
        search = end;
    }
    out
}

/// The checked files: `src/**/*.rs` but test files, as (path relative to src, code without tests).
fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "tests.rs"))
        .map(|p| {
            let rel = p
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&p).unwrap();
            (rel, without_tests(&code_only(&text)))
        })
        .collect()
}

/// The top-level modules a file's code names through `crate::`.
fn used_modules(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.push(leading_ident(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            found.push(leading_ident(&item));
        } else {
            found.push(leading_ident(rest));
        }
    }
    found.retain(|m| !m.is_empty());
    found
}

fn leading_ident(s: &str) -> String {
    s.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn dependencies_point_one_way() {
    let mut violations = Vec::new();
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (file, code) in sources() {
        let top = file.split('/').next().unwrap().trim_end_matches(".rs");
        if top == "lib" || top == "main" {
            continue;
        }
        let own = layer_of(top).unwrap_or_else(|| {
            panic!("src/{file}: module `{top}` has no layer; add it to LAYERS and the README map")
        });
        for used in used_modules(&code) {
            if used == top || TEST_SUPPORT.contains(&used.as_str()) {
                continue;
            }
            let Some(theirs) = layer_of(&used) else {
                violations.push(format!("src/{file}: uses unknown module `crate::{used}`"));
                continue;
            };
            let list = edges.entry(top.to_string()).or_default();
            if !list.contains(&used) {
                list.push(used.clone());
            }
            if theirs >= own {
                violations.push(format!(
                    "src/{file}: `{top}` (layer {own}) uses `crate::{used}` (layer {theirs})"
                ));
            }
        }
    }
    for (from, to) in &edges {
        eprintln!("{from} -> {}", to.join(", "));
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn no_function_outside_tests_is_over_120_lines() {
    let mut lengths = Vec::new();
    for (file, code) in sources() {
        let mut search = 0;
        while let Some(at) = code[search..].find("fn ") {
            let start = search + at;
            search = start + 3;
            let before = code[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let name = leading_ident(&code[start + 3..]);
            if name.is_empty() {
                continue;
            }
            let end = item_end(&code, start);
            let lines = code[start..end].lines().count();
            let line = code[..start].lines().count() + 1;
            lengths.push((lines, format!("src/{file}:{line} {name}")));
        }
    }
    lengths.sort_unstable_by(|a, b| b.cmp(a));
    for (n, f) in lengths.iter().take(5) {
        eprintln!("{n:4} lines  {f}");
    }
    let long: Vec<String> = lengths
        .iter()
        .filter(|(n, _)| *n > MAX_FN_LINES)
        .map(|(n, f)| format!("{f}: {n} lines"))
        .collect();
    assert!(
        long.is_empty(),
        "over {MAX_FN_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_checker_sees_through_comments_strings_and_tests() {
    let code = without_tests(&code_only(
        "use crate::domain::x; // crate::web\nlet s = \"crate::cli {\"; let c = '{';\n\
         #[cfg(test)]\nmod tests { use crate::app; }\nfn f<'a>(x: &'a str) { crate::store::y(r#\"}\"#); }\n",
    ));
    assert_eq!(used_modules(&code), vec!["domain", "store"]);
    assert_eq!(
        used_modules("use crate::{domain::a, net::{b, c}, store};"),
        vec!["domain", "net", "store"]
    );
    let f = code.find("fn f").unwrap();
    assert_eq!(&code[item_end(&code, f) - 1..item_end(&code, f)], "}");
}
