//! Lyssna's integration tests: one binary, one module per area (faster to build than many binaries).

mod cli;
mod crawl;
mod demo;
mod notify;
mod report;
mod store;
mod support;
