-- The staging of one export file, created inside its transaction (a script, no
-- parameters).  Every record of the file is one row of import_stage (per-post
-- exports) or import_days (the overview): a row that loads has reason NULL and
-- its typed values, a rejected one its reason; line and raw are kept for both,
-- since the checks made here (a repeated id, another account's post) reject
-- rows too.  import_dec holds the decision ids found for posts (few rows);
-- import_rows is what loads, with the derived decision id for the rest.
CREATE TEMP TABLE import_stage (
    line integer, raw text, reason text,
    tweet_id text, posted_at timestamptz, text text, permalink text,
    impressions integer, engagements integer, engagement_rate numeric,
    retweets integer, replies integer, likes integer, quotes integer, bookmarks integer,
    profile_clicks integer, url_clicks integer, hashtag_clicks integer, detail_expands integer,
    media_views integer, media_engagements integer, follows integer, impressions_promoted integer,
    extra jsonb) ON COMMIT DROP;
CREATE TEMP TABLE import_days (
    line integer, raw text, reason text,
    day date, new_follows integer, unfollows integer, metrics jsonb) ON COMMIT DROP;
CREATE TEMP TABLE import_dec (
    tweet_id text PRIMARY KEY, decision_id uuid NOT NULL, bot boolean NOT NULL) ON COMMIT DROP;
CREATE TEMP VIEW import_rows AS
SELECT s.*, coalesce(d.decision_id, xetl.derived_decision_id(s.tweet_id)) AS decision_id,
       coalesce(d.bot, false) AS bot
  FROM import_stage s LEFT JOIN import_dec d ON d.tweet_id = s.tweet_id
 WHERE s.reason IS NULL;
CREATE TEMP VIEW import_rej AS
SELECT line, raw, reason FROM import_stage WHERE reason IS NOT NULL
UNION ALL
SELECT line, raw, reason FROM import_days WHERE reason IS NOT NULL;
-- The file's own values (account, as-of, name, format: import/file_params),
-- one row, so the target rows below are views, each spelled once for the
-- statement that inserts new rows and the one that merges existing ones.
CREATE TEMP TABLE import_file (account_id bigint, as_of timestamptz, file text, format text) ON COMMIT DROP;
-- Which staged posts each target already has for the account, and whether
-- the import changes the row (import/have_*), read before anything is
-- written: those that differ are updated, the others are left alone, and the
-- posts not there are inserted.
CREATE TEMP TABLE import_have (target text, tweet_id text, differs boolean NOT NULL,
                               PRIMARY KEY (target, tweet_id)) ON COMMIT DROP;
-- The analytics rows that change, as stored (import/analytics_old), and their
-- merged values (import/analytics_merged).
CREATE TEMP TABLE import_aold (LIKE tweet_analytics_comprehensive) ON COMMIT DROP;
CREATE TEMP TABLE import_amerged (
    tweet_id text PRIMARY KEY, posted_at timestamptz, likes integer, retweets integer, replies integer,
    quotes integer, bookmarks integer, impressions integer, media_views integer, media_engagements integer,
    url_clicks integer, hashtag_clicks integer, detail_expands integer, user_profile_clicks integer,
    impressions_promoted integer, analytics_metadata jsonb, last_scraped_at timestamptz) ON COMMIT DROP;
CREATE TEMP VIEW import_post_rows AS
SELECT s.tweet_id, f.account_id, s.decision_id, 'post'::text AS kind, s.posted_at, s.text,
       CASE WHEN s.bot THEN 'bot' ELSE 'import' END AS origin, f.as_of AS first_seen_at
  FROM import_rows s CROSS JOIN import_file f;
-- The export's own engagement rate counts clicks too: the columns' rates are
-- computed here as everywhere else; its other values go to snapshot_metadata.
CREATE TEMP VIEW import_snapshot_rows AS
SELECT f.account_id, s.decision_id, s.tweet_id, f.as_of AS snapshot_at, 'import'::text AS source,
       extract(epoch FROM f.as_of - s.posted_at)::numeric / 3600 AS hours_since_post,
       s.likes, s.retweets, s.replies, s.quotes, s.bookmarks, s.impressions,
       s.profile_clicks, s.url_clicks, s.detail_expands,
       -- the one definition (docs/metrics.md); an export without likes says nothing about it
       CASE WHEN s.likes IS NOT NULL THEN xetl.engagement_rate(s.likes, s.retweets, s.replies, s.impressions) END
           AS engagement_rate,
       CASE WHEN s.impressions > 0 THEN s.retweets::numeric / s.impressions END AS viral_coefficient,
       CASE WHEN s.impressions > 0 THEN s.replies::numeric / s.impressions END AS reply_rate,
       CASE WHEN s.impressions > 0 THEN s.bookmarks::numeric / s.impressions END AS bookmark_rate,
       jsonb_build_object('import', jsonb_build_object('file', f.file, 'format', f.format, 'line', s.line),
                          'columns', s.extra) AS snapshot_metadata
  FROM import_rows s CROSS JOIN import_file f;
CREATE TEMP VIEW import_analytics_rows AS
SELECT f.account_id, s.decision_id, s.tweet_id, s.posted_at, f.as_of AS last_scraped_at,
       jsonb_build_object('import', jsonb_build_object('as_of', f.as_of, 'file', f.file,
                                                       'format', f.format, 'columns', s.extra))
           AS analytics_metadata,
       s.likes, s.retweets, s.replies, s.quotes, s.bookmarks, s.impressions, s.media_views,
       s.media_engagements, s.url_clicks, s.hashtag_clicks, s.detail_expands,
       s.profile_clicks AS user_profile_clicks, s.impressions_promoted
  FROM import_rows s CROSS JOIN import_file f;
CREATE TEMP VIEW import_follow_rows AS
SELECT s.tweet_id, f.account_id, s.follows, f.as_of, f.file AS source_file
  FROM import_rows s CROSS JOIN import_file f WHERE s.follows IS NOT NULL;
