-- 0002 xetl_core: xetl's own tables, an account on every row, and the fixes
-- to the seed's design (docs/schema.md, "Changes from the seed").
-- Every change here is one an existing database migrates to in place:
-- columns are added (nullable where old rows exist), types are widened, keys
-- are replaced; no existing row is deleted or rewritten.

CREATE SCHEMA IF NOT EXISTS xetl;

-- Drops the unique constraint (or unique index) of table tbl over exactly
-- the columns cols, whatever the seed's migration happened to name it.
CREATE FUNCTION xetl.drop_unique_on(tbl regclass, cols text[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT con.conname
          FROM pg_constraint con
         WHERE con.conrelid = tbl AND con.contype = 'u'
           AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
                  FROM pg_attribute a
                 WHERE a.attrelid = tbl AND a.attnum = ANY (con.conkey))
               = (SELECT array_agg(c ORDER BY c) FROM unnest(cols) c)
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', tbl, r.conname);
    END LOOP;
END
$fn$;

-- The decision id of a post the bot did not record: stable, derived from the
-- tweet id alone, so pull and import give the same id on every run.
CREATE FUNCTION xetl.derived_decision_id(tweet_id text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$ SELECT md5('xetl:tweet:' || tweet_id)::uuid $fn$;

---------------------------------------------------------------------------
-- xetl's own tables
---------------------------------------------------------------------------

CREATE TABLE xetl.accounts (
    account_id bigserial PRIMARY KEY,
    handle text NOT NULL CHECK (handle ~ '^[A-Za-z0-9_]{1,15}$'),
    x_user_id text NOT NULL UNIQUE CHECK (x_user_id ~ '^[0-9]{1,20}$'),
    active boolean NOT NULL DEFAULT true,
    bot_content boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_handle_key ON xetl.accounts (lower(handle));

-- Every post xetl tracks, whatever told us about it: the bot's tables, the
-- account's timeline, or an analytics export.
CREATE TABLE xetl.posts (
    tweet_id text PRIMARY KEY CHECK (tweet_id ~ '^[0-9]{1,20}$'),
    account_id bigint NOT NULL REFERENCES xetl.accounts,
    decision_id uuid NOT NULL,
    kind text NOT NULL DEFAULT 'post' CHECK (kind IN ('post', 'reply', 'thread')),
    posted_at timestamptz,
    text text,
    parent_tweet_id text,
    parent_username text,
    content_type_id text,
    content_type_name text,
    viral_formula text,
    hook_used text,
    generation_metadata jsonb,
    origin text NOT NULL CHECK (origin IN ('bot', 'timeline', 'import')),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deleted', 'protected', 'error')),
    last_error text,
    last_error_at timestamptz,
    first_seen_at timestamptz NOT NULL,
    last_snapshot_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX posts_account_posted_idx ON xetl.posts (account_id, posted_at);
CREATE INDEX posts_decision_idx ON xetl.posts (decision_id);

-- The account's follower count as sampled by each pull (or an export).
CREATE TABLE xetl.follower_samples (
    account_id bigint NOT NULL REFERENCES xetl.accounts,
    sampled_at timestamptz NOT NULL,
    followers_count integer NOT NULL CHECK (followers_count >= 0),
    following_count integer,
    tweet_count integer,
    listed_count integer,
    source text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'import', 'fixture')),
    raw_response_id bigint,
    PRIMARY KEY (account_id, sampled_at, source)
);

-- Daily new follows and unfollows from the account-overview export.
CREATE TABLE xetl.daily_follows (
    account_id bigint NOT NULL REFERENCES xetl.accounts,
    day date NOT NULL,
    new_follows integer,
    unfollows integer,
    source_file text,
    PRIMARY KEY (account_id, day)
);

-- Every X API response as it came, before anything is derived from it; also
-- the request log (http_status 0 = no response: timeout, reset).
CREATE TABLE xetl.raw_responses (
    response_id bigserial PRIMARY KEY,
    account_id bigint REFERENCES xetl.accounts,
    run_id bigint,
    as_of timestamptz NOT NULL,
    requested_at timestamptz NOT NULL,
    endpoint text NOT NULL,
    request_path text NOT NULL,
    attempt integer NOT NULL DEFAULT 1,
    http_status integer NOT NULL,
    duration_ms integer,
    error text,
    rate_limit_remaining integer,
    rate_limit_reset timestamptz,
    body bytea
);
CREATE INDEX raw_responses_account_asof_idx ON xetl.raw_responses (account_id, as_of, endpoint);

-- One row per invocation of a command that changes data, one per stage.
CREATE TABLE xetl.runs (
    run_id bigserial PRIMARY KEY,
    command text NOT NULL,
    as_of timestamptz NOT NULL,
    range_from timestamptz,
    range_to timestamptz,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed')),
    exit_code integer,
    error text,
    counts jsonb NOT NULL DEFAULT '{}',
    pid integer,
    hostname text,
    xetl_version text
);
CREATE INDEX runs_started_idx ON xetl.runs (started_at DESC);

CREATE TABLE xetl.run_stages (
    stage_id bigserial PRIMARY KEY,
    run_id bigint NOT NULL REFERENCES xetl.runs ON DELETE CASCADE,
    stage text NOT NULL,
    account_id bigint,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed', 'skipped')),
    counts jsonb NOT NULL DEFAULT '{}',
    error text
);
CREATE INDEX run_stages_run_idx ON xetl.run_stages (run_id);

-- Rows of an import that could not load: file, line, raw text, reason.
CREATE TABLE xetl.import_rejects (
    reject_id bigserial PRIMARY KEY,
    account_id bigint REFERENCES xetl.accounts,
    run_id bigint,
    file_name text NOT NULL,
    file_sha256 text NOT NULL,
    line integer NOT NULL,
    raw text,
    reason text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (file_sha256, line)
);

-- Every 7-day prediction the fit stage made, scored once the truth is known.
CREATE TABLE xetl.predictions (
    tweet_id text NOT NULL,
    metric text NOT NULL,
    as_of timestamptz NOT NULL,
    account_id bigint NOT NULL REFERENCES xetl.accounts,
    age_hours double precision NOT NULL,
    n_points integer NOT NULL,
    method text NOT NULL,
    predicted_7d double precision NOT NULL,
    lo_7d double precision,
    hi_7d double precision,
    actual_7d double precision,
    ape double precision,
    log_ratio double precision,
    PRIMARY KEY (tweet_id, metric, as_of)
);

---------------------------------------------------------------------------
-- The seed's tables: an account on every row, wider rate columns, keys that
-- make a rerun an upsert.
---------------------------------------------------------------------------

-- The dashboards' view reads columns whose type changes below; it is
-- recreated at the end of this migration with the same columns.
DROP VIEW IF EXISTS latest_post_performance;

-- Rows the seed's code wrote have no source: each gets one of its own
-- ("seed#ID") so the new key can never collide on them (two of its snapshots
-- may share a snapshot_at) and their own columns stay exactly as they were.
ALTER TABLE performance_snapshots
    ADD COLUMN IF NOT EXISTS account_id bigint,
    ADD COLUMN IF NOT EXISTS source text,
    ADD COLUMN IF NOT EXISTS raw_response_id bigint;
UPDATE performance_snapshots SET source = 'seed#' || id WHERE source IS NULL;
ALTER TABLE performance_snapshots
    ALTER COLUMN source SET DEFAULT 'api',
    ALTER COLUMN source SET NOT NULL,
    ALTER COLUMN hours_since_post TYPE numeric,
    ALTER COLUMN engagement_rate TYPE numeric,
    ALTER COLUMN viral_coefficient TYPE numeric,
    ALTER COLUMN reply_rate TYPE numeric,
    ALTER COLUMN bookmark_rate TYPE numeric;
SELECT xetl.drop_unique_on('performance_snapshots', ARRAY['decision_id', 'hours_since_post']);
ALTER TABLE performance_snapshots
    ADD CONSTRAINT performance_snapshots_tweet_asof_key UNIQUE (tweet_id, snapshot_at, source);
CREATE INDEX IF NOT EXISTS performance_snapshots_account_idx ON performance_snapshots (account_id, snapshot_at);

ALTER TABLE follower_attributions
    ADD COLUMN IF NOT EXISTS account_id bigint,
    ALTER COLUMN avg_follower_engagement TYPE numeric,
    ADD CONSTRAINT follower_attributions_confidence_range
        CHECK (confidence_score >= 0 AND confidence_score <= 1) NOT VALID;
SELECT xetl.drop_unique_on('follower_attributions', ARRAY['decision_id', 'time_window_hours']);
ALTER TABLE follower_attributions
    ADD CONSTRAINT follower_attributions_tweet_window_key UNIQUE (tweet_id, time_window_hours);

ALTER TABLE content_type_performance
    ADD COLUMN IF NOT EXISTS account_id bigint,
    ALTER COLUMN avg_engagement_rate TYPE numeric,
    ALTER COLUMN follower_conversion_rate TYPE numeric,
    ALTER COLUMN thompson_alpha TYPE numeric,
    ALTER COLUMN thompson_beta TYPE numeric,
    ALTER COLUMN selection_score TYPE numeric;
SELECT xetl.drop_unique_on('content_type_performance', ARRAY['content_type_id']);
ALTER TABLE content_type_performance
    ADD CONSTRAINT content_type_performance_account_type_key UNIQUE (account_id, content_type_id);

ALTER TABLE formula_performance
    ADD COLUMN IF NOT EXISTS account_id bigint,
    ADD COLUMN IF NOT EXISTS selection_score numeric,
    ALTER COLUMN avg_engagement_rate TYPE numeric,
    ALTER COLUMN success_rate TYPE numeric,
    ALTER COLUMN viral_coefficient TYPE numeric,
    ALTER COLUMN thompson_alpha TYPE numeric,
    ALTER COLUMN thompson_beta TYPE numeric;
SELECT xetl.drop_unique_on('formula_performance', ARRAY['formula_name']);
ALTER TABLE formula_performance
    ADD CONSTRAINT formula_performance_account_formula_key UNIQUE (account_id, formula_name);

-- Hooks get the formula table's shape (the seed tracked hooks nowhere).
CREATE TABLE IF NOT EXISTS hook_performance (
    id bigserial PRIMARY KEY,
    account_id bigint,
    hook_used text NOT NULL,
    posts_count integer DEFAULT 0,
    avg_likes numeric(10,2) DEFAULT 0,
    avg_retweets numeric(10,2) DEFAULT 0,
    avg_engagement_rate numeric DEFAULT 0,
    total_followers_gained integer DEFAULT 0,
    avg_followers_per_post numeric(10,2) DEFAULT 0,
    success_rate numeric DEFAULT 0.5,
    viral_coefficient numeric DEFAULT 0,
    thompson_alpha numeric DEFAULT 1.0,
    thompson_beta numeric DEFAULT 1.0,
    selection_score numeric,
    last_used timestamptz,
    last_updated timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT hook_performance_account_hook_key UNIQUE (account_id, hook_used)
);

ALTER TABLE learning_updates
    ADD COLUMN IF NOT EXISTS account_id bigint,
    ADD COLUMN IF NOT EXISTS run_id bigint,
    ADD COLUMN IF NOT EXISTS as_of timestamptz,
    ALTER COLUMN improvement_score TYPE numeric;
-- One row per account, as-of and component: a rerun replaces, never adds.
ALTER TABLE learning_updates
    ADD CONSTRAINT learning_updates_account_asof_component_key UNIQUE (account_id, as_of, component);

ALTER TABLE tweet_analytics_comprehensive
    ADD COLUMN IF NOT EXISTS account_id bigint,
    ALTER COLUMN viral_coefficient TYPE numeric,
    ALTER COLUMN amplification_rate TYPE numeric,
    ALTER COLUMN conversation_rate TYPE numeric,
    ALTER COLUMN engagement_rate TYPE numeric,
    ALTER COLUMN audience_retention_rate TYPE numeric,
    ALTER COLUMN new_audience_percentage TYPE numeric,
    ALTER COLUMN engagement_decay_rate TYPE numeric,
    ALTER COLUMN longevity_score TYPE numeric,
    ALTER COLUMN predicted_engagement_rate TYPE numeric,
    ALTER COLUMN prediction_error TYPE numeric,
    ALTER COLUMN prediction_accuracy TYPE numeric,
    ADD CONSTRAINT tweet_analytics_prediction_accuracy_range
        CHECK (prediction_accuracy >= 0 AND prediction_accuracy <= 1) NOT VALID;
CREATE INDEX IF NOT EXISTS tweet_analytics_account_posted_idx
    ON tweet_analytics_comprehensive (account_id, posted_at);

ALTER TABLE reply_performance
    ADD COLUMN IF NOT EXISTS account_id bigint,
    ALTER COLUMN engagement_rate TYPE numeric,
    ALTER COLUMN visibility_score TYPE numeric;

ALTER TABLE system_health_metrics
    ADD COLUMN IF NOT EXISTS account_id bigint,
    ADD COLUMN IF NOT EXISTS day date,
    ALTER COLUMN avg_engagement_rate TYPE numeric,
    ALTER COLUMN posting_success_rate TYPE numeric,
    ALTER COLUMN quality_pass_rate TYPE numeric,
    ALTER COLUMN api_success_rate TYPE numeric,
    ALTER COLUMN error_rate TYPE numeric,
    ALTER COLUMN daily_api_cost_usd TYPE numeric,
    ALTER COLUMN cost_per_follower_usd TYPE numeric,
    ALTER COLUMN roi TYPE numeric;
ALTER TABLE system_health_metrics
    ADD CONSTRAINT system_health_metrics_account_day_type_key UNIQUE (account_id, day, metric_type);

---------------------------------------------------------------------------
-- The dashboards' view, the seed's columns, for whichever content_metadata
-- shape this database has.  A thread's figures are its first tweet's.
---------------------------------------------------------------------------
DO $view$
DECLARE
    id_expr text;
BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = 'content_metadata'
                  AND column_name = 'decision_id') THEN
        id_expr := 'cm.decision_id::text';
    ELSE
        id_expr := 'cm.id::text';
    END IF;
    EXECUTE format($v$
        CREATE VIEW latest_post_performance AS
        SELECT %1$s AS decision_id, cm.content, cm.generation_metadata, cm.status, cm.posted_at,
               tac.likes, tac.retweets, tac.engagement_rate, tac.followers_gained,
               tac.content_type, tac.viral_formula,
               fa.followers_gained AS attributed_followers,
               fa.confidence_score AS attribution_confidence
          FROM content_metadata cm
          LEFT JOIN LATERAL (
                SELECT t.* FROM tweet_analytics_comprehensive t
                 WHERE t.decision_id::text = %1$s
                 ORDER BY t.posted_at NULLS LAST, t.tweet_id LIMIT 1) tac ON true
          LEFT JOIN follower_attributions fa
                 ON fa.tweet_id = tac.tweet_id AND fa.time_window_hours = 24
         WHERE cm.status = 'posted'
         ORDER BY cm.posted_at DESC NULLS LAST
    $v$, id_expr);
END
$view$;
