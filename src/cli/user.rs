//! `lyssna user add NAME` and `lyssna token add NAME`.

use super::{CliError, CliResult, open_store};
use crate::config::Config;
use crate::web::auth::{hash_password, random_token, token_hash};
use chrono::Utc;

/// Reads a password: from stdin when it is not a terminal or `from_stdin` is set, else from the
/// terminal with echo turned off (`stty`, so no extra crate), asked twice.
pub(super) fn read_password(from_stdin: bool) -> Result<String, CliError> {
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

/// `lyssna user add NAME [--password-stdin]`: a dashboard login, or a new password for one.
pub(super) async fn add(config: &Config, name: &str, from_stdin: bool) -> CliResult {
    let password = read_password(from_stdin)?;
    crate::web::password_rule::check(name, &password).map_err(CliError::input)?;
    let store = open_store(config).await?;
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
pub(super) async fn token(config: &Config, name: &str) -> CliResult {
    if name.trim().is_empty() {
        return Err(CliError::input("a token needs a name"));
    }
    let store = open_store(config).await?;
    let token = random_token();
    store
        .upsert_api_token(name, &token_hash(&token), Utc::now())
        .await?;
    eprintln!("API token '{name}' (shown once; send it as Authorization: Bearer TOKEN):");
    println!("{}", serde_json::json!({"name": name, "token": token}));
    Ok(())
}
