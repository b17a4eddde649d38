//! The report's three charts as standalone SVG, drawn by hand (no plotting crate: the charts are
//! simple and this keeps the output small, deterministic and easy to test).
//!
//! Every chart: a `viewBox` (scales to its container), `role="img"` with a `<title>` and `<desc>`
//! (the accessible name and summary), axis labels, a legend, and series told apart by dash
//! patterns, markers, hatching and direct labels rather than colour alone, so a black-and-white
//! printout stays readable. All text is XML-escaped. Each data mark carries its own `<title>`
//! (a tooltip in browsers, read by screen readers).
//!
//! Pattern ids are fixed (`lyssna-hatch`, …). When several SVGs sit in one HTML page their
//! definitions are identical, so whichever one the browser resolves draws the same.

use std::fmt::Write as _;

use super::text::{Lang, format_duration};
use crate::domain::report::{TrendWeek, WeeklyReport};
use crate::render::escape::escape as xml_escape;

const FONT: &str =
    "font-family=\"system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\"";
const INK: &str = "#1a1a1a";
const GRID: &str = "#d0d0d0";

/// A tiny SVG writer: each method appends one element.
struct Svg {
    out: String,
}

impl Svg {
    fn new(width: u32, height: u32, title: &str, desc: &str) -> Self {
        let mut out = String::with_capacity(8192);
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
             width=\"{width}\" height=\"{height}\" role=\"img\" {FONT} font-size=\"12\" fill=\"{INK}\">\
             <title>{}</title><desc>{}</desc>",
            xml_escape(title),
            xml_escape(desc)
        );
        Self { out }
    }

    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// Text; `anchor` is `start`, `middle` or `end`.
    fn text(&mut self, x: f64, y: f64, anchor: &str, extra: &str, content: &str) {
        let _ = write!(
            self.out,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\"{}{extra}>{}</text>",
            if extra.is_empty() { "" } else { " " },
            xml_escape(content)
        );
    }

    fn line(
        &mut self,
        (x1, y1): (f64, f64),
        (x2, y2): (f64, f64),
        stroke: &str,
        width: f64,
        dash: Option<&str>,
    ) {
        let _ = write!(
            self.out,
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{}/>",
            dash.map(|d| format!(" stroke-dasharray=\"{d}\""))
                .unwrap_or_default()
        );
    }

    /// A rectangle with an optional tooltip.
    fn rect(
        &mut self,
        (x, y, w, h): (f64, f64, f64, f64),
        fill: &str,
        stroke: &str,
        tip: Option<&str>,
    ) {
        let _ = write!(
            self.out,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\" stroke=\"{stroke}\"",
            w.max(0.0),
            h.max(0.0)
        );
        match tip {
            Some(t) => {
                let _ = write!(self.out, "><title>{}</title></rect>", xml_escape(t));
            }
            None => self.out.push_str("/>"),
        }
    }

    fn polyline(&mut self, points: &[(f64, f64)], stroke: &str, width: f64, dash: Option<&str>) {
        if points.len() < 2 {
            return;
        }
        let pts: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            self.out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{width}\"{}/>",
            pts.join(" "),
            dash.map(|d| format!(" stroke-dasharray=\"{d}\""))
                .unwrap_or_default()
        );
    }

    /// A point marker: a filled circle or an open square, with a tooltip.
    fn marker(&mut self, (x, y): (f64, f64), square: bool, tip: &str) {
        if square {
            let _ = write!(
                self.out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"7\" height=\"7\" fill=\"#ffffff\" stroke=\"{INK}\" stroke-width=\"1.5\"><title>{}</title></rect>",
                x - 3.5,
                y - 3.5,
                xml_escape(tip)
            );
        } else {
            let _ = write!(
                self.out,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"{INK}\"><title>{}</title></circle>",
                xml_escape(tip)
            );
        }
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// A "nice" tick step (1, 2 or 5 × 10ⁿ) giving at most about five ticks up to `max`.
fn nice_step(max: f64) -> f64 {
    if max.is_nan() || max <= 0.0 {
        return 1.0;
    }
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

/// The plot area inside a chart.
#[derive(Clone, Copy)]
struct Plot {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

impl Plot {
    fn bottom(&self) -> f64 {
        self.top + self.height
    }
    /// Centre of slot `i` of `n` along x.
    fn slot_x(&self, i: usize, n: usize) -> f64 {
        self.left + self.width * (i as f64 + 0.5) / n.max(1) as f64
    }
    fn y(&self, v: f64, max: f64) -> f64 {
        self.bottom() - self.height * (v / max).clamp(0.0, 1.0)
    }
}

/// Horizontal grid lines and y tick labels from 0 to `max` in steps of `step`; returns nothing.
fn y_axis(svg: &mut Svg, p: Plot, max: f64, step: f64, label: &dyn Fn(f64) -> String, title: &str) {
    let mut v = 0.0;
    while v <= max + step * 1e-9 {
        let y = p.y(v, max);
        svg.line((p.left, y), (p.left + p.width, y), GRID, 1.0, None);
        svg.text(p.left - 6.0, y + 4.0, "end", "", &label(v));
        v += step;
    }
    svg.line((p.left, p.top), (p.left, p.bottom()), INK, 1.0, None);
    svg.line(
        (p.left, p.bottom()),
        (p.left + p.width, p.bottom()),
        INK,
        1.0,
        None,
    );
    let (x, y) = (14.0, p.top + p.height / 2.0);
    svg.text(
        x,
        y,
        "middle",
        &format!("transform=\"rotate(-90 {x:.1} {y:.1})\""),
        title,
    );
}

/// Week labels (`W47`) under each slot, the full id in a tooltip, and the x-axis title.
fn x_axis_weeks(svg: &mut Svg, p: Plot, r: &WeeklyReport, title: &str) {
    let n = r.trend.len();
    for (i, w) in r.trend.iter().enumerate() {
        let x = p.slot_x(i, n);
        let _ = write!(
            svg.out,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\"><title>{}</title>W{:02}</text>",
            p.bottom() + 16.0,
            xml_escape(&w.week.to_string()),
            w.week.week()
        );
    }
    svg.text(
        p.left + p.width / 2.0,
        p.bottom() + 36.0,
        "middle",
        "",
        title,
    );
}

/// One line of chart (a): name, square markers?, dash pattern, and how to read a week's value.
type Series = (
    &'static str,
    bool,
    Option<&'static str>,
    fn(&TrendWeek) -> Option<i64>,
);

/// Chart (a): median and p90 time to reply per week over the 12-week trend, with the SLA as a
/// dashed horizontal line. Median: solid line, filled circles; p90: long dashes, open squares;
/// SLA: short dashes with a direct label. Weeks without replies leave a gap in the lines.
pub fn time_to_reply_chart(r: &WeeklyReport, lang: Lang) -> String {
    let (w, h) = (640u32, 300u32);
    let p = Plot {
        left: 64.0,
        top: 44.0,
        width: 556.0,
        height: 196.0,
    };
    let title = format!(
        "{} {} – {}",
        lang.t("Time to reply, weeks", "Svarstid, veckorna"),
        r.trend
            .first()
            .map(|t| t.week.to_string())
            .unwrap_or_default(),
        r.trend
            .last()
            .map(|t| t.week.to_string())
            .unwrap_or_default()
    );
    let desc = lang.t(
        "Median and 90th percentile of the time from finding a criticism mention to the first reply, per ISO week, with the SLA as a dashed line.",
        "Median och 90:e percentil av tiden från att kritik hittades till första svaret, per ISO-vecka, med SLA som streckad linje.",
    );
    let mut svg = Svg::new(w, h, &title, desc);

    let max_s = r
        .trend
        .iter()
        .flat_map(|t| [t.time_to_reply_median_s, t.time_to_reply_p90_s])
        .flatten()
        .chain([r.sla_s])
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    // Hours unless everything is under two hours, then minutes.
    let (unit, unit_name) = if max_s >= 7200.0 {
        (3600.0, lang.t("Hours", "Timmar"))
    } else {
        (60.0, lang.t("Minutes", "Minuter"))
    };
    let step = nice_step(max_s * 1.05 / unit);
    let top = (max_s * 1.05 / unit / step).ceil().max(1.0) * step;
    let label = |v: f64| format!("{v}");
    y_axis(&mut svg, p, top, step, &label, unit_name);
    x_axis_weeks(&mut svg, p, r, lang.t("ISO week", "Vecka (ISO)"));

    // SLA line with a direct label.
    let sla_y = p.y(r.sla_s as f64 / unit, top);
    svg.line(
        (p.left, sla_y),
        (p.left + p.width, sla_y),
        INK,
        1.0,
        Some("2 4"),
    );
    svg.text(
        p.left + p.width - 4.0,
        sla_y - 5.0,
        "end",
        "font-size=\"11\"",
        &format!("SLA {}", format_duration(Some(r.sla_s))),
    );

    let n = r.trend.len();
    let series: [Series; 2] = [
        ("median", false, None, |t| t.time_to_reply_median_s),
        ("p90", true, Some("7 4"), |t| t.time_to_reply_p90_s),
    ];
    for (name, square, dash, get) in series {
        // Break the line at weeks without a value.
        let mut segment: Vec<(f64, f64)> = Vec::new();
        for (i, t) in r.trend.iter().enumerate() {
            match get(t) {
                Some(v) => segment.push((p.slot_x(i, n), p.y(v as f64 / unit, top))),
                None => {
                    svg.polyline(&segment, INK, 2.0, dash);
                    segment.clear();
                }
            }
        }
        svg.polyline(&segment, INK, 2.0, dash);
        for (i, t) in r.trend.iter().enumerate() {
            if let Some(v) = get(t) {
                let tip = format!("{} {name}: {}", t.week, format_duration(Some(v)));
                svg.marker((p.slot_x(i, n), p.y(v as f64 / unit, top)), square, &tip);
            }
        }
    }

    // Legend across the top.
    let ly = 18.0;
    svg.line((p.left, ly), (p.left + 28.0, ly), INK, 2.0, None);
    svg.marker((p.left + 14.0, ly), false, "median");
    svg.text(
        p.left + 34.0,
        ly + 4.0,
        "start",
        "",
        lang.t("Median", "Median"),
    );
    let x2 = p.left + 120.0;
    svg.line((x2, ly), (x2 + 28.0, ly), INK, 2.0, Some("7 4"));
    svg.marker((x2 + 14.0, ly), true, "p90");
    svg.text(
        x2 + 34.0,
        ly + 4.0,
        "start",
        "",
        lang.t("90th percentile", "90:e percentil"),
    );
    let x3 = p.left + 270.0;
    svg.line((x3, ly), (x3 + 28.0, ly), INK, 1.0, Some("2 4"));
    svg.text(x3 + 34.0, ly + 4.0, "start", "", "SLA");
    svg.finish()
}

/// Fill patterns for the outcome categories, distinguishable without colour.
const PATTERN_DEFS: &str = "<defs>\
<pattern id=\"lyssna-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
<rect width=\"6\" height=\"6\" fill=\"#ffffff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#1a1a1a\" stroke-width=\"2\"/></pattern>\
<pattern id=\"lyssna-dots\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\">\
<rect width=\"5\" height=\"5\" fill=\"#e6e6e6\"/><circle cx=\"2.5\" cy=\"2.5\" r=\"1\" fill=\"#1a1a1a\"/></pattern>\
</defs>";

/// The four outcome categories, bottom to top: label (en, sv) and fill.
const OUTCOMES: [(&str, &str, &str); 4] = [
    ("Replied within SLA", "Besvarad inom SLA", INK),
    ("Replied late", "Besvarad sent", "url(#lyssna-hatch)"),
    ("No reply needed", "Inget svar behövs", "url(#lyssna-dots)"),
    ("Open", "Öppen", "#ffffff"),
];

/// Chart (b): per week, criticism found split into replied within SLA (solid), replied late
/// (hatched), no reply needed (dotted) and open (empty outline), stacked; the total above each
/// bar.
pub fn outcomes_chart(r: &WeeklyReport, lang: Lang) -> String {
    let (w, h) = (640u32, 320u32);
    let p = Plot {
        left: 64.0,
        top: 64.0,
        width: 556.0,
        height: 196.0,
    };
    let title = lang.t(
        "Criticism per week by outcome",
        "Kritik per vecka efter utfall",
    );
    let desc = lang.t(
        "Stacked bars per ISO week: criticism replied within the SLA, replied late, needing no reply, and still open.",
        "Staplade staplar per ISO-vecka: kritik besvarad inom SLA, besvarad sent, utan behov av svar och fortfarande öppen.",
    );
    let mut svg = Svg::new(w, h, title, desc);
    svg.raw(PATTERN_DEFS);
    let max = r
        .trend
        .iter()
        .map(|t| t.criticism_found)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let step = nice_step(max).max(1.0).ceil();
    let top = (max / step).ceil() * step;
    let label = |v: f64| format!("{v}");
    y_axis(
        &mut svg,
        p,
        top,
        step,
        &label,
        lang.t("Mentions", "Omnämnanden"),
    );
    x_axis_weeks(&mut svg, p, r, lang.t("ISO week", "Vecka (ISO)"));

    let n = r.trend.len();
    let bar_w = p.width / n.max(1) as f64 * 0.62;
    for (i, t) in r.trend.iter().enumerate() {
        let x = p.slot_x(i, n) - bar_w / 2.0;
        let counts = [
            t.replied_within_sla,
            t.replied_late,
            t.no_reply_needed,
            t.open,
        ];
        let mut base = 0u64;
        for (k, &c) in counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let y_top = p.y((base + c) as f64, top);
            let y_bot = p.y(base as f64, top);
            let (en, sv, fill) = OUTCOMES[k];
            let tip = format!("{} {}: {c}", t.week, lang.t(en, sv));
            svg.rect((x, y_top, bar_w, y_bot - y_top), fill, INK, Some(&tip));
            base += c;
        }
        if t.criticism_found > 0 {
            svg.text(
                p.slot_x(i, n),
                p.y(t.criticism_found as f64, top) - 4.0,
                "middle",
                "font-size=\"11\"",
                &t.criticism_found.to_string(),
            );
        }
    }

    // Legend: two rows of two.
    for (k, (en, sv, fill)) in OUTCOMES.iter().enumerate() {
        let lx = p.left + (k % 2) as f64 * 230.0;
        let ly = 10.0 + (k / 2) as f64 * 20.0;
        svg.rect((lx, ly, 14.0, 14.0), fill, INK, None);
        svg.text(lx + 20.0, ly + 11.5, "start", "", lang.t(en, sv));
    }
    svg.finish()
}

/// Chart (c): open criticism by age as three horizontal bars (> 24 h, > 48 h, > 7 d), each
/// labelled with its count. The buckets are cumulative, which the subtitle says.
pub fn open_by_age_chart(r: &WeeklyReport, lang: Lang) -> String {
    let (w, h) = (480u32, 170u32);
    let title = lang.t("Open criticism by age", "Öppen kritik efter ålder");
    let desc = lang.t(
        "Criticism mentions still new or snoozed at the report time, older than 24 hours, 48 hours and 7 days (cumulative).",
        "Kritik som fortfarande är ny eller snoozad vid rapporttillfället, äldre än 24 timmar, 48 timmar och 7 dagar (kumulativt).",
    );
    let mut svg = Svg::new(w, h, title, desc);
    svg.raw(PATTERN_DEFS);
    svg.text(
        12.0,
        20.0,
        "start",
        "font-size=\"11\"",
        lang.t(
            "Still open, older than … (each bar includes the ones below it)",
            "Fortfarande öppen, äldre än … (varje stapel inkluderar de under den)",
        ),
    );
    let a = &r.open_criticism_by_age;
    let rows = [
        (lang.t("> 24 h", "> 24 h"), a.over_24h, "url(#lyssna-dots)"),
        (lang.t("> 48 h", "> 48 h"), a.over_48h, "url(#lyssna-hatch)"),
        (lang.t("> 7 days", "> 7 dagar"), a.over_7d, INK),
    ];
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let (left, width) = (80.0, 320.0);
    for (i, (label, count, fill)) in rows.iter().enumerate() {
        let y = 36.0 + i as f64 * 30.0;
        svg.text(left - 8.0, y + 15.0, "end", "", label);
        let bw = width * (*count as f64 / max);
        let tip = format!("{label}: {count}");
        svg.rect((left, y, bw, 20.0), fill, INK, Some(&tip));
        svg.text(
            left + bw + 6.0,
            y + 15.0,
            "start",
            "font-weight=\"bold\"",
            &count.to_string(),
        );
    }
    svg.line((left, 32.0), (left, 130.0), INK, 1.0, None);
    svg.text(
        left + width / 2.0,
        155.0,
        "middle",
        "",
        lang.t("Open criticism mentions", "Öppna kritiska omnämnanden"),
    );
    svg.finish()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::domain::report::tests::full_report;

    /// A minimal well-formedness check: every `<tag` is closed in order, attributes are quoted,
    /// and no raw `&` or `<` appears in text. Enough to catch broken escaping or nesting without an
    /// XML parser dependency.
    pub(in super::super) fn assert_well_formed(xml: &str) {
        let mut stack: Vec<String> = Vec::new();
        let mut rest = xml;
        while let Some(lt) = rest.find('<') {
            let text = &rest[..lt];
            assert!(!text.contains('>'), "raw '>' in text near {text:?}");
            for (i, _) in text.match_indices('&') {
                let ent = &text[i..];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                        .iter()
                        .any(|e| ent.starts_with(e)),
                    "raw '&' in text near {ent:?}"
                );
            }
            let gt = rest[lt..].find('>').expect("unclosed tag") + lt;
            let tag = &rest[lt + 1..gt];
            assert_eq!(
                tag.matches('"').count() % 2,
                0,
                "unbalanced quotes in <{tag}>"
            );
            assert!(!tag.contains('<'), "'<' inside a tag: {tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                let name = tag.split_whitespace().next().unwrap_or_default();
                stack.push(name.to_string());
            }
            rest = &rest[gt + 1..];
        }
        assert!(stack.is_empty(), "unclosed: {stack:?}");
    }

    fn common_checks(svg: &str) {
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title>") && svg.contains("<desc>"));
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("NaN") && !svg.contains("inf\""));
        assert_well_formed(svg);
    }

    #[test]
    fn time_to_reply_chart_has_lines_sla_and_legend() {
        let r = full_report();
        let svg = time_to_reply_chart(&r, Lang::En);
        common_checks(&svg);
        assert!(svg.contains("<title>Time to reply, weeks 2026-W36 – 2026-W47</title>"));
        // SLA line dashed and labelled; p90 long dashes; axis titles.
        assert!(svg.contains("stroke-dasharray=\"2 4\""));
        assert!(svg.contains(">SLA 24 h 0 min</text>"));
        assert!(svg.contains("stroke-dasharray=\"7 4\""));
        assert!(svg.contains(">Hours</text>") && svg.contains(">ISO week</text>"));
        assert!(svg.contains("<title>2026-W47 median: 25 h 0 min</title>"));
        assert!(svg.contains("<title>2026-W47 p90: 2 d 17 h</title>"));
        // W46 and W47 have values and are adjacent, so one median segment of two points exists.
        assert!(svg.contains("<polyline"));
        assert!(svg.matches("<text").count() >= 12);
        let sv = time_to_reply_chart(&r, Lang::Sv);
        assert!(sv.contains(">Timmar</text>") && sv.contains("90:e percentil"));
    }

    #[test]
    fn outcomes_chart_stacks_the_four_categories() {
        let r = full_report();
        let svg = outcomes_chart(&r, Lang::En);
        common_checks(&svg);
        assert!(svg.contains("<pattern id=\"lyssna-hatch\""));
        for tip in [
            "2026-W47 Replied within SLA: 1",
            "2026-W47 Replied late: 2",
            "2026-W47 No reply needed: 1",
            "2026-W47 Open: 2",
            "2026-W46 Replied within SLA: 1",
            "2026-W45 Open: 1",
        ] {
            assert!(
                svg.contains(&format!("<title>{tip}</title>")),
                "missing {tip}"
            );
        }
        // Legend entries.
        for l in [
            "Replied within SLA",
            "Replied late",
            "No reply needed",
            ">Open<",
        ] {
            assert!(svg.contains(l));
        }
        assert!(outcomes_chart(&r, Lang::Sv).contains("Inget svar behövs"));
    }

    #[test]
    fn open_by_age_chart_labels_counts() {
        let r = full_report();
        let svg = open_by_age_chart(&r, Lang::En);
        common_checks(&svg);
        assert!(svg.contains("<title>&gt; 24 h: 4</title>"));
        assert!(svg.contains("<title>&gt; 48 h: 3</title>"));
        assert!(svg.contains("<title>&gt; 7 days: 2</title>"));
    }

    #[test]
    fn empty_report_charts_are_valid() {
        let r = crate::domain::report::weekly_report(
            &[],
            "2026-W47".parse().expect("week"),
            "2026-11-24T07:00:00Z".parse().expect("time"),
            &crate::domain::report::ReportSettings::default(),
        );
        for svg in [
            time_to_reply_chart(&r, Lang::En),
            outcomes_chart(&r, Lang::En),
            open_by_age_chart(&r, Lang::Sv),
        ] {
            common_checks(&svg);
            assert!(!svg.contains("<polyline"));
        }
    }

    #[test]
    fn escaping() {
        assert_eq!(xml_escape("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&#39;");
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(24.0), 5.0);
        assert_eq!(nice_step(7.0), 2.0);
        assert_eq!(nice_step(65.0), 20.0);
    }
}
