//! Passwords and tokens: argon2 for passwords, SHA-256 for random session and API tokens (they are
//! long and random, so a fast hash is enough; what matters is that the database never holds them).

use crate::store::{Store, StoreResult};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::Utc;
use sha2::{Digest, Sha256};

/// The demo's login, printed by `lyssna demo`.
pub const DEMO_USER: (&str, &str) = crate::demo::DEMO_USER;

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
