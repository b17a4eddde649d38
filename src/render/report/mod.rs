//! The weekly report, computed once (`domain::report`), rendered here: text for a terminal, CSV of the
//! trend, SVG charts, an HTML fragment (dashboard and e-mail) and a standalone HTML page.

pub mod html;
pub mod svg;
pub mod text;

use crate::domain::report::WeeklyReport;

pub use html::to_html;
pub use svg::{open_by_age_chart, outcomes_chart, time_to_reply_chart};
pub use text::{Lang, format_duration, format_rate, to_csv, to_text};

/// The report as a standalone HTML page (the `to_html` fragment in a minimal document).
pub fn html_document(report: &WeeklyReport, lang: &str) -> String {
    let lang_code = Lang::parse(lang).code();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang_code}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Lyssna {}</title>\n</head>\n<body style=\"margin:16px\">\n{}\n</body>\n</html>\n",
        report.week,
        to_html(report, lang)
    )
}
