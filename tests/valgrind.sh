#!/bin/sh
# tests/valgrind.sh — `make valgrind`: every unit test, then one nightly (fake X
# API, throwaway PostgreSQL, reports and mail), under valgrind's memcheck.  Any
# memory error or leak (definite, indirect or possible; memory still reachable
# at exit from libraries' own caches is not a leak) fails.  Not in CI: it takes
# a few minutes (docs/reliability.md has the figures).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=${XETL_BUILD:-build}
VG="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible --track-fds=no"
command -v valgrind >/dev/null 2>&1 || { echo "valgrind is not installed (apt-get install valgrind)"; exit 1; }
t0=$(date +%s)
failed=0
for t in $(ls "$BUILD"/tests/unit/*/test_* | grep -v '\.d$'); do
    if CMOCKA_MESSAGE_OUTPUT=TAP $VG "$t" >"/tmp/xetl-vg.$$" 2>&1; then
        echo "  $(basename "$t"): clean"
    else
        echo "--- $(basename "$t"): valgrind found errors or leaks"; tail -40 "/tmp/xetl-vg.$$"; failed=$((failed + 1))
    fi
done
rm -f "/tmp/xetl-vg.$$"
XETL_VALGRIND="$VG" sh tests/run.sh tests/valgrind_nightly.sh || failed=$((failed + 1))
echo "valgrind: $failed failed ($(( $(date +%s) - t0 )) s)"
[ "$failed" = 0 ]
