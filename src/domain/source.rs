//! What a source is, as the rest of Lyssna sees it: its kind, and the leader's own accounts on sites.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Feed,
    Html,
    Json,
    Manual,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Feed => "feed",
            SourceKind::Html => "html",
            SourceKind::Json => "json",
            SourceKind::Manual => "manual",
        }
    }
}

impl FromStr for SourceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "feed" => Ok(SourceKind::Feed),
            "html" => Ok(SourceKind::Html),
            "json" => Ok(SourceKind::Json),
            "manual" => Ok(SourceKind::Manual),
            _ => Err(format!(
                "unknown source kind '{s}' (expected feed, html, json or manual)"
            )),
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One of the leader's own accounts: never a mention, and its posts in a thread count as replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// A host without `www.`, lower-cased: `flashback.org`.
    pub site: String,
    pub handle: String,
}
