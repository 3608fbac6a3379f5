#!/bin/sh
# xetl fit: a database round trip with snapshots simulated from known Lomax
# curves (c = 0.5 h, theta = 0.3): the 7-day values and half-lives come back
# within stated tolerances, one or two snapshots borrow the account's shape,
# degenerate posts give NULLs (never NaN), predictions are scored once the
# 7-day value is observed, and a second run with the same --as-of changes
# nothing.
. "$XETL_ROOT/tests/lib/testlib.sh"

newdb
ok "account add" "$XETL" -q account add tester --user-id 1001
ACC=$(sql "SELECT account_id FROM xetl.accounts WHERE handle = 'tester'")
ASOF=2026-11-20T12:00:00Z

# Curve: N(t) = A (1 - (1 + t/0.5)^-0.3); retweets 0.2 N, replies 0.1 N, impressions 40 N.
sql "CREATE SCHEMA tt;
     CREATE FUNCTION tt.q(t float8) RETURNS float8 LANGUAGE sql AS
       \$\$ SELECT 1 - power(1 + t / 0.5, -0.3) \$\$;
     CREATE FUNCTION tt.post(tid text, posted timestamptz, kind text DEFAULT 'post') RETURNS void
       LANGUAGE sql AS \$\$
       INSERT INTO xetl.posts (tweet_id, account_id, decision_id, kind, posted_at, origin, first_seen_at)
       VALUES (tid, $ACC, xetl.derived_decision_id(tid), kind, posted, 'import', posted) \$\$;
     CREATE FUNCTION tt.snap(tid text, age float8, l float8, rt float8, rp float8, im float8) RETURNS void
       LANGUAGE sql AS \$\$
       INSERT INTO performance_snapshots (decision_id, tweet_id, snapshot_at, hours_since_post, likes,
                                          retweets, replies, impressions, account_id, source)
       SELECT xetl.derived_decision_id(tid), tid, p.posted_at + make_interval(secs => age * 3600),
              round(age::numeric, 2), round(l), round(rt), round(rp), round(im), $ACC, 'import'
         FROM xetl.posts p WHERE p.tweet_id = tid \$\$;
     CREATE FUNCTION tt.curve(tid text, a float8, ages float8[]) RETURNS void LANGUAGE sql AS \$\$
       SELECT tt.snap(tid, t, a * tt.q(t), 0.2 * a * tt.q(t), 0.1 * a * tt.q(t),
                           40 * a * tt.q(t))
         FROM unnest(ages) t \$\$;
     -- 20 matured posts of the account's history, densely sampled
     SELECT tt.post('100' || i, '$ASOF'::timestamptz - make_interval(days => 10 + i)) FROM generate_series(1, 20) i;
     SELECT tt.curve('100' || i, 200 + 37 * i, ARRAY[1, 2, 4, 8, 24, 48, 96, 168, 200]) FROM generate_series(1, 20) i;
     -- posts of the range
     SELECT tt.post('201', '2026-11-19T00:00:00Z');
     SELECT tt.curve('201', 500, ARRAY[1, 4, 24]);
     SELECT tt.post('202', '2026-11-20T00:00:00Z');
     SELECT tt.curve('202', 800, ARRAY[2, 10]);
     SELECT tt.post('203', '2026-11-20T06:00:00Z', 'reply');
     SELECT tt.curve('203', 300, ARRAY[5]);
     SELECT tt.post('204', '2026-11-20T01:00:00Z');
     SELECT tt.snap('204', t, 0, 0, 0, 10 * t) FROM unnest(ARRAY[1, 3, 5]) t;
     SELECT tt.post('205', '2026-11-20T02:00:00Z');
     SELECT tt.snap('205', 1, 50, 5, 2, 2000), tt.snap('205', 3, 80, 8, 3, 3000),
            tt.snap('205', 6, 70, 8, 3, 3500), tt.snap('205', 9, 90, 9, 4, 4000);
     SELECT tt.snap('205', 9.001, 92, 9, 4, 4000);" >/dev/null
sql "INSERT INTO reply_performance (decision_id, reply_tweet_id, parent_tweet_id, parent_username, account_id)
     VALUES (xetl.derived_decision_id('203'), '203', '999', 'someone', $ACC)"

xrun --as-of "$ASOF" fit --from 2026-11-19 --to 2026-11-20
is "$RC" 0 "fit exits 0"
like "$(cat "$ERR")" "fit: @tester: 5 posts in range" "fit logs what it did"

# Expected: 7-day value A q(168); half-life c((1 - q(168)/2)^(-1/theta) - 1) hours.
Q168=$(awk 'BEGIN { printf "%.6f", 1 - (1 + 168 / 0.5) ^ -0.3 }')
HL=$(awk -v q="$Q168" 'BEGIN { printf "%.1f", 60 * 0.5 * ((1 - q / 2) ^ (-1 / 0.3) - 1) }')
for p in "201 500 lomax" "202 800 pooled" "203 300 pooled"; do
    set -- $p
    exp=$(awk -v a="$2" -v q="$Q168" 'BEGIN { printf "%.0f", a * q }')
    got=$(sql "SELECT predicted_likes FROM tweet_analytics_comprehensive WHERE tweet_id = '$1'")
    near "$got" "$exp" "$(awk -v e="$exp" 'BEGIN { printf "%.0f", e * 0.08 }')" "post $1: 7-day likes within 8 % of $exp"
    got=$(sql "SELECT half_life_minutes FROM tweet_analytics_comprehensive WHERE tweet_id = '$1'")
    near "$got" "$HL" "$(awk -v e="$HL" 'BEGIN { printf "%.0f", e * 0.25 }')" "post $1: half-life within 25 % of $HL min"
    is "$(sql "SELECT analytics_metadata->'decay'->'likes'->>'method' FROM tweet_analytics_comprehensive WHERE tweet_id = '$1'")" \
        "$3" "post $1: method $3"
done
is "$(sql "SELECT analytics_metadata->'decay'->'impressions'->>'model' FROM tweet_analytics_comprehensive WHERE tweet_id = '201'")" \
    "lomax" "impression curve for attribution"
A=$(sql "SELECT (analytics_metadata->'decay'->'likes'->>'A')::float8 * (1 - power(1 + 168 / (analytics_metadata->'decay'->'likes'->>'c_h')::float8, -(analytics_metadata->'decay'->'likes'->>'theta')::float8))
           - (analytics_metadata->'decay'->'likes'->'checkpoints'->>'7d')::float8
         FROM tweet_analytics_comprehensive WHERE tweet_id = '201'")
near "$A" 0 0.01 "the curve's parameters reproduce the 7d checkpoint"
is "$(sql "SELECT count(*) FROM tweet_analytics_comprehensive t, jsonb_object_keys(t.analytics_metadata->'decay'->'likes'->'checkpoints') k WHERE tweet_id = '201'")" \
    5 "five canonical checkpoints"
ER=$(sql "SELECT predicted_engagement_rate FROM tweet_analytics_comprehensive WHERE tweet_id = '201'")
near "$ER" 0.0325 0.003 "predicted engagement rate = (1 + 0.2 + 0.1) / 40"
is "$(sql "SELECT count(*) FROM tweet_analytics_comprehensive WHERE time_to_peak_minutes IS NOT NULL OR peak_engagement_at IS NOT NULL")" \
    0 "no invented time to peak (the rate falls from the start)"

# degenerate posts
is "$(sql "SELECT coalesce(predicted_likes::text, 'NULL') || ' ' || coalesce(half_life_minutes::text, 'NULL')
             || ' ' || (analytics_metadata->'decay' ? 'likes')::text || ' ' || (analytics_metadata->'decay' ? 'impressions')::text
           FROM tweet_analytics_comprehensive WHERE tweet_id = '204'")" "NULL NULL false true" \
    "all-zero engagement: NULL predictions, impressions still fitted"
got=$(sql "SELECT predicted_likes FROM tweet_analytics_comprehensive WHERE tweet_id = '205'")
like "$got" "^[0-9]+$" "decreasing counter and duplicate ages: a prediction"
ok "at least the last count" test "$got" -ge 91
is "$(sql "SELECT count(*) FROM tweet_analytics_comprehensive
            WHERE 'NaN' IN (predicted_engagement_rate, engagement_decay_rate, longevity_score)
               OR analytics_metadata::text ~* 'nan|infinity'")" 0 "no NaN or Infinity anywhere"
is "$(sql "SELECT count(*) FROM xetl.predictions WHERE 'NaN'::float8 IN (predicted_7d, lo_7d, hi_7d)")" 0 "no NaN predictions"
is "$(sql "SELECT reply_metadata->'decay'->'likes'->>'method' FROM reply_performance WHERE reply_tweet_id = '203'")" \
    "pooled" "reply_performance gets the reply's curves"

# predictions: one per post and metric with a curve, none for history posts
is "$(sql "SELECT count(*) FROM xetl.predictions WHERE as_of = '$ASOF'")" 21 "21 predictions (5 posts x 5 metrics, 4 without a curve)"
is "$(sql "SELECT count(*) FROM xetl.predictions WHERE metric = 'likes' AND NOT (lo_7d <= predicted_7d AND predicted_7d <= hi_7d)")" \
    0 "each prediction inside its interval"

# idempotent
dump() { sql "SELECT tweet_id, predicted_likes, predicted_engagement_rate, half_life_minutes, engagement_decay_rate,
                     longevity_score, prediction_error, prediction_accuracy, analytics_metadata
                FROM tweet_analytics_comprehensive ORDER BY tweet_id;
              SELECT * FROM xetl.predictions ORDER BY 1, 2, 3;
              SELECT reply_metadata FROM reply_performance"; }
dump > "$TMP/run1"
xrun --as-of "$ASOF" fit --from 2026-11-19 --to 2026-11-20
is "$RC" 0 "second fit exits 0"
dump > "$TMP/run2"
ok "the same as-of twice changes nothing" cmp "$TMP/run1" "$TMP/run2"
XETL_FIT_THREADS=2 "$XETL" -q --as-of "$ASOF" fit --from 2026-11-19 --to 2026-11-20
dump > "$TMP/run3"
ok "two threads give the same rows" cmp "$TMP/run1" "$TMP/run3"

# the history fits kept for the next run (xetl.fit_history) give the same numbers as refitting
is "$(sql "SELECT count(*) FROM xetl.fit_history WHERE fp <> 0")" \
    "$(sql "SELECT count(*) FROM xetl.fit_history")" "history fits kept with their fingerprints"
ok "the likes of the 20 history posts and of 201 (3 ages, 24 h old) are kept" test "$(sql "SELECT count(*) FROM xetl.fit_history WHERE metric = 'likes'")" -eq 21
sql "DELETE FROM xetl.fit_history" >/dev/null
XETL_FIT_THREADS=1 "$XETL" -q --as-of "$ASOF" fit --from 2026-11-19 --to 2026-11-20
dump > "$TMP/run5"
ok "refitting the history (nothing kept) gives the same rows" cmp "$TMP/run1" "$TMP/run5"
sql "UPDATE xetl.fit_history SET c_h = c_h * 2 WHERE tweet_id = '1001' AND metric = 'likes'; UPDATE xetl.fit_history SET fp = fp + 1" >/dev/null
"$XETL" -q --as-of "$ASOF" fit --from 2026-11-19 --to 2026-11-20
dump > "$TMP/run6"
ok "a kept fit whose samples changed is fitted again" cmp "$TMP/run1" "$TMP/run6"

# the forecasters kept (xetl.fit_models): restored when their training set is the same, same rows
is "$(sql "SELECT count(*) FROM xetl.fit_models WHERE length(model) > 0")" 5 "a forecaster kept per metric"
"$XETL" -v --as-of "$ASOF" fit --from 2026-11-19 --to 2026-11-20 2> "$TMP/fcm.log"
ok "a run on the same training set trains no forecaster" grep -q 'forecasters trained 0' "$TMP/fcm.log"
dump > "$TMP/run7"
ok "restored forecasters give the same rows" cmp "$TMP/run1" "$TMP/run7"
sql "UPDATE xetl.fit_models SET fp = fp + 1 WHERE metric = 'likes'; UPDATE xetl.fit_models SET model = substr(model, 1, 40) WHERE metric = 'replies'" >/dev/null
"$XETL" -v --as-of "$ASOF" fit --from 2026-11-19 --to 2026-11-20 2> "$TMP/fcm.log"
ok "a forecaster of another training set, or cut short, is trained again" grep -q 'forecasters trained 2' "$TMP/fcm.log"
dump > "$TMP/run8"
ok "retrained forecasters give the same rows" cmp "$TMP/run1" "$TMP/run8"

# a post's values depend on its data and the as-of, not on the range asked for
xrun --as-of "$ASOF" fit --from 2026-11-20 --to 2026-11-20
is "$RC" 0 "fit of a narrower range"
dump > "$TMP/run4"
ok "the same values as the wider range" cmp "$TMP/run1" "$TMP/run4"

# scoring: predict a post at 30 h, then observe its 7-day value
sql "SELECT tt.post('301', '2026-11-12T00:00:00Z');
     SELECT tt.curve('301', 1000, ARRAY[1, 4, 24, 48, 100, 168, 190]);" >/dev/null
xrun --as-of 2026-11-13T06:00:00Z fit --from 2026-11-12 --to 2026-11-12
is "$RC" 0 "fit at 30 h"
is "$(sql "SELECT age_hours || ' ' || coalesce(actual_7d::text, 'NULL') FROM xetl.predictions WHERE tweet_id = '301' AND metric = 'likes'")" \
    "30 NULL" "a prediction at 30 h (from the 24 h snapshot), not yet scored"
xrun --as-of "$ASOF" fit --from 2026-11-19 --to 2026-11-20
is "$RC" 0 "a later fit of another range"
ACT=$(awk -v q="$Q168" 'BEGIN { printf "%.0f", 1000 * q }')
is "$(sql "SELECT actual_7d FROM xetl.predictions WHERE tweet_id = '301' AND metric = 'likes'")" "$ACT" \
    "the 7-day value observed (outside the range) scores the old prediction"
near "$(sql "SELECT ape FROM xetl.predictions WHERE tweet_id = '301' AND metric = 'likes'")" 0 0.08 "its APE is small"
got=$(sql "SELECT prediction_accuracy FROM tweet_analytics_comprehensive WHERE tweet_id = '301'")
ok "prediction_accuracy in [0.9, 1]" awk -v a="$got" 'BEGIN { exit !(a >= 0.9 && a <= 1) }'
is "$(sql "SELECT prediction_error = abs(predicted_likes - $ACT) FROM tweet_analytics_comprehensive WHERE tweet_id = '301'")" \
    t "prediction_error = |predicted - actual|"

# how the metadata is kept (migrations 0260, 0261), not what it is: fit's rewritten
# analytics_metadata is lz4-compressed where the server has lz4, fit_history keeps
# half of each page free for its nightly updates
if [ "$(sql "SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")" = t ]; then
    is "$(sql "SELECT attcompression FROM pg_attribute WHERE attrelid = 'tweet_analytics_comprehensive'::regclass
                 AND attname = 'analytics_metadata'")" l "analytics_metadata's compression is lz4"
    is "$(sql "SELECT count(*) FILTER (WHERE pg_column_compression(analytics_metadata) = 'lz4') > 0
                      AND count(*) FILTER (WHERE pg_column_compression(analytics_metadata) = 'pglz') = 0
                 FROM tweet_analytics_comprehensive")" t "fit's metadata is stored lz4-compressed, none pglz"
fi
is "$(sql "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid = 'xetl.fit_history'::regclass")" \
    fillfactor=50 "fit_history keeps half of each page free"

xrun fit --bogus
is "$RC" 64 "unknown option exits 64"

done_testing
