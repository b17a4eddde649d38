-- A big crawl is written in chunks before anyone sees it (src/store/staging.rs): each pending crawl has
-- a row here, its mentions name it in `mentions.stage`, and every reader leaves out mentions whose stage
-- is still here. Publishing the crawl deletes its row (one short step); a crawl that died (its owner gone
-- from `workers`, or silent too long) has its rows removed in chunks and then its row.
CREATE TABLE crawl_stages (
    id         BIGSERIAL PRIMARY KEY,
    source_id  BIGINT NOT NULL REFERENCES sources(id),
    -- The worker holding the source's lease when the crawl began (NULL when crawled without one).
    owner      TEXT,
    started_at BIGINT NOT NULL,
    -- Written with every chunk: a stage untouched for minutes belongs to a crawl that is gone.
    touched_at BIGINT NOT NULL
);

ALTER TABLE mentions ADD COLUMN stage BIGINT;
-- Only mentions of big crawls have a stage: the index stays small, and "the mentions still staged"
-- is a probe per pending crawl.
CREATE INDEX mentions_stage ON mentions (stage) WHERE stage IS NOT NULL;
