//! The weekly response report (PRODUCT §7, §8.2, §9 Reports): arithmetic and rendering.
//!
//! Pure code: [`weekly_report`] turns mention facts into a [`WeeklyReport`] (which serialises to
//! the §8.2 JSON), and the renderers turn that into text, CSV, SVG charts and an HTML fragment.
//! The caller (CLI, dashboard, mailer) loads the facts — see [`load_window`] for which — and picks
//! the week and the "as of" moment; nothing here reads a clock or a database.

pub mod hours;
pub mod html;
pub mod metrics;
pub mod svg;
pub mod text;
pub mod week;

pub use hours::{WorkingHours, WorkingHoursError};
pub use html::to_html;
pub use metrics::{
    BrandRow, CriticismBlock, EventFacts, LoadWindow, MentionFacts, OpenByAge, PraiseBlock,
    ReportSettings, Sentiment, SourceRow, Stat, Status, TREND_WEEKS, TrendWeek, WeeklyReport,
    load_window, percentile, trend_weeks, weekly_report,
};
pub use svg::{open_by_age_chart, outcomes_chart, time_to_reply_chart};
pub use text::{Lang, csv_field, format_duration, format_rate, to_csv, to_text};
pub use week::{IsoWeekId, WeekParseError};

#[cfg(test)]
mod tests;
