//! Pure domain code: values in, values out. No HTTP, no SQL, no clock reads (`now` is a parameter).

pub mod dedup;
pub mod health;
pub mod ipnet;
pub mod item;
pub mod mention;
pub mod query;
pub mod report;
pub mod sentiment;
