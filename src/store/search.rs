//! The search index behind the inbox's `?q=` and the API's `GET /api/mentions?q=`.
//!
//! Lyssna folds the text itself ([`SearchText`]: the query language's tokens, case and every
//! diacritic folded) and hands each index folded words, so both backends find exactly the same
//! mentions, and the index never depends on an extension or a collation being installed:
//!
//! - **SQLite**: an FTS5 table `mention_search` (columns title, body, author, site) that stores no
//!   copy of the text (`content=''`, `contentless_delete=1` so an edit can replace a row). FTS5 rows
//!   need an integer key that `VACUUM` never changes, which `mentions` (keyed by text) lacks, so
//!   `mention_search_rows` gives each mention one.
//! - **PostgreSQL**: a `tsvector` per mention in `mention_search` with a GIN index. The vector is
//!   written by Lyssna as text (`'word':3B`), one weight per field (author C, site D, title A, body B,
//!   in that order of positions with a gap between fields, so a phrase never spans two fields).
//!
//! The index is written in the same transaction as the mention (insert, edit, import), so it is
//! never behind; a database from before the index is filled once by `migrate`.

use super::{Backend, Store, StoreResult, col, placeholders_for};
use crate::domain::search::{Search, SearchField, SearchText};
use sqlx::{Any, AnyConnection, AssertSqlSafe, Transaction};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The backend a connection talks to.
pub(super) fn backend_of(conn: &AnyConnection) -> Backend {
    if conn.backend_name() == "PostgreSQL" {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// One mention's text for the index.
pub(super) struct SearchRow<'a> {
    pub id: &'a str,
    pub text: SearchText,
}

impl<'a> SearchRow<'a> {
    pub fn new(id: &'a str, title: &str, body: &str, author: &str, url: &str) -> SearchRow<'a> {
        SearchRow {
            id,
            text: SearchText::of(title, body, author, url),
        }
    }
}

/// Writes the index entries of `rows`. `replace` when some may be indexed already (an edit).
pub(super) async fn index_mentions(
    tx: &mut Transaction<'_, Any>,
    rows: &[SearchRow<'_>],
    replace: bool,
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let backend = backend_of(tx);
    match backend {
        Backend::Sqlite => index_sqlite(tx, rows, replace).await,
        Backend::Postgres => index_postgres(tx, rows).await,
    }
}

async fn index_sqlite(
    tx: &mut Transaction<'_, Any>,
    rows: &[SearchRow<'_>],
    replace: bool,
) -> StoreResult<()> {
    let b = Backend::Sqlite;
    for chunk in rows.chunks(b.chunk_rows(5)) {
        let sql = format!(
            "INSERT INTO mention_search_rows (mention_id) VALUES {} ON CONFLICT (mention_id) DO NOTHING",
            placeholders_for(b, chunk.len(), 1)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for r in chunk {
            q = q.bind(r.id);
        }
        q.execute(&mut **tx).await?;
        if replace {
            let sql = format!(
                "DELETE FROM mention_search WHERE rowid IN (SELECT search_row FROM mention_search_rows \
                 WHERE mention_id IN ({}))",
                vec!["?"; chunk.len()].join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in chunk {
                q = q.bind(r.id);
            }
            q.execute(&mut **tx).await?;
        }
        let sql = format!(
            "INSERT INTO mention_search (rowid, title, body, author, site) \
             SELECT r.search_row, v.column2, v.column3, v.column4, v.column5 FROM (VALUES {}) AS v \
             JOIN mention_search_rows r ON r.mention_id = v.column1",
            placeholders_for(b, chunk.len(), 5)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for r in chunk {
            let t = &r.text;
            q = q
                .bind(r.id)
                .bind(t.title.as_str())
                .bind(t.body.as_str())
                .bind(t.author.as_str())
                .bind(t.site.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Removes the index entries of `ids` (mentions about to be deleted), at most a chunk's worth.
pub(super) async fn unindex_mentions(
    tx: &mut Transaction<'_, Any>,
    ids: &[String],
) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let backend = backend_of(tx);
    let list = super::in_list(backend, ids.len());
    let statements = match backend {
        Backend::Sqlite => vec![
            format!(
                "DELETE FROM mention_search WHERE rowid IN (SELECT search_row FROM mention_search_rows \
                 WHERE mention_id IN ({list}))"
            ),
            format!("DELETE FROM mention_search_rows WHERE mention_id IN ({list})"),
        ],
        Backend::Postgres => vec![format!(
            "DELETE FROM mention_search WHERE mention_id IN ({list})"
        )],
    };
    for sql in statements {
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            q = q.bind(id.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn index_postgres(tx: &mut Transaction<'_, Any>, rows: &[SearchRow<'_>]) -> StoreResult<()> {
    for chunk in rows.chunks(Backend::Postgres.chunk_rows(2)) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, CAST(${} AS tsvector))", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "INSERT INTO mention_search (mention_id, doc) VALUES {} \
             ON CONFLICT (mention_id) DO UPDATE SET doc = EXCLUDED.doc",
            values.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for r in chunk {
            q = q.bind(r.id).bind(tsvector(&r.text));
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// PostgreSQL's limits on a `tsvector`: positions go up to 16,383, a lexeme keeps at most 256 of
/// them, and the whole value must stay under 1 MB. Text past them is not indexed (a body of over
/// 16,000 words is found by its first 16,000).
const MAX_POSITION: u32 = 16_383;
const MAX_POSITIONS_PER_WORD: usize = 255;
const MAX_VECTOR_BYTES: usize = 512 * 1024;

fn weight(f: SearchField) -> char {
    match f {
        SearchField::Title => 'A',
        SearchField::Body => 'B',
        SearchField::Author => 'C',
        SearchField::Site => 'D',
    }
}

/// The `tsvector` of a mention, in PostgreSQL's text form.
pub(super) fn tsvector(t: &SearchText) -> String {
    let mut lexemes: BTreeMap<&str, Vec<(u32, char)>> = BTreeMap::new();
    let mut bytes = 0;
    let mut pos = 1;
    // The short fields first, so that a long body is what gets cut.
    for f in [
        SearchField::Author,
        SearchField::Site,
        SearchField::Title,
        SearchField::Body,
    ] {
        for w in t.field(f).split(' ').filter(|w| !w.is_empty()) {
            if pos > MAX_POSITION {
                break;
            }
            let at = lexemes.entry(w).or_insert_with(|| {
                bytes += w.len() + 8;
                Vec::new()
            });
            if at.len() < MAX_POSITIONS_PER_WORD {
                at.push((pos, weight(f)));
            }
            pos += 1;
            if bytes > MAX_VECTOR_BYTES {
                break;
            }
        }
        pos += 1;
    }
    let mut out = String::with_capacity(bytes * 2);
    for (w, positions) in lexemes {
        if !out.is_empty() {
            out.push(' ');
        }
        quote_lexeme(w, &mut out);
        out.push(':');
        for (i, (p, wt)) in positions.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{p}{wt}");
        }
    }
    out
}

/// `'word'` with `'` and `\` escaped, as `tsvector` and `tsquery` read a lexeme.
fn quote_lexeme(w: &str, out: &mut String) {
    out.push('\'');
    for c in w.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('\'');
}

/// The search as a PostgreSQL `tsquery`.
pub(super) fn tsquery(s: &Search) -> String {
    match s {
        Search::Words { fields, words } => {
            let weights: String = fields.iter().map(|f| weight(*f)).collect();
            let mut out = String::from("(");
            for (i, w) in words.iter().enumerate() {
                if i > 0 {
                    out.push_str(" <-> ");
                }
                quote_lexeme(&w.text, &mut out);
                out.push(':');
                if w.prefix {
                    out.push('*');
                }
                out.push_str(&weights);
            }
            out.push(')');
            out
        }
        Search::And(v) => join(v, " & ", tsquery),
        Search::Or(v) => join(v, " | ", tsquery),
        Search::AndNot(a, b) => format!("({} & !{})", tsquery(a), tsquery(b)),
    }
}

/// The search as an SQLite FTS5 query.
pub(super) fn fts5_query(s: &Search) -> String {
    match s {
        Search::Words { fields, words } => {
            let cols: Vec<&str> = fields.iter().map(|f| f.name()).collect();
            let phrase: Vec<String> = words
                .iter()
                .map(|w| {
                    format!(
                        "\"{}\"{}",
                        w.text.replace('"', "\"\""),
                        if w.prefix { "*" } else { "" }
                    )
                })
                .collect();
            format!("({{{}}} : {})", cols.join(" "), phrase.join(" + "))
        }
        Search::And(v) => join(v, " AND ", fts5_query),
        Search::Or(v) => join(v, " OR ", fts5_query),
        Search::AndNot(a, b) => format!("({} NOT {})", fts5_query(a), fts5_query(b)),
    }
}

fn join(v: &[Search], op: &str, f: fn(&Search) -> String) -> String {
    let parts: Vec<String> = v.iter().map(f).collect();
    format!("({})", parts.join(op))
}

/// Matches from which SQLite tests the open mentions in inbox order against the index rather than
/// collecting every match first.
const COMMON_SEARCH_MATCHES: i64 = 1_000;

impl Store {
    /// The inbox's condition for a search, with its one parameter as `$n`, and that parameter.
    ///
    /// PostgreSQL's planner chooses between starting from the index and walking the inbox by the
    /// word's statistics. SQLite's cannot see into FTS5, so Lyssna asks the index whether the search
    /// is common (reading at most [`COMMON_SEARCH_MATCHES`] of its matches): a rare one collects its
    /// few matches first; a common one (a word in a sixth of a million mentions took 2 s that way)
    /// tests each open mention in inbox order, which stops once a page is full.
    pub(super) async fn search_condition(
        &self,
        s: &Search,
        n: usize,
    ) -> StoreResult<(String, String)> {
        match self.backend() {
            Backend::Sqlite => {
                let query = fts5_query(s);
                let probe = format!(
                    "SELECT COUNT(*) AS n FROM (SELECT rowid FROM mention_search \
                     WHERE mention_search MATCH $1 LIMIT {COMMON_SEARCH_MATCHES})"
                );
                let row = sqlx::query(AssertSqlSafe(probe))
                    .bind(&query)
                    .fetch_one(self.pool())
                    .await?;
                let clause = if col::<i64>(&row, "n")? < COMMON_SEARCH_MATCHES {
                    format!(
                        "m.id IN (SELECT r.mention_id FROM mention_search_rows r WHERE r.search_row IN \
                         (SELECT rowid FROM mention_search WHERE mention_search MATCH ${n}))"
                    )
                } else {
                    format!(
                        "EXISTS (SELECT 1 FROM mention_search_rows r JOIN mention_search \
                         ON mention_search.rowid = r.search_row \
                         WHERE r.mention_id = m.id AND mention_search MATCH ${n})"
                    )
                };
                Ok((clause, query))
            }
            Backend::Postgres => Ok((
                format!(
                    "m.id IN (SELECT ms.mention_id FROM mention_search ms WHERE ms.doc @@ CAST(${n} AS tsquery))"
                ),
                tsquery(s),
            )),
        }
    }
}

/// Mentions indexed per transaction when a database from before the index is filled.
const FILL_BATCH: i64 = 2_000;

impl Store {
    /// Indexes every mention that has no index entry yet (a database migrated to the index, whose
    /// mentions were written before it), in batches, each in its own transaction.
    pub(super) async fn fill_search_index(&self) -> StoreResult<u64> {
        let missing = match self.backend() {
            Backend::Sqlite => {
                "NOT EXISTS (SELECT 1 FROM mention_search_rows r WHERE r.mention_id = m.id)"
            }
            Backend::Postgres => {
                "NOT EXISTS (SELECT 1 FROM mention_search ms WHERE ms.mention_id = m.id)"
            }
        };
        let sql = format!(
            "SELECT m.id, m.title, m.body, m.author, m.url FROM mentions m WHERE {missing} LIMIT {FILL_BATCH}"
        );
        let mut filled = 0;
        loop {
            let _writer = self.writer().await;
            let mut tx = self.begin_write().await?;
            let rows = sqlx::query(AssertSqlSafe(sql.clone()))
                .fetch_all(&mut *tx)
                .await?;
            if rows.is_empty() {
                return Ok(filled);
            }
            let mut texts = Vec::with_capacity(rows.len());
            for r in &rows {
                let id: String = col(r, "id")?;
                let title: Option<String> = col(r, "title")?;
                let body: String = col(r, "body")?;
                let author: Option<String> = col(r, "author")?;
                let url: Option<String> = col(r, "url")?;
                texts.push((
                    id,
                    SearchText::of(
                        title.as_deref().unwrap_or(""),
                        &body,
                        author.as_deref().unwrap_or(""),
                        url.as_deref().unwrap_or(""),
                    ),
                ));
            }
            let search_rows: Vec<SearchRow> = texts
                .iter()
                .map(|(id, text)| SearchRow {
                    id,
                    text: text.clone(),
                })
                .collect();
            index_mentions(&mut tx, &search_rows, false).await?;
            tx.commit().await?;
            filled += rows.len() as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::parse_search;

    #[test]
    fn queries_for_both_indexes() {
        let s = parse_search("\"inte okej\" author:Kalle -site:spam.se bank*").unwrap();
        assert_eq!(
            fts5_query(&s),
            "((({title body author} : \"inte\" + \"okej\") AND ({author} : \"kalle\") AND \
             ({title body author} : \"bank\"*)) NOT ({site} : \"spam\" + \"se\"))"
        );
        assert_eq!(
            tsquery(&s),
            "((('inte':ABC <-> 'okej':ABC) & ('kalle':C) & ('bank':*ABC)) & !('spam':D <-> 'se':D))"
        );
        let s = parse_search("a OR b").unwrap();
        assert_eq!(tsquery(&s), "(('a':ABC) | ('b':ABC))");
    }

    #[test]
    fn vectors_keep_fields_apart_and_stay_within_limits() {
        let t = SearchText::of("Inte okej", "inte", "Kalle", "https://www.example.se/x");
        assert_eq!(
            tsvector(&t),
            "'example':4D 'inte':7A,10B 'kalle':1C 'okej':8A 'se':5D 'www':3D"
        );
        let huge = SearchText {
            body: vec!["ord"; 40_000].join(" "),
            ..SearchText::default()
        };
        let v = tsvector(&huge);
        assert_eq!(v.matches(',').count(), MAX_POSITIONS_PER_WORD - 1);
        let mut quoted = String::new();
        quote_lexeme("a'b\\c", &mut quoted);
        assert_eq!(quoted, "'a''b\\\\c'");
    }
}
