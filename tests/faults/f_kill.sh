#!/bin/sh
# f_kill.sh — SIGKILL at 20 seeded random points of a nightly; each killed
# run is followed by a plain rerun that must end with the clean run's tables
# and CSV bytes, with the killed run's row closed.  Odd points are a random
# time into the run (most of a run is pull); even ones a random few
# milliseconds after a randomly chosen later stage began, so the short stages
# are hit too.  XETL_FAULT_SEED changes the points (default 15); each point
# and where it landed are printed.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/faults/lib.sh"
trap 'fakex_stop; rm -rf "$TMP"' EXIT
faults_setup
SEED=${XETL_FAULT_SEED:-15}
N=${XETL_FAULT_KILLS:-20}
echo "# seed $SEED, $N kills within the clean run's ${CLEAN_SECONDS} s"
for i in $(seq 1 "$N"); do
    set -- $(awk -v s="$SEED" -v i="$i" -v t="$CLEAN_SECONDS" 'BEGIN {
        srand(s * 1000 + i); split("fit attribute learn health report", st, " ")
        printf "%.3f %s %.3f\n", 0.02 + rand() * t * 0.95, st[1 + int(rand() * 5)], rand() * 0.03 }')
    delay=$1 stage=$2 after=$3
    fresh
    if [ $((i % 2)) = 0 ]; then
        # a server-side wait for the stage's run_stages row: milliseconds, not a psql per poll
        psql -X -q -d "$PGDATABASE" >/dev/null 2>&1 <<SQL &
DO \$\$ BEGIN
  FOR n IN 1..10000 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM xetl.run_stages s JOIN xetl.runs r USING (run_id)
                       WHERE r.status = 'running' AND s.stage = '$stage');
    PERFORM pg_sleep(0.001);
  END LOOP;
END \$\$;
SQL
        watcher=$!
    fi
    XETL_REPORT_OUT="$TMP/kill-$i" "$XETL" -q --as-of "$ASOF" nightly >/dev/null 2>&1 &
    victim=$!
    KILLED_PID=$victim
    if [ $((i % 2)) = 0 ]; then
        wait "$watcher"
        sleep "$after"
        delay="'$stage' began + $after"
    else
        sleep "$delay"
    fi
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
