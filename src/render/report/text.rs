//! Plain-text and CSV renderings of a [`WeeklyReport`], plus the number formatting that the
//! HTML and SVG renderers share (durations like `4 h 0 min`, rates like `81.8 %`).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::report::{CriticismBlock, Stat, WeeklyReport};
use crate::render::csv::field as csv_field;

/// Display language of the human-readable renderings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Sv,
}

impl Lang {
    /// `"sv"` (or `sv-SE` …) is Swedish; anything else is English, the safe fallback for an
    /// unknown `Accept-Language` or config value.
    pub fn parse(code: &str) -> Self {
        let c = code.trim().to_ascii_lowercase();
        if c == "sv" || c.starts_with("sv-") || c.starts_with("sv_") {
            Lang::Sv
        } else {
            Lang::En
        }
    }

    /// The BCP 47 code, for `lang` attributes.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sv => "sv",
        }
    }

    /// Picks the English or Swedish string.
    pub(crate) fn t(self, en: &'static str, sv: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Sv => sv,
        }
    }
}

/// A duration in whole seconds for people: `45 s`, `12 min`, `4 h 0 min` (below 48 h), else
/// `2 d 17 h`. `None` (no values) is an en dash. Smaller units are floored, never rounded up, so
/// a reply is never shown as faster or slower than the shown unit allows.
pub fn format_duration(secs: Option<i64>) -> String {
    let Some(s) = secs else {
        return "–".to_string();
    };
    let s = s.max(0);
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min", s / 60)
    } else if s < 48 * 3600 {
        format!("{} h {} min", s / 3600, s % 3600 / 60)
    } else {
        format!("{} d {} h", s / 86_400, s % 86_400 / 3600)
    }
}

/// A share as a percentage with one decimal (`81.8 %`; Swedish `81,8 %`), or an en dash.
pub fn format_rate(rate: Option<f64>, lang: Lang) -> String {
    match rate {
        Some(r) if r.is_finite() => {
            let s = format!("{:.1} %", r * 100.0);
            match lang {
                Lang::En => s,
                Lang::Sv => s.replace('.', ","),
            }
        }
        _ => "–".to_string(),
    }
}

/// `as_of` shown on the report's wall clock (`2026-11-24 08:00`), falling back to UTC when the
/// report's zone name does not parse (a report deserialised from elsewhere).
pub(crate) fn local_time(t: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<Tz>() {
        Ok(tz) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// Left-aligned first column, right-aligned others; widths by character count so `ö` is one
/// column.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::from("  ");
        for (i, cell) in cells.enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            let pad = " ".repeat(w.saturating_sub(cell.chars().count()));
            if i == 0 {
                out.push_str(cell);
                out.push_str(&pad);
            } else {
                out.push_str("  ");
                out.push_str(&pad);
                out.push_str(cell);
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    };
    let mut out = line(&mut headers.iter().copied());
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

fn block_row(name: &str, c: &CriticismBlock, lang: Lang) -> Vec<String> {
    vec![
        name.to_string(),
        c.found.to_string(),
        c.replied.to_string(),
        c.no_reply_needed.to_string(),
        c.open.to_string(),
        format_rate(c.response_rate, lang),
        format_rate(c.within_sla, lang),
        format_duration(c.time_to_reply_s.median),
        format_duration(c.time_to_reply_s.p90),
    ]
}

/// The headline counts and rates of a week's criticism, labelled: the text and the HTML report show
/// the same rows.
pub(crate) fn criticism_rows(c: &CriticismBlock, lang: Lang) -> [(&'static str, String); 7] {
    let t = |en, sv| lang.t(en, sv);
    [
        (t("Found", "Hittad"), c.found.to_string()),
        (t("Replied", "Besvarad"), c.replied.to_string()),
        (
            t(
                "  of which answered before Lyssna saw it",
                "  varav besvarad innan Lyssna såg den",
            ),
            c.replied_before_found.to_string(),
        ),
        (
            t("No reply needed", "Inget svar behövs"),
            c.no_reply_needed.to_string(),
        ),
        (t("Open", "Öppen"), c.open.to_string()),
        (
            t("Response rate", "Svarsfrekvens"),
            format_rate(c.response_rate, lang),
        ),
        (t("Within SLA", "Inom SLA"), format_rate(c.within_sla, lang)),
    ]
}

fn block_headers(lang: Lang) -> [&'static str; 8] {
    let t = |en, sv| lang.t(en, sv);
    [
        t("Found", "Hittad"),
        t("Replied", "Besvarad"),
        t("No reply", "Inget svar"),
        t("Open", "Öppen"),
        t("Rate", "Andel"),
        t("In SLA", "Inom SLA"),
        t("Median", "Median"),
        "p90",
    ]
}

/// The report as a person reads it in a terminal or a mail's text part, in `lang`: headline
/// figures, praise, detection latency, open criticism by age, per source and brand tables, and the
/// 12-week trend.
pub fn to_text(r: &WeeklyReport, lang: Lang) -> String {
    let t = |en, sv| lang.t(en, sv);
    let c = &r.criticism;
    let mut out = String::new();
    let monday = r.week.monday();
    let sunday = monday
        .checked_add_days(chrono::Days::new(6))
        .unwrap_or(monday);
    out.push_str(&format!(
        "{} {} ({} {monday} – {} {sunday}, {})\n",
        t("Weekly report", "Veckorapport"),
        r.week,
        t("Mon", "mån"),
        t("Sun", "sön"),
        r.timezone
    ));
    out.push_str(&format!(
        "{} {} {} · SLA {}\n\n",
        t("As of", "Läge per"),
        local_time(r.as_of, &r.timezone),
        r.timezone,
        format_duration(Some(r.sla_s))
    ));

    out.push_str(t("Criticism\n", "Kritik\n"));
    let headline = criticism_rows(c, lang);
    let width = headline
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    for (k, v) in headline {
        let pad = " ".repeat(width - k.chars().count());
        out.push_str(&format!("  {k}{pad}{v:>8}\n"));
    }
    out.push('\n');
    let stat_row = |name: &str, s: &Stat| {
        vec![
            name.to_string(),
            format_duration(s.median),
            format_duration(s.p90),
        ]
    };
    out.push_str(&table(
        &["", "median", "p90"],
        &[
            stat_row(t("Time to reply", "Svarstid"), &c.time_to_reply_s),
            stat_row(
                t("  in business hours", "  under arbetstid"),
                &c.time_to_reply_business_s,
            ),
            stat_row(
                t("  from publication", "  från publicering"),
                &c.time_from_publication_s,
            ),
            stat_row(
                t("Detection latency", "Tid till upptäckt"),
                &r.detection_latency_s,
            ),
        ],
    ));
    out.push('\n');
    out.push_str(&match lang {
        Lang::En => format!(
            "Praise: {} found, {} replied\n",
            r.praise.found, r.praise.replied
        ),
        Lang::Sv => format!(
            "Beröm: {} hittat, {} besvarat\n",
            r.praise.found, r.praise.replied
        ),
    });
    let a = &r.open_criticism_by_age;
    out.push_str(&match lang {
        Lang::En => format!(
            "Open criticism now: {} older than 24 h, {} older than 48 h, {} older than 7 days\n",
            a.over_24h, a.over_48h, a.over_7d
        ),
        Lang::Sv => format!(
            "Öppen kritik nu: {} äldre än 24 h, {} äldre än 48 h, {} äldre än 7 dagar\n",
            a.over_24h, a.over_48h, a.over_7d
        ),
    });
    breakdowns(&mut out, r, lang);
    trend(&mut out, r, lang);
    out
}

/// The per-source and per-brand tables of [`to_text`].
fn breakdowns(out: &mut String, r: &WeeklyReport, lang: Lang) {
    let t = |en, sv| lang.t(en, sv);
    for (title, first, rows) in [
        (
            t("By source", "Per källa"),
            t("Source", "Källa"),
            r.by_source
                .iter()
                .map(|s| block_row(&s.source, &s.criticism, lang))
                .collect::<Vec<_>>(),
        ),
        (
            t("By brand", "Per varumärke"),
            t("Brand", "Varumärke"),
            r.by_brand
                .iter()
                .map(|b| block_row(&b.brand, &b.criticism, lang))
                .collect::<Vec<_>>(),
        ),
    ] {
        out.push_str(&format!("\n{title}\n"));
        if rows.is_empty() {
            out.push_str(t(
                "  (no criticism this week)\n",
                "  (ingen kritik den här veckan)\n",
            ));
        } else {
            let mut headers = vec![first];
            headers.extend(block_headers(lang));
            out.push_str(&table(&headers, &rows));
        }
    }
}

/// The trend table of [`to_text`].
fn trend(out: &mut String, r: &WeeklyReport, lang: Lang) {
    let t = |en, sv| lang.t(en, sv);
    out.push_str(&format!(
        "\n{} ({} {})\n",
        t("Trend", "Trend"),
        r.trend.len(),
        t("weeks", "veckor")
    ));
    let rows: Vec<Vec<String>> = r
        .trend
        .iter()
        .map(|w| {
            vec![
                w.week.to_string(),
                w.criticism_found.to_string(),
                format_rate(w.response_rate, lang),
                format_rate(w.within_sla, lang),
                format_duration(w.time_to_reply_median_s),
                format_duration(w.time_to_reply_p90_s),
            ]
        })
        .collect();
    let h = block_headers(lang);
    out.push_str(&table(
        &[t("Week", "Vecka"), h[0], h[4], h[5], h[6], h[7]],
        &rows,
    ));
}

/// The trend as CSV: a header row, then one row per week, oldest first. Columns are the §8.2
/// trend keys followed by the chart counts. Nulls are empty fields; rates have 3 decimals like
/// the JSON. Lines end with `\n` (every CSV reader accepts it, and it prints cleanly in a
/// terminal).
pub fn to_csv(r: &WeeklyReport) -> String {
    const HEADER: [&str; 10] = [
        "week",
        "criticism_found",
        "response_rate",
        "within_sla",
        "time_to_reply_median_s",
        "time_to_reply_p90_s",
        "replied_within_sla",
        "replied_late",
        "no_reply_needed",
        "open",
    ];
    let opt_i = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let opt_r = |v: Option<f64>| {
        v.filter(|x| x.is_finite())
            .map(|x| format!("{x:.3}"))
            .unwrap_or_default()
    };
    let mut out = HEADER.join(",");
    out.push('\n');
    for w in &r.trend {
        let fields = [
            w.week.to_string(),
            w.criticism_found.to_string(),
            opt_r(w.response_rate),
            opt_r(w.within_sla),
            opt_i(w.time_to_reply_median_s),
            opt_i(w.time_to_reply_p90_s),
            w.replied_within_sla.to_string(),
            w.replied_late.to_string(),
            w.no_reply_needed.to_string(),
            w.open.to_string(),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::tests::full_report;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(None), "–");
        assert_eq!(format_duration(Some(0)), "0 s");
        assert_eq!(format_duration(Some(59)), "59 s");
        assert_eq!(format_duration(Some(600)), "10 min");
        assert_eq!(format_duration(Some(14_400)), "4 h 0 min");
        assert_eq!(format_duration(Some(15_000)), "4 h 10 min");
        assert_eq!(format_duration(Some(90_000)), "25 h 0 min");
        assert_eq!(format_duration(Some(234_000)), "2 d 17 h");
    }

    #[test]
    fn rates_by_language() {
        assert_eq!(format_rate(Some(0.818_18), Lang::En), "81.8 %");
        assert_eq!(format_rate(Some(0.818_18), Lang::Sv), "81,8 %");
        assert_eq!(format_rate(None, Lang::Sv), "–");
        assert_eq!(Lang::parse("sv-SE"), Lang::Sv);
        assert_eq!(Lang::parse("de"), Lang::En);
    }

    #[test]
    fn text_report_shows_the_figures() {
        let text = to_text(&full_report(), Lang::En);
        let squashed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in [
            "Weekly report 2026-W47 (Mon 2026-11-16 – Sun 2026-11-22, Europe/Stockholm)",
            "As of 2026-11-24 08:00 Europe/Stockholm · SLA 24 h 0 min",
            "Found 6 Replied 3 of which answered before Lyssna saw it 0 No reply needed 1 Open 2 Response rate 60.0 % Within SLA 20.0 %",
            "Praise: 2 found, 1 replied",
            "4 older than 24 h, 3 older than 48 h, 2 older than 7 days",
        ] {
            assert!(squashed.contains(needle), "missing {needle:?} in\n{text}");
        }
        // The time-to-reply line: median 25 h 0 min, p90 2 d 17 h.
        let ttr = text
            .lines()
            .find(|l| l.trim_start().starts_with("Time to reply"))
            .expect("time to reply line");
        assert!(
            ttr.contains("25 h 0 min") && ttr.ends_with("2 d 17 h"),
            "{ttr}"
        );
        // Per-source table: aligned by characters, the ö-name padded like the ASCII one.
        let fb = text
            .lines()
            .find(|l| l.contains("Flashback: företag"))
            .expect("source row");
        let tp = text
            .lines()
            .find(|l| l.contains("Trustpilot"))
            .expect("source row");
        assert_eq!(fb.chars().count(), tp.chars().count());
        assert!(fb.contains("50.0 %") && fb.contains("25.0 %"), "{fb}");
        // The trend table has a header and 12 weeks, oldest first.
        let trend_rows: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("Trend"))
            .skip(2)
            .collect();
        assert_eq!(trend_rows.len(), 12);
        assert!(trend_rows[0].trim_start().starts_with("2026-W36"));
        assert!(trend_rows[11].trim_start().starts_with("2026-W47"));
    }

    #[test]
    fn the_text_report_speaks_swedish() {
        let text = to_text(&full_report(), Lang::Sv);
        let squashed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in [
            "Veckorapport 2026-W47 (mån 2026-11-16 – sön 2026-11-22, Europe/Stockholm)",
            "Hittad 6 Besvarad 3 varav besvarad innan Lyssna såg den 0 Inget svar behövs 1 Öppen 2 Svarsfrekvens 60,0 % Inom SLA 20,0 %",
            "Beröm: 2 hittat, 1 besvarat",
            "4 äldre än 24 h, 3 äldre än 48 h, 2 äldre än 7 dagar",
            "Per källa",
            "Trend (12 veckor)",
        ] {
            assert!(squashed.contains(needle), "missing {needle:?} in\n{text}");
        }
        for english in ["Found", "Replied", "Praise", "older than", "By source"] {
            assert!(!text.contains(english), "{english:?} in\n{text}");
        }
    }

    #[test]
    fn csv_has_header_and_twelve_rows() {
        let csv = to_csv(&full_report());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 13);
        assert_eq!(
            lines[0],
            "week,criticism_found,response_rate,within_sla,time_to_reply_median_s,time_to_reply_p90_s,replied_within_sla,replied_late,no_reply_needed,open"
        );
        assert_eq!(lines[1], "2026-W36,0,,,,,0,0,0,0");
        assert_eq!(lines[10], "2026-W45,1,0.000,0.000,,,0,0,0,1");
        assert_eq!(lines[12], "2026-W47,6,0.600,0.200,90000,234000,1,2,1,2");
    }
}
