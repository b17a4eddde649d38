//! Lyssna's integration tests: one binary, one module per area (faster to build than many binaries).

mod crawl;
mod notify;
mod report;
mod store;
mod support;
