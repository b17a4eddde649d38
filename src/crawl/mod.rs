//! Everything between a source's URL and a list of items: the one outbound HTTP client, charset
//! decoding, feed/HTML/JSON extraction, and the crawl of one source.

pub mod charset;
pub mod dates;
pub mod feed;
pub mod feed_gen;
pub mod http;
pub mod pipeline;
pub mod recipe;
pub mod run;
pub mod sanitize;
pub mod text;
