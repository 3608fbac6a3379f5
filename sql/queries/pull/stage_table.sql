-- The transaction's stage table: one row per post seen in a landed body (etl/pull_parse.h, struct pull_row).
CREATE TEMP TABLE pull_stage (
    tweet_id text NOT NULL, raw_response_id bigint NOT NULL, has_metrics boolean NOT NULL,
    created_at timestamptz, text text, kind text, parent_tweet_id text, parent_username text,
    decision_id uuid, origin text, content_type_id text, content_type_name text, viral_formula text,
    hook_used text, generation_metadata jsonb, likes integer, retweets integer, replies integer,
    quotes integer, bookmarks integer, impressions integer, url_clicks integer, profile_clicks integer,
    impressions_organic integer, metrics_extra jsonb, err_status text, err_detail text
) ON COMMIT DROP
