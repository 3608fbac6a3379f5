#!/bin/sh
# tests/fuzz/run.sh TARGET… — runs build-fuzz/fuzz_TARGET for $FUZZ_SECONDS
# (default 60) each, on a scratch copy of tests/fuzz/corpus/TARGET (the
# committed seeds are never rewritten), and prints one line per target:
# executions, coverage (libFuzzer's "cov" edges and "ft" features), corpus size.
# A crash leaves its input as build-fuzz/crash-TARGET-* and fails the run.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
SECS=${FUZZ_SECONDS:-60}
WORK=$(mktemp -d /tmp/xetl-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM
# FUZZ_JOBS lanes run side by side (each target still gets its FUZZ_SECONDS of
# one core); the lines are printed in the order the targets were named.
JOBS=${FUZZ_JOBS:-1}

fuzz_one() {
    t=$1
    mkdir -p "$WORK/$t"
    log="build-fuzz/fuzz-$t.log"
    # -rss_limit_mb: a 4 MiB record and its re-read stay far below it.
    build-fuzz/fuzz_"$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
        -artifact_prefix="build-fuzz/crash-$t-" "$WORK/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p')
    if [ "$rc" = 0 ]; then
        echo "fuzz $t: ${SECS}s, ${runs:-?} executions, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
    else
        echo "fuzz $t: FAILED (exit $rc) after ${runs:-?} executions; see $log"
        grep -E 'ERROR|SUMMARY|invariant|Test unit written' "$log" | head -8
        : >"$WORK/$t.failed"
    fi >"$WORK/$t.out"
}

lane=0
while [ "$lane" -lt "$JOBS" ]; do
    (
        i=0
        for t in "$@"; do
            [ $((i % JOBS)) = "$lane" ] && fuzz_one "$t"
            i=$((i + 1))
        done
    ) &
    lane=$((lane + 1))
done
wait
failed=""
for t in "$@"; do
    cat "$WORK/$t.out"
    [ -e "$WORK/$t.failed" ] && failed="$failed $t"
done
[ -z "$failed" ] || { echo "fuzz failed:$failed"; exit 1; }
