//! Lyssna: a self-hosted brand-mention monitor with response tracking.
//!
//! The code follows the pipeline it implements:
//! `source ─fetch→ bytes ─decode→ text ─extract→ items ─match→ candidates ─dedup→ mentions ─→ inbox`.
//! `domain` is pure (no I/O, no clock); `crawl` fetches and extracts; `store` is the only SQL;
//! `scheduler`, `web` and `cli` put them together.

pub mod app;
pub mod cli;
pub mod config;
pub mod crawl;
pub mod demo;
pub mod domain;
pub mod ingest;
pub mod net;
pub mod notify;
pub mod render;
pub mod scheduler;
pub mod store;
pub mod web;

#[cfg(test)]
#[path = "../tests/it/corpora.rs"]
pub(crate) mod corpora;
