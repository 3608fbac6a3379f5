#!/bin/sh
# tests/run.sh — runs the whole suite, or the files named on the command line.
#
# Starts one throwaway PostgreSQL for the run, then runs every unit-test
# binary (cmocka, TAP output) and every tests/integration/t_*.sh script
# (TAP), and ends with one line: "N passed, N failed".
# XETL_ONLY=unit|integration restricts; XETL_KEEP=1 keeps the temp dir.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=${XETL_BUILD:-build}
export XETL="$ROOT/${XETL_BIN:-xetl}" XETL_ROOT="$ROOT" XETL_BUILD="$BUILD"
export XETL_PYTHON="${XETL_PYTHON:-/usr/bin/python3}"
# Tests must not pick up a developer's settings or real credentials.
unset XETL_CONFIG XETL_DB XETL_X_BEARER_TOKEN XETL_X_BEARER_TOKEN_FILE XETL_SMTP_URL XETL_MAIL_TO
export LC_ALL=C.UTF-8 TZ=UTC

if [ $# -gt 0 ]; then
    FILES="$*"
else
    FILES=""
    [ "${XETL_ONLY:-unit}" != integration ] && FILES="$FILES $(ls "$BUILD"/tests/unit/test_* 2>/dev/null | grep -v '\.d$')"
    [ "${XETL_ONLY:-integration}" != unit ] && FILES="$FILES $(ls tests/integration/t_*.sh 2>/dev/null)"
fi

WORK=$(mktemp -d /tmp/xetl-run.XXXXXX)
chmod 755 "$WORK"
. "$ROOT/tests/lib/pg.sh"
cleanup() {
    pg_stop
    [ "${XETL_KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
pg_start "$WORK/pg" || { echo "could not start PostgreSQL"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
failed_files=""
for f in $FILES; do
    name=$(basename "$f")
    log="$WORK/$name.log"
    case "$f" in
    *.sh) sh "$f" >"$log" 2>&1 ;;
    *) CMOCKA_MESSAGE_OUTPUT=TAP "$f" >"$log" 2>&1 ;;
    esac
    status=$?
    p=$(grep -c '^ok ' "$log")
    n=$(grep -c '^not ok ' "$log")
    if [ "$status" != 0 ] && [ "$n" = 0 ]; then
        n=1 # died without reporting a failure
    fi
    passed=$((passed + p))
    failed=$((failed + n))
    if [ "$n" != 0 ]; then
        failed_files="$failed_files $name"
        echo "--- $name: $n failed (exit $status)"
        grep -v '^ok ' "$log" | tail -40
    else
        echo "  $name: $p passed"
    fi
done

[ -n "$failed_files" ] && echo "failed:$failed_files"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
