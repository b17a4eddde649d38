-- One row per thread Lyssna reads, keyed by its canonical URL (one site's thread has one URL whatever
-- source found it): what the listing row last said about it (to see that it changed) and what Lyssna has
-- read of it (the cursor: newest post, page count, the last page's address, the posts of the pages last
-- read with a hash of each, so that known posts are not processed again unless edited).
CREATE TABLE threads (
    url                  TEXT PRIMARY KEY,
    source_id            BIGINT NOT NULL REFERENCES sources(id),
    title                TEXT,
    last_post_id         TEXT,
    last_post_at         BIGINT,
    pages                BIGINT NOT NULL DEFAULT 0,
    last_page_url        TEXT,
    seen_posts           TEXT NOT NULL DEFAULT '[]',
    listed_last_post_at  BIGINT,
    listed_replies       BIGINT,
    first_seen_at        BIGINT NOT NULL,
    last_crawled_at      BIGINT
);
CREATE INDEX threads_source ON threads (source_id);
