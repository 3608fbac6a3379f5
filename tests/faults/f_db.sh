#!/bin/sh
# f_db.sh — the database failing inside each stage of a nightly: the stage is
# held inside its transaction (another session locks a table it needs), then
# its backend is terminated (→ 69), the server is stopped (→ 69; the row is
# closed by the next run once the server is back), or a statement timeout
# fires (→ 75).  Each time: one line on stderr naming the stage, and a plain
# rerun ends with the clean run's tables and CSV bytes.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/faults/lib.sh"
. "$XETL_ROOT/tests/lib/pg.sh"
trap 'fakex_stop; rm -rf "$TMP"' EXIT
faults_setup

# pg_up: starts the server again with the options it last ran with (postmaster.opts).
pg_up() {
    eval "set -- $(cat "$PG_DIR/data/postmaster.opts")"
    pg_run "$@" >>"$PG_DIR/server.log" 2>&1 &
    _i=0
    until pg_isready -q -h "$PGHOST" -p "$PGPORT"; do
        _i=$((_i + 1)); [ $_i -gt 200 ] && { echo "Bail out! PostgreSQL did not come back"; exit 1; }
        sleep 0.05
    done
}
# hold STAGE TABLE AFTER MODE: nightly blocked inside STAGE (TABLE locked once stage AFTER began), then MODE.
hold() {
    stage=$1 table=$2 after=$3 mode=$4
    fresh
    [ "$mode" = timeout ] && sql "ALTER DATABASE $PGDATABASE SET statement_timeout = '1s'" >/dev/null
    psql -X -q -d "$PGDATABASE" >/dev/null 2>&1 <<SQL &
SET statement_timeout = 0;
DO \$\$ BEGIN
  LOOP
    EXIT WHEN '$after' = '-' OR EXISTS (SELECT 1 FROM xetl.run_stages s JOIN xetl.runs r USING (run_id)
                       WHERE r.status = 'running' AND s.stage = '$after');
    PERFORM pg_sleep(0.002);
  END LOOP;
END \$\$;
BEGIN;
LOCK TABLE $table IN ACCESS EXCLUSIVE MODE;
SELECT pg_sleep(30);
COMMIT;
SQL
    locker=$!
    sleep 0.3
    nightly_bg=$TMP/$stage-$mode
    XETL_REPORT_OUT="$nightly_bg" "$XETL" -q --as-of "$ASOF" nightly >/dev/null 2>"$TMP/held.err" &
    victim=$!
    if [ "$mode" = timeout ]; then
        wait "$victim"; rc=$?
    elif xetl_lock_waiting; then
        is "$(sql "SELECT stage FROM xetl.run_stages WHERE status = 'running' ORDER BY stage_id DESC LIMIT 1")" "$stage" \
           "$mode: the run is inside '$stage'"
        if [ "$mode" = terminate ]; then
            sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE $XETL_SESSIONS" >/dev/null
        else
            pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
        fi
        wait "$victim"; rc=$?
    else
        fail "$mode: the run blocked inside '$stage'"
        kill -9 "$victim"; wait "$victim"; rc=x
    fi
    kill "$locker" 2>/dev/null; wait "$locker" 2>/dev/null
    [ "$mode" = stop ] && pg_up
    sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()" >/dev/null
    want=69; [ "$mode" = timeout ] && want=75
    is "$rc" "$want" "$mode inside '$stage': exit $want"
    is "$(wc -l < "$TMP/held.err" | tr -d ' ')" 1 "$mode inside '$stage': one line on stderr"
    like "$(cat "$TMP/held.err")" "^xetl: error: stage '$stage' failed for account 'faults_t': " "$mode inside '$stage': naming the stage"
    [ "$mode" = timeout ] && sql "ALTER DATABASE $PGDATABASE RESET statement_timeout" >/dev/null
    nightly "$nightly_bg"
    is "$RC" 0 "$mode inside '$stage': the rerun exits 0"
    is "$(sql "SELECT status || ':' || coalesce(exit_code::text, 'killed') FROM xetl.runs WHERE command = 'nightly' ORDER BY run_id DESC OFFSET 1 LIMIT 1")" \
       "failed:$([ "$mode" = stop ] && echo killed || echo "$want")" "$mode inside '$stage': the failed run's row is closed"
    same_as_clean "$mode inside '$stage'" "$nightly_bg"
}

for mode in terminate stop timeout; do
    for case in "pull performance_snapshots -" "fit xetl.predictions pull" "attribute follower_attributions fit" \
                "learn learning_updates attribute" "health system_health_metrics learn" "report content_type_performance health"; do
        set -- $case
        hold "$1" "$2" "$3" "$mode"
    done
done
faults_done
