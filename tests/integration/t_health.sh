#!/bin/sh
# xetl health: daily rows per kind, posting/API success, engagement,
# followers, learning cycles, prediction quality, and the cost model with
# costs, cost per follower and ROI recomputed by hand (docs/learning.md).
. "$XETL_ROOT/tests/lib/testlib.sh"

newdb
ASOF=2026-11-25T00:00:00Z
ok "account added" "$XETL" -q account add acme --user-id 42
AID=$(sql "SELECT account_id FROM xetl.accounts WHERE handle = 'acme'")

# Day 1 (2026-11-01): a bot thread (2 tweets, cost_usd 0.02 recorded once per
# decision), a bot post with cost 0.03, a bot post with no recorded cost, a
# timeline post (no LLM).  Day 2: one bot post without a recorded cost.
sql "
INSERT INTO xetl.posts (tweet_id, account_id, decision_id, kind, posted_at, origin, generation_metadata, first_seen_at) VALUES
 ('11', $AID, 'a0000000-0000-0000-0000-000000000001', 'thread', '2026-11-01T08:00Z', 'bot', '{\"cost_usd\": 0.02}', '2026-11-01Z'),
 ('12', $AID, 'a0000000-0000-0000-0000-000000000001', 'thread', '2026-11-01T08:01Z', 'bot', '{\"cost_usd\": 0.02}', '2026-11-01Z'),
 ('13', $AID, 'a0000000-0000-0000-0000-000000000002', 'post', '2026-11-01T12:00Z', 'bot', '{\"cost_usd\": 0.03}', '2026-11-01Z'),
 ('14', $AID, 'a0000000-0000-0000-0000-000000000003', 'post', '2026-11-01T16:00Z', 'bot', '{\"content_type_id\": \"x\"}', '2026-11-01Z'),
 ('15', $AID, xetl.derived_decision_id('15'), 'post', '2026-11-01T20:00Z', 'timeline', NULL, '2026-11-01Z'),
 ('21', $AID, 'a0000000-0000-0000-0000-000000000004', 'post', '2026-11-02T09:00Z', 'bot', NULL, '2026-11-02Z');
INSERT INTO tweet_analytics_comprehensive (account_id, decision_id, tweet_id, likes, retweets, replies, impressions,
       engagement_rate) VALUES
 ($AID, 'a0000000-0000-0000-0000-000000000001', '11', 7, 2, 1, 1000, 0.01),
 ($AID, 'a0000000-0000-0000-0000-000000000002', '13', 80, 6, 4, 3000, 0.03);
INSERT INTO content_metadata (content, status, posted_at, updated_at) VALUES
 ('a', 'posted', '2026-11-01T08:00Z', '2026-11-01T08:00Z'), ('b', 'posted', '2026-11-01T12:00Z', '2026-11-01T12:00Z'),
 ('c', 'posted', '2026-11-01T16:00Z', '2026-11-01T16:00Z'), ('d', 'failed', NULL, '2026-11-01T18:00Z'),
 ('e', 'queued', NULL, '2026-11-01T18:00Z'), ('f', 'posted', '2026-11-02T09:00Z', '2026-11-02T09:00Z');
INSERT INTO xetl.raw_responses (account_id, as_of, requested_at, endpoint, request_path, http_status)
SELECT $AID, '2026-11-01T10:00Z', '2026-11-01T10:00Z', 'tweets', '/2/tweets', s
  FROM unnest(ARRAY[200,200,200,200,200,200,200,200,429,0]) s;
INSERT INTO xetl.follower_samples (account_id, sampled_at, followers_count) VALUES
 ($AID, '2026-10-31T23:00Z', 1000), ($AID, '2026-11-01T12:00Z', 1010), ($AID, '2026-11-01T23:30Z', 1020);
INSERT INTO xetl.daily_follows (account_id, day, new_follows, unfollows) VALUES ($AID, '2026-11-02', 7, 2);
INSERT INTO learning_updates (account_id, as_of, update_type, component, updates_applied) VALUES
 ($AID, '2026-10-30Z', 'x', 'content_types', '{}'), ($AID, '2026-10-30Z', 'x', 'formulas', '{}'),
 ($AID, '2026-11-02T03:00Z', 'x', 'content_types', '{}');
INSERT INTO xetl.predictions (tweet_id, metric, as_of, account_id, age_hours, n_points, method, predicted_7d, ape) VALUES
 ('11', 'likes', '2026-11-01T09:00Z', $AID, 1, 2, 'lomax', 10, 0.10),
 ('13', 'likes', '2026-11-01T14:00Z', $AID, 2, 2, 'lomax', 10, 0.30),
 ('14', 'likes', '2026-11-01T22:00Z', $AID, 30, 4, 'lomax', 10, 0.05),
 ('14', 'impressions', '2026-11-01T22:00Z', $AID, 30, 4, 'lomax', 10, NULL);
" || echo "Bail out! fixture failed"

row() { # row DAY COLUMNS: the account's one 'daily' row of DAY
    sql "SELECT $2 FROM system_health_metrics WHERE account_id = $AID AND day = '$1' AND metric_type = 'daily'"
}

# No cost configured: every money column NULL, and the snapshot says why.
xrun --as-of "$ASOF" health --from 2026-11-01 --to 2026-11-02
is "$RC" 0 "health exits 0"
is "$(sql "SELECT day || ':' || string_agg(metric_type, ',' ORDER BY metric_type) FROM system_health_metrics GROUP BY day ORDER BY day")" \
"2026-11-01:daily
2026-11-02:daily" "one row per account and day in the range, metric_type 'daily'"
is "$(sql "SELECT count(*) FROM system_health_metrics WHERE daily_api_cost_usd IS NOT NULL OR cost_per_follower_usd IS NOT NULL OR roi IS NOT NULL")" \
   0 "no cost configured: money columns are NULL, never 0"
is "$(row 2026-11-01 "metrics_snapshot#>>'{cost,configured}'")" "false" "the cost row says nothing is configured"

# Posting, API, engagement, followers, learning.
is "$(row 2026-11-01 "posts_per_hour::numeric(6,4) || ' ' || posting_success_rate::numeric(5,4) || ' ' || api_success_rate::numeric(5,4) || ' ' || error_rate::numeric(5,4)")" \
   "0.1667 0.7500 0.8000 0.2000" "day 1: 4 posts (a thread is one) / 24 h, 3 of 4 posted, 8 of 10 requests 2xx"
is "$(row 2026-11-01 "(metrics_snapshot#>>'{posting,rate_limited}') || ' ' || (metrics_snapshot#>>'{posting,no_response}')")" "1 1" \
   "the request log's 429 and no-response counts"
is "$(row 2026-11-02 "posts_per_hour::numeric(6,4) || ' ' || posting_success_rate::numeric(5,4) || ' ' || coalesce(api_success_rate::text, 'null')")" \
   "0.0417 1.0000 null" "day 2: no request, no invented API success rate"
is "$(row 2026-11-01 "avg_engagement_rate::numeric(6,4)")" "0.0200" "mean engagement rate of the day's posts"
is "$(row 2026-11-01 "followers_per_day || ' ' || (metrics_snapshot#>>'{followers,source}')")" "20.00 samples" \
   "day 1: last sample of the day minus the last before it"
is "$(row 2026-11-02 "followers_per_day || ' ' || (metrics_snapshot#>>'{followers,source}')")" "5.00 daily_follows" \
   "day 2: no sample that day, the export's follows minus unfollows"
is "$(row 2026-11-01 "learning_cycles_completed")" 1 "learning cycles completed by the end of day 1"
is "$(row 2026-11-02 "learning_cycles_completed")" 2 "and by the end of day 2"
is "$(row 2026-11-01 "(metrics_snapshot#>>'{prediction_quality,likes,0-4h,median_ape}')::numeric(4,2) || ' ' || (metrics_snapshot#>>'{prediction_quality,likes,0-4h,n}') || ' ' || (metrics_snapshot#>>'{prediction_quality,likes,all,median_ape}')::numeric(4,2) || ' ' || (metrics_snapshot#>>'{prediction_quality,likes,24-48h,n}')")" \
   "0.20 2 0.10 1" "prediction quality: median APE by age at prediction, and overall"

# The full cost model.  November has 30 days.
#   day 1: X API 300/30 + 8 billable x 0.01 = 10.08; LLM 0.02 + 0.03 recorded + 1 x 0.05 = 0.10;
#          API cost 10.18; infra 60/30 = 2; total 12.18; 20 followers at 1.50.
#   day 2: X API 10; LLM 1 x 0.05; API cost 10.05; total 12.05; 5 followers.
export XETL_COST_X_API_MONTHLY_USD=300 XETL_COST_X_API_PER_REQUEST_USD=0.01 XETL_COST_LLM_PER_POST_USD=0.05 \
       XETL_COST_INFRA_MONTHLY_USD=60 XETL_VALUE_PER_FOLLOWER_USD=1.5
xrun --as-of "$ASOF" health --from 2026-11-01 --to 2026-11-02
is "$RC" 0 "health with costs exits 0"
near "$(row 2026-11-01 daily_api_cost_usd)" 10.18 1e-9 "day 1 API cost (X API + LLM)"
near "$(row 2026-11-01 "(metrics_snapshot#>>'{cost,total_usd}')::numeric")" 12.18 1e-9 "day 1 total cost with infrastructure"
near "$(row 2026-11-01 cost_per_follower_usd)" "$(awk 'BEGIN { print 12.18 / 20 }')" 1e-9 "day 1 cost per follower"
near "$(row 2026-11-01 roi)" "$(awk 'BEGIN { printf "%.12f", (20 * 1.5 - 12.18) / 12.18 }')" 1e-9 "day 1 ROI"
near "$(row 2026-11-02 daily_api_cost_usd)" 10.05 1e-9 "day 2 API cost"
near "$(row 2026-11-02 cost_per_follower_usd)" "$(awk 'BEGIN { print 12.05 / 5 }')" 1e-9 "day 2 cost per follower"
near "$(row 2026-11-02 roi)" "$(awk 'BEGIN { printf "%.12f", (5 * 1.5 - 12.05) / 12.05 }')" 1e-9 "day 2 ROI (negative)"
is "$(row 2026-11-01 "(metrics_snapshot#>>'{cost,complete}') || ' ' || (metrics_snapshot#>>'{cost,llm_posts_recorded}') || ' ' || (metrics_snapshot#>>'{cost,llm_posts_priced}')")" \
   "true 2 1" "the snapshot shows which LLM costs were recorded and which priced"

# Same range again: nothing changes.
sql "SELECT day, metric_type, posts_per_hour, avg_engagement_rate, followers_per_day, learning_cycles_completed, posting_success_rate, api_success_rate, error_rate, daily_api_cost_usd, cost_per_follower_usd, roi, metrics_snapshot, measured_at FROM system_health_metrics ORDER BY 1, 2" >"$TMP/a"
xrun --as-of "$ASOF" health --from 2026-11-01 --to 2026-11-02
sql "SELECT day, metric_type, posts_per_hour, avg_engagement_rate, followers_per_day, learning_cycles_completed, posting_success_rate, api_success_rate, error_rate, daily_api_cost_usd, cost_per_follower_usd, roi, metrics_snapshot, measured_at FROM system_health_metrics ORDER BY 1, 2" >"$TMP/b"
ok "a rerun over the same range changes nothing" cmp "$TMP/a" "$TMP/b"
is "$(sql "SELECT count(*) FROM system_health_metrics")" 2 "no row added by the rerun"

# Only the X API plan configured: a partial cost, flagged as such, in no money column.
unset XETL_COST_X_API_PER_REQUEST_USD XETL_COST_LLM_PER_POST_USD XETL_COST_INFRA_MONTHLY_USD XETL_VALUE_PER_FOLLOWER_USD
xrun --as-of "$ASOF" health --from 2026-11-02 --to 2026-11-02
is "$(row 2026-11-02 "coalesce(daily_api_cost_usd::text, 'null') || ' ' || coalesce(cost_per_follower_usd::text, 'null') || ' ' || coalesce(roi::text, 'null')")" \
   "null null null" "day 2 with the plan only: the LLM cost of its bot post is unknown, so no API cost, cost per follower or ROI"
is "$(row 2026-11-02 "(metrics_snapshot#>>'{cost,x_api_usd}')::numeric || ' ' || (metrics_snapshot#>>'{cost,complete}') || ' ' || (metrics_snapshot#>'{cost,unknown}')::text")" \
   '10.0 false ["llm", "infra"]' "the known part is in the snapshot; the unknown parts are listed"

# Everything but infrastructure, with a follower value: still no ROI from a partial cost.
export XETL_COST_X_API_MONTHLY_USD=300 XETL_COST_LLM_PER_POST_USD=0.05 XETL_VALUE_PER_FOLLOWER_USD=1.5
xrun --as-of "$ASOF" health --from 2026-11-02 --to 2026-11-02
near "$(row 2026-11-02 daily_api_cost_usd)" 10.05 1e-9 "X API and LLM known: the API cost is in its column"
is "$(row 2026-11-02 "coalesce(cost_per_follower_usd::text, 'null') || ' ' || coalesce(roi::text, 'null')")" "null null" \
   "infrastructure unknown: no cost per follower and no ROI (they would be overstated)"
unset XETL_COST_X_API_MONTHLY_USD XETL_COST_LLM_PER_POST_USD XETL_VALUE_PER_FOLLOWER_USD

# Usage and configuration errors.
xrun --as-of "$ASOF" health --from nonsense
is "$RC" 64 "a bad --from is a usage error"
XETL_COST_INFRA_MONTHLY_USD=-3 xrun --as-of "$ASOF" health
is "$RC" 78 "a negative cost is a configuration error"

# The bot's content table has no account: with two bot accounts, each is credited
# with the rows whose tweet is its own post, not with the whole table; a row
# without a tracked tweet (a failed post) belongs to neither.
newdb
"$XETL" -q account add bot_one --user-id 51 && "$XETL" -q account add bot_two --user-id 52 ||
    echo "Bail out! accounts"
A1=$(sql "SELECT account_id FROM xetl.accounts WHERE handle = 'bot_one'")
A2=$(sql "SELECT account_id FROM xetl.accounts WHERE handle = 'bot_two'")
sql "
INSERT INTO xetl.posts (tweet_id, account_id, decision_id, posted_at, origin, first_seen_at) VALUES
 ('31', $A1, 'b0000000-0000-0000-0000-000000000031', '2026-11-05T08:00Z', 'bot', '2026-11-05Z'),
 ('34', $A1, 'b0000000-0000-0000-0000-000000000034', '2026-11-05T10:00Z', 'bot', '2026-11-05Z'),
 ('32', $A2, 'b0000000-0000-0000-0000-000000000032', '2026-11-05T09:00Z', 'bot', '2026-11-05Z');
INSERT INTO content_metadata (decision_id, content, status, tweet_id, posted_at, updated_at) VALUES
 ('b0000000-0000-0000-0000-000000000031', 'a', 'posted', '31', '2026-11-05T08:00Z', '2026-11-05T08:00Z'),
 ('b0000000-0000-0000-0000-000000000034', 'b', 'posted', '34', '2026-11-05T10:00Z', '2026-11-05T10:00Z'),
 ('b0000000-0000-0000-0000-000000000032', 'c', 'posted', '32', '2026-11-05T09:00Z', '2026-11-05T09:00Z'),
 (gen_random_uuid(), 'd', 'failed', NULL, NULL, '2026-11-05T11:00Z');
" >/dev/null || echo "Bail out! fixture failed"
xrun --as-of "$ASOF" health --from 2026-11-05 --to 2026-11-05
is "$RC" 0 "health for two bot accounts"
two() { sql "SELECT string_agg(a.handle || ' ' || (s.metrics_snapshot#>>'{posting,$1}'), ', ' ORDER BY a.handle)
               FROM system_health_metrics s JOIN xetl.accounts a USING (account_id) WHERE s.day = '2026-11-05'"; }
is "$(two posted)" "bot_one 2, bot_two 1" "each account is credited with its own posted content"
is "$(two failed)" "bot_one 0, bot_two 0" "a failed post, with no tweet to say whose it was, is neither's"
sql "UPDATE xetl.accounts SET bot_content = false WHERE account_id = $A2" >/dev/null
xrun --as-of "$ASOF" --account bot_one health --from 2026-11-05 --to 2026-11-05
is "$(sql "SELECT (metrics_snapshot#>>'{posting,failed}') || ' ' || posting_success_rate::numeric(4,2)
             FROM system_health_metrics WHERE account_id = $A1 AND day = '2026-11-05'")" "1 0.67" \
   "with one bot account, the untracked rows are its own: 2 of 3 posted"

done_testing
