//! Shared test scaffolding: fresh databases on both backends, and loopback HTTP servers.

use lyssna::store::Store;

/// A fresh, migrated store on every backend available here: always a SQLite file in a temp dir, and a
/// new PostgreSQL database when `LYSSNA_TEST_POSTGRES_URL` names a server (else a printed skip).
pub async fn stores(test: &str) -> Vec<(String, Store, Option<tempfile::TempDir>)> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("lyssna.db").display());
    let store = Store::open_and_migrate(&url).await.expect("sqlite store");
    out.push(("sqlite".to_string(), store, Some(dir)));
    match postgres_url(test).await {
        Some(url) => {
            let store = Store::open_and_migrate(&url).await.expect("postgres store");
            out.push(("postgres".to_string(), store, None));
        }
        None => eprintln!("skipped: {test} on PostgreSQL (set LYSSNA_TEST_POSTGRES_URL to run it)"),
    }
    out
}

/// Creates a fresh database for one test on the server `LYSSNA_TEST_POSTGRES_URL` points at.
pub async fn postgres_url(test: &str) -> Option<String> {
    use sqlx::Connection;
    let admin = std::env::var("LYSSNA_TEST_POSTGRES_URL").ok()?;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&admin)
        .await
        .expect("connect to LYSSNA_TEST_POSTGRES_URL");
    let name = format!(
        "lyssna_t_{}_{}",
        test.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase(),
        std::process::id()
    );
    for sql in [format!("DROP DATABASE IF EXISTS {name}"), format!("CREATE DATABASE {name}")] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.expect("create test database");
    }
    conn.close().await.ok();
    let mut url = url::Url::parse(&admin).expect("LYSSNA_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}
