-- 0001 seed_schema: the bot database's tables as the seed defined them
-- (docs/schema-reference.md), created where absent and checked where present.
--
-- This is the step that broke the seed: CREATE TABLE IF NOT EXISTS silently
-- keeps an older table of the same name, and the index or view built on it
-- then aborts half-way.  So before creating anything we compare every seed
-- table that already exists with the columns it must have, and stop with one
-- message naming the table and what differs.  The migration runs in one
-- transaction, so stopping leaves the database exactly as it was.

DO $check$
DECLARE
    r record;
    problems text := '';
BEGIN
    FOR r IN
        WITH expected(tbl, col, fam) AS (VALUES
        ('performance_snapshots','id','int'),
        ('performance_snapshots','decision_id','uuid'),
        ('performance_snapshots','tweet_id','text'),
        ('performance_snapshots','snapshot_at','ts'),
        ('performance_snapshots','hours_since_post','num'),
        ('performance_snapshots','likes','int'),
        ('performance_snapshots','retweets','int'),
        ('performance_snapshots','replies','int'),
        ('performance_snapshots','quotes','int'),
        ('performance_snapshots','bookmarks','int'),
        ('performance_snapshots','impressions','int'),
        ('performance_snapshots','views','int'),
        ('performance_snapshots','profile_clicks','int'),
        ('performance_snapshots','url_clicks','int'),
        ('performance_snapshots','detail_expands','int'),
        ('performance_snapshots','engagement_rate','num'),
        ('performance_snapshots','viral_coefficient','num'),
        ('performance_snapshots','reply_rate','num'),
        ('performance_snapshots','bookmark_rate','num'),
        ('performance_snapshots','followers_at_snapshot','int'),
        ('performance_snapshots','followers_gained_since_post','int'),
        ('performance_snapshots','snapshot_metadata','json'),
        ('performance_snapshots','created_at','ts'),
        ('follower_attributions','id','int'),
        ('follower_attributions','decision_id','uuid'),
        ('follower_attributions','tweet_id','text'),
        ('follower_attributions','followers_before','int'),
        ('follower_attributions','followers_after','int'),
        ('follower_attributions','followers_gained','int'),
        ('follower_attributions','confidence_score','num'),
        ('follower_attributions','attribution_method','text'),
        ('follower_attributions','measured_at','ts'),
        ('follower_attributions','time_window_hours','num'),
        ('follower_attributions','avg_follower_engagement','num'),
        ('follower_attributions','follower_retention_rate','num'),
        ('follower_attributions','attribution_metadata','json'),
        ('follower_attributions','created_at','ts'),
        ('content_type_performance','id','int'),
        ('content_type_performance','content_type_id','text'),
        ('content_type_performance','content_type_name','text'),
        ('content_type_performance','posts_count','int'),
        ('content_type_performance','avg_likes','num'),
        ('content_type_performance','avg_retweets','num'),
        ('content_type_performance','avg_replies','num'),
        ('content_type_performance','avg_impressions','num'),
        ('content_type_performance','avg_engagement_rate','num'),
        ('content_type_performance','total_followers_gained','int'),
        ('content_type_performance','avg_followers_per_post','num'),
        ('content_type_performance','follower_conversion_rate','num'),
        ('content_type_performance','thompson_alpha','num'),
        ('content_type_performance','thompson_beta','num'),
        ('content_type_performance','selection_score','num'),
        ('content_type_performance','last_updated','ts'),
        ('content_type_performance','created_at','ts'),
        ('formula_performance','id','int'),
        ('formula_performance','formula_name','text'),
        ('formula_performance','posts_count','int'),
        ('formula_performance','avg_likes','num'),
        ('formula_performance','avg_retweets','num'),
        ('formula_performance','avg_engagement_rate','num'),
        ('formula_performance','total_followers_gained','int'),
        ('formula_performance','avg_followers_per_post','num'),
        ('formula_performance','success_rate','num'),
        ('formula_performance','viral_coefficient','num'),
        ('formula_performance','thompson_alpha','num'),
        ('formula_performance','thompson_beta','num'),
        ('formula_performance','last_used','ts'),
        ('formula_performance','last_updated','ts'),
        ('formula_performance','created_at','ts'),
        ('learning_updates','id','int'),
        ('learning_updates','update_type','text'),
        ('learning_updates','component','text'),
        ('learning_updates','updates_applied','json'),
        ('learning_updates','insights_summary','json'),
        ('learning_updates','performance_before','json'),
        ('learning_updates','performance_after','json'),
        ('learning_updates','improvement_score','num'),
        ('learning_updates','created_at','ts'),
        ('tweet_analytics_comprehensive','id','int'),
        ('tweet_analytics_comprehensive','decision_id','uuid'),
        ('tweet_analytics_comprehensive','tweet_id','text'),
        ('tweet_analytics_comprehensive','likes','int'),
        ('tweet_analytics_comprehensive','retweets','int'),
        ('tweet_analytics_comprehensive','replies','int'),
        ('tweet_analytics_comprehensive','quotes','int'),
        ('tweet_analytics_comprehensive','bookmarks','int'),
        ('tweet_analytics_comprehensive','media_views','int'),
        ('tweet_analytics_comprehensive','media_engagements','int'),
        ('tweet_analytics_comprehensive','url_clicks','int'),
        ('tweet_analytics_comprehensive','hashtag_clicks','int'),
        ('tweet_analytics_comprehensive','detail_expands','int'),
        ('tweet_analytics_comprehensive','profile_clicks','int'),
        ('tweet_analytics_comprehensive','impressions','int'),
        ('tweet_analytics_comprehensive','impressions_organic','int'),
        ('tweet_analytics_comprehensive','impressions_promoted','int'),
        ('tweet_analytics_comprehensive','impressions_viral','int'),
        ('tweet_analytics_comprehensive','user_profile_clicks','int'),
        ('tweet_analytics_comprehensive','followers_before','int'),
        ('tweet_analytics_comprehensive','followers_after','int'),
        ('tweet_analytics_comprehensive','followers_gained','int'),
        ('tweet_analytics_comprehensive','follows_from_tweet','int'),
        ('tweet_analytics_comprehensive','posted_at','ts'),
        ('tweet_analytics_comprehensive','peak_engagement_at','ts'),
        ('tweet_analytics_comprehensive','time_to_peak_minutes','int'),
        ('tweet_analytics_comprehensive','half_life_minutes','int'),
        ('tweet_analytics_comprehensive','viral_coefficient','num'),
        ('tweet_analytics_comprehensive','amplification_rate','num'),
        ('tweet_analytics_comprehensive','conversation_rate','num'),
        ('tweet_analytics_comprehensive','engagement_rate','num'),
        ('tweet_analytics_comprehensive','reply_sentiment_positive','int'),
        ('tweet_analytics_comprehensive','reply_sentiment_negative','int'),
        ('tweet_analytics_comprehensive','reply_sentiment_neutral','int'),
        ('tweet_analytics_comprehensive','avg_reply_sentiment','num'),
        ('tweet_analytics_comprehensive','audience_size_reached','int'),
        ('tweet_analytics_comprehensive','audience_retention_rate','num'),
        ('tweet_analytics_comprehensive','new_audience_percentage','num'),
        ('tweet_analytics_comprehensive','engagement_decay_rate','num'),
        ('tweet_analytics_comprehensive','longevity_score','num'),
        ('tweet_analytics_comprehensive','content_type','text'),
        ('tweet_analytics_comprehensive','viral_formula','text'),
        ('tweet_analytics_comprehensive','hook_used','text'),
        ('tweet_analytics_comprehensive','content_length','int'),
        ('tweet_analytics_comprehensive','has_media','bool'),
        ('tweet_analytics_comprehensive','has_url','bool'),
        ('tweet_analytics_comprehensive','has_hashtags','bool'),
        ('tweet_analytics_comprehensive','predicted_likes','int'),
        ('tweet_analytics_comprehensive','predicted_engagement_rate','num'),
        ('tweet_analytics_comprehensive','prediction_error','num'),
        ('tweet_analytics_comprehensive','prediction_accuracy','num'),
        ('tweet_analytics_comprehensive','analytics_metadata','json'),
        ('tweet_analytics_comprehensive','last_scraped_at','ts'),
        ('tweet_analytics_comprehensive','created_at','ts'),
        ('tweet_analytics_comprehensive','updated_at','ts'),
        ('reply_performance','id','int'),
        ('reply_performance','decision_id','uuid'),
        ('reply_performance','reply_tweet_id','text'),
        ('reply_performance','parent_tweet_id','text'),
        ('reply_performance','parent_username','text'),
        ('reply_performance','likes','int'),
        ('reply_performance','replies','int'),
        ('reply_performance','impressions','int'),
        ('reply_performance','followers_gained','int'),
        ('reply_performance','parent_author_followed','bool'),
        ('reply_performance','reply_sentiment','text'),
        ('reply_performance','reply_relevance_score','num'),
        ('reply_performance','conversation_continuation','bool'),
        ('reply_performance','engagement_rate','num'),
        ('reply_performance','visibility_score','num'),
        ('reply_performance','reply_metadata','json'),
        ('reply_performance','created_at','ts'),
        ('reply_performance','updated_at','ts'),
        ('system_health_metrics','id','int'),
        ('system_health_metrics','metric_type','text'),
        ('system_health_metrics','posts_per_hour','num'),
        ('system_health_metrics','avg_engagement_rate','num'),
        ('system_health_metrics','followers_per_day','num'),
        ('system_health_metrics','learning_cycles_completed','int'),
        ('system_health_metrics','posting_success_rate','num'),
        ('system_health_metrics','quality_pass_rate','num'),
        ('system_health_metrics','api_success_rate','num'),
        ('system_health_metrics','avg_generation_time_ms','int'),
        ('system_health_metrics','avg_posting_time_ms','int'),
        ('system_health_metrics','error_rate','num'),
        ('system_health_metrics','daily_api_cost_usd','num'),
        ('system_health_metrics','cost_per_follower_usd','num'),
        ('system_health_metrics','roi','num'),
        ('system_health_metrics','metrics_snapshot','json'),
        ('system_health_metrics','measured_at','ts'),
        ('system_health_metrics','created_at','ts')        ),
        present AS (
            SELECT c.relname AS tbl, a.attname AS col, format_type(a.atttypid, a.atttypmod) AS typ
              FROM pg_attribute a
              JOIN pg_class c ON c.oid = a.attrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND a.attnum > 0 AND NOT a.attisdropped
        ),
        existing AS (
            SELECT c.relname AS tbl, c.relkind
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema()
        ),
        typed AS (
            SELECT e.tbl, e.col, e.fam, p.typ,
                   CASE
                       WHEN p.typ IN ('smallint', 'integer', 'bigint') THEN 'int'
                       WHEN p.typ LIKE 'numeric%' OR p.typ IN ('real', 'double precision') THEN 'num'
                       WHEN p.typ = 'text' OR p.typ LIKE 'character%' THEN 'text'
                       WHEN p.typ LIKE 'timestamp%' THEN 'ts'
                       WHEN p.typ IN ('json', 'jsonb') THEN 'json'
                       WHEN p.typ = 'boolean' THEN 'bool'
                       ELSE p.typ
                   END AS pfam
              FROM expected e
              JOIN existing x ON x.tbl = e.tbl AND x.relkind IN ('r', 'p')
              LEFT JOIN present p ON p.tbl = e.tbl AND p.col = e.col
        )
        SELECT tbl,
               string_agg(CASE WHEN typ IS NULL THEN 'column ' || col || ' is missing'
                               ELSE 'column ' || col || ' is ' || typ || ' (expected ' || fam || ')' END,
                          ', ' ORDER BY col) AS what
          FROM typed
         WHERE typ IS NULL OR NOT (pfam = fam OR (fam = 'num' AND pfam = 'int'))
         GROUP BY tbl
         ORDER BY tbl
    LOOP
        problems := problems || format('; table %I has a different shape: %s', r.tbl, r.what);
    END LOOP;

    -- A view or other non-table object under a seed table's name is a conflict too.
    FOR r IN
        SELECT c.relname AS tbl, c.relkind
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relkind NOT IN ('r', 'p', 'i', 'S')
           AND c.relname IN ('performance_snapshots', 'follower_attributions', 'content_type_performance',
                             'formula_performance', 'learning_updates', 'tweet_analytics_comprehensive',
                             'reply_performance', 'system_health_metrics', 'content_metadata')
    LOOP
        problems := problems || format('; %I exists but is not a table', r.tbl);
    END LOOP;

    -- content_metadata: either of the bot's shapes (text id, or uuid decision_id).
    IF to_regclass(format('%I.content_metadata', current_schema())) IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM information_schema.columns
                        WHERE table_schema = current_schema() AND table_name = 'content_metadata'
                          AND ((column_name = 'id' AND data_type IN ('text', 'character varying', 'uuid'))
                               OR (column_name = 'decision_id' AND data_type = 'uuid'))) THEN
        problems := problems || '; table content_metadata has neither a text "id" nor a uuid "decision_id" column';
    END IF;

    IF problems <> '' THEN
        RAISE EXCEPTION 'cannot adopt this database: %', substr(problems, 3)
              USING ERRCODE = 'XE001',
                    HINT = 'rename or migrate the conflicting table, then run "xetl migrate" again; nothing was changed';
    END IF;
END
$check$;

-- The bot's content table.  An adopted database keeps its own shape; a new one
-- gets xetl's standalone shape: the uuid shape plus the posted tweet's id.
CREATE TABLE IF NOT EXISTS content_metadata (
    id bigserial PRIMARY KEY,
    decision_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    decision_type text NOT NULL DEFAULT 'single',
    content text NOT NULL,
    status text NOT NULL DEFAULT 'queued',
    tweet_id text,
    target_tweet_id text,
    target_username text,
    scheduled_at timestamptz,
    posted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The seed's one real fix: the column whose absence stopped every post.
ALTER TABLE content_metadata ADD COLUMN IF NOT EXISTS generation_metadata jsonb;
CREATE INDEX IF NOT EXISTS idx_content_metadata_generation_metadata
    ON content_metadata USING gin (generation_metadata);

-- The seed's eight tables, exactly as its migration 20251015_comprehensive_data_storage.sql
-- created them (tests build a "seed-era" database from this section).
CREATE TABLE IF NOT EXISTS performance_snapshots (
    id bigserial primary key,
    decision_id uuid not null,
    tweet_id text not null,
    snapshot_at timestamptz not null default now(),
    hours_since_post numeric(10,2) not null,
    likes integer default 0,
    retweets integer default 0,
    replies integer default 0,
    quotes integer default 0,
    bookmarks integer default 0,
    impressions integer default 0,
    views integer default 0,
    profile_clicks integer default 0,
    url_clicks integer default 0,
    detail_expands integer default 0,
    engagement_rate numeric(10,4) default 0,
    viral_coefficient numeric(10,4) default 0,
    reply_rate numeric(10,4) default 0,
    bookmark_rate numeric(10,4) default 0,
    followers_at_snapshot integer,
    followers_gained_since_post integer default 0,
    snapshot_metadata jsonb,
    created_at timestamptz not null default now(),
    UNIQUE(decision_id, hours_since_post)
);

CREATE TABLE IF NOT EXISTS follower_attributions (
    id bigserial primary key,
    decision_id uuid not null,
    tweet_id text not null,
    followers_before integer not null,
    followers_after integer not null,
    followers_gained integer not null,
    confidence_score numeric(5,4) not null,
    attribution_method text not null,
    measured_at timestamptz not null default now(),
    time_window_hours numeric(10,2) not null,
    avg_follower_engagement numeric(10,4),
    follower_retention_rate numeric(5,4),
    attribution_metadata jsonb,
    created_at timestamptz not null default now(),
    UNIQUE(decision_id, time_window_hours)
);

CREATE TABLE IF NOT EXISTS content_type_performance (
    id bigserial primary key,
    content_type_id text not null,
    content_type_name text not null,
    posts_count integer default 0,
    avg_likes numeric(10,2) default 0,
    avg_retweets numeric(10,2) default 0,
    avg_replies numeric(10,2) default 0,
    avg_impressions numeric(10,2) default 0,
    avg_engagement_rate numeric(10,4) default 0,
    total_followers_gained integer default 0,
    avg_followers_per_post numeric(10,2) default 0,
    follower_conversion_rate numeric(10,4) default 0,
    thompson_alpha numeric(10,4) default 1.0,
    thompson_beta numeric(10,4) default 1.0,
    selection_score numeric(10,4) default 0.5,
    last_updated timestamptz not null default now(),
    created_at timestamptz not null default now(),
    UNIQUE(content_type_id)
);

CREATE TABLE IF NOT EXISTS formula_performance (
    id bigserial primary key,
    formula_name text not null,
    posts_count integer default 0,
    avg_likes numeric(10,2) default 0,
    avg_retweets numeric(10,2) default 0,
    avg_engagement_rate numeric(10,4) default 0,
    total_followers_gained integer default 0,
    avg_followers_per_post numeric(10,2) default 0,
    success_rate numeric(5,4) default 0.5,
    viral_coefficient numeric(10,4) default 0,
    thompson_alpha numeric(10,4) default 1.0,
    thompson_beta numeric(10,4) default 1.0,
    last_used timestamptz,
    last_updated timestamptz not null default now(),
    created_at timestamptz not null default now(),
    UNIQUE(formula_name)
);

CREATE TABLE IF NOT EXISTS learning_updates (
    id bigserial primary key,
    update_type text not null,
    component text not null,
    updates_applied jsonb not null,
    insights_summary jsonb,
    performance_before jsonb,
    performance_after jsonb,
    improvement_score numeric(10,4),
    created_at timestamptz not null default now()
);

CREATE TABLE IF NOT EXISTS tweet_analytics_comprehensive (
    id bigserial primary key,
    decision_id uuid not null,
    tweet_id text not null,
    likes integer default 0,
    retweets integer default 0,
    replies integer default 0,
    quotes integer default 0,
    bookmarks integer default 0,
    media_views integer default 0,
    media_engagements integer default 0,
    url_clicks integer default 0,
    hashtag_clicks integer default 0,
    detail_expands integer default 0,
    profile_clicks integer default 0,
    impressions integer default 0,
    impressions_organic integer default 0,
    impressions_promoted integer default 0,
    impressions_viral integer default 0,
    user_profile_clicks integer default 0,
    followers_before integer,
    followers_after integer,
    followers_gained integer default 0,
    follows_from_tweet integer default 0,
    posted_at timestamptz,
    peak_engagement_at timestamptz,
    time_to_peak_minutes integer,
    half_life_minutes integer,
    viral_coefficient numeric(10,4),
    amplification_rate numeric(10,4),
    conversation_rate numeric(10,4),
    engagement_rate numeric(10,4),
    reply_sentiment_positive integer default 0,
    reply_sentiment_negative integer default 0,
    reply_sentiment_neutral integer default 0,
    avg_reply_sentiment numeric(5,2),
    audience_size_reached integer,
    audience_retention_rate numeric(5,4),
    new_audience_percentage numeric(5,4),
    engagement_decay_rate numeric(10,4),
    longevity_score numeric(10,4),
    content_type text,
    viral_formula text,
    hook_used text,
    content_length integer,
    has_media boolean default false,
    has_url boolean default false,
    has_hashtags boolean default false,
    predicted_likes integer,
    predicted_engagement_rate numeric(10,4),
    prediction_error numeric(10,4),
    prediction_accuracy numeric(10,4),
    analytics_metadata jsonb,
    last_scraped_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    UNIQUE(tweet_id)
);

CREATE TABLE IF NOT EXISTS reply_performance (
    id bigserial primary key,
    decision_id uuid not null,
    reply_tweet_id text not null,
    parent_tweet_id text not null,
    parent_username text not null,
    likes integer default 0,
    replies integer default 0,
    impressions integer default 0,
    followers_gained integer default 0,
    parent_author_followed boolean default false,
    reply_sentiment text,
    reply_relevance_score numeric(5,4),
    conversation_continuation boolean default false,
    engagement_rate numeric(10,4),
    visibility_score numeric(10,4),
    reply_metadata jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    UNIQUE(reply_tweet_id)
);

CREATE TABLE IF NOT EXISTS system_health_metrics (
    id bigserial primary key,
    metric_type text not null,
    posts_per_hour numeric(10,2),
    avg_engagement_rate numeric(10,4),
    followers_per_day numeric(10,2),
    learning_cycles_completed integer,
    posting_success_rate numeric(5,4),
    quality_pass_rate numeric(5,4),
    api_success_rate numeric(5,4),
    avg_generation_time_ms integer,
    avg_posting_time_ms integer,
    error_rate numeric(5,4),
    daily_api_cost_usd numeric(10,6),
    cost_per_follower_usd numeric(10,6),
    roi numeric(10,4),
    metrics_snapshot jsonb,
    measured_at timestamptz not null default now(),
    created_at timestamptz not null default now()
);
