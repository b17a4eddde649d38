//! Shared by the benchmarks: their knobs from the environment, the target directory their data and
//! baselines live in, and the Python virtualenv a baseline runs in.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A number from the environment, or `default` when unset or not a number.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Cargo's target directory (where the benchmarks keep their data and virtualenvs).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// A virtualenv `target/NAME` with `packages` installed (made once), its python; `Err` says why it
/// cannot be (no python3, no venv, pip cannot reach the registry).
pub fn python_venv(name: &str, packages: &[&str]) -> Result<PathBuf, String> {
    let venv = target_dir().join(name);
    let python = venv.join("bin/python");
    if !python.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .map_err(|e| format!("python3: {e}"))?;
        if !ok.success() {
            return Err("python3 -m venv failed".into());
        }
    }
    let import = format!("import {}", packages.join(", "));
    let has = |python: &Path| {
        Command::new(python)
            .args(["-c", &import])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !has(&python) {
        let ok = Command::new(venv.join("bin/pip"))
            .args(["install", "-q"])
            .args(packages)
            .status()
            .map_err(|e| format!("pip: {e}"))?;
        if !ok.success() || !has(&python) {
            return Err(format!("pip install {} failed", packages.join(" ")));
        }
    }
    Ok(python)
}
