-- 0131 bot_content: the bot's content rows in one shape, whatever shape of
-- content_metadata (and posted_decisions) this database adopted (docs/schema.md,
-- "Adopting an existing bot database").  Built here once, from the catalog, so a
-- stage reads xetl.bot_content instead of probing the catalog on every run.
--
-- One row per content_metadata row: its decision id as text (the uuid shapes'
-- decision_id, the text-id shape's id), the tweet it became (the standalone
-- shape's tweet_id, else one of its posted_decisions rows: all are one
-- account's), status and
-- type, its text, and the time of its outcome: posted_at, else updated_at,
-- scheduled_at, created_at, of the columns the shape has.  A column the shape
-- lacks is NULL.

-- col_or_null('cm', 'content_metadata', 'status', 'text') = 'cm.status::text'
-- when the column exists, else 'NULL::text'.
CREATE FUNCTION xetl.col_or_null(alias text, tbl text, col text, typ text) RETURNS text
LANGUAGE sql STABLE AS $fn$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM information_schema.columns
                              WHERE table_schema = current_schema() AND table_name = tbl AND column_name = col)
                THEN format('%I.%I::%s', alias, col, typ) ELSE format('NULL::%s', typ) END
$fn$;

DO $view$
DECLARE
    id_col text;
    pd boolean := to_regclass(format('%I.posted_decisions', current_schema())) IS NOT NULL;
    tweet text;
BEGIN
    id_col := CASE WHEN xetl.col_or_null('cm', 'content_metadata', 'decision_id', 'text') LIKE 'cm.%'
                   THEN 'decision_id' ELSE 'id' END;
    tweet := xetl.col_or_null('cm', 'content_metadata', 'tweet_id', 'text');
    IF pd THEN
        tweet := format('coalesce(%s, pd.tweet_id)', tweet);
    END IF;
    EXECUTE format($v$
        CREATE VIEW xetl.bot_content AS
        SELECT cm.%1$I::text AS decision_ref,
               CASE WHEN cm.%1$I::text ~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'
                    THEN cm.%1$I::text::uuid END AS decision_id,
               %2$s AS tweet_id,
               %3$s AS status,
               %4$s AS decision_type,
               cm.content,
               %5$s AS posted_at,
               coalesce(%5$s, %6$s, %7$s, %8$s) AS outcome_at,
               %9$s AS generation_metadata
          FROM content_metadata cm
          %10$s
    $v$, id_col, tweet,
         xetl.col_or_null('cm', 'content_metadata', 'status', 'text'),
         xetl.col_or_null('cm', 'content_metadata', 'decision_type', 'text'),
         xetl.col_or_null('cm', 'content_metadata', 'posted_at', 'timestamptz'),
         xetl.col_or_null('cm', 'content_metadata', 'updated_at', 'timestamptz'),
         xetl.col_or_null('cm', 'content_metadata', 'scheduled_at', 'timestamptz'),
         xetl.col_or_null('cm', 'content_metadata', 'created_at', 'timestamptz'),
         xetl.col_or_null('cm', 'content_metadata', 'generation_metadata', 'jsonb'),
         CASE WHEN pd THEN format(
             'LEFT JOIN (SELECT decision_id::text AS ref, min(tweet_id::text) AS tweet_id'
             '             FROM posted_decisions GROUP BY 1) pd ON pd.ref = cm.%I::text', id_col)
         ELSE '' END);
END
$view$;

-- The dashboards' view, the same columns as 0002 made it, now over
-- xetl.bot_content.  A thread's figures are still its first tweet's (by
-- posted_at, then tweet id), picked by a window over the account's rows
-- instead of a LATERAL ... LIMIT 1, and its attribution is joined on the
-- account too, so both run where the account's rows are (docs/scaling.md).
DROP VIEW latest_post_performance;
CREATE VIEW latest_post_performance AS
SELECT b.decision_ref AS decision_id, b.content, b.generation_metadata, b.status, b.posted_at,
       tac.likes, tac.retweets, tac.engagement_rate, tac.followers_gained,
       tac.content_type, tac.viral_formula,
       fa.followers_gained AS attributed_followers,
       fa.confidence_score AS attribution_confidence
  FROM xetl.bot_content b
  LEFT JOIN (SELECT t.*, row_number() OVER (PARTITION BY t.account_id, t.decision_id
                                            ORDER BY t.posted_at NULLS LAST, t.tweet_id) AS nth
               FROM tweet_analytics_comprehensive t) tac
         ON tac.decision_id::text = b.decision_ref AND tac.nth = 1
  LEFT JOIN follower_attributions fa
         ON fa.account_id = tac.account_id AND fa.tweet_id = tac.tweet_id AND fa.time_window_hours = 24
 WHERE b.status = 'posted'
 ORDER BY b.posted_at DESC NULLS LAST;
