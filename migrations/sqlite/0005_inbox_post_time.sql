-- The inbox orders by when the post was written where the source says so (never later than when
-- Lyssna found it), else when Lyssna found it — the same time each row shows: criticism first, then
-- oldest first. A stored column rather than an expression index, because a page's cursor is a
-- row-value comparison, which both databases walk an index with only over plain columns.
ALTER TABLE mentions ADD COLUMN posted_at BIGINT NOT NULL DEFAULT 0;
UPDATE mentions SET posted_at = COALESCE(MIN(published_at, found_at), found_at);
DROP INDEX IF EXISTS mentions_inbox;
CREATE INDEX mentions_inbox_posted ON mentions (status, sort_rank, posted_at, id);
