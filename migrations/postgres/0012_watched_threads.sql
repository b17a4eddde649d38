-- Watched threads (PRODUCT §3.3b): every thread that holds a mention is read again on its own schedule
-- until it retires. `watched_since` is set when the first mention in it is stored; `next_check_at` is
-- NULL for a thread that is not (or no longer) watched. `reader` is how its posts were found to be
-- read ("recipe:NAME" or "feed:URL", NULL until found); `check_failures` and `last_error` are its own
-- health, so that one unreadable article never marks its source unhealthy.
ALTER TABLE threads ADD COLUMN watched_since BIGINT;
ALTER TABLE threads ADD COLUMN next_check_at BIGINT;
ALTER TABLE threads ADD COLUMN reader TEXT;
ALTER TABLE threads ADD COLUMN check_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE threads ADD COLUMN last_error TEXT;
CREATE INDEX threads_due ON threads (source_id, next_check_at) WHERE next_check_at IS NOT NULL;
