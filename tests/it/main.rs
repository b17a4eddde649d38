//! Lyssna's integration tests: one binary, one module per area (faster to build than many binaries).

// Tests play the browser, the API client and the webhook receiver: they build their own HTTP clients
// (the rule that only src/crawl/http does is about the product).
#![allow(clippy::disallowed_methods)]

mod architecture;
mod browser;
mod cli;
mod conversation;
mod corpora;
mod crawl;
mod demo;
mod fuzz;
mod generated_feeds;
mod hostile;
mod kill;
mod notify;
mod politeness;
mod relevance;
mod report;
mod security;
mod store;
mod support;
mod threads;
mod watch;
mod web;
