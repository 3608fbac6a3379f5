-- The import snapshots already there at this as-of: rewritten only when a
-- value differs.  No parameters.
INSERT INTO performance_snapshots AS ps (account_id, decision_id, tweet_id, snapshot_at, source,
        hours_since_post, likes, retweets, replies, quotes, bookmarks, impressions, profile_clicks,
        url_clicks, detail_expands, engagement_rate, viral_coefficient, reply_rate, bookmark_rate,
        snapshot_metadata)
SELECT n.* FROM import_snapshot_rows n JOIN import_have h ON h.target = 'snapshots' AND h.tweet_id = n.tweet_id
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
RETURNING 1
