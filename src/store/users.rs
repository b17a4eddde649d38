//! Dashboard users, their sessions, and API tokens. Only hashes are stored: passwords as argon2 PHC
//! strings (hashed by the web layer), session and API tokens as SHA-256 of the random token.

use super::{Store, StoreError, StoreResult, col, from_ts, ts};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub name: String,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user_id: i64,
    pub user_name: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Adds a user, or replaces the password of an existing one (so `user add` doubles as a reset).
    pub async fn upsert_user(
        &self,
        name: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        if name.trim().is_empty() {
            return Err(StoreError::Invalid("a user name cannot be empty".into()));
        }
        // A new password ends the user's sessions: a stolen cookie must not outlive a reset.
        let _writer = self.writer().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO users (name, password_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash",
        )
        .bind(name)
        .bind(password_hash)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = $1)")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many dashboard logins exist (none yet on a first run).
    pub async fn user_count(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(self.pool())
            .await?;
        col(&row, "n")
    }

    pub async fn user_by_name(&self, name: &str) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query("SELECT id, name, password_hash FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| {
            Ok(UserRecord {
                id: col(&r, "id")?,
                name: col(&r, "name")?,
                password_hash: col(&r, "password_hash")?,
            })
        })
        .transpose()
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(ts(now))
        .bind(ts(expires_at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A live session by its token hash.
    pub async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT s.user_id, u.name, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(ts(now))
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(SessionRecord {
                user_id: col(&r, "user_id")?,
                user_name: col(&r, "name")?,
                csrf_token: col(&r, "csrf_token")?,
                expires_at: from_ts(col(&r, "expires_at")?),
            })
        })
        .transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Adds (or replaces) a named API token by its hash.
    pub async fn upsert_api_token(
        &self,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_tokens (name, token_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at",
        )
        .bind(name)
        .bind(token_hash)
        .bind(ts(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The token's name when the hash is known (and notes its use).
    pub async fn api_token_name(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT name FROM api_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        // Noted at most once an hour: a write on every API request would compete with crawls for
        // SQLite's single writer.
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 \
             AND (last_used_at IS NULL OR last_used_at < $1 - 3600)",
        )
        .bind(ts(now))
        .bind(token_hash)
        .execute(self.pool())
        .await?;
        Ok(Some(col(&row, "name")?))
    }
}
