#!/bin/sh
# bench/bench_report.sh — `xetl report` wall time, rows/s and peak memory on
# one generated account with N posts published in the 7-day range, each with
# analytics, a fitted likes curve and three attribution windows, plus 90 days
# of follower samples.  Reports the workbook (constant_memory) and the CSVs
# separately, for each N given (default 20000 and 80000, an agency-scale week:
# the peak RSS should not grow with N).  With a server from tests/lib/pg.sh
# (PG_DIR set, as bench/run.sh does) it also prints the server's CPU seconds
# for each run (the backend and its parallel workers, reaped by the postmaster),
# as wall figures on a shared machine say little.
#
#   sh bench/bench_report.sh [N ...]     needs PGHOST etc. (bench/run.sh starts a server)
#   sh bench/bench_report.sh setup N     loads the N posts into $PGDATABASE (migrated, one
#                                        account, id 1) and stops: bench_python.sh's data
set -u
# load: the account's $N posts of the week, their analytics, attributions and follower samples.
load() {
psql -X -q -v ON_ERROR_STOP=1 -c "
INSERT INTO xetl.posts (tweet_id, account_id, decision_id, posted_at, text, content_type_name,
                        viral_formula, hook_used, origin, first_seen_at)
SELECT (1860000000000000000 + g)::text, 1, xetl.derived_decision_id((1860000000000000000 + g)::text),
       timestamptz '2026-11-18Z' + (g * 7.0 * 86400 / ($N + 1)) * interval '1 second',
       'Generated post number ' || g || ', with a comma and \"quotes\"',
       'Type ' || g % 24, 'f' || g % 12, 'h' || g % 8, 'bot', '2026-11-18Z'
  FROM generate_series(1, $N) g;
INSERT INTO tweet_analytics_comprehensive (account_id, decision_id, tweet_id, likes, retweets, replies, quotes,
       bookmarks, impressions, posted_at, half_life_minutes, predicted_likes, analytics_metadata)
SELECT 1, decision_id, tweet_id, 10 + hashtext(tweet_id) & 255, 2, 1, 0, 1, 1000 + hashtext(tweet_id) & 4095,
       posted_at, 80, 300,
       jsonb_build_object('decay', jsonb_build_object('likes', jsonb_build_object(
           'model', 'lomax', 'A', 300, 'c_h', 2.5, 'theta', 0.3)))
  FROM xetl.posts;
INSERT INTO follower_attributions (account_id, decision_id, tweet_id, followers_before, followers_after,
       followers_gained, confidence_score, attribution_method, time_window_hours)
SELECT 1, decision_id, tweet_id, 0, 0, hashtext(tweet_id) & 7, 0.5, 'exposure_regression', w
  FROM xetl.posts, (VALUES (1), (24), (168)) v(w);
INSERT INTO xetl.follower_samples (account_id, sampled_at, followers_count)
SELECT 1, ts, 100000 + (extract(epoch FROM ts - '2026-08-01Z') / 60)::int
  FROM generate_series('2026-08-01Z'::timestamptz, '2026-11-25Z', interval '1 hour') ts;
"
}
if [ "${1:-}" = setup ]; then
    N=$2
    load
    exit
fi
[ $# -gt 0 ] || set -- 20000 80000
XETL=${XETL:-./xetl}
DB=xetl_bench_report
OUTD=$(mktemp -d /tmp/xetl-bench-report.XXXXXX)
trap 'rm -rf "$OUTD"; rm -f /tmp/bench_report.$$ /tmp/bench_report_err.$$' EXIT
for N in "$@"; do
dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB" || exit 1
export XETL_DB="dbname=$DB" PGDATABASE="$DB"
"$XETL" -q migrate || exit 1
"$XETL" -q account add bench --user-id 7 || exit 1
load || exit 1
# Vacuumed now, so no autovacuum of the fresh rows lands in the first run's server time.
psql -X -q -c "VACUUM ANALYZE" || exit 1

server_cpu() { # CPU seconds of the server's exited backends and workers so far, or -1
    pm=$(head -1 "${PG_DIR:-/nonexistent}/data/postmaster.pid" 2>/dev/null) &&
        awk -v t="$(getconf CLK_TCK)" '{ print ($16 + $17) / t }' "/proc/$pm/stat" 2>/dev/null || echo -1
}

run() { # label, then the command; prints wall and CPU seconds, posts/s and peak RSS of xetl
    label=$1; shift
    c0=$(server_cpu)
    /usr/bin/time -v -o /tmp/bench_report.$$ "$@" >/dev/null 2>/tmp/bench_report_err.$$ ||
        { echo "$label failed: $(tail -1 /tmp/bench_report_err.$$)"; return 1; }
    sleep 0.2 # the backend's exit is reaped
    c1=$(server_cpu)
    awk -v l="$label" -v n="$N" -v c0="$c0" -v c1="$c1" -v la="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)" -F': ' '
        /Elapsed \(wall clock\)/ { m = split($2, t, ":"); s = 0; for (i = 1; i <= m; i++) s = s * 60 + t[i] }
        /User time/ { u = $2 } /System time/ { y = $2 } /Maximum resident set size/ { k = $2 }
        END { printf "%-28s %8d posts  %6.2f s (cpu %5.2f", l, n, s, u + y
              if (c0 >= 0 && c1 >= 0) printf ", server %5.2f", c1 - c0
              printf ")  %9.0f posts/s  peak RSS %6.1f MiB  load %s\n", (s > 0 ? n / s : 0), k / 1024, la }' /tmp/bench_report.$$
}
run "report csv" "$XETL" --as-of 2026-11-25T06:00:00Z report --format csv --out "$OUTD" || exit 1
run "report xlsx" "$XETL" --as-of 2026-11-25T06:00:00Z report --format xlsx --out "$OUTD" || exit 1
run "report csv,xlsx (default)" "$XETL" --as-of 2026-11-25T06:00:00Z report --format csv,xlsx --out "$OUTD" || exit 1
ls -l "$OUTD" | awk 'NR > 1 { printf "  %-60s %10d bytes\n", $9, $5 }'
rm -f "$OUTD"/*
dropdb "$DB"
done
