-- attribute: this run's rows, COPYed before they are merged into place:
-- attr_fa the follower_attributions windows, attr_tac the 168 h counts of
-- each post's tweet_analytics_comprehensive row.  No parameters.
CREATE TEMP TABLE attr_fa (decision_id uuid, tweet_id text, followers_before numeric, followers_after numeric,
                           followers_gained integer, confidence_score numeric, attribution_method text,
                           time_window_hours numeric, follower_retention_rate numeric,
                           attribution_metadata jsonb, followers_credited numeric) ON COMMIT DROP;
CREATE TEMP TABLE attr_tac (decision_id uuid, tweet_id text, posted_at timestamptz, followers_before numeric,
                            followers_after numeric, followers_gained integer, follows_from_tweet integer) ON COMMIT DROP
