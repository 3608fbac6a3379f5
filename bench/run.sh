#!/bin/sh
# bench/run.sh — runs every benchmark: build/bench/bench_* binaries and
# bench/bench_*.sh scripts.  Each generates its own data (realistic and agency
# scale) and prints rows/s, fits/s and peak memory.  Scripts that need a
# database get a throwaway PostgreSQL from tests/lib/pg.sh.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=${XETL_BUILD:-build}
export XETL="$ROOT/${XETL_BIN:-xetl}" XETL_ROOT="$ROOT" XETL_PYTHON="${XETL_PYTHON:-/usr/bin/python3}"
unset XETL_CONFIG XETL_DB XETL_X_BEARER_TOKEN XETL_X_BEARER_TOKEN_FILE
WORK=$(mktemp -d /tmp/xetl-bench.XXXXXX)
chmod 755 "$WORK"
. "$ROOT/tests/lib/pg.sh"
trap 'pg_stop; rm -rf "$WORK"' EXIT INT TERM
pg_start "$WORK/pg" || exit 1
status=0
for b in $(ls "$BUILD"/bench/bench_* 2>/dev/null | grep -v '\.d$') $(ls bench/bench_*.sh 2>/dev/null); do
    echo "== $(basename "$b")"
    case "$b" in
    *.sh) sh "$b" || status=1 ;;
    *) "$b" || status=1 ;;
    esac
done
# The agency night at a small scale (bench/agency.sh; `make bench-agency` is the full one).
echo "== agency.sh (BENCH_ACCOUNTS=${BENCH_ACCOUNTS:-20})"
BENCH_ACCOUNTS=${BENCH_ACCOUNTS:-20} XETL_BUILD="$BUILD" sh bench/agency.sh || status=1
exit $status
