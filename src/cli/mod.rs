//! The command line (PRODUCT §8), the top of the dependency graph: nothing imports it. Each command
//! is a file here that parses nothing itself (clap did) and calls the library: the same functions the
//! dashboard and the API call. Machine-readable output is JSON lines on stdout, human messages on
//! stderr; exit code 0 on success, 1 on failure, 2 on bad usage or input.

mod classify;
mod config;
mod crawl;
pub mod demo;
mod matching;
mod mention;
mod relevance;
pub mod report;
mod serve;
mod source;
mod transfer;
mod user;

use crate::config::Config;
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

pub use crawl::summary_table;

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
        /// jsonl (PRODUCT §8.1) or csv (for spreadsheets: UTF-8 with a BOM).
        #[arg(long, default_value = "jsonl")]
        format: String,
        /// The CSV field separator: `,` (default) or `;` for a spreadsheet set to Swedish, or `tab`.
        #[arg(long, default_value = ",")]
        delimiter: String,
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
        /// With --eval: replay the file's labels in order as the leader's overrides and print the
        /// learning curve (macro-F1 after 0, 50, 100 and 250 overrides, on the rest of the file).
        #[arg(long, requires = "eval")]
        learn: bool,
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
    /// The relevance model on labelled `{brand, title, body, author, url, label}` lines: the
    /// learning curve (after 0, 10, 25, 50 and 100 labels per brand) against keyword matching alone,
    /// or with --labels K --format jsonl the predictions after each brand's first K lines.
    Relevance {
        #[arg(long)]
        eval: PathBuf,
        /// Labels learnt per brand (its first K lines in file order) before predicting the rest.
        #[arg(long)]
        labels: Option<usize>,
        /// text (the curve as a table), json (one line per point) or jsonl (predictions).
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// What the brands' relevance models learnt from the leader's marks.
    Brands {
        #[command(subcommand)]
        action: BrandsAction,
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
pub enum BrandsAction {
    /// Propose `exclude` and `context` terms learnt from the marks, one JSON line each with what
    /// adopting it would do to the stored mentions (kept / removed / added); nothing is changed.
    Suggest {
        /// Only this brand (default: every configured brand).
        #[arg(long)]
        brand: Option<String>,
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
        /// The brand it is about (default: match the text against the configured brands).
        #[arg(long)]
        brand: Option<String>,
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

impl From<crate::ingest::manual::ManualError> for CliError {
    fn from(e: crate::ingest::manual::ManualError) -> Self {
        match e {
            crate::ingest::manual::ManualError::Invalid(m) => CliError::input(m),
            other => CliError::failure(other.to_string()),
        }
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

fn load_config(cli: &Cli) -> Result<Config, CliError> {
    let mut config =
        Config::load(cli.config.as_deref()).map_err(|e| CliError::input(e.to_string()))?;
    if let Some(url) = &cli.database_url {
        config.database_url = url.clone();
    }
    Ok(config)
}

/// A time given on the command line, read like every user-typed time (a bare date is midnight in
/// the configured zone).
fn parse_time(s: &str, config: &Config) -> Result<DateTime<Utc>, CliError> {
    crate::domain::time::parse_user_time(s, config.timezone).map_err(CliError::input)
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

/// Reads a whole input: a file, or standard input for `None` or `-`.
fn read_input(path: Option<&Path>) -> Result<String, CliError> {
    use std::io::Read;
    match path {
        Some(p) if p != Path::new("-") => std::fs::read_to_string(p)
            .map_err(|e| CliError::input(format!("cannot read {}: {e}", p.display()))),
        _ => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| CliError::input(format!("cannot read standard input: {e}")))?;
            Ok(s)
        }
    }
}

/// A store for a command that works on existing data: connected, and refusing an outdated schema.
async fn open_store(config: &Config) -> Result<crate::store::Store, CliError> {
    let store = crate::store::Store::connect(&config.database_url).await?;
    store.check_schema().await?;
    Ok(store)
}

/// Runs one command.
pub async fn run(cli: Cli) -> CliResult {
    match &cli.command {
        Command::Config { action } => config::run(&cli, action),
        Command::Migrate => serve::migrate(&cli).await,
        Command::Source {
            action:
                SourceAction::Test {
                    recipe,
                    file,
                    url,
                    now,
                },
        } => source::test(&cli, recipe, file, url.as_deref(), now.as_deref()),
        Command::Crawl { source } => crawl::run(&cli, source.as_deref()).await,
        Command::Serve { listen } => serve::serve(&cli, *listen).await,
        Command::Worker => serve::worker(&cli).await,
        Command::Demo {
            listen,
            dir,
            public,
            password_stdin,
        } => {
            let password = demo::demo_password(*listen, *public, *password_stdin)?;
            demo::run(*listen, dir, password).await
        }
        Command::Export { format, delimiter } => transfer::export(&cli, format, delimiter).await,
        Command::Import { file } => transfer::import(&cli, file).await,
        Command::User {
            action:
                UserAction::Add {
                    name,
                    password_stdin,
                },
        } => user::add(&load_config(&cli)?, name, *password_stdin).await,
        Command::Token {
            action: TokenAction::Add { name },
        } => user::token(&load_config(&cli)?, name).await,
        Command::Report {
            week,
            as_of,
            format,
        } => report::run(&cli, week.as_deref(), as_of.as_deref(), format).await,
        Command::Classify {
            input,
            eval,
            format,
            learn,
        } => classify::run(&cli, input.as_deref(), eval.as_deref(), format, *learn),
        Command::Brands {
            action: BrandsAction::Suggest { brand },
        } => matching::suggest(&cli, brand.as_deref()).await,
        Command::Match {
            input,
            stored,
            brand,
            query,
        } => {
            matching::run(
                &cli,
                input.as_deref(),
                *stored,
                brand.as_deref(),
                query.as_deref(),
            )
            .await
        }
        Command::Mention {
            action: MentionAction::Add { .. },
        } => mention::add(&cli).await,
        Command::Relevance {
            eval,
            labels,
            format,
        } => relevance::eval(eval, *labels, format),
    }
}
