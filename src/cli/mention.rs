//! `lyssna mention add --text T [--url U] [--title T] [--author A] [--published T] [--source NAME]
//! [--brand B]`.

use super::{Cli, CliError, CliResult, Command, MentionAction, load_config, open_store};
use super::{parse_time, stdout_lines};
use crate::ingest::manual::{self, ManualMention};
use chrono::Utc;

pub(super) async fn add(cli: &Cli) -> CliResult {
    let Command::Mention {
        action:
            MentionAction::Add {
                url,
                text,
                title,
                author,
                published,
                source,
                brand,
            },
    } = &cli.command
    else {
        return Err(CliError::input("not a mention command"));
    };
    let config = load_config(cli)?;
    let store = open_store(&config).await?;
    let published_at = published
        .as_deref()
        .map(|p| parse_time(p, &config))
        .transpose()?;
    let pipeline = config.pipeline().map_err(CliError::failure)?;
    let mention = ManualMention {
        source: source.clone(),
        url: url.clone(),
        title: title.clone(),
        text: text.clone(),
        author: author.clone(),
        published_at,
        brand: brand.clone(),
    };
    let id = manual::add(&store, &pipeline, &mention, Utc::now()).await?;
    stdout_lines([serde_json::json!({"id": id}).to_string()])
}
