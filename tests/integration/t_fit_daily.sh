#!/bin/sh
# xetl fit on an account pulled once a day (a nightly cron), whose posts decay
# within hours: known Lomax curves c = 2 h · e^(±0.25), theta = 1 · e^(±0.15)
# (half-life about 2 h), 120 matured posts of history seen at ages t0, t0 + 24,
# ... (t0 anywhere in the first day) and 30 posts 12-48 h old seen at their
# age now and a day before.  Goals (docs/models.md §6): the 7-day likes of the
# young posts within a median 10 %, their half-life within a median x1.4, and
# the metadata says where each half-life came from.
. "$XETL_ROOT/tests/lib/testlib.sh"

newdb
ok "account add" "$XETL" -q account add daily --user-id 1002
ACC=$(sql "SELECT account_id FROM xetl.accounts WHERE handle = 'daily'")
ASOF=2026-11-20T02:00:00Z

# Deterministic "random" numbers: u(i, s) = frac(i * s), uniform on [0, 1).
sql "CREATE SCHEMA td;
     CREATE FUNCTION td.u(i int, s float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS
       \$\$ SELECT (i * s) - floor(i * s) \$\$;
     CREATE FUNCTION td.c(i int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
       \$\$ SELECT 2.0 * exp(0.25 * (2 * td.u(i, 0.7548776662) - 1)) \$\$;
     CREATE FUNCTION td.th(i int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
       \$\$ SELECT 1.0 * exp(0.15 * (2 * td.u(i, 0.5698402910) - 1)) \$\$;
     CREATE FUNCTION td.a(i int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
       \$\$ SELECT 100 + 900 * td.u(i, 0.3247179572) \$\$;
     CREATE FUNCTION td.n(i int, t float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS
       \$\$ SELECT td.a(i) * (1 - power(1 + t / td.c(i), -td.th(i))) \$\$;
     CREATE FUNCTION td.hl(i int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
       \$\$ SELECT td.c(i) * (power(1 - (1 - power(1 + 168 / td.c(i), -td.th(i))) / 2, -1 / td.th(i)) - 1) \$\$;
     CREATE FUNCTION td.post(i int, posted timestamptz) RETURNS void LANGUAGE sql AS \$\$
       INSERT INTO xetl.posts (tweet_id, account_id, decision_id, kind, posted_at, origin, first_seen_at)
       VALUES ((5000 + i)::text, $ACC, xetl.derived_decision_id((5000 + i)::text), 'post', posted, 'import', posted) \$\$;
     CREATE FUNCTION td.snap(i int, age float8) RETURNS void LANGUAGE sql AS \$\$
       INSERT INTO performance_snapshots (decision_id, tweet_id, snapshot_at, hours_since_post, likes,
                                          retweets, replies, impressions, account_id, source)
       SELECT p.decision_id, p.tweet_id, p.posted_at + make_interval(secs => age * 3600), round(age::numeric, 2),
              round(td.n(i, age)), round(0.2 * td.n(i, age)), round(0.1 * td.n(i, age)), round(40 * td.n(i, age)),
              $ACC, 'import'
         FROM xetl.posts p WHERE p.tweet_id = (5000 + i)::text \$\$;
     -- history: 120 matured posts, first seen at t0 in (0.5, 23.5) h, then daily to day 8
     SELECT td.post(i, '$ASOF'::timestamptz - make_interval(days => 10 + i / 6)
                       - make_interval(secs => (0.5 + 23 * td.u(i, 0.6180339887)) * 3600)) FROM generate_series(1, 120) i;
     SELECT td.snap(i, 0.5 + 23 * td.u(i, 0.6180339887) + 24 * k) FROM generate_series(1, 120) i, generate_series(0, 8) k;
     -- the range: 30 posts 12-48 h old, seen now and (when old enough) a day before
     SELECT td.post(i, '$ASOF'::timestamptz - make_interval(secs => (12 + 36 * td.u(i, 0.4142135624)) * 3600))
       FROM generate_series(201, 230) i;
     SELECT td.snap(i, 12 + 36 * td.u(i, 0.4142135624) - 24 * k) FROM generate_series(201, 230) i, generate_series(0, 1) k
      WHERE 12 + 36 * td.u(i, 0.4142135624) - 24 * k > 0.05;" >/dev/null

xrun --as-of "$ASOF" fit --from 2026-11-18 --to 2026-11-20
is "$RC" 0 "fit exits 0"
like "$(cat "$ERR")" "fit: @daily: 30 posts in range" "30 young posts"

# 7-day likes: |predicted / A q(168) - 1|, median over the 30 young posts
E7=$(sql "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(t.predicted_likes / td.n(p.tweet_id::int - 5000, 168) - 1))::numeric, 4)
            FROM tweet_analytics_comprehensive t JOIN xetl.posts p USING (tweet_id)
           WHERE p.tweet_id::int BETWEEN 5201 AND 5230")
echo "# median 7-day error $E7"
ok "7-day likes within a median 10 % (got $E7)" awk -v x="$E7" 'BEGIN { exit !(x != "" && x <= 0.10) }'
# half-life: max(h / truth, truth / h), median
HR=$(sql "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(t.half_life_minutes / 60.0 / td.hl(p.tweet_id::int - 5000),
                                                                            td.hl(p.tweet_id::int - 5000) / (t.half_life_minutes / 60.0)))::numeric, 3)
            FROM tweet_analytics_comprehensive t JOIN xetl.posts p USING (tweet_id)
           WHERE p.tweet_id::int BETWEEN 5201 AND 5230 AND t.half_life_minutes > 0")
echo "# median half-life ratio $HR"
ok "half-life within a median x1.4 (got $HR)" awk -v x="$HR" 'BEGIN { exit !(x != "" && x <= 1.4) }'
is "$(sql "SELECT count(*) FROM tweet_analytics_comprehensive
            WHERE tweet_id::int BETWEEN 5201 AND 5230 AND half_life_minutes IS NOT NULL")" 30 "every young post has a half-life"
is "$(sql "SELECT count(*) FROM tweet_analytics_comprehensive
            WHERE tweet_id::int BETWEEN 5201 AND 5230
              AND analytics_metadata->'decay'->'likes'->>'half_life_source' = 'pooled'")" 30 \
    "seen first hours after their half-life: every one is half_life_source pooled"
is "$(sql "SELECT count(*) FROM tweet_analytics_comprehensive
            WHERE tweet_id::int BETWEEN 5201 AND 5230
              AND analytics_metadata->'decay'->'likes'->>'forecast' = 'stack'
              AND (analytics_metadata->'decay'->'likes'->>'p05_7d')::float8 <= (analytics_metadata->'decay'->'likes'->>'p50_7d')::float8
              AND (analytics_metadata->'decay'->'likes'->>'p50_7d')::float8 <= (analytics_metadata->'decay'->'likes'->>'p95_7d')::float8")" 30 \
    "each has the stacked forecast with p05 <= p50 <= p95"

done_testing
