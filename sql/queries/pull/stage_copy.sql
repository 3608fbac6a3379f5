-- Loads pull_stage; the columns in the order etl/pull_store.c writes them.
COPY pull_stage (tweet_id, raw_response_id, has_metrics, created_at, text, kind, parent_tweet_id,
                 parent_username, decision_id, origin, content_type_id, content_type_name, viral_formula,
                 hook_used, generation_metadata, likes, retweets, replies, quotes, bookmarks, impressions,
                 url_clicks, profile_clicks, impressions_organic, metrics_extra, err_status, err_detail)
FROM STDIN
