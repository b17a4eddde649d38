//! CSV for spreadsheets: the export of all mentions (the weekly report's trend CSV is in `report`).

use crate::domain::mention::EventKind;
use crate::domain::transfer::ExportLine;
use chrono::{DateTime, Utc};

/// Quotes a CSV field when it needs it (RFC 4180; also when it starts or ends with a space, which some
/// readers would trim).
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `export --format csv`: one row per mention for spreadsheets (events summarised: the first reply).
pub fn export_csv(lines: &[ExportLine]) -> Vec<String> {
    let mut out = vec![
        "id,source,url,title,author,published_at,found_at,brands,sentiment,sentiment_override,status,replied_at,body"
            .to_string(),
    ];
    let t = |d: Option<DateTime<Utc>>| {
        d.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    for l in lines {
        let replied = l
            .events
            .iter()
            .find(|e| e.kind == EventKind::Status && e.to.as_deref() == Some("replied"))
            .map(|e| e.at);
        let fields = [
            l.id.clone().unwrap_or_default(),
            l.source.clone(),
            l.url.clone().unwrap_or_default(),
            l.title.clone().unwrap_or_default(),
            l.author.clone().unwrap_or_default(),
            t(l.published_at),
            t(Some(l.found_at)),
            l.brands.join(";"),
            l.sentiment.to_string(),
            l.sentiment_override
                .map(|o| o.to_string())
                .unwrap_or_default(),
            l.status.to_string(),
            t(replied),
            l.body.clone(),
        ];
        out.push(
            fields
                .iter()
                .map(|f| field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    out
}
