#!/bin/sh
# f_kill.sh — SIGKILL at 20 seeded random points of a nightly; each killed
# run is followed by a plain rerun that must end with the clean run's tables
# and CSV bytes, with the killed run's row closed.  XETL_FAULT_SEED changes
# the points (default 15); the points and where they landed are printed.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/faults/lib.sh"
trap 'fakex_stop; rm -rf "$TMP"' EXIT
faults_setup
SEED=${XETL_FAULT_SEED:-15}
N=${XETL_FAULT_KILLS:-20}
echo "# seed $SEED, $N kills within the clean run's ${CLEAN_SECONDS} s"
for i in $(seq 1 "$N"); do
    delay=$(awk -v s="$SEED" -v i="$i" -v t="$CLEAN_SECONDS" 'BEGIN { srand(s * 1000 + i); printf "%.3f", 0.02 + rand() * t * 0.95 }')
    fresh
    XETL_REPORT_OUT="$TMP/kill-$i" "$XETL" -q --as-of "$ASOF" nightly >/dev/null 2>&1 &
    victim=$!
    KILLED_PID=$victim
    sleep "$delay"
    kill -9 "$victim" 2>/dev/null
    wait "$victim" 2>/dev/null
    where=$(sql "SELECT coalesce((SELECT stage FROM xetl.run_stages s JOIN xetl.runs r USING (run_id)
                                   WHERE r.command = 'nightly' AND s.status = 'running' ORDER BY stage_id DESC LIMIT 1),
                                  (SELECT CASE WHEN status = 'running' THEN 'between stages' ELSE 'after the end' END
                                     FROM xetl.runs WHERE command = 'nightly' ORDER BY run_id DESC LIMIT 1), 'before the run row')")
    echo "# kill $i at ${delay} s: $where"
    nightly "$TMP/kill-$i"
    is "$RC" 0 "kill $i ($where): the rerun exits 0"
    is "$(sql "SELECT count(*) FROM xetl.runs WHERE status = 'running'")" 0 "kill $i: no run row is left 'running'"
    same_as_clean "kill $i ($where)" "$TMP/kill-$i"
done
faults_done
