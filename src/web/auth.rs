//! Passwords and tokens: argon2 for passwords, SHA-256 for random session and API tokens (they are
//! long and random, so a fast hash is enough; what matters is that the database never holds them).

use crate::store::{Store, StoreResult};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::Utc;
use sha2::{Digest, Sha256};

/// The demo's login, printed by `lyssna demo`.
pub const DEMO_USER: (&str, &str) = ("demo", "demo");

/// An argon2id PHC string for `password`, with a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Whether `password` matches the stored PHC string (false for a malformed hash, never a panic).
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A random token: 32 bytes, URL-safe base64, for sessions, CSRF and the API.
pub fn random_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// How a token is stored: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Makes sure the demo login exists, with `password` or the well-known demo one; returns (user,
/// password) to print.
pub async fn ensure_demo_user(
    store: &Store,
    password: Option<&str>,
) -> StoreResult<(String, String)> {
    let (user, default) = DEMO_USER;
    let password = password.unwrap_or(default);
    let hash = hash_password(password).map_err(crate::store::StoreError::Invalid)?;
    store.upsert_user(user, &hash, Utc::now()).await?;
    Ok((user.to_string(), password.to_string()))
}

/// Reads a password: from stdin when it is not a terminal or `from_stdin` is set, else from the
/// terminal with echo turned off (`stty`, so no extra crate), asked twice.
pub(crate) fn read_password(from_stdin: bool) -> Result<String, crate::cli::CliError> {
    use crate::cli::CliError;
    use std::io::{BufRead, IsTerminal, Write};
    let stdin = std::io::stdin();
    if from_stdin || !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let ask = |prompt: &str| -> Result<String, CliError> {
        eprint!("{prompt}");
        std::io::stderr().flush()?;
        let stty = |arg: &str| {
            std::process::Command::new("stty")
                .arg(arg)
                .stdin(std::process::Stdio::inherit())
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
        };
        let hidden = stty("-echo");
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line);
        if hidden {
            stty("echo");
        }
        eprintln!();
        read?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    };
    let first = ask("Password: ")?;
    let second = ask("Again: ")?;
    if first != second {
        return Err(CliError::input("the two passwords differ; nothing changed"));
    }
    Ok(first)
}

/// `lyssna user add NAME [--password-stdin]`.
pub async fn cli_user_add(
    config: &crate::config::Config,
    name: &str,
    from_stdin: bool,
) -> crate::cli::CliResult {
    use crate::cli::CliError;
    let password = read_password(from_stdin)?;
    crate::web::password_rule::check(name, &password).map_err(CliError::input)?;
    let store = Store::connect(&config.database_url).await?;
    store.check_schema().await?;
    let hash = hash_password(&password).map_err(CliError::failure)?;
    store
        .upsert_user(name, &hash, Utc::now())
        .await
        .map_err(|e| match e {
            crate::store::StoreError::Invalid(m) => CliError::input(m),
            other => other.into(),
        })?;
    eprintln!("user '{name}' can now log in");
    Ok(())
}

/// `lyssna token add NAME`: prints the token once (stdout, JSON); only its hash is stored.
pub async fn cli_token_add(config: &crate::config::Config, name: &str) -> crate::cli::CliResult {
    use crate::cli::CliError;
    if name.trim().is_empty() {
        return Err(CliError::input("a token needs a name"));
    }
    let store = Store::connect(&config.database_url).await?;
    store.check_schema().await?;
    let token = random_token();
    store
        .upsert_api_token(name, &token_hash(&token), Utc::now())
        .await?;
    eprintln!("API token '{name}' (shown once; send it as Authorization: Bearer TOKEN):");
    println!("{}", serde_json::json!({"name": name, "token": token}));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_wrong_ones_do_not() {
        let h = hash_password("hemligt lösenord").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("hemligt lösenord", &h));
        assert!(!verify_password("hemligt losenord", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token();
        assert_ne!(a, random_token());
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
