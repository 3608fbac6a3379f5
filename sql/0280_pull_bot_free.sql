-- 0280 pull_bot_free: the bot posts no account tracks, read once per run.
-- content_metadata has no account, so the bot posts no account tracks yet are
-- candidates for every account's pull.  Reading them is an anti-join of the
-- bot's whole table against xetl.posts (pull/free_fill.sql), which each
-- session used to do into a temporary table: once per worker of nightly
-- --jobs, and again on every shard host.  Now the first pull of a run fills
-- these tables for the run, and every pull of the run (any worker) reads and
-- updates them.  Unlogged: a run's rows are scratch, rebuilt by the next run
-- if the server crashes; removed at the end of the run (pull_run_end) and,
-- after a killed run, by the next fill.  Shared (no account_id): keyed by run.
--
-- pull_bot_free_runs: one row per run and window filled.  probed: the run's
-- first pull has asked X for the authors of the posts whose author was unknown
-- (and recorded them), so the other pulls no longer wait for it.
CREATE UNLOGGED TABLE xetl.pull_bot_free_runs (
    run_id bigint NOT NULL,
    from_t timestamptz NOT NULL,
    to_t timestamptz NOT NULL,
    probed boolean NOT NULL DEFAULT false,
    PRIMARY KEY (run_id, from_t, to_t)
);
-- The rows of pull/bots.sql's shape, with the author xetl.bot_post_authors
-- knew at the fill, kept current by the run's pulls (pull/free_authors.sql);
-- a post a pull staged is deleted (pull/free_claim.sql).
CREATE UNLOGGED TABLE xetl.pull_bot_free (
    run_id bigint NOT NULL,
    from_t timestamptz NOT NULL,
    to_t timestamptz NOT NULL,
    tid text NOT NULL,
    decision_ref text,
    author_id text,
    kind text, posted_at bigint, ptid text, puser text, ct_id text, ct_name text,
    formula text, hook text, gm text
);
CREATE INDEX pull_bot_free_author_idx ON xetl.pull_bot_free (run_id, author_id);
CREATE INDEX pull_bot_free_tid_idx ON xetl.pull_bot_free (run_id, tid);
