#!/bin/sh
# bench/bench_fit_db.sh — `xetl fit` end to end through PostgreSQL for an
# established, agency-shaped account: 4,500 posts over 90 days (50 a day),
# each snapshotted every night at 02:00 while it is up to 30 days old (about
# 130,000 rows), the nightly's range (the last 30 days: ~1,500 posts, 7,500
# curves).  Runs the night twice (the first fills what fit keeps, the second
# finds all of it kept: a rerun), then the next night (50 new posts and a new
# snapshot of every post up to 30 days old, as the nightly pull leaves them:
# the steady state of an established account); prints wall
# seconds, posts/s end to end (posts in range / wall) and fits per
# CPU-second (every curve fitted, the history's included, / user+sys CPU of
# xetl).  Run by bench/run.sh (which starts PostgreSQL and sets $XETL), or
# alone with PGHOST set.
#
#   sh bench/bench_fit_db.sh setup    loads the first night's posts and snapshots
#                                     into $PGDATABASE (migrated, one account) and
#                                     stops: bench/bench_python.sh's fit data
set -u
NPOSTS=${BENCH_FIT_POSTS:-4500}
END=2026-11-20T02:00:00Z
# posts FIRST SERIES POSTED_AT: the account's posts FIRST + i for i in SERIES, posted at POSTED_AT.
posts() {
    echo "INSERT INTO xetl.posts (tweet_id, account_id, decision_id, kind, posted_at, origin, first_seen_at)
          SELECT ($1 + i)::text, a.account_id, xetl.derived_decision_id(($1 + i)::text), 'post', $3, 'import', now()
            FROM $2 i, xetl.accounts a;"
}
# snaps NIGHTS WHERE: a snapshot of each post at every time n.at of NIGHTS (a lateral
# over the post p) after it was posted and where WHERE holds, its counts on the post's
# Lomax-like curve (a scale and a shape from hashes of its id).
snaps() {
    echo "INSERT INTO performance_snapshots (decision_id, tweet_id, snapshot_at, hours_since_post, likes, retweets,
                                             replies, impressions, account_id, source)
          SELECT p.decision_id, p.tweet_id, n.at, round((extract(epoch FROM n.at - p.posted_at) / 3600)::numeric, 2),
                 round(s.a * s.q), round(0.2 * s.a * s.q), round(0.1 * s.a * s.q), round(40 * s.a * s.q),
                 p.account_id, 'api'
            FROM xetl.posts p
           CROSS JOIN LATERAL ($1) n
           CROSS JOIN LATERAL (SELECT 50 + (hashtext(p.tweet_id) & 1023) AS a,
                                      1 - power(1 + (extract(epoch FROM n.at - p.posted_at) / 3600)
                                                    / (0.3 + (hashtext(p.tweet_id || 'c') & 255) / 256.0),
                                                -(0.2 + (hashtext(p.tweet_id || 't') & 255) / 1024.0)) AS q) s
           WHERE n.at > p.posted_at AND $2;"
}
first_night() {
    psql -X -q -v ON_ERROR_STOP=1 \
        -c "$(posts 2000000 "generate_series(1, $NPOSTS)" "'$END'::timestamptz - make_interval(secs => 3600 + i * 90 * 86400.0 / $NPOSTS)")" \
        -c "$(snaps "SELECT date_trunc('day', p.posted_at) + interval '1 day 2 hours' + k * interval '1 day' AS at
                       FROM generate_series(0, 29) k" "n.at <= '$END'::timestamptz")" \
        -c "ANALYZE"
}
if [ "${1:-}" = setup ]; then
    first_night
    exit
fi
DB=bench_fit_db_$$
createdb "$DB" || exit 1
export XETL_DB="dbname=$DB" PGDATABASE="$DB"
trap 'dropdb --if-exists "$DB" >/dev/null 2>&1; rm -f "$DB.time" "$DB.err"' EXIT
"$XETL" -q migrate || exit 1
"$XETL" -q account add agency --user-id 4343 || exit 1
first_night || exit 1
ROWS=$(psql -X -Atq -c "SELECT count(*) FROM performance_snapshots")
INRANGE=$(psql -X -Atq -c "SELECT count(*) FROM xetl.posts WHERE posted_at >= '$END'::timestamptz - interval '30 days'")
echo "bench_fit_db.sh: $NPOSTS posts, $ROWS snapshots; the nightly range: $INRANGE posts (30 days)"
ASOF=$END TO=2026-11-20
run() {
    /usr/bin/time -f "%e %U %S %M" -o "$DB.time" "$XETL" -v --as-of "$ASOF" fit \
        --from "$(date -u -d "$ASOF - 30 days" +%Y-%m-%d)" --to "$TO" 2>"$DB.err" || { cat "$DB.err"; exit 1; }
    read -r secs usr sys kb < "$DB.time"
    fits=$(sed -n 's/.*fit: @agency: [0-9]* posts in range, \([0-9]*\) curves.*/\1/p' "$DB.err")
    hist=$(sed -n 's/.*fit: @agency: .*history fits \([0-9]*\).*/\1/p' "$DB.err")
    phases=$(sed -n 's/.*fit: @agency: load \(.*\)/load \1/p' "$DB.err")
    awk -v l="$1" -v s="$secs" -v u="$usr" -v y="$sys" -v kb="$kb" -v n="$INRANGE" -v f="$fits" -v h="${hist:-0}" -v ph="$phases" \
        'BEGIN { printf "  %s: %.2f s wall, %.0f posts/s end to end, %d curves + %d history fits, %.0f fits per CPU-second (%.2f s CPU), peak %.1f MiB\n    %s\n",
                 l, s, n / s, f, h, (f + h) / (u + y), u + y, kb / 1024, ph }'
}
run "first night (nothing kept)"
run "the same night again (kept)"
# The next night, as a nightly pull leaves it: 50 new posts, and one more snapshot of
# every post up to 30 days old (the generator's rule for that night).
ASOF=2026-11-21T02:00:00Z TO=2026-11-21
psql -X -q -v ON_ERROR_STOP=1 \
    -c "$(posts 3000000 "generate_series(0, 49)" "'$END'::timestamptz + make_interval(secs => 1800 + i * 1200)")" \
    -c "$(snaps "SELECT '$ASOF'::timestamptz AS at" "n.at >= date_trunc('day', p.posted_at) + interval '1 day 2 hours'
                   AND n.at <= date_trunc('day', p.posted_at) + interval '30 days 2 hours'")" \
    -c "ANALYZE" || exit 1
INRANGE=$(psql -X -Atq -c "SELECT count(*) FROM xetl.posts WHERE posted_at >= '$ASOF'::timestamptz - interval '30 days'")
run "the next night (kept: history fits; new snapshots of $INRANGE posts)"
