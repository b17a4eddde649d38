//! Pure domain code: values in, values out. No HTTP, no SQL, no clock reads (`now` is a parameter).

pub mod candidate;
pub mod conversation;
pub mod dedup;
pub mod health;
pub mod ipnet;
pub mod item;
pub mod mention;
pub mod pipeline;
pub mod query;
pub mod relevance;
pub mod report;
pub mod schedule;
pub mod search;
pub mod sentiment;
pub mod source;
pub mod spelling;
pub mod thread;
pub mod time;
pub mod transfer;
pub mod units;
pub mod watch;
