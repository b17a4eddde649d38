-- The search index (`?q=`): Lyssna folds each mention's text into words (case and every diacritic
-- folded) and writes them as a tsvector, one weight per field (title A, body B, author C, site D),
-- searched through a GIN index. The mentions stored before this migration are indexed by
-- `lyssna migrate` right after it.
CREATE TABLE mention_search (
    mention_id TEXT PRIMARY KEY REFERENCES mentions(id),
    doc        TSVECTOR NOT NULL
);
CREATE INDEX mention_search_doc ON mention_search USING GIN (doc);
