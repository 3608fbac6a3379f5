#!/bin/sh
# tests/faults/run.sh — the fault suite (`make faults`): every tests/faults/f_*.sh
# (or the files named) against one throwaway PostgreSQL, the fake X API and
# the SMTP sink of tests/lib.  Each script says how many faults it tried
# ("# faults tried: N"); the suite ends with the total and whether anything
# was lost or duplicated, then "N passed, N failed, N skipped".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
BUILD=${XETL_BUILD:-build}
export XETL="$ROOT/${XETL_BIN:-xetl}" XETL_ROOT="$ROOT" XETL_BUILD="$BUILD"
export XETL_PYTHON="${XETL_PYTHON:-/usr/bin/python3}"
unset XETL_CONFIG XETL_DB XETL_X_BEARER_TOKEN XETL_X_BEARER_TOKEN_FILE XETL_SMTP_URL XETL_MAIL_TO
export LC_ALL=C.UTF-8 TZ=UTC

FILES=${*:-$(ls tests/faults/f_*.sh)}
WORK=$(mktemp -d /tmp/xetl-faults.XXXXXX)
chmod 755 "$WORK"
. "$ROOT/tests/lib/pg.sh"
cleanup() { pg_stop; [ "${XETL_KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"; }
trap cleanup EXIT INT TERM
pg_start "$WORK/pg" || { echo "could not start PostgreSQL"; exit 1; }

passed=0 failed=0 skipped=0 tried=0 t0=$(date +%s)
for f in $FILES; do
    name=$(basename "$f")
    log="$WORK/$name.log"
    s0=$(date +%s)
    sh "$f" >"$log" 2>&1
    status=$?
    p=$(grep '^ok ' "$log" | grep -vc '# [Ss][Kk][Ii][Pp]')
    k=$(grep -c '^ok .*# [Ss][Kk][Ii][Pp]' "$log")
    n=$(grep -c '^not ok ' "$log")
    plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | tail -1)
    # A script that dies early, or whose plan does not match what it printed, failed.
    if [ "$status" != 0 ] && [ "$n" = 0 ]; then n=1; fi
    if [ -z "$plan" ] || [ "$plan" != $((p + k + n)) ]; then [ "$n" = 0 ] && n=1; fi
    t=$(sed -n 's/^# faults tried: \([0-9]*\)$/\1/p' "$log" | tail -1)
    passed=$((passed + p)); failed=$((failed + n)); skipped=$((skipped + k)); tried=$((tried + ${t:-0}))
    if [ "$n" != 0 ]; then
        echo "--- $name: $n failed (exit $status, $(( $(date +%s) - s0 )) s)"
        grep -v '^ok ' "$log" | tail -40
    else
        echo "  $name: $p passed$( [ "$k" != 0 ] && echo ", $k skipped"), ${t:-0} faults ($(( $(date +%s) - s0 )) s)"
        grep '^# .*not tried\|^ok .*# [Ss][Kk][Ii][Pp]' "$log" | sed 's/^/    /'
    fi
done
if [ "$failed" = 0 ]; then
    echo "$tried faults tried in $(( $(date +%s) - t0 )) s: nothing lost or duplicated"
else
    echo "$tried faults tried in $(( $(date +%s) - t0 )) s: $failed checks FAILED"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
