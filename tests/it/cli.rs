//! The `lyssna` binary as a user runs it: exit codes, stdout JSON lines, stderr messages.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn lyssna(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lyssna"))
        .current_dir(dir)
        .args(args)
        .env_remove("LYSSNA_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run lyssna");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("lyssna output")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn config_check_reports_every_problem_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = lyssna(dir.path(), &["config", "example"], None);
    assert!(out.status.success());
    std::fs::write(dir.path().join("good.toml"), &out.stdout).unwrap();
    let ok = lyssna(
        dir.path(),
        &["--config", "good.toml", "config", "check"],
        None,
    );
    assert!(ok.status.success(), "{}", text(&ok.stderr));

    std::fs::write(
        dir.path().join("bad.toml"),
        "[crawler]\ntimeout = \"soon\"\n\n[[brands]]\nname = \"X\"\nquery = 'a AND (b'\n\n[[sources]]\nname = \"S\"\nkind = \"html\"\nurl = \"https://example.org/\"\nrecipe = \"nope\"\n",
    )
    .unwrap();
    let bad = lyssna(
        dir.path(),
        &["--config", "bad.toml", "config", "check"],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = text(&bad.stderr);
    assert!(err.contains("bad.toml:2:"), "{err}");
    assert!(err.contains("bad.toml:6:"), "{err}");
    assert!(err.contains("^"), "the query error shows a caret: {err}");
    assert!(err.contains("bad.toml:12:"), "{err}");
}

/// What a first run meets: the example ships its placeholders commented out, `config check` says
/// every problem of a file in one run — unknown keys with the likely meant one, cron and selector
/// errors in words naming the field — and warns about a private address without `allow_private`.
#[test]
fn config_check_says_everything_a_first_run_needs() {
    let dir = tempfile::tempdir().unwrap();
    let example = text(&lyssna(dir.path(), &["config", "example"], None).stdout);
    assert!(
        example.contains("# EXAMPLE:\n# [[brands]]"),
        "placeholders are examples"
    );
    assert!(
        !example.lines().any(|l| l.starts_with("[[")),
        "no live [[…]] entry"
    );
    std::fs::write(dir.path().join("copy.toml"), &example).unwrap();
    let copy = lyssna(
        dir.path(),
        &["--config", "copy.toml", "config", "check"],
        None,
    );
    assert!(copy.status.success(), "{}", text(&copy.stderr));
    let said = text(&copy.stderr);
    assert!(said.contains("warning: no [[brands]]"), "{said}");
    assert!(
        said.contains("ok (0 brands, 0 sources, 0 identities)"),
        "{said}"
    );

    std::fs::create_dir_all(dir.path().join("recipes")).unwrap();
    std::fs::write(
        dir.path().join("recipes/forum.toml"),
        "name = \"forum\"\nkind = \"html\"\nitem = \"div..post\"\n[fields]\nbody = \".msg\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("typos.toml"),
        "[crawler]\nuser_agnet = \"x\"\n[server]\nlisten = \"127.0.0.1:8080\"\nbase_ulr = \"http://x\"\n\
         [[brands]]\nname = \"B\"\nquery = \"b\"\nfold_diacritic = true\n\
         [[sources]]\nname = \"F\"\nkind = \"html\"\nurl = \"https://f.example/\"\nrecipe = \"forum\"\nschedule = \"0 8 * * SUNDAY\"\n",
    )
    .unwrap();
    let bad = lyssna(
        dir.path(),
        &["--config", "typos.toml", "config", "check"],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = text(&bad.stderr);
    for want in [
        "typos.toml:2: unknown key `user_agnet` in [crawler] (did you mean `user_agent`?)",
        "typos.toml:5: unknown key `base_ulr` in [server] (did you mean `base_url`?)",
        "typos.toml:9: unknown key `fold_diacritic` in [[brands]] #1 (did you mean `fold_diacritics`?)",
        "`item` = \"div..post\" is not a CSS selector: a `.` must be followed by a class name",
        "typos.toml:15: source 'F': schedule '0 8 * * SUNDAY': the day-of-week field has 'SUNDAY'",
    ] {
        assert!(err.contains(want), "missing {want:?} in\n{err}");
    }

    std::fs::write(
        dir.path().join("intranet.toml"),
        "[[brands]]\nname = \"B\"\nquery = \"b\"\n[[identities]]\nsite = \"x.example\"\nhandle = \"me\"\n\
         [[sources]]\nname = \"Intranät\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:9000/feed\"\n",
    )
    .unwrap();
    let warned = lyssna(
        dir.path(),
        &["--config", "intranet.toml", "config", "check"],
        None,
    );
    assert!(warned.status.success());
    let said = text(&warned.stderr);
    assert!(
        said.contains(
            "warning: source 'Intranät': 127.0.0.1 is a private, loopback or link-local address"
        ) && said.contains("allow_private = true"),
        "{said}"
    );
    assert!(said.contains("(1 brand, 1 source, 1 identity)"), "{said}");
}

#[test]
fn source_test_prints_items_in_the_documented_format() {
    let dir = tempfile::tempdir().unwrap();
    let page =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages/schema-org-reviews.html");
    let out = lyssna(
        dir.path(),
        &[
            "source",
            "test",
            "--recipe",
            "schema-org",
            "--file",
            page.to_str().unwrap(),
            "--url",
            "https://reviews.example/company/x",
            "--now",
            "2026-11-20T12:00:00Z",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    for l in &lines {
        let keys: Vec<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
        for k in [
            "id",
            "url",
            "thread_url",
            "title",
            "author",
            "published_at",
            "body",
            "rating",
        ] {
            assert!(keys.contains(&k), "missing {k} in {l}");
        }
    }
    assert!(
        lines.iter().any(|l| l["rating"].is_object()),
        "reviews carry ratings"
    );

    // A recipe written by a user, in a file, on a page it has never seen.
    std::fs::write(
        dir.path().join("mine.toml"),
        "name = \"mine\"\nkind = \"html\"\nitem = \"li.c\"\n[fields]\nauthor = \"b\"\nbody = \"p\"\ndate = \"time\"\nlink = { select = \"a\", attr = \"href\" }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("page.html"),
        "<ul><li class=c><b>Åsa</b><time>2026-11-19 08:30</time><p>Bra &amp; snabbt</p><a href=\"/c/1\">#</a></li><li class=c><b>Per</b><p>Nja</p></li></ul>",
    )
    .unwrap();
    let out = lyssna(
        dir.path(),
        &[
            "source",
            "test",
            "--recipe",
            "mine.toml",
            "--file",
            "page.html",
            "--url",
            "https://blogg.example/post",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let first: serde_json::Value =
        serde_json::from_str(text(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(first["author"], "Åsa");
    assert_eq!(first["body"], "Bra & snabbt");
    assert_eq!(first["url"], "https://blogg.example/c/1");
    assert!(
        first["published_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-19T0")
    );

    let missing = lyssna(
        dir.path(),
        &[
            "source",
            "test",
            "--recipe",
            "no-such",
            "--file",
            "page.html",
        ],
        None,
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("unknown recipe"));
}

#[test]
#[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
fn flashback_page_through_the_command() {
    let corpora = crate::corpora::corpus("html/flashback/sample_page.html");
    let dir = tempfile::tempdir().unwrap();
    let out = lyssna(
        dir.path(),
        &[
            "source",
            "test",
            "--recipe",
            "flashback-thread",
            "--file",
            corpora.to_str().unwrap(),
            "--url",
            "https://www.flashback.org/t50000",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert!(
        lines
            .iter()
            .all(|l| l["title"] == "Dansk minister avvisar multikulti")
    );
}

/// Import reads, checks and stores in chunks inside one transaction, and export writes page by page:
/// a bad line after thousands of good ones (several chunks already written) leaves nothing; an id
/// repeated across chunks and an overlong line are named by line; a good file round-trips exactly
/// through pages that tie on the found time.
#[test]
fn a_large_import_is_all_or_nothing_and_export_pages_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("a.db").display());
    let migrate = lyssna(dir.path(), &["--database-url", &db, "migrate"], None);
    assert!(migrate.status.success(), "{}", text(&migrate.stderr));
    let line = |id: String| {
        format!(
            r#"{{"id":"{id}","source":"Arkiv","body":"Inlägg {id} om GoMonday","found_at":"2026-11-20T10:00:00Z","status":"new"}}"#
        )
    };
    let good: Vec<String> = (0..5_000).map(|i| line(format!("m_big{i:05}"))).collect();
    let import = |name: &str, content: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        lyssna(
            dir.path(),
            &["--database-url", &db, "import", path.to_str().unwrap()],
            None,
        )
    };
    let export = || {
        let out = lyssna(dir.path(), &["--database-url", &db, "export"], None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };

    let bad_last = format!("{}\nnot json\n", good.join("\n"));
    let out = import("bad-last.jsonl", &bad_last);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("nothing imported") && err.contains("line 5001"),
        "{err}"
    );
    assert_eq!(export(), "", "the chunks before the bad line were undone");

    let mut repeated = good.clone();
    repeated[4_499] = line("m_big00010".into());
    let out = import("repeated.jsonl", &repeated.join("\n"));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("line 4500") && err.contains("m_big00010"),
        "{err}"
    );
    assert_eq!(export(), "");

    let long = format!(
        "{}\n{}\n{}\n",
        good[0],
        "x".repeat((16 << 20) + 10),
        good[1]
    );
    let out = import("long.jsonl", &long);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("line 2: the line is longer than 16 MiB"),
        "{err}"
    );
    assert!(!err.contains("line 3"), "{err}");
    assert_eq!(export(), "");

    let out = import("good.jsonl", &good.join("\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("5000 mention(s) imported"));
    let exported = export();
    let ids: Vec<String> = exported
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut want: Vec<String> = (0..5_000).map(|i| format!("m_big{i:05}")).collect();
    want.sort();
    assert_eq!(ids, want, "every mention once, in the export's order");
    let db2 = format!("sqlite://{}", dir.path().join("b.db").display());
    let again = lyssna(
        dir.path(),
        &["--database-url", &db2, "import", "-"],
        Some(&exported),
    );
    assert!(again.status.success(), "{}", text(&again.stderr));
    let out = lyssna(dir.path(), &["--database-url", &db2, "export"], None);
    assert_eq!(text(&out.stdout), exported);
}

#[test]
fn manual_mentions_export_and_import_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("a.db").display());
    let migrate = lyssna(dir.path(), &["--database-url", &db, "migrate"], None);
    assert!(migrate.status.success(), "{}", text(&migrate.stderr));
    let add = lyssna(
        dir.path(),
        &[
            "--database-url",
            &db,
            "mention",
            "add",
            "--url",
            "https://www.linkedin.com/posts/x",
            "--text",
            "Ringde om GoMonday, mycket missnöjd",
            "--author",
            "Kund",
            "--published",
            "2026-11-20",
        ],
        None,
    );
    assert!(add.status.success(), "{}", text(&add.stderr));
    let id: serde_json::Value = serde_json::from_str(text(&add.stdout).trim()).unwrap();
    assert!(id["id"].as_str().unwrap().starts_with("m_"));
    let again = lyssna(
        dir.path(),
        &[
            "--database-url",
            &db,
            "mention",
            "add",
            "--url",
            "https://www.linkedin.com/posts/x",
            "--text",
            "igen",
        ],
        None,
    );
    assert_eq!(
        again.status.code(),
        Some(2),
        "the same URL is the same mention"
    );

    let export = lyssna(dir.path(), &["--database-url", &db, "export"], None);
    assert!(export.status.success());
    let exported = text(&export.stdout);
    assert_eq!(exported.lines().count(), 1);

    let db2 = format!("sqlite://{}", dir.path().join("b.db").display());
    let import = lyssna(
        dir.path(),
        &["--database-url", &db2, "import", "-"],
        Some(&exported),
    );
    assert!(import.status.success(), "{}", text(&import.stderr));
    let export2 = lyssna(dir.path(), &["--database-url", &db2, "export"], None);
    assert_eq!(text(&export2.stdout), exported);

    let bad = lyssna(
        dir.path(),
        &["--database-url", &db2, "import", "-"],
        Some("{\"source\": \"x\"}\nnot json\n"),
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = text(&bad.stderr);
    assert!(err.contains("line 1") && err.contains("line 2"), "{err}");
    // CSV for spreadsheets: a BOM (Excel then reads UTF-8), the header, one row per mention.
    let csv = lyssna(
        dir.path(),
        &["--database-url", &db2, "export", "--format", "csv"],
        None,
    );
    let out = text(&csv.stdout);
    assert!(
        out.starts_with("\u{feff}id,source,url,thread_url,title,author"),
        "{out}"
    );
    let header = out.lines().next().unwrap();
    for column in [
        "reply_url",
        "reason",
        "note",
        "until",
        "thread_url",
        "why_matched",
    ] {
        assert!(
            header.split(',').any(|c| c == column),
            "{column} in {header}"
        );
    }
    assert!(out.contains("missnöjd"), "å, ä, ö kept: {out}");
    assert_eq!(out.lines().count(), 2);
    // `;` for a spreadsheet set to Swedish; a delimiter that cannot separate is refused.
    let semi = lyssna(
        dir.path(),
        &[
            "--database-url",
            &db2,
            "export",
            "--format",
            "csv",
            "--delimiter",
            ";",
        ],
        None,
    );
    let out = text(&semi.stdout);
    assert!(out.starts_with("\u{feff}id;source;url;"), "{out}");
    assert!(
        out.contains("Ringde om GoMonday, mycket missnöjd"),
        "commas need no quotes: {out}"
    );
    let bad = lyssna(
        dir.path(),
        &[
            "--database-url",
            &db2,
            "export",
            "--format",
            "csv",
            "--delimiter",
            "ab",
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("--delimiter"),
        "{}",
        text(&bad.stderr)
    );
}

#[test]
fn commands_refuse_an_outdated_schema() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("new.db").display());
    let out = lyssna(dir.path(), &["--database-url", &db, "export"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("lyssna migrate"),
        "{}",
        text(&out.stderr)
    );
}

/// `serve` on a fresh database says how to create the first login, on the console.
#[test]
fn serve_without_a_login_says_how_to_create_one() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("first.db").display());
    std::fs::write(
        dir.path().join("lyssna.toml"),
        "[[brands]]\nname = \"B\"\nquery = \"b\"\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lyssna"))
        .current_dir(dir.path())
        .args(["--database-url", &db, "serve", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run lyssna serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !seen
        .iter()
        .any(|l: &String| l.contains("lyssna user add NAME"))
    {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let all = seen.join("\n");
    assert!(all.contains("No dashboard login exists yet"), "{all}");
    assert!(all.contains("lyssna user add NAME"), "{all}");
}

/// The leader's marks, imported, and a new episode of the podcast.
fn marked_mentions() -> String {
    let mut all = crate::support::podcast_marks();
    all.push(crate::support::mention(
        "m_p42",
        "neutral",
        1,
        "Go Monday-podden avsnitt 42 om fotboll",
    ));
    all.iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn brands_suggest_and_match_stored_say_what_the_marks_taught() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lyssna.toml"),
        "database_url = \"sqlite://lyssna.db\"\n\n[[brands]]\nname = \"GoMonday\"\nquery = '\"go monday\" OR gomonday'\n",
    )
    .unwrap();
    let run = |args: &[&str]| lyssna(dir.path(), args, None);
    assert!(run(&["migrate"]).status.success());
    // No marks yet: nothing to suggest, and it says why.
    let none = run(&["brands", "suggest"]);
    assert!(none.status.success(), "{}", text(&none.stderr));
    assert_eq!(text(&none.stdout), "");
    assert!(text(&none.stderr).contains("No suggestions yet"));
    std::fs::write(dir.path().join("marks.jsonl"), marked_mentions()).unwrap();
    let import = run(&["import", "marks.jsonl"]);
    assert!(import.status.success(), "{}", text(&import.stderr));

    let out = run(&["brands", "suggest", "--brand", "GoMonday"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let podden = lines
        .iter()
        .find(|l| l["term"] == "podden")
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(podden["kind"], "exclude");
    assert_eq!(
        (podden["not_about_us"].as_u64(), podden["about_us"].as_u64()),
        (Some(3), Some(0))
    );
    // Excluding it would remove the four episodes and keep the three posts about the bank.
    assert_eq!(
        (
            podden["kept"].as_u64(),
            podden["removed"].as_u64(),
            podden["added"].as_u64()
        ),
        (Some(3), Some(4), Some(0)),
        "{podden}"
    );
    assert_eq!(podden["toml"], "exclude = [\"podden\"]");
    assert!(lines.iter().all(|l| l["brand"] == "GoMonday"));
    // A brand that is not configured is bad input.
    let bad = run(&["brands", "suggest", "--brand", "Nope"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("no brand named 'Nope'"));

    // The dry run shows each mention's relevance score and whether it would be held back.
    let dry = run(&[
        "match",
        "--stored",
        "--brand",
        "GoMonday",
        "--query",
        "gomonday OR \"go monday\"",
    ]);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    let lines: Vec<serde_json::Value> = text(&dry.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 7, "{lines:?}");
    let episode = lines.iter().find(|l| l["id"] == "m_p42").unwrap();
    assert!(episode["relevance"].as_f64().unwrap() < 0.5, "{episode}");
    assert_eq!(episode["held"], true);
    assert!(!episode["reasons"].as_array().unwrap().is_empty());
    let crash = lines.iter().find(|l| l["id"] == "m_a1").unwrap();
    assert!(crash["relevance"].as_f64().unwrap() > 0.5, "{crash}");
    assert_eq!(crash["held"], false);
}
