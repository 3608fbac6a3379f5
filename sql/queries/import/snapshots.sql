-- One performance_snapshots row (source 'import') per staged post at the
-- file's as-of; a row already there is rewritten only when a value differs.
-- The export's own engagement rate counts clicks too, so the columns' rates
-- are computed here as everywhere else; the export's other values go to
-- snapshot_metadata.  $1 account, $2 as-of, $3 file name, $4 format.
-- New rows by a plain INSERT, existing ones through ON CONFLICT (see posts.sql).
-- One row: how many rows were inserted or changed.
WITH n AS NOT MATERIALIZED (
    SELECT $1::bigint AS account_id, s.decision_id, s.tweet_id, $2::timestamptz AS snapshot_at, 'import' AS source,
           extract(epoch FROM $2::timestamptz - s.posted_at)::numeric / 3600 AS hours_since_post,
           s.likes, s.retweets, s.replies, s.quotes, s.bookmarks, s.impressions,
           s.profile_clicks, s.url_clicks, s.detail_expands,
           CASE WHEN s.impressions > 0 AND s.likes IS NOT NULL THEN
               (s.likes + coalesce(s.retweets, 0) + coalesce(s.replies, 0))::numeric / s.impressions END,
           CASE WHEN s.impressions > 0 THEN s.retweets::numeric / s.impressions END,
           CASE WHEN s.impressions > 0 THEN s.replies::numeric / s.impressions END,
           CASE WHEN s.impressions > 0 THEN s.bookmarks::numeric / s.impressions END,
           jsonb_build_object('import', jsonb_build_object('file', $3::text, 'format', $4::text, 'line', s.line),
                              'columns', s.extra)
      FROM import_rows s),
old AS (
    INSERT INTO performance_snapshots AS ps (account_id, decision_id, tweet_id, snapshot_at, source,
        hours_since_post, likes, retweets, replies, quotes, bookmarks, impressions, profile_clicks,
        url_clicks, detail_expands, engagement_rate, viral_coefficient, reply_rate, bookmark_rate,
        snapshot_metadata)
    SELECT * FROM n
     WHERE EXISTS (SELECT 1 FROM performance_snapshots x
                    WHERE x.account_id = n.account_id AND x.tweet_id = n.tweet_id
                      AND x.snapshot_at = n.snapshot_at AND x.source = n.source)
        ON CONFLICT (account_id, tweet_id, snapshot_at, source) DO UPDATE
       SET decision_id = excluded.decision_id, hours_since_post = excluded.hours_since_post,
           likes = excluded.likes, retweets = excluded.retweets, replies = excluded.replies,
           quotes = excluded.quotes, bookmarks = excluded.bookmarks, impressions = excluded.impressions,
           profile_clicks = excluded.profile_clicks, url_clicks = excluded.url_clicks,
           detail_expands = excluded.detail_expands, engagement_rate = excluded.engagement_rate,
           viral_coefficient = excluded.viral_coefficient, reply_rate = excluded.reply_rate,
           bookmark_rate = excluded.bookmark_rate, snapshot_metadata = excluded.snapshot_metadata
     WHERE (ps.decision_id, ps.hours_since_post, ps.likes, ps.retweets, ps.replies, ps.quotes,
            ps.bookmarks, ps.impressions, ps.profile_clicks, ps.url_clicks, ps.detail_expands,
            ps.engagement_rate, ps.viral_coefficient, ps.reply_rate, ps.bookmark_rate,
            ps.snapshot_metadata::jsonb)
           IS DISTINCT FROM
           (excluded.decision_id, excluded.hours_since_post, excluded.likes, excluded.retweets,
            excluded.replies, excluded.quotes, excluded.bookmarks, excluded.impressions,
            excluded.profile_clicks, excluded.url_clicks, excluded.detail_expands,
            excluded.engagement_rate, excluded.viral_coefficient, excluded.reply_rate,
            excluded.bookmark_rate, excluded.snapshot_metadata::jsonb)
    RETURNING 1),
new AS (
    INSERT INTO performance_snapshots (account_id, decision_id, tweet_id, snapshot_at, source,
        hours_since_post, likes, retweets, replies, quotes, bookmarks, impressions, profile_clicks,
        url_clicks, detail_expands, engagement_rate, viral_coefficient, reply_rate, bookmark_rate,
        snapshot_metadata)
    SELECT * FROM n
     WHERE NOT EXISTS (SELECT 1 FROM performance_snapshots x
                        WHERE x.account_id = n.account_id AND x.tweet_id = n.tweet_id
                          AND x.snapshot_at = n.snapshot_at AND x.source = n.source)
    RETURNING 1)
SELECT (SELECT count(*) FROM old) + (SELECT count(*) FROM new) AS changed
