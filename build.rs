//! Which test fixtures this machine has, as `cfg`s for the test suites: tests that read the shared
//! corpora (`../shared/corpora`, or `LYSSNA_CORPORA`) carry `cfg_attr(not(lyssna_corpora), ignore)`,
//! and the browser test `cfg_attr(not(lyssna_browser), ignore)` (chromedriver on the PATH), so that
//! without them they are reported as ignored — skipped — rather than passing without having run.
//! `LYSSNA_REQUIRE_FIXTURES=1` (set by `.ci/run`) runs them regardless: a missing fixture then fails.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(lyssna_corpora)");
    println!("cargo::rustc-check-cfg=cfg(lyssna_browser)");
    println!("cargo::rerun-if-changed=build.rs");
    for var in ["LYSSNA_CORPORA", "LYSSNA_REQUIRE_FIXTURES", "PATH"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    let required = std::env::var("LYSSNA_REQUIRE_FIXTURES").is_ok_and(|v| v == "1");
    let corpora = std::env::var_os("LYSSNA_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora"));
    let readme = corpora.join("README.md");
    if readme.exists() {
        // A file that exists (a missing path would make Cargo rerun this on every build).
        println!("cargo::rerun-if-changed={}", readme.display());
    }
    if required || corpora.is_dir() {
        println!("cargo::rustc-cfg=lyssna_corpora");
    }
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| dir.join("chromedriver").is_file())
    });
    if required || on_path {
        println!("cargo::rustc-cfg=lyssna_browser");
    }
}
