#!/bin/sh
# xetl attribute against a real database: a simulated account with hourly
# follower samples built from known per-post follows (Lomax exposure curves,
# organic drift), one post with only impression snapshots, one post whose
# follows X reported; daily follows for retention.  Checks values, the
# platform-reported path, tweet_analytics_comprehensive, and that a second run
# with the same --as-of changes nothing.
. "$XETL_ROOT/tests/lib/testlib.sh"

xrun attribute --help
is "$RC" 0 "attribute --help exits 0"
like "$(cat "$OUT")" "--from D" "help lists --from"
xrun attribute --bogus
is "$RC" 64 "unknown option exits 64"
xrun attribute extra
is "$RC" 64 "stray argument exits 64"

newdb
"$XETL" -q account add alice --user-id 123 || echo "Bail out! account add failed"
AID=$(sql "SELECT account_id FROM xetl.accounts WHERE handle = 'alice'")

# platform_follows is created by import's migration 0020; create it only if absent.
sql "SET client_min_messages = warning; CREATE TABLE IF NOT EXISTS xetl.platform_follows (tweet_id text PRIMARY KEY, account_id bigint NOT NULL,
     follows integer NOT NULL, as_of timestamptz NOT NULL, source_file text)"

# post  posted_at (UTC)          group     A      c_h theta rate   exposure given as
# 101   2026-11-02 10:00         thread    20000  1   1     0.004  decay curve
# 102   2026-11-03 15:00         tip       10000  2   0.8   0.002  decay curve
# 103   2026-11-04 09:00         tip       15000  1   1.2   0.002  snapshots only
# 104   2026-11-05 12:00         thread    5000   1   1     (X reported 7 follows)
sql "CREATE TEMP TABLE x AS SELECT * FROM (VALUES
       ('101', timestamptz '2026-11-02 10:00Z', 'thread', 20000.0, 1.0, 1.0, 0.004),
       ('102', timestamptz '2026-11-03 15:00Z', 'tip',    10000.0, 2.0, 0.8, 0.002),
       ('103', timestamptz '2026-11-04 09:00Z', 'tip',    15000.0, 1.0, 1.2, 0.002),
       ('104', timestamptz '2026-11-05 12:00Z', 'thread',  5000.0, 1.0, 1.0, NULL))
       AS v(tweet_id, posted_at, grp, a, c, th, rate);
     CREATE FUNCTION pg_temp.lomax(a float8, c float8, th float8, age float8) RETURNS float8
       LANGUAGE sql IMMUTABLE AS \$\$ SELECT CASE WHEN age <= 0 THEN 0
         ELSE a * (1 - power(1 + least(age, 168) / c, -th)) END \$\$;
     INSERT INTO xetl.posts (tweet_id, account_id, decision_id, posted_at, content_type_id, origin, first_seen_at)
       SELECT tweet_id, $AID, xetl.derived_decision_id(tweet_id), posted_at, grp, 'bot', posted_at FROM x;
     INSERT INTO tweet_analytics_comprehensive (decision_id, tweet_id, account_id, posted_at, impressions,
                                                content_type, analytics_metadata)
       SELECT xetl.derived_decision_id(tweet_id), tweet_id, $AID, posted_at, 0, grp,
              CASE WHEN tweet_id = '103' THEN '{}'::jsonb ELSE jsonb_build_object('decay', jsonb_build_object(
                'impressions', jsonb_build_object('model', 'lomax', 'A', a, 'c_h', c, 'theta', th))) END
         FROM x;
     INSERT INTO performance_snapshots (decision_id, tweet_id, snapshot_at, hours_since_post, impressions,
                                        account_id, source)
       SELECT xetl.derived_decision_id(tweet_id), tweet_id, posted_at + h * interval '1 hour', h,
              round(pg_temp.lomax(a, c, th, h))::int, $AID, 'api'
         FROM x, unnest(ARRAY[1, 2, 4, 8, 24, 48, 96, 168]) h WHERE tweet_id = '103';
     INSERT INTO xetl.platform_follows VALUES ('104', $AID, 7, '2026-11-13 00:00Z', 'export.csv');
     INSERT INTO xetl.follower_samples (account_id, sampled_at, followers_count, source)
       SELECT $AID, t, round(1000 + 0.3 * extract(epoch from t - timestamptz '2026-10-28Z') / 3600
                + coalesce((SELECT sum(CASE WHEN rate IS NULL
                      THEN 7 * pg_temp.lomax(a, c, th, extract(epoch from t - posted_at) / 3600)
                             / pg_temp.lomax(a, c, th, 168)
                      ELSE rate * pg_temp.lomax(a, c, th, extract(epoch from t - posted_at) / 3600) END)
                    FROM x), 0)), 'api'
         FROM generate_series(timestamptz '2026-10-28Z', timestamptz '2026-11-14Z', interval '1 hour') t;
     INSERT INTO xetl.daily_follows (account_id, day, new_follows, unfollows)
       SELECT $AID, d::date, 50, 10 FROM generate_series(timestamp '2026-11-02', timestamp '2026-11-08', interval '1 day') d;"

ASOF=2026-11-14T00:00:00Z
xrun --as-of $ASOF attribute --from 2026-11-02 --to 2026-11-05
is "$RC" 0 "attribute exits 0"
[ "$RC" = 0 ] || cat "$ERR"

is "$(sql "SELECT count(*) FROM follower_attributions WHERE account_id = $AID")" 12 "4 posts x 3 windows"
is "$(sql "SELECT string_agg(DISTINCT time_window_hours::int::text, ',' ORDER BY time_window_hours::int::text)
           FROM follower_attributions")" "1,168,24" "windows 1, 24 and 168 h"
is "$(sql "SELECT count(*) FROM follower_attributions WHERE confidence_score < 0 OR confidence_score > 1")" 0 \
   "confidence in [0,1]"

# true 168 h follows: 101: 0.004*20000*168/169 = 79.5; 102: 19.4; 103: 29.9
g() { sql "SELECT followers_gained FROM follower_attributions WHERE tweet_id = '$1' AND time_window_hours = $2"; }
near "$(g 101 168)" 79.5 4 "post 101: 168 h credit recovers the true 79.5 follows"
near "$(g 102 168)" 19.4 4 "post 102: 168 h credit recovers the true 19.4 follows"
near "$(g 103 168)" 29.9 4 "post 103 (snapshots only): 168 h credit recovers the true 29.9 follows"
# within 1 h post 101 reached 0.004*20000*(1-1/2) = 40 follows
near "$(g 101 1)" 40 4 "post 101: 1 h credit"
is "$(sql "SELECT attribution_method FROM follower_attributions WHERE tweet_id = '101' AND time_window_hours = 168")" \
   exposure_regression "method names the model"
is "$(sql "SELECT attribution_metadata->>'exposure_source' FROM follower_attributions
           WHERE tweet_id = '103' AND time_window_hours = 168")" snapshots "post 103 exposure from its snapshots"
is "$(sql "SELECT (attribution_metadata ? 'rate') AND (attribution_metadata ? 'baseline_per_h')
                  AND (attribution_metadata->'interval_168h' ? 'p05') AND (attribution_metadata ? 'purity')
                  AND (attribution_metadata ? 'sign_certainty')
           FROM follower_attributions WHERE tweet_id = '101' AND time_window_hours = 168")" t \
   "metadata carries rates, baseline, interval, purity, sign certainty"
near "$(sql "SELECT (attribution_metadata->>'baseline_per_h')::float8 FROM follower_attributions
             WHERE tweet_id = '101' AND time_window_hours = 168")" 0.3 0.05 "baseline drift 0.3/h recovered"
like "$(sql "SELECT confidence_score FROM follower_attributions WHERE tweet_id = '101' AND time_window_hours = 168")" \
   "^0\.[5-9]" "an isolated, well-sampled post has confidence above 0.5"

# platform-reported
is "$(sql "SELECT attribution_method || ' ' || confidence_score || ' ' || followers_gained
           FROM follower_attributions WHERE tweet_id = '104' AND time_window_hours = 168")" \
   "platform_reported 1.0000 7" "X-reported follows used directly with confidence 1"
is "$(sql "SELECT follows_from_tweet FROM tweet_analytics_comprehensive WHERE tweet_id = '104'")" 7 \
   "follows_from_tweet from the platform"

# followers before/after from the samples around the window
is "$(sql "SELECT followers_before = (SELECT followers_count FROM xetl.follower_samples
                                       WHERE sampled_at = '2026-11-02 10:00Z')
              AND followers_after = (SELECT followers_count FROM xetl.follower_samples
                                       WHERE sampled_at = '2026-11-09 10:00Z')
           FROM follower_attributions WHERE tweet_id = '101' AND time_window_hours = 168")" t \
   "followers_before/after are the samples at the window's ends"
is "$(sql "SELECT (attribution_metadata->>'before_sampled_at') || ' ' || (attribution_metadata->>'after_sampled_at')
           FROM follower_attributions WHERE tweet_id = '101' AND time_window_hours = 168")" \
   "2026-11-02T10:00:00Z 2026-11-09T10:00:00Z" "and the metadata says when each was sampled"

# retention only where daily follows cover the post's 7 days (post 101: 1 - 70/350)
is "$(sql "SELECT follower_retention_rate FROM follower_attributions WHERE tweet_id = '101' AND time_window_hours = 168")" \
   0.8000 "retention from daily follows and unfollows"
is "$(sql "SELECT count(*) FROM follower_attributions WHERE follower_retention_rate IS NOT NULL")" 1 \
   "retention NULL where the data do not support it"

is "$(sql "SELECT bool_and(t.followers_gained = f.followers_gained AND t.followers_before = f.followers_before
                           AND t.followers_after = f.followers_after)
           FROM tweet_analytics_comprehensive t JOIN follower_attributions f
             ON f.tweet_id = t.tweet_id AND f.time_window_hours = 168")" t \
   "tweet_analytics_comprehensive carries the 168 h credit and its samples"

# credits are stored as the fraction they are; the event behind each window's confidence is stated
is "$(sql "SELECT bool_and(abs(followers_credited - (attribution_metadata->>'credit')::numeric) < 1e-6
                           AND followers_gained = round(followers_credited))
           FROM follower_attributions")" t "followers_credited is the unrounded credit"
is "$(sql "SELECT jsonb_array_length(attribution_metadata->'draws_168h') || ' '
                  || (attribution_metadata->>'confidence_event')
           FROM follower_attributions WHERE tweet_id = '101' AND time_window_hours = 168")" \
   "20 |true follows - credit| <= max(2, 25 % of credit)" "168 h row: 20 imputations and the confidence's event"
is "$(sql "SELECT count(*) FROM follower_attributions WHERE tweet_id = '101'
             AND (attribution_metadata->>'confidence_raw') IS NOT NULL")" 3 "each window has its own probability"

# a second run with the same --as-of changes nothing
snap() {
    sql "SELECT id, tweet_id, time_window_hours, followers_before, followers_after, followers_gained,
                confidence_score, attribution_method, measured_at, follower_retention_rate,
                attribution_metadata::text FROM follower_attributions ORDER BY id"
    sql "SELECT tweet_id, followers_gained, followers_before, followers_after, follows_from_tweet, updated_at
           FROM tweet_analytics_comprehensive ORDER BY tweet_id"
}
snap >"$TMP/before"
xrun --as-of $ASOF attribute --from 2026-11-02 --to 2026-11-05
is "$RC" 0 "second run exits 0"
snap >"$TMP/after"
ok "second run with the same --as-of changes nothing" cmp "$TMP/before" "$TMP/after"

# no follower samples: nothing written, a warning, exit 0
newdb
"$XETL" -q account add bob --user-id 456
sql "INSERT INTO xetl.posts (tweet_id, account_id, decision_id, posted_at, origin, first_seen_at)
     SELECT '201', account_id, xetl.derived_decision_id('201'), '2026-11-02Z', 'bot', '2026-11-02Z'
       FROM xetl.accounts"
xrun --as-of $ASOF attribute --from 2026-11-01 --to 2026-11-05
is "$RC" 0 "no samples: exits 0"
like "$(cat "$ERR")" "follower sample" "no samples: says why"
is "$(sql "SELECT count(*) FROM follower_attributions")" 0 "no samples: no rows"

# import-only: no samples, but X reported the post's follows (and no impressions are known):
# attributed as platform_reported, and follows_from_tweet carries them
sql "INSERT INTO xetl.platform_follows SELECT '201', account_id, 5, '2026-11-12Z', 'export.csv' FROM xetl.accounts"
xrun --as-of $ASOF attribute --from 2026-11-01 --to 2026-11-05
is "$RC" 0 "import-only: exits 0"
is "$(sql "SELECT string_agg(time_window_hours::int || ':' || attribution_method || ':' || confidence_score || ':'
                             || coalesce(followers_before::text, 'null'), ',' ORDER BY time_window_hours)
           FROM follower_attributions WHERE tweet_id = '201'")" \
   "1:platform_reported:1.0000:null,24:platform_reported:1.0000:null,168:platform_reported:1.0000:null" \
   "import-only: three platform_reported rows, follower counts unknown (NULL)"
is "$(sql "SELECT followers_gained || ' ' || (attribution_metadata->>'exposure_source')
           FROM follower_attributions WHERE tweet_id = '201' AND time_window_hours = 168")" "5 default_shape" \
   "import-only: the reported 5 follows at 168 h, spread by a default shape"
is "$(sql "SELECT follows_from_tweet || ' ' || followers_gained FROM tweet_analytics_comprehensive
           WHERE tweet_id = '201'")" "5 5" "import-only: follows_from_tweet reached"

# The fake X API's simulated account in its realistic mode (tests/fakex/sim.py "realism":
# lagged follows, overdispersed conversion, a daily cycle, churn), its true follows known:
# the account's posts with their impression curves and a follower sample every 6 h.
newdb
"$XETL" -q account add real_t --user-id 777
RAID=$(sql "SELECT account_id FROM xetl.accounts WHERE handle = 'real_t'")
cat > "$TMP/real.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import sim
spec = dict(sim.DEFAULT_SCENARIO["accounts"][0])
spec.update({"user_id": "777", "handle": "real_t", "drift_per_day": 6.0,
             "realism": {"lag_hours": 3.0, "overdispersion": 0.8, "daily_amplitude": 0.6, "churn_per_day": 0.001}})
a = sim.Scenario({"accounts": [spec]}).accounts[0]
aid, truth = sys.argv[2], open(sys.argv[3], "w")
for tw in a.tweets:
    if tw.kind != "post":
        continue
    ts = sim.format_time(tw.created_at, millis=False)
    print("INSERT INTO xetl.posts (tweet_id, account_id, decision_id, posted_at, content_type_id, origin,"
          " first_seen_at) VALUES ('%s', %s, xetl.derived_decision_id('%s'), '%s', '%s', 'bot', '%s');"
          % (tw.id, aid, tw.id, ts, tw.content_type_id, ts))
    A = tw.final["impression_count"]
    print("INSERT INTO tweet_analytics_comprehensive (decision_id, tweet_id, account_id, posted_at, impressions,"
          " analytics_metadata) VALUES (xetl.derived_decision_id('%s'), '%s', %s, '%s', %d, '{\"decay\":"
          " {\"impressions\": {\"model\": \"lomax\", \"A\": %.6f, \"c_h\": %.6f, \"theta\": %.6f}}}');"
          % (tw.id, tw.id, aid, ts, int(A), A, tw.scale["impression_count"], tw.theta))
    truth.write("INSERT INTO truth VALUES ('%s', %.6f);\n" % (tw.id, tw.follows_at(tw.created_at + 168 * 3600)))
t = a.start - 86400
while t <= a.tweets[-1].created_at + 8 * 86400:
    print("INSERT INTO xetl.follower_samples (account_id, sampled_at, followers_count, source)"
          " VALUES (%s, '%s', %d, 'api');" % (aid, sim.format_time(int(t), millis=False), a.followers_at(int(t))))
    t += 6 * 3600
PY
"$XETL_PYTHON" "$TMP/real.py" "$XETL_ROOT/tests/fakex" "$RAID" "$TMP/truth.sql" >"$TMP/real.sql" ||
    echo "Bail out! sim.py realism failed"
sql "$(cat "$TMP/real.sql")
     CREATE TABLE truth (tweet_id text PRIMARY KEY, follows float8);
     $(cat "$TMP/truth.sql")" >/dev/null
xrun --as-of 2026-11-28T00:00:00Z attribute --from 2026-11-01 --to 2026-11-20
is "$RC" 0 "realistic sim account: attribute exits 0"
echo "# $(sql "SELECT count(*) || ' posts, credits ' || round(sum(f.followers_credited), 1) || ' truth ' || round(sum(t.follows)::numeric, 1)
                 || ' corr ' || round(corr(f.followers_credited, t.follows)::numeric, 3) || ' lag '
                 || max(f.attribution_metadata->>'lag_h')
               FROM follower_attributions f JOIN truth t USING (tweet_id) WHERE f.time_window_hours = 168")"
near "$(sql "SELECT sum(f.followers_credited) / sum(t.follows) FROM follower_attributions f JOIN truth t USING (tweet_id)
             WHERE f.time_window_hours = 168")" 1 0.2 "realistic sim account: 168 h credits total the true follows within 20 %"
ok "realistic sim account: a lag of an hour or more is found" \
   test "$(sql "SELECT min((attribution_metadata->>'lag_h')::float8) >= 1 FROM follower_attributions")" = t
ok "realistic sim account: credits correlate with the true follows (r > 0.5)" \
   test "$(sql "SELECT corr(f.followers_credited, t.follows) > 0.5 FROM follower_attributions f JOIN truth t USING (tweet_id)
                WHERE f.time_window_hours = 168")" = t

done_testing
