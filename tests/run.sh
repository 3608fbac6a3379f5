#!/bin/sh
# tests/run.sh — runs the whole suite, or the files named on the command line.
#
# Starts one throwaway PostgreSQL for the run, then runs every unit-test
# binary (cmocka, TAP output) and every tests/integration/t_*.sh script
# (TAP), and ends with one line: "N passed, N failed, N skipped".  A file
# fails when its TAP plan is missing or does not match the assertions it
# printed, when it prints none, bails out, or exits non-zero.
# XETL_ONLY=unit|integration restricts; XETL_KEEP=1 keeps the temp dir.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=${XETL_BUILD:-build}
export XETL="$ROOT/${XETL_BIN:-xetl}" XETL_ROOT="$ROOT" XETL_BUILD="$BUILD"
export XETL_PYTHON="${XETL_PYTHON:-/usr/bin/python3}"
# Tests must not pick up a developer's settings or real credentials.
unset XETL_CONFIG XETL_DB XETL_X_BEARER_TOKEN XETL_X_BEARER_TOKEN_FILE XETL_SMTP_URL XETL_MAIL_TO
# Golden files are rewritten only by `make golden`, never by a check run.
[ "${XETL_MAKE_GOLDEN:-0}" = 1 ] && export XETL_UPDATE_GOLDEN=1 || unset XETL_UPDATE_GOLDEN
export LC_ALL=C.UTF-8 TZ=UTC

if [ $# -gt 0 ]; then
    FILES="$*"
else
    FILES=""
    [ "${XETL_ONLY:-unit}" != integration ] && FILES="$FILES $(ls "$BUILD"/tests/unit/*/test_* 2>/dev/null | grep -v '\.d$')"
    [ "${XETL_ONLY:-integration}" != unit ] && FILES="$FILES $(ls tests/integration/t_*.sh 2>/dev/null)"
fi

WORK=$(mktemp -d /tmp/xetl-run.XXXXXX)
chmod 755 "$WORK"
. "$ROOT/tests/lib/pg.sh"
cleanup() {
    [ "${XETL_NO_PG:-0}" = 1 ] || pg_stop
    [ "${XETL_KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
# XETL_NO_PG=1: no server (the harness's own test runs fake TAP files through it).
[ "${XETL_NO_PG:-0}" = 1 ] || pg_start "$WORK/pg" || { echo "could not start PostgreSQL"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

passed=0
failed=0
skipped=0
failed_files=""
for f in $FILES; do
    name=$(basename "$f")
    log="$WORK/$name.log"
    case "$f" in
    *.sh) sh "$f" >"$log" 2>&1 ;;
    *) CMOCKA_MESSAGE_OUTPUT=TAP "$f" >"$log" 2>&1 ;;
    esac
    status=$?
    oks=$(grep -c '^ok ' "$log")
    s=$(grep -ciE '^ok [^#]*# *skip' "$log")
    p=$((oks - s))
    n=$(grep -c '^not ok ' "$log")
    # The plan (1..N, summed over cmocka groups) must match what ran; a file that
    # dies early, bails out or prints no assertion at all fails.
    plans=$(grep -c '^1\.\.[0-9]' "$log")
    planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$log" | awk '{ t += $1 } END { print t + 0 }')
    why=""
    if [ "$plans" = 0 ]; then
        why="no TAP plan"
    elif [ "$planned" != $((oks + n)) ]; then
        why="planned $planned, ran $((oks + n))"
    elif [ $((oks + n)) = 0 ]; then
        why="no assertion"
    elif grep -q '^Bail out!' "$log"; then
        why="bailed out"
    elif [ "$status" != 0 ] && [ "$n" = 0 ]; then
        why="exit $status without a failed assertion"
    fi
    [ -n "$why" ] && [ "$n" = 0 ] && n=1
    passed=$((passed + p))
    failed=$((failed + n))
    skipped=$((skipped + s))
    if [ "$n" != 0 ]; then
        failed_files="$failed_files $name"
        echo "--- $name: $n failed (exit $status${why:+; $why})"
        grep -v '^ok ' "$log" | tail -40
    else
        if [ "$s" = 0 ]; then echo "  $name: $p passed"; else echo "  $name: $p passed, $s skipped"; fi
    fi
done

[ -n "$failed_files" ] && echo "failed:$failed_files"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
