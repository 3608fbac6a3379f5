-- The session's bot posts that no account tracks, read once per run and window
-- (free_fill.sql) instead of once per account: the rows of bots.sql plus the
-- window they were read for (from_t, to_t; a row with tid NULL marks the window
-- filled) and the author xetl.bot_post_authors knew (author_id, kept up to date
-- by the session's pulls: free_authors.sql).
CREATE TEMP TABLE IF NOT EXISTS pull_bot_free (
    from_t timestamptz NOT NULL, to_t timestamptz NOT NULL, tid text, decision_ref text, author_id text,
    did text, kind text, posted_at bigint, ptid text, puser text, ct_id text, ct_name text, formula text,
    hook text, gm text)
