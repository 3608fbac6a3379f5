# tests/lib/testlib.sh — helpers for integration tests (TAP output).
#
#   . "$XETL_ROOT/tests/lib/testlib.sh"
#   newdb                       fresh database, XETL_DB exported, schema migrated
#   xrun ARGS...                runs $XETL; sets RC, and files $OUT / $ERR
#   is GOT EXPECTED "desc"      string equality
#   like GOT REGEX "desc"       grep -E match
#   ok "desc" CMD ARGS...       passes when CMD exits 0
#   sql "query" [psql args]     psql -Atq, ON_ERROR_STOP
#   near GOT EXPECTED TOL "desc"  |GOT-EXPECTED| <= TOL (numbers)
#   skip "why"                  an assertion not run ("ok N # skip why"): counted as skipped
#   done_testing                prints the plan; call at the end (the runner fails a
#                               script whose plan is missing or does not match)
#
# The runner (tests/run.sh) has started PostgreSQL and exported PGHOST etc.

set -u
T_NUM=0
T_FAILED=0
T_SCRIPT=$(basename "$0" .sh)
TMP=$(mktemp -d "/tmp/xetl-$T_SCRIPT.XXXXXX")
chmod 755 "$TMP"
OUT="$TMP/stdout"
ERR="$TMP/stderr"
T_DBN=0
trap 'rm -rf "$TMP"' EXIT

pass() { T_NUM=$((T_NUM + 1)); echo "ok $T_NUM - $1"; }
skip() { T_NUM=$((T_NUM + 1)); echo "ok $T_NUM # skip $1"; }
fail() {
    T_NUM=$((T_NUM + 1)); T_FAILED=$((T_FAILED + 1))
    echo "not ok $T_NUM - $1"
    shift
    for line in "$@"; do echo "#   $line"; done
}

is() {
    if [ "$1" = "$2" ]; then pass "$3"; else fail "$3" "got:      '$1'" "expected: '$2'"; fi
}

like() {
    if printf '%s' "$1" | grep -Eq -- "$2"; then pass "$3"; else fail "$3" "got:      '$1'" "expected match: $2"; fi
}

unlike() {
    if printf '%s' "$1" | grep -Eq -- "$2"; then fail "$3" "got:      '$1'" "expected no match: $2"; else pass "$3"; fi
}

ok() {
    desc=$1; shift
    if "$@" >"$TMP/ok.out" 2>&1; then pass "$desc"; else fail "$desc" "command failed: $*" "$(tail -5 "$TMP/ok.out")"; fi
}

near() {
    if awk -v g="$1" -v e="$2" -v t="$3" 'BEGIN { d = g - e; if (d < 0) d = -d; exit !(g != "" && d <= t) }'; then
        pass "$4"
    else
        fail "$4" "got:      '$1'" "expected: $2 ± $3"
    fi
}

sql() {
    q=$1; shift
    psql -X -Atq -v ON_ERROR_STOP=1 -d "${PGDATABASE}" "$@" -c "$q"
}

xrun() {
    "$XETL" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    return 0
}

newdb() {
    T_DBN=$((T_DBN + 1))
    T_DB="t_$(echo "$T_SCRIPT" | tr -c 'a-z0-9_\n' '_')_${T_DBN}"
    dropdb --if-exists "$T_DB" >/dev/null 2>&1
    createdb "$T_DB" || { echo "Bail out! createdb $T_DB failed"; exit 1; }
    export PGDATABASE="$T_DB" XETL_DB="dbname=$T_DB"
    if [ "${1:-}" != "--empty" ]; then
        "$XETL" -q migrate || { echo "Bail out! xetl migrate failed on $T_DB"; exit 1; }
    fi
}

done_testing() {
    echo "1..$T_NUM"
    [ "$T_FAILED" = 0 ]
}

# The schema of the test database, without pg_dump's random \restrict keys.
schema_dump() {
    pg_dump -s "${1:-$PGDATABASE}" | grep -v '^\\\(un\)\?restrict '
}

# A digest of a table's business content: every column except surrogate keys
# and wall-clock audit columns, rows in a fixed order.  Two databases whose
# digests match hold the same results.
AUDIT_COLS="'id','created_at','updated_at','last_updated','raw_response_id','run_id','response_id','requested_at','stage_id','reject_id','first_seen_at'"
table_digest() {
    _t=$1
    _cols=$(sql "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
                   FROM information_schema.columns
                  WHERE (table_schema || '.' || table_name = '$_t' OR (table_schema = 'public' AND table_name = '$_t'))
                    AND column_name NOT IN ($AUDIT_COLS)")
    sql "SELECT count(*) || ':' || coalesce(md5(string_agg(r::text, E'\n' ORDER BY r::text)), '')
           FROM (SELECT $_cols FROM $_t) r"
}

# Digests of every table a pipeline run writes (the run log and the raw
# landing, which record attempts, are left out on purpose).
RESULT_TABLES="xetl.posts performance_snapshots xetl.follower_samples tweet_analytics_comprehensive
reply_performance follower_attributions content_type_performance formula_performance hook_performance
learning_updates system_health_metrics xetl.predictions"
results_digest() {
    for _t in $RESULT_TABLES; do echo "$_t $(table_digest "$_t")"; done
}

# XETL_SESSIONS: a WHERE predicate for xetl's own sessions in the test's database; a
# session is named 'xetl', or 'xetl STAGE HANDLE' while a stage runs.
XETL_SESSIONS="(application_name = 'xetl' OR application_name LIKE 'xetl %') AND datname = current_database()"

# xetl_lock_waiting: waits (up to 30 s) until xetl's backend in this database waits on a
# lock, i.e. it is mid-transaction and blocked by the test's own; 1 if it never does.
xetl_lock_waiting() {
    _i=0
    while [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE $XETL_SESSIONS AND wait_event_type = 'Lock'")" = 0 ]; do
        _i=$((_i + 1)); [ $_i -gt 300 ] && return 1; sleep 0.1
    done
}
