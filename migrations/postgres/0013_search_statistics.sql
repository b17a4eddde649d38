-- The planner's estimate for a word the sampled statistics do not list is half the rarest listed
-- word's frequency. With the default target (100) only the few dozen commonest words are listed, so
-- a rare word was estimated at thousands of rows at 1 M mentions and searched with parallel workers
-- (6.5 ms, and worse under load) instead of one index probe (0.8 ms). A larger sample lists
-- thousands of words. SQLite's full-text index needs no statistics: this migration is PostgreSQL's.
ALTER TABLE mention_search ALTER COLUMN doc SET STATISTICS 1000;
