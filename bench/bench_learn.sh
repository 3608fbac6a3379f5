#!/bin/sh
# bench/bench_learn.sh — `xetl learn` and `xetl health` wall time and peak
# memory on one generated account: N matured posts (default 20000) over a
# year, 24 content types x 12 formulas x 8 hooks, one 168 h attribution and
# one analytics row each; health over the last 30 days.
#
#   sh bench/bench_learn.sh [N]     needs PGHOST etc. (bench/run.sh starts a server)
set -u
N=${1:-20000}
XETL=${XETL:-./xetl}
DB=xetl_bench_learn
dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB" || exit 1
export XETL_DB="dbname=$DB" PGDATABASE="$DB"
"$XETL" -q migrate || exit 1
"$XETL" -q account add bench --user-id 7 || exit 1
psql -X -q -v ON_ERROR_STOP=1 -c "
INSERT INTO xetl.posts (tweet_id, account_id, decision_id, posted_at, content_type_id, content_type_name,
                        viral_formula, hook_used, origin, first_seen_at, generation_metadata)
SELECT (9000000 + g)::text, 1, xetl.derived_decision_id((9000000 + g)::text),
       timestamptz '2026-11-17Z' - (g * 365.0 * 86400 / $N) * interval '1 second',
       't' || g % 24, 'Type ' || g % 24, 'f' || g % 12, 'h' || g % 8, 'bot', '2026-01-01Z',
       jsonb_build_object('cost_usd', 0.01)
  FROM generate_series(1, $N) g;
INSERT INTO follower_attributions (account_id, decision_id, tweet_id, followers_before, followers_after,
       followers_gained, confidence_score, attribution_method, time_window_hours, measured_at)
SELECT 1, decision_id, tweet_id, 0, 0, (hashtext(tweet_id) & 15) % (1 + (hashtext(content_type_id) & 7)),
       0.5 + (hashtext(tweet_id) & 1) * 0.5, 'exposure_regression', 168, '2026-11-24Z' FROM xetl.posts;
INSERT INTO tweet_analytics_comprehensive (account_id, decision_id, tweet_id, likes, retweets, replies,
       impressions, engagement_rate, posted_at)
SELECT 1, decision_id, tweet_id, 10, 2, 1, 1000, 0.013, posted_at FROM xetl.posts;
" || exit 1

run() { # label, items, unit, then the command; prints wall seconds, rate and peak RSS of xetl
    label=$1 items=$2 unit=$3; shift 3
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f "%e %M" -o /tmp/bench_learn.$$ "$@" >/dev/null 2>/tmp/bench_learn_err.$$ ||
            { echo "$label failed: $(tail -1 /tmp/bench_learn_err.$$)"; return 1; }
        read -r secs kib </tmp/bench_learn.$$
    else # GNU time is the Debian package 'time'; without it, wall time only
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>/tmp/bench_learn_err.$$ || { echo "$label failed: $(tail -1 /tmp/bench_learn_err.$$)"; return 1; }
        secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') kib="?"
    fi
    rm -f /tmp/bench_learn.$$ /tmp/bench_learn_err.$$
    echo "  $label: $secs s, peak rss $kib KiB, $(awk -v n="$items" -v s="$secs" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "inf" }') $unit/s"
}
echo "bench_learn: $N posts, 24 types, 12 formulas, 8 hooks, 10000 draws"
run "learn" "$N" posts "$XETL" --as-of 2026-11-25T00:00:00Z learn
run "learn again (same as-of)" "$N" posts "$XETL" --as-of 2026-11-25T00:00:00Z learn
run "health, 30 days" 30 days "$XETL" --as-of 2026-11-25T00:00:00Z health --from 2026-10-26 --to 2026-11-24
dropdb "$DB"
