//! The command line (PRODUCT §8): clap commands → library calls. Machine-readable output is JSON lines
//! on stdout, human messages on stderr; exit code 0 on success, 1 on failure, 2 on bad usage or input.

use crate::app::{App, shutdown_signal};
use crate::config::{Config, resolve_recipe};
use crate::crawl::run::CrawlReport;
use crate::crawl::{charset, feed, recipe};
use crate::domain::dedup;
use crate::domain::item::Item;
use crate::store::{Store, parse_import};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(
    name = "lyssna",
    version,
    about = "Brand-mention monitor with response tracking"
)]
pub struct Cli {
    /// Configuration file (default: lyssna.toml if it exists, else built-in defaults).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://FILE or postgres://user@host/db (default sqlite://lyssna.db).
    #[arg(long, global = true, env = "LYSSNA_DATABASE_URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start local sample sites, crawl them and serve the dashboard: everything offline.
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Where the demo keeps its configuration and database (default: ./lyssna-demo).
        #[arg(long, default_value = "lyssna-demo")]
        dir: PathBuf,
        /// Allow a --listen address other than loopback (the dashboard is then reachable from the
        /// network); needs --password-stdin.
        #[arg(long)]
        public: bool,
        /// Read a new password for the demo login from standard input instead of demo/demo.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Scheduler, dashboard and API.
    Serve {
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Scheduler only: an extra crawling process sharing one PostgreSQL database.
    Worker,
    /// Crawl now (all sources, or one), with progress and a summary table.
    Crawl {
        #[arg(long)]
        source: Option<String>,
    },
    /// Apply database migrations.
    Migrate,
    /// Check or print the configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Try a recipe on a saved page.
    Source {
        #[command(subcommand)]
        action: SourceAction,
    },
    /// Export all mentions with their events.
    Export {
        #[arg(long, default_value = "jsonl")]
        format: String,
    },
    /// Import mentions from an export file (all or nothing).
    Import { file: PathBuf },
    /// Manual mentions.
    Mention {
        #[command(subcommand)]
        action: MentionAction,
    },
    /// The weekly response report (PRODUCT §7).
    Report {
        /// ISO week, e.g. 2026-W47 (default: the current week in the configured time zone).
        #[arg(long)]
        week: Option<String>,
        /// Compute the report as of this moment, RFC 3339 (default: now).
        #[arg(long)]
        as_of: Option<String>,
        /// text, json (PRODUCT §8.2), csv (the trend) or html (a standalone page).
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// Classify the sentiment of `{id, text, rating?, rating_scale?}` lines, or evaluate on labelled lines.
    Classify {
        /// JSON lines to classify (default: standard input).
        #[arg(long, conflicts_with = "eval")]
        input: Option<PathBuf>,
        /// Labelled JSON lines: print accuracy, macro-F1 and the confusion matrix.
        #[arg(long)]
        eval: Option<PathBuf>,
        /// For --eval: text or json.
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// Match the configured brands against `{id, title, body, author, url}` lines, or dry-run a
    /// changed query over the stored mentions.
    Match {
        /// JSON lines to match (`-` for standard input).
        #[arg(long, required_unless_present = "stored", conflicts_with = "stored")]
        input: Option<PathBuf>,
        /// Dry run over the stored mentions (needs --brand and --query).
        #[arg(long, requires_all = ["brand", "query"])]
        stored: bool,
        #[arg(long)]
        brand: Option<String>,
        #[arg(long)]
        query: Option<String>,
    },
    /// Dashboard logins.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Add a dashboard login, or set a new password for an existing one.
    Add {
        name: String,
        /// Read the password from stdin (one line) instead of asking on the terminal.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Create (or replace) a named API token; it is printed once and stored hashed.
    Add { name: String },
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Validate the configuration; every problem with file and line.
    Check,
    /// Print the annotated example configuration.
    Example,
}

#[derive(Debug, Subcommand)]
pub enum SourceAction {
    /// Run a recipe (a built-in name, a file, or `feed`) on a saved page and print the items.
    Test {
        #[arg(long)]
        recipe: String,
        #[arg(long)]
        file: PathBuf,
        /// The page's address (relative links resolve against it).
        #[arg(long)]
        url: Option<String>,
        /// The crawl time for relative dates ("Idag 14:05"), RFC 3339.
        #[arg(long)]
        now: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MentionAction {
    /// Add a mention by hand (a phone call, a LinkedIn post) so that it counts.
    Add {
        #[arg(long)]
        url: Option<String>,
        #[arg(long)]
        text: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        author: Option<String>,
        /// When it was written, RFC 3339 or YYYY-MM-DD.
        #[arg(long)]
        published: Option<String>,
        /// The manual source it belongs to.
        #[arg(long, default_value = "Manual")]
        source: String,
    },
}

/// A failure with its exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error: {}", self.message)
    }
}

impl CliError {
    pub fn input(message: impl Into<String>) -> CliError {
        CliError {
            code: 2,
            message: message.into(),
        }
    }
    pub fn failure(message: impl Into<String>) -> CliError {
        CliError {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::failure(format!("{e:#}"))
    }
}

impl From<crate::store::StoreError> for CliError {
    fn from(e: crate::store::StoreError) -> Self {
        CliError::failure(e.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::failure(e.to_string())
    }
}

pub type CliResult = Result<(), CliError>;

/// Logs go to stderr (stdout is for JSON lines); `RUST_LOG` adjusts the level.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,sqlx=warn,hyper=warn,reqwest=warn")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

pub(crate) fn load_config(cli: &Cli) -> Result<Config, CliError> {
    let mut config =
        Config::load(cli.config.as_deref()).map_err(|e| CliError::input(e.to_string()))?;
    if let Some(url) = &cli.database_url {
        config.database_url = url.clone();
    }
    Ok(config)
}

/// Parses a time given on the command line: RFC 3339, or a date (midnight UTC).
pub fn parse_cli_time(s: &str) -> Result<DateTime<Utc>, CliError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    Err(CliError::input(format!(
        "'{s}' is not a time; write RFC 3339 like 2026-11-20T10:00:00Z or a date like 2026-11-20"
    )))
}

fn stdout_lines<I: IntoIterator<Item = String>>(lines: I) -> CliResult {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for l in lines {
        writeln!(out, "{l}")?;
    }
    out.flush()?;
    Ok(())
}

pub async fn run(cli: Cli) -> CliResult {
    match &cli.command {
        Command::Config {
            action: ConfigAction::Example,
        } => {
            print!("{}", crate::config::EXAMPLE);
            Ok(())
        }
        Command::Config {
            action: ConfigAction::Check,
        } => {
            let config = load_config(&cli)?;
            for w in crate::config::warnings(&config) {
                eprintln!("warning: {w}");
            }
            eprintln!(
                "{}: ok ({} brands, {} sources, {} identities)",
                config
                    .file
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "built-in defaults".into()),
                config.brands.len(),
                config.sources.len(),
                config.identities.len()
            );
            Ok(())
        }
        Command::Migrate => {
            let config = load_config(&cli)?;
            let store = Store::connect(&config.database_url).await?;
            let n = store.migrate().await?;
            eprintln!("{n} migration(s) applied; the schema is up to date");
            Ok(())
        }
        Command::Source {
            action:
                SourceAction::Test {
                    recipe,
                    file,
                    url,
                    now,
                },
        } => source_test(&cli, recipe, file, url.as_deref(), now.as_deref()),
        Command::Crawl { source } => crawl(&cli, source.as_deref()).await,
        Command::Serve { listen } => serve(&cli, *listen).await,
        Command::Worker => worker(&cli).await,
        Command::Demo {
            listen,
            dir,
            public,
            password_stdin,
        } => {
            let password = crate::demo::demo_password(*listen, *public, *password_stdin)?;
            crate::demo::run(*listen, dir, password).await
        }
        Command::Export { format } => export(&cli, format).await,
        Command::User {
            action:
                UserAction::Add {
                    name,
                    password_stdin,
                },
        } => crate::web::auth::cli_user_add(&load_config(&cli)?, name, *password_stdin).await,
        Command::Token {
            action: TokenAction::Add { name },
        } => crate::web::auth::cli_token_add(&load_config(&cli)?, name).await,
        Command::Import { file } => import(&cli, file).await,
        Command::Report {
            week,
            as_of,
            format,
        } => {
            let config = load_config(&cli)?;
            let store = Store::connect(&config.database_url).await?;
            store.check_schema().await?;
            let out = crate::commands::report_output(
                &store,
                &config,
                week.as_deref(),
                as_of.as_deref(),
                format,
                Utc::now(),
            )
            .await?;
            stdout_lines([out])
        }
        Command::Classify {
            input,
            eval,
            format,
        } => {
            let config = load_config(&cli)?;
            let classifier = crate::commands::classifier(&config)?;
            match eval {
                Some(file) => {
                    let text = crate::commands::read_input(Some(file))?;
                    stdout_lines([crate::commands::eval_output(&classifier, &text, format)?])
                }
                None => {
                    let text = crate::commands::read_input(input.as_deref())?;
                    stdout_lines(crate::commands::classify_output(&classifier, &text)?)
                }
            }
        }
        Command::Match {
            input,
            stored,
            brand,
            query,
        } => {
            let config = load_config(&cli)?;
            if *stored {
                let (Some(brand), Some(query)) = (brand, query) else {
                    return Err(CliError::input("match --stored needs --brand and --query"));
                };
                let store = Store::connect(&config.database_url).await?;
                store.check_schema().await?;
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                let summary =
                    crate::commands::match_stored(&store, &config, brand, query, |line| {
                        writeln!(out, "{line}").map_err(CliError::from)
                    })
                    .await?;
                out.flush()?;
                eprintln!(
                    "{brand}: {} kept, {} added, {} removed ({} stored mentions scanned; nothing was changed)",
                    summary.kept, summary.added, summary.removed, summary.scanned
                );
                Ok(())
            } else {
                let matcher = crate::commands::matcher(&config)?;
                let text = crate::commands::read_input(input.as_deref())?;
                stdout_lines(crate::commands::match_output(&matcher, &text)?)
            }
        }
        Command::Mention {
            action:
                MentionAction::Add {
                    url,
                    text,
                    title,
                    author,
                    published,
                    source,
                },
        } => {
            let config = load_config(&cli)?;
            let store = Store::connect(&config.database_url).await?;
            store.check_schema().await?;
            let published_at = published.as_deref().map(parse_cli_time).transpose()?;
            let id = add_manual(
                &store,
                &config,
                source,
                url.as_deref(),
                title.as_deref(),
                text,
                author.as_deref(),
                published_at,
            )
            .await?;
            stdout_lines([serde_json::json!({"id": id}).to_string()])
        }
    }
}

/// Stores a manual mention, classified like a crawled one (and matched, to record its brands).
#[allow(clippy::too_many_arguments)]
pub async fn add_manual(
    store: &Store,
    config: &Config,
    source: &str,
    url: Option<&str>,
    title: Option<&str>,
    text: &str,
    author: Option<&str>,
    published_at: Option<DateTime<Utc>>,
) -> Result<String, CliError> {
    if text.trim().is_empty() {
        return Err(CliError::input("a mention needs some text (--text)"));
    }
    if let Some(u) = url
        && dedup::canonical_url(u).is_none()
    {
        return Err(CliError::input(format!("'{u}' is not an http(s) URL")));
    }
    let pipeline =
        crate::crawl::pipeline::Pipeline::from_config(config).map_err(CliError::failure)?;
    let item = Item {
        url: url.map(str::to_string),
        title: title.map(str::to_string),
        author: author.map(str::to_string),
        body: text.to_string(),
        published_at,
        ..Item::default()
    };
    let now = Utc::now();
    let mut candidate = pipeline.manual_candidate(item, now);
    if let Some(u) = url {
        candidate.keys = vec![format!("url:{}", dedup::url_key(u).unwrap_or_default())];
    }
    store
        .add_manual_mention(source, &candidate, now)
        .await
        .map_err(|e| match e {
            crate::store::StoreError::Invalid(m) => CliError::input(m),
            other => CliError::from(other),
        })
}

fn source_test(
    cli: &Cli,
    recipe_name: &str,
    file: &Path,
    url: Option<&str>,
    now: Option<&str>,
) -> CliResult {
    let config = load_config(cli)?;
    let bytes = std::fs::read(file)
        .map_err(|e| CliError::input(format!("cannot read {}: {e}", file.display())))?;
    let now = now
        .map(parse_cli_time)
        .transpose()?
        .unwrap_or_else(Utc::now);
    let page_url = match url {
        Some(u) => url::Url::parse(u).map_err(|e| CliError::input(format!("--url '{u}': {e}")))?,
        None => {
            let abs = std::fs::canonicalize(file)?;
            url::Url::from_file_path(&abs)
                .map_err(|_| CliError::input("cannot make a URL of the file's path; pass --url"))?
        }
    };
    let items: Vec<Item> = if recipe_name == "feed" {
        let parsed = feed::parse_feed(&bytes, None, &page_url, now)
            .map_err(|e| CliError::input(e.to_string()))?;
        for w in &parsed.warnings {
            eprintln!("warning: {w}");
        }
        parsed.items
    } else {
        let base = config
            .file
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let r = resolve_recipe(recipe_name, &base).map_err(CliError::input)?;
        let text = charset::decode_html(&bytes, None);
        let ex = r.extract(&text, &page_url, now, config.timezone);
        for w in &ex.warnings {
            eprintln!("warning: {w}");
        }
        if ex.item_matches == 0 {
            eprintln!("warning: the recipe's item selector matched nothing on this page");
        }
        if let Some(next) = &ex.next_page {
            eprintln!("next page: {next}");
        }
        ex.items
    };
    eprintln!("{} item(s)", items.len());
    stdout_lines(items.iter().map(recipe::item_json_line))
}

async fn crawl(cli: &Cli, only: Option<&str>) -> CliResult {
    let config = load_config(cli)?;
    let sources: Vec<_> = match only {
        Some(name) => vec![config.source(name).cloned().ok_or_else(|| {
            CliError::input(format!(
                "no source named '{name}' in the configuration (sources: {})",
                config
                    .sources
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?],
        None => config
            .sources
            .iter()
            .filter(|s| s.enabled && s.url.is_some())
            .cloned()
            .collect(),
    };
    if sources.is_empty() {
        return Err(CliError::input(
            "there are no sources to crawl; add [[sources]] to the configuration",
        ));
    }
    let app = App::build(config, false).await?;
    let multi = indicatif::MultiProgress::new();
    let style = indicatif::ProgressStyle::with_template("{spinner} {prefix:<32} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
    let bars: std::collections::HashMap<String, indicatif::ProgressBar> = sources
        .iter()
        .map(|s| {
            let b = multi.add(indicatif::ProgressBar::new_spinner());
            b.set_style(style.clone());
            b.set_prefix(s.name.clone());
            b.set_message("waiting");
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            (s.name.clone(), b)
        })
        .collect();
    let bars = Arc::new(bars);
    let b2 = bars.clone();
    let progress = Arc::new(
        move |name: &str, pages: usize, done: Option<&CrawlReport>| {
            if let Some(bar) = b2.get(name) {
                match done {
                    None => bar.set_message(format!("{pages} page(s)")),
                    Some(r) => bar.finish_with_message(format!(
                        "{} — {} new",
                        r.health.label(),
                        r.new_mentions
                    )),
                }
            }
        },
    );
    let reports = crate::scheduler::crawl_now(&app.crawl, sources, progress).await?;
    for b in bars.values() {
        b.finish_and_clear();
    }
    eprintln!("{}", summary_table(&reports));
    let failed = reports.iter().filter(|r| r.outcome == "failed").count();
    stdout_lines(
        reports
            .iter()
            .map(|r| serde_json::to_string(r).unwrap_or_default()),
    )?;
    if reports.is_empty() {
        // Every source was left to the process already crawling it (see the log above).
        return Err(CliError::failure(
            "no source was crawled: another Lyssna process is crawling them right now",
        ));
    }
    if failed == reports.len() {
        return Err(CliError::failure(format!("all {failed} source(s) failed")));
    }
    Ok(())
}

/// The `crawl` command's summary: one row per source.
pub fn summary_table(reports: &[CrawlReport]) -> String {
    let mut rows = vec![[
        "source".to_string(),
        "health".into(),
        "fetched".into(),
        "unchanged".into(),
        "items".into(),
        "new".into(),
        "errors".into(),
    ]];
    for r in reports {
        rows.push([
            r.source.clone(),
            r.health.label().to_string(),
            r.pages.to_string(),
            r.unchanged.to_string(),
            r.items.to_string(),
            r.new_mentions.to_string(),
            r.errors.first().cloned().unwrap_or_default(),
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
                .min(60)
        })
        .collect();
    rows.iter()
        .map(|r| {
            r.iter()
                .zip(&widths)
                .map(|(cell, w)| {
                    let cut: String = cell.chars().take(*w).collect();
                    format!("{cut:<w$}", w = *w)
                })
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn serve(cli: &Cli, listen: Option<std::net::SocketAddr>) -> CliResult {
    let config = load_config(cli)?;
    let listen = listen.unwrap_or(config.server.listen);
    let app = App::build(config, true).await?;
    let shutdown = shutdown_signal();
    let (addr, web) = app.serve_web(listen, shutdown.clone()).await?;
    eprintln!(
        "Lyssna is listening on http://{addr}/ (database {})",
        redact(&app.config.database_url)
    );
    let scheduler = app.scheduler();
    scheduler.run(shutdown).await;
    let _ = web.await;
    Ok(())
}

async fn worker(cli: &Cli) -> CliResult {
    let config = load_config(cli)?;
    let app = App::build(config, false).await?;
    eprintln!(
        "Lyssna worker crawling for {}",
        redact(&app.config.database_url)
    );
    app.scheduler().run(shutdown_signal()).await;
    Ok(())
}

/// A database URL with any password replaced, for logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

async fn export(cli: &Cli, format: &str) -> CliResult {
    let config = load_config(cli)?;
    let store = Store::connect(&config.database_url).await?;
    store.check_schema().await?;
    let lines = store.export_all().await?;
    match format {
        "jsonl" => stdout_lines(
            lines
                .iter()
                .map(|l| serde_json::to_string(l).unwrap_or_default()),
        ),
        "csv" => stdout_lines(crate::store::export_csv(&lines)),
        other => Err(CliError::input(format!(
            "unknown export format '{other}' (jsonl or csv)"
        ))),
    }
}

async fn import(cli: &Cli, file: &Path) -> CliResult {
    let config = load_config(cli)?;
    let text = if file == Path::new("-") {
        let mut s = String::new();
        for line in std::io::stdin().lock().lines() {
            s.push_str(&line?);
            s.push('\n');
        }
        s
    } else {
        std::fs::read_to_string(file)
            .map_err(|e| CliError::input(format!("cannot read {}: {e}", file.display())))?
    };
    let lines = parse_import(&text).map_err(|errors| {
        CliError::input(format!(
            "nothing imported; {} problem(s) in {}:\n{}",
            errors.len(),
            file.display(),
            errors
                .iter()
                .map(|e| format!("  {e}"))
                .collect::<Vec<_>>()
                .join("\n")
        ))
    })?;
    let store = Store::connect(&config.database_url).await?;
    store.migrate().await?;
    let n = store
        .import(&lines, Utc::now())
        .await
        .map_err(|e| CliError::input(format!("nothing imported: {e}")))?;
    eprintln!("{n} mention(s) imported");
    Ok(())
}
