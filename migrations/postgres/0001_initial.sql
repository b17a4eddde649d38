-- Lyssna schema, PostgreSQL dialect. Times are seconds since the Unix epoch (UTC) in BIGINT columns so that the
-- same queries run on SQLite and PostgreSQL through sqlx's Any driver; flags are 0/1 integers.

CREATE TABLE sources (
    id                   BIGSERIAL PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE,
    kind                 TEXT NOT NULL,
    url                  TEXT,
    schedule             TEXT NOT NULL DEFAULT '',
    in_config            BIGINT NOT NULL DEFAULT 1,
    etag                 TEXT,
    last_modified        TEXT,
    health               TEXT NOT NULL DEFAULT 'pending',
    last_error           TEXT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    empty_streak         BIGINT NOT NULL DEFAULT 0,
    last_attempt_at      BIGINT,
    last_success_at      BIGINT,
    last_new_item_at     BIGINT,
    next_check_at        BIGINT,
    items_found          BIGINT NOT NULL DEFAULT 0,
    -- A fingerprint of the keys of the items last seen: a change means the source said something new.
    items_fingerprint    TEXT,
    lease_owner          TEXT,
    lease_until          BIGINT,
    created_at           BIGINT NOT NULL
);

CREATE TABLE mentions (
    id                 TEXT PRIMARY KEY,
    source_id          BIGINT NOT NULL REFERENCES sources(id),
    url                TEXT,
    canonical_url      TEXT,
    thread_url         TEXT,
    title              TEXT,
    body               TEXT NOT NULL,
    author             TEXT,
    published_at       BIGINT,
    found_at           BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    content_hash       TEXT NOT NULL,
    rating             DOUBLE PRECISION,
    rating_scale       DOUBLE PRECISION,
    brands             TEXT NOT NULL DEFAULT '[]',
    matches            TEXT NOT NULL DEFAULT '[]',
    lang               TEXT,
    sentiment          TEXT NOT NULL DEFAULT 'neutral',
    sentiment_score    DOUBLE PRECISION NOT NULL DEFAULT 0,
    sentiment_reasons  TEXT NOT NULL DEFAULT '[]',
    sentiment_override TEXT,
    -- 0 when the effective sentiment is criticism, 1 otherwise: the inbox sorts on (sort_rank, found_at).
    sort_rank          BIGINT NOT NULL DEFAULT 1,
    status             TEXT NOT NULL DEFAULT 'new',
    snoozed_until      BIGINT,
    replied_at         BIGINT
);
CREATE INDEX mentions_inbox ON mentions (status, sort_rank, found_at, id);
CREATE INDEX mentions_found ON mentions (found_at);
CREATE INDEX mentions_source ON mentions (source_id, found_at);
CREATE INDEX mentions_thread ON mentions (thread_url);

CREATE TABLE mention_brands (
    brand      TEXT NOT NULL,
    mention_id TEXT NOT NULL REFERENCES mentions(id),
    PRIMARY KEY (brand, mention_id)
);
CREATE INDEX mention_brands_mention ON mention_brands (mention_id);

-- Every key a mention is known by (PRODUCT §3.4): id:SOURCE:GUID, url:CANONICAL, hash:TEXT.
CREATE TABLE mention_keys (
    key        TEXT PRIMARY KEY,
    mention_id TEXT NOT NULL REFERENCES mentions(id)
);
CREATE INDEX mention_keys_mention ON mention_keys (mention_id);

-- Never deleted. kind: status | sentiment | edit. For a transition to replied, `at` is the reply's time.
CREATE TABLE events (
    id          BIGSERIAL PRIMARY KEY,
    mention_id  TEXT NOT NULL REFERENCES mentions(id),
    kind        TEXT NOT NULL DEFAULT 'status',
    at          BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    from_value  TEXT,
    to_value    TEXT,
    reason      TEXT,
    note        TEXT,
    reply_url   TEXT,
    until       BIGINT,
    undoes      BIGINT
);
CREATE INDEX events_mention ON events (mention_id, id);
CREATE INDEX events_at ON events (at);

CREATE TABLE crawl_runs (
    id               BIGSERIAL PRIMARY KEY,
    source_id        BIGINT NOT NULL REFERENCES sources(id),
    started_at       BIGINT NOT NULL,
    finished_at      BIGINT NOT NULL,
    outcome          TEXT NOT NULL,
    pages            BIGINT NOT NULL DEFAULT 0,
    unchanged        BIGINT NOT NULL DEFAULT 0,
    items            BIGINT NOT NULL DEFAULT 0,
    new_mentions     BIGINT NOT NULL DEFAULT 0,
    updated_mentions BIGINT NOT NULL DEFAULT 0,
    error            TEXT
);
CREATE INDEX crawl_runs_source ON crawl_runs (source_id, id);

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);

CREATE TABLE reports (
    week         TEXT PRIMARY KEY,
    generated_at BIGINT NOT NULL,
    body         TEXT NOT NULL
);

-- One row per (what, key, recipient): a report is never sent twice for the same week and recipient.
CREATE TABLE deliveries (
    id              BIGSERIAL PRIMARY KEY,
    kind            TEXT NOT NULL,
    key             TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at BIGINT,
    sent_at         BIGINT,
    payload         TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, key, recipient)
);
