-- 0211 bot_post_authors: who wrote each bot post, once some account's pull has
-- seen it.  The bot's content_metadata has no account, so a bot post no
-- account owns yet is a candidate for every account with bot content; the
-- first account whose pull fetches it learns its author from X.  Without a
-- record, the next account fetched it again, and the next: N(N-1)/2 extra
-- lookups a night for N accounts (measured by make bench-agency).  With it,
-- each account's pull leaves out the bot posts another X user wrote.
-- Shared like content_metadata (no account_id: a Citus reference table).
CREATE TABLE xetl.bot_post_authors (
    tweet_id text PRIMARY KEY,
    author_id text NOT NULL,
    seen_at timestamptz NOT NULL
);
