//! Lyssna's integration tests: one binary, one module per area (faster to build than many binaries).

mod browser;
mod crawl;
mod store;
mod support;
mod web;
