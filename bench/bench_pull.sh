#!/bin/sh
# bench/bench_pull.sh — `xetl pull` for one account with 1,500 tracked posts
# (30 days of posting) against the fake X API on 127.0.0.1: wall time, peak
# memory, posts refreshed and requests per 1,000 refreshed posts, for a first
# pull (everything due) and for a nightly-like pull a day later (the default
# refresh schedule).  Run by bench/run.sh (PostgreSQL already started), or:
#   sh bench/run.sh     (runs every benchmark)
set -u
ROOT=${XETL_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
XETL=${XETL:-$ROOT/xetl}
XETL_PYTHON=${XETL_PYTHON:-/usr/bin/python3}
TMP=$(mktemp -d /tmp/xetl-bench-pull.XXXXXX)
chmod 755 "$TMP"
export XETL_ROOT="$ROOT" XETL_PYTHON TMP
. "$ROOT/tests/fakex/fakex.sh"

cat >"$TMP/scenario.json" <<'EOF'
{"now": "2026-11-01T00:00:00Z",
 "accounts": [{"user_id": "1000001500", "handle": "bench1500", "start": "2026-10-02T00:00:00Z",
               "posts": 1400, "replies": 100, "manual_posts": 0, "interval_hours": 0.45, "seed": 1500}]}
EOF
fakex_start --token bench-token --scenario "$TMP/scenario.json"
trap 'fakex_stop; dropdb --if-exists xetl_bench_pull >/dev/null 2>&1; rm -rf "$TMP"' EXIT
export XETL_X_BEARER_TOKEN=bench-token XETL_X_USER_CONTEXT=true
DB=xetl_bench_pull
dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB" || exit 1
export XETL_DB="dbname=$DB" PGDATABASE="$DB"
"$XETL" -q migrate || exit 1
"$XETL" -q account add bench1500 --user-id 1000001500 || exit 1
"$XETL_PYTHON" "$ROOT/tests/fakex/sim.py" --scenario "$TMP/scenario.json" --content-metadata-sql standalone \
    --at 2026-11-01T00:00:00Z >"$TMP/cm.sql"
psql -X -q -v ON_ERROR_STOP=1 -f "$TMP/cm.sql" >/dev/null || exit 1

TIME=$(command -v time 2>/dev/null)
[ -x /usr/bin/time ] && TIME=/usr/bin/time

one() { # label as-of
    fakex_post /_fake/clock "{\"now\": \"$2\"}" >/dev/null
    fakex_post /_fake/reset '{}' >/dev/null
    wal0=$(psql -X -Atq -c 'SELECT pg_current_wal_lsn()')
    start=$(date +%s.%N)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%M' -o "$TMP/mem" "$XETL" --as-of "$2" pull 2>"$TMP/err"
    else
        "$XETL" --as-of "$2" pull 2>"$TMP/err"; echo 0 >"$TMP/mem"
    fi
    rc=$?
    end=$(date +%s.%N)
    wal=$(psql -X -Atq -c "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$wal0')")
    [ $rc = 0 ] || { echo "pull failed ($rc): $(tail -1 "$TMP/err")"; exit 1; }
    stats=$(fakex_get /_fake/stats)
    refreshed=$(sed -n 's/.*: \([0-9]*\) posts refreshed with.*/\1/p' "$TMP/err" | tail -1)
    echo "$stats" | "$XETL_PYTHON" -c '
import json, sys
s = json.load(sys.stdin)
label, start, end, refreshed, mem, tracked, wal = sys.argv[1:8]
secs = float(end) - float(start)
refreshed = int(refreshed or 0)
req = s["requests"]
per = 1000.0 * req / refreshed if refreshed else float("nan")
print("%-26s tracked %s  refreshed %5d  requests %3d (%s)  %.1f requests/1000 refreshed"
      % (label, tracked, refreshed, req, ", ".join("%s %d" % kv for kv in sorted(s["by_endpoint"].items())), per))
print("%-26s %.2f s wall  %.0f posts/s  peak rss %.1f MiB  wal %.1f MiB"
      % ("", secs, refreshed / secs if secs > 0 else 0, int(mem) / 1024.0, float(wal) / 1048576.0))
' "$1" "$start" "$end" "$refreshed" "$(cat "$TMP/mem")" \
        "$(psql -X -Atq -c 'SELECT count(*) FROM xetl.posts')" "$wal"
}

one "first pull (all due)" 2026-11-01T00:00:00Z
one "pull 1 h later" 2026-11-01T01:00:00Z
one "pull 1 day later" 2026-11-02T00:00:00Z
