//! Thread pages fetched through the one fetcher, so that robots, pacing, size caps and the source's
//! rules apply to every page of a thread exactly as to the source's own page.

use crate::crawl::thread::{PageFetch, ThreadPage};
use crate::ingest::harvest::CrawlFailure;
use crate::net::{FetchOutcome, FetchRequest, Fetcher};
use url::Url;

/// A source's way of fetching thread pages.
#[derive(Clone, Copy)]
pub struct FetcherPages<'a> {
    pub fetcher: &'a Fetcher,
    pub ignore_robots: bool,
    pub allow_private: bool,
    pub credentials: Option<&'a crate::net::Credentials>,
}

impl PageFetch for FetcherPages<'_> {
    type Error = CrawlFailure;

    async fn fetch_page(&self, url: &Url) -> Result<ThreadPage, CrawlFailure> {
        let request = FetchRequest {
            ignore_robots: self.ignore_robots,
            allow_private: self.allow_private,
            credentials: self.credentials,
            ..FetchRequest::new(url)
        };
        match self.fetcher.fetch(&request).await? {
            FetchOutcome::Fetched(p) => Ok(ThreadPage {
                body: p.body,
                content_type: p.content_type,
                url: p.final_url,
                link: p.link,
            }),
            // No validators are sent for thread pages, so a 304 is the server's mistake.
            FetchOutcome::NotModified => Err(CrawlFailure::Parse(format!(
                "{url} answered 304 Not Modified to a request that asked for no validation"
            ))),
        }
    }
}
