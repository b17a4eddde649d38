-- The posts of every thread that holds a mention, the leader's included: how a reply is linked to the
-- post it answers (its parent, a quote, an address), how a follow-up is attached to the mention it
-- follows up instead of becoming a second one, and what the mention page shows of the thread.
-- One row per post: post_key is the site's id, else the post's URL, else a hash of who wrote what when.
CREATE TABLE thread_posts (
    thread_url    TEXT NOT NULL,
    post_key      TEXT NOT NULL,
    site_id       TEXT,
    url           TEXT,
    author        TEXT,
    posted_at     BIGINT,
    excerpt       TEXT NOT NULL,
    reply_to      TEXT,
    -- JSON [{"author": …, "text": …}], the text shortened like the excerpt.
    quotes        TEXT NOT NULL DEFAULT '[]',
    -- The handle of the leader's identity that wrote the post, else NULL.
    leader        TEXT,
    -- The mention this post is (role 'mention') or follows up (role 'follow_up').
    mention_id    TEXT REFERENCES mentions(id),
    role          TEXT,
    first_seen_at BIGINT NOT NULL,
    PRIMARY KEY (thread_url, post_key)
);
CREATE INDEX thread_posts_mention ON thread_posts (mention_id);

-- The latest post by the leader in the thread after an open mention that answers nothing in
-- particular: "you posted in this thread after this", shown without marking the mention replied.
ALTER TABLE mentions ADD COLUMN leader_posted_at BIGINT;
ALTER TABLE mentions ADD COLUMN leader_post_url TEXT;
