//! The shared real-world corpora (`../shared/corpora` beside the project, or `LYSSNA_CORPORA`): feeds,
//! charsets, robots.txt, dates, saved forum and review pages, lexicons and labelled sentences.
//!
//! This file is the one place tests find them; it is compiled into the integration tests and, by
//! `#[path]`, into the library's unit tests. A test that reads them is marked
//! `#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]` (see `build.rs`), so it is
//! counted as skipped where they are absent and fails loudly where they were required but missing.

use std::path::PathBuf;

/// The corpora folder.
pub fn corpora() -> PathBuf {
    std::env::var_os("LYSSNA_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora")))
}

/// A path inside the corpora that must exist (the test was not skipped, so it is required).
pub fn corpus(relative: &str) -> PathBuf {
    let path = corpora().join(relative);
    assert!(
        path.exists(),
        "{} is missing: the test needs the shared corpora (../shared/corpora, or set LYSSNA_CORPORA)",
        path.display()
    );
    path
}
