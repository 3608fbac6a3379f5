#!/bin/sh
# bench/bench_import.sh — `xetl import` throughput and peak memory on generated
# legacy "tweet activity" exports (quoted text with commas, quotes, emoji and
# line breaks, thousands separators, both timestamp styles, percentages).
#
#   sh bench/bench_import.sh [ROWS...]   import ROWS-row exports (default 200000 1000000)
#                                        into a fresh database; needs PGHOST etc.
#                                        (bench/run.sh starts a throwaway server)
#
# Each size also measures the floor in the same run: the rows the import wrote
# to its four per-post targets (xetl.posts, performance_snapshots,
# tweet_analytics_comprehensive, xetl.platform_follows), COPYed straight into
# the same tables of a second fresh database in one transaction; it prints
# both, the ratio import/floor, and the WAL each wrote.
#   sh bench/bench_import.sh gen N       print an N-row export on stdout (also used by
#                                        tests/integration/t_import_big.sh)
#
# Row i (1..N): id 1500000000000000000+i, posted 2020-01-(1+i%28) (i%24):(i%60),
# impressions 100+(i*37)%100000, likes i%500, retweets i%50, replies i%20,
# follows i%7; every 10th text has an embedded line break.
set -u

gen() {
    awk -v n="$1" 'BEGIN {
        printf "\357\273\277Tweet id,Tweet permalink,Tweet text,time,impressions,engagements,engagement rate,retweets,replies,likes,user profile clicks,url clicks,hashtag clicks,detail expands,permalink clicks,app opens,app installs,follows,email tweet,dial phone,media views,media engagements\r\n"
        for (i = 1; i <= n; i++) {
            id = sprintf("15%017d", i)
            day = 1 + i % 28; hh = i % 24; mm = i % 60
            if (i % 2) t = sprintf("2020-01-%02d %02d:%02d +0000", day, hh, mm)
            else t = sprintf("2020-01-%02dT%02d:%02d:00Z", day, hh, mm)
            imp = 100 + (i * 37) % 100000
            imps = imp
            if (i % 3 == 0 && imp >= 1000) imps = sprintf("\"%d,%03d\"", int(imp / 1000), imp % 1000)
            likes = i % 500; rts = i % 50; reps = i % 20
            eng = likes + rts + reps
            if (i % 2) rate = sprintf("%.6f", eng / imp); else rate = sprintf("%.4f%%", 100 * eng / imp)
            text = sprintf("\"post %d, with \"\"quotes\"\" and \360\237\232\200%s\"", i, (i % 10 == 0) ? "\r\nsecond line" : "")
            printf "%s,https://twitter.com/bench/status/%s,%s,%s,%s,%d,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%s,%s,%d,%d\r\n",
                id, id, text, t, imps, eng, rate, rts, reps, likes, i % 13, i % 11, i % 5, i % 17, i % 3, 0, 0, i % 7, "-", "-", i % 101, i % 9
        }
    }'
}

if [ "${1:-}" = gen ]; then
    gen "$2"
    exit 0
fi

# Runs a command: prints its exit status, wall seconds, peak RSS in KiB and
# CPU seconds (user + system; getrusage).
timed() {
    "$PY" -c '
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.call(sys.argv[1:], stderr=subprocess.DEVNULL)
dt = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(rc, "%.3f" % dt, r.ru_maxrss, "%.2f" % (r.ru_utime + r.ru_stime))
' "$@"
}

# The server's CPU seconds so far (when it runs on this machine and /proc is
# readable, else 0): the postmaster's own and its reaped backends' (cutime),
# plus its live processes' (WAL writer, checkpointer, the backends).  On a
# shared machine CPU time says more than wall time.
server_cpu() {
    pid=$(head -1 "$(psql -X -Atq -c 'SHOW data_directory')/postmaster.pid" 2>/dev/null)
    "$PY" -c '
import os, sys
tick = os.sysconf("SC_CLK_TCK")
def f(p):
    try:
        return open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()
    except OSError:
        return None
m = f(sys.argv[1]) if sys.argv[1] else None
if not m:
    print(0); sys.exit()
t = sum(int(x) for x in m[11:15])
for p in os.listdir("/proc"):
    s = f(p) if p.isdigit() else None
    if s and s[1] == sys.argv[1]:
        t += int(s[11]) + int(s[12])
print("%.2f" % (t / tick))
' "$pid"
}

# The floor: the target rows of database $1 (an N=$2-row import that took $3 s)
# COPYed into the same tables of a fresh database, timed by the server.
floor() {
    fdb="bench_import_floor_$2"
    dropdb --if-exists "$fdb" >/dev/null 2>&1
    createdb "$fdb" || return 1
    XETL_DB="dbname=$fdb" "$XETL" -q migrate && XETL_DB="dbname=$fdb" "$XETL" -q account add bench --user-id 7 ||
        return 1
    script="BEGIN;"
    for t in xetl.posts performance_snapshots tweet_analytics_comprehensive xetl.platform_follows; do
        cols=$(psql -X -Atq -d "$1" -c "SELECT string_agg(quote_ident(attname), ',' ORDER BY attnum) FROM pg_attribute
                                         WHERE attrelid = '$t'::regclass AND attnum > 0 AND NOT attisdropped")
        psql -X -q -d "$1" -c "\\copy (SELECT $cols FROM $t) TO '$DIR/$t.copy'" || return 1
        script="$script
\\copy $t ($cols) FROM '$DIR/$t.copy'"
    done
    printf '%s\nCOMMIT;\n' "$script" > "$DIR/floor.sql"
    flsn=$(psql -X -Atq -d "$fdb" -c "SELECT pg_current_wal_lsn()")
    c0=$(server_cpu)
    fsecs=$(timed psql -X -q -v ON_ERROR_STOP=1 -d "$fdb" -f "$DIR/floor.sql" | cut -d' ' -f2)
    fcpu=$(awk -v a="$(server_cpu)" -v b="$c0" 'BEGIN { printf "%.2f", a - b }')
    fwal=$(psql -X -Atq -d "$fdb" -c "SELECT round((pg_current_wal_lsn() - '$flsn') / 1048576)::int")
    echo "floor $2 rows: COPY of the same rows straight into the same four tables ${fsecs} s" \
         "= $(awk -v r="$2" -v s="$fsecs" 'BEGIN { printf "%.0f", r / s }') rows/s, server CPU $fcpu s, WAL $fwal MiB;" \
         "import/floor $(awk -v a="$3" -v b="$fsecs" 'BEGIN { printf "%.2f", a / b }')x wall," \
         "$(awk -v a="$4" -v b="$fcpu" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }')x server CPU"
    dropdb "$fdb"
}

XETL=${XETL:-./xetl}
PY=${XETL_PYTHON:-/usr/bin/python3}
DIR=$(mktemp -d /tmp/xetl-bench-import.XXXXXX)
trap 'rm -rf "$DIR"' EXIT INT TERM
[ $# -gt 0 ] || set -- 200000 1000000
status=0
for n in "$@"; do
    db="bench_import_$n"
    dropdb --if-exists "$db" >/dev/null 2>&1
    createdb "$db" || exit 1
    export XETL_DB="dbname=$db"
    "$XETL" -q migrate && "$XETL" -q account add bench --user-id 7 || exit 1
    f="$DIR/tweet_activity_metrics_bench_20200101_20200131_en.csv"
    gen "$n" > "$f"
    size=$(wc -c < "$f")
    lsn=$(psql -X -Atq -d "$db" -c "SELECT pg_current_wal_lsn()")
    # Wall time, the child's peak RSS and CPU (getrusage), the server's CPU.
    c0=$(server_cpu)
    out=$(timed "$XETL" -q import "$f")
    set -- $out
    rc=$1 secs=$2 rss=$3 xcpu=$4
    scpu=$(awk -v a="$(server_cpu)" -v b="$c0" 'BEGIN { printf "%.2f", a - b }')
    wal=$(psql -X -Atq -d "$db" -c "SELECT round((pg_current_wal_lsn() - '$lsn') / 1048576)::int")
    rows=$(psql -X -Atq -d "$db" -c "SELECT count(*) FROM performance_snapshots WHERE source = 'import'")
    rate=$(awk -v r="$rows" -v s="$secs" 'BEGIN { printf "%.0f", r / s }')
    echo "import $n rows ($(( size / 1048576 )) MiB): exit $rc, $rows snapshots in ${secs} s = $rate rows/s," \
         "peak RSS $(( rss / 1024 )) MiB, CPU xetl $xcpu s + server $scpu s, WAL $wal MiB (load $(cut -d' ' -f1 /proc/loadavg))"
    [ "$rc" = 0 ] && [ "$rows" = "$n" ] || status=1
    floor "$db" "$n" "$secs" "$scpu"
    # Idempotence at scale: a second run of the same file (after autovacuum's
    # statistics of the new rows, as a next night's import would find them).
    psql -X -q -d "$db" -c "ANALYZE xetl.posts, performance_snapshots, tweet_analytics_comprehensive, xetl.platform_follows"
    lsn=$(psql -X -Atq -d "$db" -c "SELECT pg_current_wal_lsn()")
    c0=$(server_cpu)
    out=$(timed "$XETL" -q import "$f")
    set -- $out
    scpu=$(awk -v a="$(server_cpu)" -v b="$c0" 'BEGIN { printf "%.2f", a - b }')
    wal=$(psql -X -Atq -d "$db" -c "SELECT round((pg_current_wal_lsn() - '$lsn') / 1048576)::int")
    echo "import $n rows again (nothing changes): exit $1, ${2} s, peak RSS $(( $3 / 1024 )) MiB," \
         "CPU xetl $4 s + server $scpu s, WAL $wal MiB"
    dropdb "$db"
done
exit $status
