//! Turning values into what people read: the one escaper, the weekly report as text, CSV, SVG charts
//! and HTML (for the dashboard, the e-mail and `lyssna report`), and the CSV export.

pub mod csv;
pub mod escape;
pub mod report;
