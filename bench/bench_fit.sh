#!/bin/sh
# bench/bench_fit.sh — `xetl fit` end to end through PostgreSQL: one account
# with 20,000 posts over 10 days, 4 irregular snapshots each (80,000 rows),
# fitted on one thread and on all cores; posts/s and peak memory.
# Run by bench/run.sh (which starts PostgreSQL and sets $XETL).
set -u
DB=bench_fit_$$
createdb "$DB" || exit 1
export XETL_DB="dbname=$DB" PGDATABASE="$DB"
trap 'dropdb --if-exists "$DB" >/dev/null 2>&1' EXIT
"$XETL" -q migrate || exit 1
"$XETL" -q account add bench --user-id 4242 || exit 1
N=20000
psql -X -q -v ON_ERROR_STOP=1 -c "
  INSERT INTO xetl.posts (tweet_id, account_id, decision_id, kind, posted_at, origin, first_seen_at)
  SELECT (1000000 + i)::text, a.account_id, xetl.derived_decision_id((1000000 + i)::text), 'post',
         '2026-11-20T00:00:00Z'::timestamptz - make_interval(secs => i * 864000.0 / $N), 'import', now()
    FROM generate_series(1, $N) i, xetl.accounts a;
  INSERT INTO performance_snapshots (decision_id, tweet_id, snapshot_at, hours_since_post, likes, retweets,
                                     replies, impressions, account_id, source)
  SELECT p.decision_id, p.tweet_id, p.posted_at + make_interval(secs => s.age * 3600), s.age,
         round(s.a * (1 - power(1 + s.age / 0.5, -0.3))), round(0.2 * s.a * (1 - power(1 + s.age / 0.5, -0.3))),
         round(0.1 * s.a * (1 - power(1 + s.age / 0.5, -0.3))), round(40 * s.a * (1 - power(1 + s.age / 0.5, -0.3))),
         p.account_id, 'import'
    FROM xetl.posts p,
         LATERAL (SELECT ((ARRAY[0.5, 3, 15, 60])[k + 1] * (1 + (hashtext(p.tweet_id || k) & 7) / 8.0))::numeric(8, 2) AS age,
                         50 + (hashtext(p.tweet_id) & 1023) AS a
                    FROM generate_series(0, 3) k) s
   WHERE p.posted_at + make_interval(secs => s.age * 3600) <= '2026-11-20T00:00:00Z';
  ANALYZE;" || exit 1
ROWS=$(psql -X -Atq -c "SELECT count(*) FROM performance_snapshots")
echo "bench_fit.sh: $N posts, $ROWS snapshots, 5 metrics each"
for threads in 1 0; do
    label=$([ $threads = 1 ] && echo "1 thread " || echo "all cores")
    /usr/bin/time -f "%e %M" -o "$DB.time" env XETL_FIT_THREADS=$threads \
        "$XETL" ${BENCH_V:--q} --as-of 2026-11-20T00:00:00Z fit --from 2026-11-10 --to 2026-11-19 || exit 1
    read -r secs kb < "$DB.time"
    awk -v n=$N -v s="$secs" -v kb="$kb" -v l="$label" \
        'BEGIN { printf "  %s: %.1f s, %.0f posts/s (%.0f curves/s incl. priors and DB), peak memory %.1f MiB\n", l, s, n / s, 5 * n / s, kb / 1024 }'
    rm -f "$DB.time"
done
