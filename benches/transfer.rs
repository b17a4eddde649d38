//! Import and export of generated mentions with their events (the same generator as the inbox
//! benchmark), run as a user runs them: the `lyssna` binary, timed and its peak memory (max RSS)
//! read by `/usr/bin/time`. Baseline in the same run: a plain Python import of the same file
//! (`json.loads` per line, lists of tuples, `executemany` into the same SQLite schema in one
//! transaction), which does less than Lyssna (no checks, no dedup keys, no search index).
//!
//! Goals: 100,000 mentions imported in ≤ 150 MiB and faster than the Python import; 1,000,000
//! imported without running out of memory (`LYSSNA_BENCH_IMPORT=1000000`).
//!
//! Run: `cargo bench --bench transfer`. PostgreSQL too when `LYSSNA_BENCH_POSTGRES_URL` or
//! `LYSSNA_TEST_POSTGRES_URL` is set. The JSONL file is cached in `target/bench-data/`.

#[path = "common/mod.rs"]
mod common;

use chrono::{TimeZone, Utc};
use std::io::Write;
use std::path::Path;
use std::process::Command;

const PYTHON_IMPORT: &str = r#"
import json, sqlite3, sys
from datetime import datetime

def ts(s):
    return None if s is None else int(datetime.fromisoformat(s).timestamp())

db, path = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db)
mentions, events = [], []
with open(path, encoding="utf-8") as f:
    for line in f:
        if not line.strip():
            continue
        d = json.loads(line)
        found = ts(d["found_at"])
        published = ts(d.get("published_at"))
        sentiment = d.get("sentiment", "neutral")
        effective = d.get("sentiment_override") or sentiment
        mentions.append((
            d["id"], 1, d.get("url"), d.get("url"), d.get("thread_url"), d.get("title"), d["body"],
            d.get("author"), published, found, found, "", d.get("rating"), d.get("rating_scale"),
            json.dumps(d.get("brands", [])), json.dumps(d.get("matches", [])), d.get("lang"), sentiment,
            d.get("sentiment_score", 0.0), json.dumps(d.get("sentiment_reasons", [])),
            d.get("sentiment_override"), 0 if effective == "criticism" else 1, d.get("status", "new"),
            None, None, min(published or found, found),
        ))
        for e in d.get("events", []):
            at = ts(e["at"])
            events.append((
                d["id"], e.get("kind", "status"), at, ts(e.get("recorded_at")) or at, e["actor"],
                e.get("from"), e.get("to"), e.get("reason"), e.get("note"), e.get("reply_url"),
                ts(e.get("until")), None,
            ))
with con:
    con.execute("INSERT INTO sources (id, name, kind, in_config, created_at) VALUES (1, 'Import', 'manual', 0, 0)")
    con.executemany(
        "INSERT INTO mentions (id, source_id, url, canonical_url, thread_url, title, body, author, "
        "published_at, found_at, updated_at, content_hash, rating, rating_scale, brands, matches, lang, "
        "sentiment, sentiment_score, sentiment_reasons, sentiment_override, sort_rank, status, "
        "snoozed_until, replied_at, posted_at) VALUES (" + ", ".join(["?"] * 26) + ")", mentions)
    con.executemany(
        "INSERT INTO events (mention_id, kind, at, recorded_at, actor, from_value, to_value, reason, "
        "note, reply_url, until, undoes) VALUES (" + ", ".join(["?"] * 12) + ")", events)
print(len(mentions))
"#;

struct Run {
    seconds: f64,
    max_rss_mib: f64,
    ok: bool,
    stderr: String,
}

/// Runs a command under `/usr/bin/time` and reads its wall time and peak memory.
fn timed(program: &str, args: &[&str]) -> Run {
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("TIME %e %M")
        .arg(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .output()
        .expect("/usr/bin/time runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let last = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("TIME "))
        .unwrap_or("TIME nan nan")
        .to_string();
    let mut parts = last.split_whitespace().skip(1);
    let seconds = parts
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::NAN);
    let kib: f64 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::NAN);
    Run {
        seconds,
        max_rss_mib: kib / 1024.0,
        ok: out.status.success(),
        stderr,
    }
}

fn report(name: &str, n: usize, r: &Run) {
    println!(
        "  {name:<28} {:>7.2} s  {:>9.0} mentions/s  peak {:>7.1} MiB{}",
        r.seconds,
        n as f64 / r.seconds,
        r.max_rss_mib,
        if r.ok { "" } else { "  FAILED" }
    );
    if !r.ok {
        println!("{}", r.stderr);
    }
}

fn main() {
    let n: usize = std::env::var("LYSSNA_BENCH_IMPORT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let lyssna = env!("CARGO_BIN_EXE_lyssna");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&data).unwrap();
    let file = data.join(format!("import-{n}.jsonl"));
    if !file.exists() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        let tmp = file.with_extension("part");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).unwrap());
        for line in common::mentions(n, 7, now) {
            writeln!(out, "{}", serde_json::to_string(&line).unwrap()).unwrap();
        }
        out.flush().unwrap();
        std::fs::rename(&tmp, &file).unwrap();
    }
    let size = std::fs::metadata(&file).unwrap().len();
    let file_s = file.to_str().unwrap();
    println!(
        "== import of {n} mentions ({:.0} MiB of JSONL) ==",
        size as f64 / 1048576.0
    );
    let dir = tempfile::tempdir().unwrap();

    // Lyssna into SQLite.
    let db = format!("sqlite://{}", dir.path().join("lyssna.db").display());
    let r = timed(lyssna, &["--database-url", &db, "import", file_s]);
    report("lyssna import (SQLite)", n, &r);
    let ex = timed(lyssna, &["--database-url", &db, "export"]);
    report("lyssna export (SQLite)", n, &ex);

    // Python into the same schema.
    let py_db = dir.path().join("python.db");
    let py_url = format!("sqlite://{}", py_db.display());
    let migrated = Command::new(lyssna)
        .args(["--database-url", &py_url, "migrate"])
        .output()
        .unwrap();
    assert!(migrated.status.success(), "{migrated:?}");
    let script = dir.path().join("import.py");
    std::fs::write(&script, PYTHON_IMPORT).unwrap();
    let py = timed(
        "python3",
        &[script.to_str().unwrap(), py_db.to_str().unwrap(), file_s],
    );
    report("python json + executemany", n, &py);
    if r.ok && py.ok {
        println!(
            "  Lyssna vs Python: {:.2}× the speed, {:.2}× the peak memory",
            py.seconds / r.seconds,
            r.max_rss_mib / py.max_rss_mib
        );
    }

    // Lyssna into PostgreSQL.
    let pg = std::env::var("LYSSNA_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("LYSSNA_TEST_POSTGRES_URL"))
        .ok();
    match pg {
        Some(admin) => {
            let url = fresh_pg(&admin, &format!("lyssna_bench_import_{n}"));
            let r = timed(lyssna, &["--database-url", &url, "import", file_s]);
            report("lyssna import (PostgreSQL)", n, &r);
            let ex = timed(lyssna, &["--database-url", &url, "export"]);
            report("lyssna export (PostgreSQL)", n, &ex);
        }
        None => println!(
            "  PostgreSQL skipped (set LYSSNA_BENCH_POSTGRES_URL or LYSSNA_TEST_POSTGRES_URL)"
        ),
    }
}

/// An empty database named `name` on the server of `admin`.
fn fresh_pg(admin: &str, name: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(common::recreate_postgres_database(admin, name))
}
