-- The inbox orders by when the post was written where the source says so, else when Lyssna found it
-- (the same time each row shows): criticism first, then oldest first. The expression is the one the
-- store's queries use (`COALESCE(m.published_at, m.found_at)`), so the index serves them.
DROP INDEX IF EXISTS mentions_inbox;
CREATE INDEX mentions_inbox_posted ON mentions (status, sort_rank, (COALESCE(published_at, found_at)), id);
