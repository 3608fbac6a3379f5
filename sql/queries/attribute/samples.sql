-- attribute: follower samples in [the last one at or before $2, $3]; one per
-- second, the api's first.  $1 account_id, $2..$3 the span.
SELECT DISTINCT ON (e) e, followers_count FROM (
       SELECT extract(epoch FROM sampled_at)::bigint AS e, followers_count, source
         FROM xetl.follower_samples
        WHERE account_id = $1 AND sampled_at <= $3
          AND sampled_at >= coalesce((SELECT max(sampled_at) FROM xetl.follower_samples
                                       WHERE account_id = $1 AND sampled_at <= $2), $2)) s
 ORDER BY e, (source = 'api') DESC, source
