//! The weekly response report (PRODUCT §7, §8.2, §9 Reports): arithmetic and rendering.
//!
//! Pure code: [`weekly_report`] turns mention facts into a [`WeeklyReport`] (which serialises to
//! the §8.2 JSON), and the renderers turn that into text, CSV, SVG charts and an HTML fragment.
//! The caller (CLI, dashboard, mailer) loads the facts — see [`load_window`] for which — and picks
//! the week and the "as of" moment; nothing here reads a clock or a database.

pub mod hours;
pub mod metrics;
pub mod week;

pub use hours::{WorkingHours, WorkingHoursError};
pub use metrics::{
    BrandRow, CriticismBlock, EventFacts, LoadWindow, MentionFacts, OpenByAge, PraiseBlock,
    ReportSettings, Sentiment, SourceRow, Stat, Status, TREND_WEEKS, TrendWeek, WeeklyReport,
    load_window, percentile, trend_weeks, weekly_report,
};
pub use week::{IsoWeekId, WeekParseError};

#[cfg(test)]
pub(crate) mod tests;
