#!/bin/sh
# bench/bench_nightly.sh — the whole nightly job against the fake X API, at
# realistic scale (1 account, 90 days, ~3,000 posts and replies) and at agency
# scale (ACCOUNTS accounts of that size, default 8).  Each scale runs a first
# nightly (every tracked post due) and the next night's; prints wall time per
# stage from the run log, posts/s overall and peak memory.
# Run by bench/run.sh (PostgreSQL already started).  ACCOUNTS=N to change.
set -u
ROOT=${XETL_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
XETL=${XETL:-$ROOT/xetl}
XETL_PYTHON=${XETL_PYTHON:-/usr/bin/python3}
TMP=$(mktemp -d /tmp/xetl-bench-nightly.XXXXXX)
chmod 755 "$TMP"
export XETL_ROOT="$ROOT" XETL_PYTHON TMP
. "$ROOT/tests/fakex/fakex.sh"
AGENCY=${ACCOUNTS:-8}

scenario() { # N accounts
    "$XETL_PYTHON" - "$1" <<'PY'
import json, sys
n = int(sys.argv[1])
print(json.dumps({"now": "2026-11-21T02:00:00Z", "accounts": [
    {"user_id": str(1000002000 + i), "handle": "bench_%02d" % i, "start": "2026-08-23T06:00:00Z",
     "posts": 2300, "replies": 700, "manual_posts": 30, "interval_hours": 0.72,
     "followers": 5000 + 100 * i, "drift_per_day": 4.0, "seed": 100 + i} for i in range(n)]}))
PY
}

run_scale() { # label accounts
    label=$1 n=$2
    scenario "$n" > "$TMP/sc-$label.json"
    fakex_start --token bench-token --scenario "$TMP/sc-$label.json"
    DB="xetl_bench_nightly_$label"
    dropdb --if-exists "$DB" >/dev/null 2>&1
    createdb "$DB" || return 1
    export XETL_DB="dbname=$DB" PGDATABASE="$DB" XETL_X_BEARER_TOKEN=bench-token XETL_REPORT_OUT="$TMP/reports-$label"
    "$XETL" -q migrate || return 1
    i=0
    while [ $i -lt "$n" ]; do
        "$XETL" -q account add "$(printf 'bench_%02d' $i)" --user-id $((1000002000 + i)) || return 1
        i=$((i + 1))
    done
    "$XETL_PYTHON" "$ROOT/tests/fakex/sim.py" --scenario "$TMP/sc-$label.json" --content-metadata-sql standalone \
        --at 2026-11-20T02:00:00Z > "$TMP/cm.sql"
    psql -X -q -v ON_ERROR_STOP=1 -f "$TMP/cm.sql" >/dev/null || return 1
    posts=$(psql -X -Atq -c "SELECT count(*) FROM content_metadata")
    for night in 2026-11-20T02:00:00Z 2026-11-21T02:00:00Z; do
        fakex_post /_fake/clock "{\"now\": \"$night\"}" >/dev/null
        /usr/bin/time -f "%e %M" -o "$TMP/time" "$XETL" -q --as-of "$night" nightly >/dev/null || return 1
        read -r secs kb < "$TMP/time"
        echo "$label ($n account(s), $posts bot posts), nightly as of $night: ${secs} s, peak memory $((kb / 1024)) MiB"
        psql -X -Atq -F ' ' -c "SELECT '    ' || rpad(stage, 10) || lpad(round(sum(extract(epoch FROM finished_at - started_at))::numeric, 2)::text, 8) || ' s  '
                                  || sum((counts->>'requests')::int) || ' requests, ' || sum((counts->>'rows')::int) || ' rows, '
                                  || sum((counts->>'fits')::int) || ' fits, ' || sum((counts->>'attributions')::int) || ' attributions'
                                  FROM xetl.run_stages WHERE run_id = (SELECT max(run_id) FROM xetl.runs)
                                  GROUP BY stage ORDER BY min(stage_id)"
        awk -v p="$posts" -v s="$secs" 'BEGIN { if (s > 0) printf "    %.0f tracked posts/s end to end\n", p / s }'
    done
    fakex_stop
    dropdb --if-exists "$DB" >/dev/null 2>&1
}

trap 'fakex_stop; rm -rf "$TMP"' EXIT
[ -x /usr/bin/time ] || { echo "bench_nightly: /usr/bin/time is needed (apt-get install time)"; exit 1; }
run_scale realistic 1 || exit 1
run_scale agency "$AGENCY" || exit 1
