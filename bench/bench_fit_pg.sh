#!/bin/sh
# bench/bench_fit_pg.sh — the server's CPU of fit alone in an established agency night.
#
#   sh bench/bench_fit_pg.sh [XETL] [OUTDIR]
#
# Copies a saved agency database (BENCH_DB_FROM: bench/agency.sh BENCH_DB_SAVE
# makes one; set BENCH_ACCOUNTS and the rest to its shape), or without one loads a
# small one itself (BENCH_ACCOUNTS=6, as `make bench` runs it), runs the night before (nightly, not
# measured) and the measured night's pull from build/bench/agency serve, then ONE
# `xetl fit` of every account over the nightly range, alone: prints the server's
# CPU during it (the postmaster, its reaped and live backends), xetl's CPU, fit's
# statements by server time (pg_stat_statements: ms, calls, rows) and leaves
# OUTDIR/sums.txt, checksums of the result tables (compare two builds with diff).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
XETL=${1:-$ROOT/xetl}
OUT=${2:-$(mktemp -d /tmp/xetl-fitpg-out.XXXXXX)}
AGENCY=$ROOT/${XETL_BUILD:-build}/bench/agency
FROM_DB=${BENCH_DB_FROM:-}
mkdir -p "$OUT"
DIR=$(mktemp -d /tmp/xetl-fitpg.XXXXXX) && chmod 755 "$DIR"
. "$ROOT/tests/lib/pg.sh"
FAKE=
trap '[ -n "$FAKE" ] && kill "$FAKE" 2>/dev/null; pg_stop; rm -rf "$DIR"' EXIT
unset XETL_CONFIG XETL_X_BEARER_TOKEN_FILE
[ -n "$FROM_DB" ] || BENCH_ACCOUNTS=${BENCH_ACCOUNTS:-6}
export BENCH_ACCOUNTS=${BENCH_ACCOUNTS:-1000} BENCH_POSTS_PER_DAY=${BENCH_POSTS_PER_DAY:-50}
export BENCH_DAYS=${BENCH_DAYS:-90} BENCH_SNAP_DAYS=${BENCH_SNAP_DAYS:-30} BENCH_BOT_CONTENT=${BENCH_BOT_CONTENT:-1}
AS_OF=${BENCH_AS_OF:-2026-11-21T02:00:00Z}
E=$(date -u -d "$AS_OF" +%s) || exit 1
PREV=$(date -u -d "@$((E - 86400))" +%Y-%m-%dT%H:%M:%SZ)
RANGE_FROM=$(date -u -d "@$((E - 30 * 86400))" +%Y-%m-%dT%H:%M:%SZ)
if [ -z "$FROM_DB" ]; then
    FROM_DB=$DIR/loaded
    echo "bench_fit_pg.sh: loading $BENCH_ACCOUNTS agency accounts (bench/agency.sh; BENCH_DB_FROM=DIR reuses a saved load)"
    BENCH_AS_OF=$AS_OF BENCH_DB_SAVE=$FROM_DB BENCH_LOAD_ONLY=1 BENCH_FLOORS=0 BENCH_KEEP=0 BENCH_DIR= \
        sh "$ROOT/bench/agency.sh" >"$DIR/load.log" 2>&1 || { tail "$DIR/load.log"; exit 1; }
fi
mkdir -p "$DIR/pg" && cp -a "$FROM_DB" "$DIR/pg/data" || exit 1
echo "shared_preload_libraries = 'pg_stat_statements'" >>"$DIR/pg/data/postgresql.auto.conf"
pg_start "$DIR/pg" || exit 1
export PGDATABASE=agency XETL_DB="dbname=agency" XETL_REPORT_OUT="$DIR/reports"
"$XETL" -q migrate && psql -qAtc ANALYZE || exit 1
fake() {
    rm -f "$DIR/fake.port"
    BENCH_AS_OF_EPOCH=$1 "$AGENCY" serve "$DIR/fake.port" 2>>"$DIR/fake.log" &
    FAKE=$!
    while [ ! -s "$DIR/fake.port" ]; do sleep 0.05; done
    export XETL_X_API_BASE="http://127.0.0.1:$(cat "$DIR/fake.port")" XETL_X_BEARER_TOKEN=bench-token
}
unfake() { kill "$FAKE"; wait "$FAKE" 2>/dev/null; FAKE=; }
fake $((E - 86400))
"$XETL" -q --as-of "$PREV" nightly --jobs 3 >/dev/null 2>"$DIR/warmup.log" || { tail "$DIR/warmup.log"; exit 1; }
unfake
psql -qAtc "VACUUM ANALYZE"
fake "$E"
"$XETL" -q --as-of "$AS_OF" pull >/dev/null 2>"$DIR/pull.log" || { tail "$DIR/pull.log"; exit 1; }
unfake
psql -qAt -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
server_cpu() {
    pm=$(head -1 "$PG_DIR/data/postmaster.pid")
    { cat "/proc/$pm/stat"; for c in $(cat "/proc/$pm/task/$pm/children"); do cat "/proc/$c/stat" 2>/dev/null; done; } |
        awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); t += $12 + $13; if (NR == 1) t += $14 + $15 }
                                       END { printf "%.2f", t / hz }'
}
S0=$(server_cpu)
/usr/bin/time -f "xetl fit: %U user %S sys %e wall" "$XETL" -q --as-of "$AS_OF" fit --from "$RANGE_FROM" \
    >/dev/null 2>"$OUT/fit.log" || { tail "$OUT/fit.log"; exit 1; }
sleep 0.5 # the backend's exit reaped
S1=$(server_cpu)
{
    echo "server cpu during fit: $(awk -v a="$S0" -v b="$S1" 'BEGIN { printf "%.2f", b - a }') s" \
        "($(uptime | sed 's/.*load average/load average/'))"
    tail -1 "$OUT/fit.log"
    psql -qAtc "SELECT round(sum(total_exec_time)) || ' | ' || sum(calls) || ' | ' || sum(rows) || ' | '
                       || left(regexp_replace(query, '\s+', ' ', 'g'), 70)
                  FROM pg_stat_statements GROUP BY query ORDER BY sum(total_exec_time) DESC LIMIT 14"
} | tee "$OUT/summary.txt"
# Checksums of the result tables, without surrogate keys and write times.
for t in tweet_analytics_comprehensive reply_performance xetl.predictions xetl.fit_history xetl.fit_models; do
    cols=$(psql -qAtc "SELECT string_agg(quote_ident(attname), ',' ORDER BY attnum) FROM pg_attribute
                        WHERE attrelid = '$t'::regclass AND attnum > 0 AND NOT attisdropped
                          AND attname NOT IN ('id', 'created_at', 'updated_at')")
    echo "$t $(psql -qAtc "SELECT count(*) || ' ' || md5(string_agg(x::text, E'\n' ORDER BY x::text)) FROM (SELECT $cols FROM $t) x")"
done >"$OUT/sums.txt"
echo "checksums: $OUT/sums.txt"
