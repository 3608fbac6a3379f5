#!/bin/sh
# xetl import of a generated 100,000-row legacy export (bench/bench_import.sh
# gen): every row lands and sampled values are exact (re-import at this scale:
# bench/bench_import.sh).  The time is reported in a closing note, never asserted.
. "$XETL_ROOT/tests/lib/testlib.sh"
N=100000
F="$TMP/tweet_activity_metrics_big_20200101_20200131_en.csv"
sh "$XETL_ROOT/bench/bench_import.sh" gen $N > "$F"

newdb
xrun account add bench --user-id 99 # the generator's permalinks name @bench
t0=$(date +%s.%N)
xrun import "$F"
t1=$(date +%s.%N)
is "$RC" 0 "100k-row export imports with exit 0"
is "$(sql "SELECT count(*) FROM performance_snapshots WHERE source = 'import'")" $N "one snapshot per row"
is "$(sql "SELECT count(*) FROM xetl.posts")" $N "one post per row"
is "$(sql "SELECT count(*) FROM tweet_analytics_comprehensive")" $N "one analytics row per post"
is "$(sql "SELECT count(*) FROM xetl.platform_follows")" $N "one platform follows row per post"
is "$(sql "SELECT count(*) FROM xetl.import_rejects")" 0 "no rejects"
is "$(sql "SELECT to_char(min(snapshot_at), 'YYYY-MM-DD') || ' ' || count(DISTINCT snapshot_at) FROM performance_snapshots")" "2020-02-01 1" "as-of from the file name's range"

for i in 1 2 10 12345 54321 99990 100000; do
    id=$(printf '15%017d' $i)
    imp=$((100 + (i * 37) % 100000))
    likes=$((i % 500)) rts=$((i % 50)) reps=$((i % 20))
    day=$((1 + i % 28)) hh=$((i % 24)) mm=$((i % 60))
    want_t=$(printf '2020-01-%02d %02d:%02d' $day $hh $mm)
    is "$(sql "SELECT impressions || ' ' || likes || ' ' || retweets || ' ' || replies FROM performance_snapshots WHERE tweet_id = '$id'")" \
        "$imp $likes $rts $reps" "row $i: counters"
    is "$(sql "SELECT to_char(posted_at, 'YYYY-MM-DD HH24:MI') FROM xetl.posts WHERE tweet_id = '$id'")" "$want_t" "row $i: posted_at"
    is "$(sql "SELECT follows FROM xetl.platform_follows WHERE tweet_id = '$id'")" $((i % 7)) "row $i: follows"
    near "$(sql "SELECT engagement_rate FROM performance_snapshots WHERE tweet_id = '$id'")" \
        "$(awk -v e=$((likes + rts + reps)) -v m=$imp 'BEGIN { printf "%.9f", e / m }')" 0.000001 "row $i: engagement rate"
done
is "$(sql "SELECT text FROM xetl.posts WHERE tweet_id = '1500000000000012345'")" 'post 12345, with "quotes" and 🚀' "sampled text"
is "$(sql "SELECT text = E'post 99990, with \"quotes\" and 🚀\\r\\nsecond line' FROM xetl.posts WHERE tweet_id = '1500000000000099990'")" t "sampled text with a line break"

echo "# import of $N rows: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s (%.0f rows/s)", b - a, '"$N"' / (b - a) }')"
done_testing
