-- The search index (`?q=`): Lyssna folds each mention's text into words (case and every diacritic
-- folded) and FTS5 indexes them per field. The table keeps no copy of the text (content=''), and
-- contentless_delete lets an edited mention's row be replaced. FTS5 needs an integer row key that
-- VACUUM never renumbers, which mentions (keyed by text) has not: mention_search_rows gives one.
-- The mentions stored before this migration are indexed by `lyssna migrate` right after it.
CREATE TABLE mention_search_rows (
    search_row INTEGER PRIMARY KEY,
    mention_id TEXT NOT NULL UNIQUE REFERENCES mentions(id)
);
CREATE VIRTUAL TABLE mention_search USING fts5(
    title, body, author, site,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
