-- 0020 import: what the analytics CSV exports give that no other table holds.
--
-- xetl.platform_follows: X's own count of follows from one post (the legacy
-- export's "follows", the content export's "New follows"), the direct
-- evidence the attribute stage prefers over its regression.  One row per
-- post: the value from the export with the latest as-of wins.
CREATE TABLE IF NOT EXISTS xetl.platform_follows (
    tweet_id text PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES xetl.accounts,
    follows integer NOT NULL CHECK (follows >= 0),
    as_of timestamptz NOT NULL,
    source_file text
);
CREATE INDEX IF NOT EXISTS platform_follows_account_idx ON xetl.platform_follows (account_id);

-- The daily account-overview export has more per day than follows and
-- unfollows (impressions, likes, profile visits, video views ...): the whole
-- row is kept, so no imported value is dropped.
ALTER TABLE xetl.daily_follows ADD COLUMN IF NOT EXISTS metrics jsonb;
