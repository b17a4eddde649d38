-- Relevance (PRODUCT §3.3b): a mention that every one of its brands' relevance models finds unlikely
-- to be about the brand waits in "Probably not about us" instead of the inbox — never dropped. The
-- scores and their reasons live with each brand's match in `matches`; this flag is what the inbox
-- and the held-back view filter on, 1 while held back.
ALTER TABLE mentions ADD COLUMN held_back BIGINT NOT NULL DEFAULT 0;
CREATE INDEX mentions_held_back ON mentions (held_back, status);
