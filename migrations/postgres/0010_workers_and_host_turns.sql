-- The processes that crawl (`serve`, `worker`, `crawl`, `demo`), each with a heartbeat: a source's lease
-- names one of them (`sources.lease_owner` = `workers.id`), and a lease whose owner stopped beating or
-- is known to be dead is free again at once, not after the lease's ten minutes.
CREATE TABLE workers (
    id           TEXT PRIMARY KEY,
    host         TEXT NOT NULL,
    pid          BIGINT NOT NULL,
    -- The process's start time on its host (Linux clock ticks since boot), so that a pid reused by
    -- another program is not taken for the worker.
    pid_start    BIGINT NOT NULL DEFAULT 0,
    command      TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);

-- Politeness across processes: one request at a time per host, and no request before
-- `next_allowed_ms` (milliseconds since the epoch), whichever worker sends it.
CREATE TABLE host_turns (
    host            TEXT PRIMARY KEY,
    owner           TEXT,
    held_until_ms   BIGINT NOT NULL DEFAULT 0,
    next_allowed_ms BIGINT NOT NULL DEFAULT 0
);
