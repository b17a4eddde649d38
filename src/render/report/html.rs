//! The report as a self-contained HTML fragment, for the email body and the dashboard's
//! `/reports/weekly` page alike.
//!
//! A fragment, not a document: the caller wraps it (the dashboard in its layout, the mailer in a
//! minimal `<html>`). Styles are inline attributes because many email clients drop `<style>`
//! blocks. Every figure is also in a table, because some email clients (Gmail among them) strip
//! inline SVG: the charts illustrate, the tables carry the facts. All text is escaped.

use std::fmt::Write as _;

use super::svg::{open_by_age_chart, outcomes_chart, time_to_reply_chart};
use super::text::{Lang, format_duration, format_rate, local_time};
use crate::domain::report::{CriticismBlock, Stat, WeeklyReport};
use crate::render::escape::escape as esc;

const TABLE: &str = "style=\"border-collapse:collapse;margin:0 0 16px 0\"";
const TH: &str = "style=\"text-align:left;padding:3px 10px 3px 0;border-bottom:1px solid #999\"";
const TH_NUM: &str =
    "style=\"text-align:right;padding:3px 0 3px 10px;border-bottom:1px solid #999\"";
const TD: &str = "style=\"text-align:left;padding:3px 10px 3px 0\"";
const TD_NUM: &str =
    "style=\"text-align:right;padding:3px 0 3px 10px;font-variant-numeric:tabular-nums\"";

/// A two-column table of label → value rows.
fn kv_table(out: &mut String, caption: &str, rows: &[(&str, String)]) {
    let _ = write!(
        out,
        "<table {TABLE}><caption style=\"text-align:left;font-weight:bold;padding:4px 0\">{}</caption><tbody>",
        esc(caption)
    );
    for (k, v) in rows {
        let _ = write!(
            out,
            "<tr><th scope=\"row\" {TD}>{}</th><td {TD_NUM}>{}</td></tr>",
            esc(k),
            esc(v)
        );
    }
    out.push_str("</tbody></table>");
}

/// A table with a header row; the first column is text, the others numbers.
fn grid_table(out: &mut String, caption: &str, headers: &[&str], rows: &[Vec<String>]) {
    let _ = write!(
        out,
        "<table {TABLE}><caption style=\"text-align:left;font-weight:bold;padding:4px 0\">{}</caption><thead><tr>",
        esc(caption)
    );
    for (i, h) in headers.iter().enumerate() {
        let style = if i == 0 { TH } else { TH_NUM };
        let _ = write!(out, "<th scope=\"col\" {style}>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            if i == 0 {
                let _ = write!(out, "<th scope=\"row\" {TD}>{}</th>", esc(cell));
            } else {
                let _ = write!(out, "<td {TD_NUM}>{}</td>", esc(cell));
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn stat_text(s: &Stat, lang: Lang) -> String {
    format!(
        "{} {} · p90 {}",
        lang.t("median", "median"),
        format_duration(s.median),
        format_duration(s.p90)
    )
}

fn block_cells(name: &str, c: &CriticismBlock, lang: Lang) -> Vec<String> {
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

/// The weekly report as an HTML fragment in `lang` (`"sv"` or `"en"`; anything else is English):
/// headline figures, praise, detection latency, open criticism by age, per source and per brand
/// tables, the trend table and the three charts.
pub fn to_html(r: &WeeklyReport, lang: &str) -> String {
    let lang = Lang::parse(lang);
    let mut out = String::with_capacity(32 * 1024);
    let _ = write!(
        out,
        "<section class=\"lyssna-report\" lang=\"{}\" style=\"font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1a1a1a;max-width:680px\">",
        lang.code()
    );
    let _ = write!(
        out,
        "<h2 style=\"margin:0 0 4px 0\">{} {}</h2><p style=\"margin:0 0 16px 0;color:#444\">{} {} ({}) · SLA {}</p>",
        esc(lang.t("Weekly report", "Veckorapport")),
        esc(&r.week.to_string()),
        esc(lang.t("As of", "Läge per")),
        esc(&local_time(r.as_of, &r.timezone)),
        esc(&r.timezone),
        esc(&format_duration(Some(r.sla_s)))
    );
    headline_tables(&mut out, r, lang);
    breakdown_tables(&mut out, r, lang);
    figures(&mut out, r, lang);
    trend_table(&mut out, r, lang);
    out.push_str("</section>");
    out
}

/// The week's criticism, and the other headline figures.
fn headline_tables(out: &mut String, r: &WeeklyReport, lang: Lang) {
    let t = |en, sv| lang.t(en, sv);
    let c = &r.criticism;
    let mut rows: Vec<(&str, String)> = super::text::criticism_rows(c, lang).to_vec();
    rows.extend([
        (
            t("Time to reply", "Svarstid"),
            stat_text(&c.time_to_reply_s, lang),
        ),
        (
            t("Time to reply, working hours", "Svarstid, arbetstid"),
            stat_text(&c.time_to_reply_business_s, lang),
        ),
        (
            t(
                "Time from publication to reply",
                "Tid från publicering till svar",
            ),
            stat_text(&c.time_from_publication_s, lang),
        ),
    ]);
    kv_table(
        out,
        t("Criticism found this week", "Kritik som hittades veckan"),
        &rows,
    );
    let a = &r.open_criticism_by_age;
    kv_table(
        out,
        t("Also this week", "Dessutom"),
        &[
            (
                t("Praise found", "Beröm hittat"),
                r.praise.found.to_string(),
            ),
            (
                t("Praise replied", "Beröm besvarat"),
                r.praise.replied.to_string(),
            ),
            (
                t("Detection latency", "Tid till upptäckt"),
                stat_text(&r.detection_latency_s, lang),
            ),
            (
                t(
                    "Open criticism older than 24 h",
                    "Öppen kritik äldre än 24 h",
                ),
                a.over_24h.to_string(),
            ),
            (
                t(
                    "Open criticism older than 48 h",
                    "Öppen kritik äldre än 48 h",
                ),
                a.over_48h.to_string(),
            ),
            (
                t(
                    "Open criticism older than 7 days",
                    "Öppen kritik äldre än 7 dagar",
                ),
                a.over_7d.to_string(),
            ),
        ],
    );
}

/// Criticism per source and per brand (only when there is any).
fn breakdown_tables(out: &mut String, r: &WeeklyReport, lang: Lang) {
    let t = |en, sv| lang.t(en, sv);
    let block_headers = |first: &'static str| {
        [
            first,
            t("Found", "Hittad"),
            t("Replied", "Besvarad"),
            t("No reply", "Inget svar"),
            t("Open", "Öppen"),
            t("Rate", "Svar"),
            t("In SLA", "Inom SLA"),
            t("Median", "Median"),
            "p90",
        ]
    };
    if !r.by_source.is_empty() {
        let rows: Vec<Vec<String>> = r
            .by_source
            .iter()
            .map(|s| block_cells(&s.source, &s.criticism, lang))
            .collect();
        grid_table(
            out,
            t("Criticism by source", "Kritik per källa"),
            &block_headers(t("Source", "Källa")),
            &rows,
        );
    }
    if !r.by_brand.is_empty() {
        let rows: Vec<Vec<String>> = r
            .by_brand
            .iter()
            .map(|b| block_cells(&b.brand, &b.criticism, lang))
            .collect();
        grid_table(
            out,
            t("Criticism by brand", "Kritik per varumärke"),
            &block_headers(t("Brand", "Varumärke")),
            &rows,
        );
    }
}

/// The three charts with their captions.
fn figures(out: &mut String, r: &WeeklyReport, lang: Lang) {
    let t = |en, sv| lang.t(en, sv);
    let figure = |out: &mut String, svg: String, caption: &str| {
        let _ = write!(
            out,
            "<figure style=\"margin:0 0 20px 0\">{svg}<figcaption style=\"font-size:13px;color:#444\">{}</figcaption></figure>",
            esc(caption)
        );
    };
    figure(
        out,
        time_to_reply_chart(r, lang),
        t(
            "Median and p90 time to reply per week; dashed: the SLA.",
            "Median och p90 för svarstid per vecka; streckat: SLA.",
        ),
    );
    figure(
        out,
        outcomes_chart(r, lang),
        t(
            "What happened to each week's criticism, as of the report time.",
            "Vad som hände med varje veckas kritik, vid rapporttillfället.",
        ),
    );
    figure(
        out,
        open_by_age_chart(r, lang),
        t(
            "Criticism still waiting for a reply.",
            "Kritik som fortfarande väntar på svar.",
        ),
    );
}

/// The 12-week trend as a table (the chart's numbers, for print and screen readers).
fn trend_table(out: &mut String, r: &WeeklyReport, lang: Lang) {
    let t = |en, sv| lang.t(en, sv);
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
    grid_table(
        out,
        t("Trend, 12 weeks", "Trend, 12 veckor"),
        &[
            t("Week", "Vecka"),
            t("Found", "Hittad"),
            t("Rate", "Svar"),
            t("In SLA", "Inom SLA"),
            t("Median", "Median"),
            "p90",
        ],
        &rows,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::tests::{full_week_mentions, t};
    use crate::domain::report::{ReportSettings, weekly_report};

    #[test]
    fn html_has_figures_tables_and_three_svgs() {
        let r = crate::domain::report::tests::full_report();
        let html = to_html(&r, "en");
        assert!(html.starts_with("<section class=\"lyssna-report\" lang=\"en\""));
        assert!(html.ends_with("</section>"));
        assert_eq!(html.matches("<svg ").count(), 3);
        assert_eq!(html.matches("</svg>").count(), 3);
        assert_eq!(html.matches("<figure").count(), 3);
        assert!(html.contains("Weekly report 2026-W47"));
        assert!(html.contains("2026-11-24 08:00 (Europe/Stockholm)"));
        assert!(html.contains(">Response rate</th><td"));
        assert!(html.contains(">60.0 %</td>"));
        assert!(html.contains(">Flashback: företag</th>"));
        assert!(!html.contains("<script"));
        super::super::svg::tests::assert_well_formed(&html);
        let sv = to_html(&r, "sv");
        assert!(sv.contains("lang=\"sv\""));
        assert!(sv.contains("Veckorapport 2026-W47"));
        assert!(sv.contains(">60,0 %</td>"));
        assert!(sv.contains("Kritik per källa"));
    }

    #[test]
    fn names_are_escaped_everywhere() {
        let mut ms = full_week_mentions();
        ms[0].source = "<script>alert('x')</script> & \"co\"".to_string();
        ms[0].brands = vec!["<b>Brand</b>".to_string()];
        let r = weekly_report(
            &ms,
            "2026-W47".parse().expect("week"),
            t("2026-11-24T07:00:00Z"),
            &ReportSettings::default(),
        );
        let html = to_html(&r, "sv");
        assert!(!html.contains("<script>") && !html.contains("<b>"));
        assert!(
            html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;")
        );
        assert!(html.contains("&lt;b&gt;Brand&lt;/b&gt;"));
        super::super::svg::tests::assert_well_formed(&html);
    }
}
