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
