//! The one module that talks SQL. Handlers, the crawler and the scheduler call functions named after
//! what they mean (`record_crawl`, `apply_action`, `export_all`); no SQL type leaves this module.
//!
//! Both backends go through sqlx's `Any` driver with runtime queries: one code path, one test suite
//! for SQLite and PostgreSQL. The price is that only integers, floats, text and bytes cross the
//! driver, so times are stored as BIGINT seconds since the epoch and flags as 0/1. The two SQL
//! dialects differ only in their migration files (`migrations/sqlite`, `migrations/postgres`).

mod conversation;
mod deliveries;
mod inbox;
mod listing;
mod mentions;
mod relevance;
mod report;
mod search;
mod sources;
mod staging;
mod threads;
mod transfer;
mod unchanged;
mod users;
mod workers;

pub use conversation::*;
pub use deliveries::*;
pub use inbox::*;
pub use listing::*;
pub use mentions::*;
pub use relevance::*;
pub use sources::*;
pub use staging::*;
pub use threads::*;
pub use transfer::*;
pub use users::*;
pub use workers::*;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Errors from the store, phrased for the person who has to act on them.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no mention with id {0}")]
    MentionNotFound(String),
    #[error("no source named '{0}'")]
    SourceNotFound(String),
    #[error(transparent)]
    Transition(#[from] crate::domain::mention::TransitionError),
    #[error("the mention changed while you were editing it; reload and try again")]
    Conflict,
    #[error("{0}")]
    Invalid(String),
    /// An undo with no change left to take back: a state of the mention, not bad input.
    #[error("there is nothing to undo on this mention")]
    NothingToUndo,
    /// A stored value that does not decode (edited by hand, or written by a broken version): the
    /// server's problem, never the client's.
    #[error("damaged data in the database: {0}")]
    Corrupt(String),
    #[error(
        "the database schema is at version {found} but this Lyssna needs {wanted}; run `lyssna migrate` first"
    )]
    OutdatedSchema { found: i64, wanted: i64 },
    #[error(
        "migration {version} ({description}) was changed after it was applied to this database; \
         restore it (migrations are append-only: add a new one instead)"
    )]
    MigrationChanged { version: i64, description: String },
    #[error("unsupported database URL '{0}': use sqlite://FILE or postgres://user@host/database")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Embedded migrations, per backend, applied in order. Append only: never edit an applied one.
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../../migrations/sqlite/0001_initial.sql"),
    ),
    (
        5,
        "inbox by post time",
        include_str!("../../migrations/sqlite/0005_inbox_post_time.sql"),
    ),
    (
        6,
        "threads",
        include_str!("../../migrations/sqlite/0006_threads.sql"),
    ),
    (
        7,
        "thread posts",
        include_str!("../../migrations/sqlite/0007_thread_posts.sql"),
    ),
    (
        8,
        "held back as probably not about us",
        include_str!("../../migrations/sqlite/0008_relevance.sql"),
    ),
    (
        SEARCH_INDEX_MIGRATION,
        "search index",
        include_str!("../../migrations/sqlite/0009_search_index.sql"),
    ),
    (
        10,
        "workers and host turns",
        include_str!("../../migrations/sqlite/0010_workers_and_host_turns.sql"),
    ),
    (
        11,
        "crawl stages",
        include_str!("../../migrations/sqlite/0011_crawl_stages.sql"),
    ),
    (
        12,
        "watched threads",
        include_str!("../../migrations/sqlite/0012_watched_threads.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../../migrations/postgres/0001_initial.sql"),
    ),
    (
        5,
        "inbox by post time",
        include_str!("../../migrations/postgres/0005_inbox_post_time.sql"),
    ),
    (
        6,
        "threads",
        include_str!("../../migrations/postgres/0006_threads.sql"),
    ),
    (
        7,
        "thread posts",
        include_str!("../../migrations/postgres/0007_thread_posts.sql"),
    ),
    (
        8,
        "held back as probably not about us",
        include_str!("../../migrations/postgres/0008_relevance.sql"),
    ),
    (
        SEARCH_INDEX_MIGRATION,
        "search index",
        include_str!("../../migrations/postgres/0009_search_index.sql"),
    ),
    (
        10,
        "workers and host turns",
        include_str!("../../migrations/postgres/0010_workers_and_host_turns.sql"),
    ),
    (
        11,
        "crawl stages",
        include_str!("../../migrations/postgres/0011_crawl_stages.sql"),
    ),
    (
        12,
        "watched threads",
        include_str!("../../migrations/postgres/0012_watched_threads.sql"),
    ),
    (
        13,
        "search statistics",
        include_str!("../../migrations/postgres/0013_search_statistics.sql"),
    ),
];

/// The SQL condition "mention `m` is visible": not part of a big crawl still being written in chunks
/// (see [`staging`]). A mention written in one transaction has no stage and passes on the first test.
pub(crate) const VISIBLE: &str =
    "(m.stage IS NULL OR m.stage NOT IN (SELECT cs.id FROM crawl_stages cs))";

/// The migration that adds the search index; the mentions stored before it are indexed by
/// [`Store::migrate`] once it is applied (the index is built from Lyssna's own folding, not SQL).
const SEARCH_INDEX_MIGRATION: i64 = 9;

/// The handle every part of Lyssna shares (cheap to clone).
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time. Writers of this process queue here, in order and without
    /// sleeping; SQLite's own busy handler polls with growing sleeps, which made concurrent crawls
    /// wait for milliseconds per commit.
    writer: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

pub(crate) fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn from_ts(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(s, 0).single().unwrap_or_default()
}

pub(crate) fn opt_from_ts(s: Option<i64>) -> Option<DateTime<Utc>> {
    s.map(from_ts)
}

/// Reads a column that may be NULL.
pub(crate) fn col<'r, T>(row: &'r AnyRow, name: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    Ok(row.try_get::<T, _>(name)?)
}

/// Reads a JSON column into its type; a value that does not decode is `Corrupt`.
pub(crate) fn json_col<T: serde::de::DeserializeOwned>(row: &AnyRow, name: &str) -> StoreResult<T> {
    let text: String = col(row, name)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("column {name}: {e}")))
}

/// Reads a text column that holds one of a type's names (`Status`, `Label`, `Health`, `SourceKind`).
pub(crate) fn parsed_col<T>(row: &AnyRow, name: &str) -> StoreResult<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: String = col(row, name)?;
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("column {name}: {e}")))
}

/// The same for a column that may be NULL.
pub(crate) fn opt_parsed_col<T>(row: &AnyRow, name: &str) -> StoreResult<Option<T>>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: Option<String> = col(row, name)?;
    text.map(|t| {
        t.parse()
            .map_err(|e| StoreError::Corrupt(format!("column {name}: {e}")))
    })
    .transpose()
}

impl Store {
    /// Connects to `url` (`sqlite://FILE`, created when missing, or `postgres://…`).
    pub async fn connect(url: &str) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let with_mode = if rest.contains("mode=") || rest.contains(":memory:") {
                url.to_string()
            } else if rest.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            (Backend::Sqlite, with_mode)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        if backend == Backend::Sqlite {
            // One writer at a time is SQLite's rule anyway; WAL lets readers (the dashboard) go on while a
            // crawl commits, and a busy timeout makes writers wait instead of failing.
            options = options.max_connections(8).after_connect(|conn, _meta| {
                Box::pin(async move {
                    sqlx::raw_sql(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                    )
                    .execute(conn)
                    .await?;
                    Ok(())
                })
            });
        } else {
            options = options.max_connections(16);
        }
        let pool = options.connect(&url).await?;
        let writer =
            (backend == Backend::Sqlite).then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())));
        Ok(Store {
            pool,
            backend,
            writer,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Waits for this process's turn to write (SQLite only; PostgreSQL has row locks). Hold the guard
    /// until the transaction is committed or dropped.
    pub(crate) async fn writer(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match &self.writer {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        }
    }

    /// A transaction that will write. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`):
    /// a deferred transaction that reads first and writes later cannot wait for the lock when another
    /// writer holds it, and fails with "database is locked" even with a busy timeout, which concurrent
    /// crawls would hit all the time.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    fn migrations(&self) -> &'static [(i64, &'static str, &'static str)] {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        }
    }

    /// The migrations table, created when missing; a table from before checksums gets the column.
    async fn migrations_table(&self) -> StoreResult<()> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS lyssna_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
             applied_at BIGINT NOT NULL, checksum TEXT)",
        )
        .execute(&self.pool)
        .await?;
        let has_checksum = sqlx::raw_sql("SELECT checksum FROM lyssna_migrations WHERE 1 = 0")
            .execute(&self.pool)
            .await
            .is_ok();
        if !has_checksum {
            sqlx::raw_sql("ALTER TABLE lyssna_migrations ADD COLUMN checksum TEXT")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// The applied versions, after checking every applied migration against the one this binary
    /// carries: a migration edited after it was applied is refused (its changes would never reach
    /// this database). One applied before checksums were kept is trusted and recorded.
    async fn applied_versions(&self) -> StoreResult<std::collections::BTreeSet<i64>> {
        self.migrations_table().await?;
        let rows = sqlx::query("SELECT version, checksum FROM lyssna_migrations ORDER BY version")
            .fetch_all(&self.pool)
            .await?;
        let mut applied = std::collections::BTreeSet::new();
        for row in &rows {
            let version: i64 = col(row, "version")?;
            let stored: Option<String> = col(row, "checksum")?;
            applied.insert(version);
            let Some((_, description, sql)) = self.migrations().iter().find(|m| m.0 == version)
            else {
                continue;
            };
            let expected = migration_checksum(sql);
            match stored {
                Some(c) if c == expected => {}
                Some(_) => {
                    return Err(StoreError::MigrationChanged {
                        version,
                        description: description.to_string(),
                    });
                }
                None => {
                    sqlx::query("UPDATE lyssna_migrations SET checksum = $1 WHERE version = $2")
                        .bind(expected)
                        .bind(version)
                        .execute(&self.pool)
                        .await?;
                }
            }
        }
        Ok(applied)
    }

    /// Applies the migrations this database has not seen, each in its own transaction, in order.
    /// Returns how many. Versions may have gaps, and one numbered below an applied one is still
    /// applied: migrations written side by side land in any order.
    pub async fn migrate(&self) -> StoreResult<usize> {
        let done = self.applied_versions().await?;
        let mut applied = 0;
        let mut fill_search = false;
        for (version, description, sql) in self.migrations() {
            if done.contains(version) {
                continue;
            }
            let mut tx = self.pool.begin().await?;
            sqlx::raw_sql(*sql).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO lyssna_migrations (version, description, applied_at, checksum) VALUES ($1, $2, $3, $4)",
            )
            .bind(*version)
            .bind(*description)
            .bind(Utc::now().timestamp())
            .bind(migration_checksum(sql))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            applied += 1;
            fill_search |= *version == SEARCH_INDEX_MIGRATION;
        }
        if fill_search {
            self.fill_search_index().await?;
        }
        Ok(applied)
    }

    /// Refuses to work on a schema older than this binary (as Miniflux does): the user runs
    /// `lyssna migrate` deliberately, except `serve` and `demo`, which migrate on start.
    pub async fn check_schema(&self) -> StoreResult<()> {
        let done = self.applied_versions().await?;
        let wanted = self.migrations().last().map(|m| m.0).unwrap_or(0);
        // The schema is "at" the last version before the first one missing.
        let Some(missing) = self.migrations().iter().find(|m| !done.contains(&m.0)) else {
            return Ok(());
        };
        let found = done.range(..missing.0).next_back().copied().unwrap_or(0);
        Err(StoreError::OutdatedSchema { found, wanted })
    }

    /// Connects and brings the schema up to date.
    pub async fn open_and_migrate(url: &str) -> StoreResult<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A migration's fingerprint: SHA-256 of its text, hex.
fn migration_checksum(sql: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Placeholders for a multi-row statement of `rows` rows of `cols` columns each: `(?, ?), (?, ?)` on
/// SQLite, `($1, $2), ($3, $4)` on PostgreSQL (which has only numbered ones).
///
/// SQLite treats `$N` (and `?NNN`) as *named* parameters: preparing looks each new name up in a
/// list, and binding asks each parameter's name from the same list, so a statement with n of them
/// costs O(n²). An import of 100,000 mentions spent two thirds of its time there. Plain `?` is
/// numbered by position and has no name: binding stays linear, so statements can be large.
pub(crate) fn placeholders_for(backend: Backend, rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * (cols * 4 + 4));
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            match backend {
                Backend::Sqlite => s.push('?'),
                Backend::Postgres => {
                    s.push('$');
                    s.push_str(&n.to_string());
                }
            }
            n += 1;
        }
        s.push(')');
    }
    s
}

/// `$first, …` placeholders for an `IN (…)` list.
pub(crate) fn in_placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `IN (…)` placeholders for a list that is a statement's only parameters.
pub(crate) fn in_list(backend: Backend, count: usize) -> String {
    match backend {
        Backend::Sqlite => vec!["?"; count].join(", "),
        Backend::Postgres => in_placeholders(1, count),
    }
}

impl Backend {
    /// Rows per multi-row statement of `cols` columns. With positional parameters SQLite binds in
    /// linear time, so the limit is its 32,766 parameters; a statement of about 8,000 is past the
    /// point where fewer round trips still pay (see BENCHMARKS.md, import). PostgreSQL allows
    /// 65,535 and parses a statement of 8,000 as quickly as several small ones.
    pub(crate) fn chunk_rows(self, cols: usize) -> usize {
        let params = match self {
            Backend::Sqlite => 8_000,
            Backend::Postgres => 8_000,
        };
        (params / cols).max(1)
    }
}

/// Rows per multi-row statement where the backend is not at hand, at about 2,000 parameters.
pub(crate) fn chunk_rows(cols: usize) -> usize {
    (2_000 / cols).max(1)
}

/// A random id with a prefix, e.g. `m_3kd8x0q2v9za7c1f`. Lower-case base-36, 16 characters: enough
/// that ids from two installations merged by `import` do not collide.
pub(crate) fn new_id(prefix: &str) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    let tail: String = (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}{tail}")
}
