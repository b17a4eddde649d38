//! Bytes → items, and nothing else: charset decoding, dates, text from HTML, feeds, recipes for HTML and
//! JSON pages, cleaning of what a backend would refuse, and the dispatch by source kind (`extract`). No
//! network (that is `net`), no database.

pub mod charset;
pub mod dates;
pub mod discover;
pub mod extract;
pub mod feed;
pub mod recipe;
pub mod sanitize;
pub mod text;
pub mod thread;
