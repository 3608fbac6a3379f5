# tests/faults/lib.sh — what every fault script shares (sourced after
# tests/lib/testlib.sh and tests/fakex/fakex.sh):
#
#   faults_setup            the fake X API, a template database (account, the
#                           bot's posts, the nightly of the day before) and the
#                           clean nightly's tables ($TMP/clean.digest) and CSV
#                           bytes ($TMP/clean.files)
#   fresh                   a new database copied from the template
#   nightly DIR [ARGS]      xetl -q --as-of $ASOF nightly ARGS, reports in DIR; sets RC, $ERR
#   same_as_clean WHAT DIR  TAP: tables equal the clean run's, CSVs byte-identical,
#                           no temp file left in DIR; counts one fault tried
#   tried                   counts one fault (for faults checked otherwise)
#   faults_done             prints "# faults tried: N" (the runner adds them up) and the plan
#
# The scenario is small enough for a nightly to take about a second and
# large enough for every stage to have work.
. "$XETL_ROOT/tests/fakex/fakex.sh"

FAULTS_TRIED=0
ASOF1=2026-11-19T02:00:00Z
ASOF=2026-11-20T02:00:00Z
TOKEN="AAAAAAAAAAAAAAAAAAAAAFaults%2Bsuite$$%3DtokenXYZ0123456789"
export XETL_X_BEARER_TOKEN="$TOKEN" XETL_PULL_BACKOFF_MS=5 XETL_PULL_RETRIES=3
export XETL_COST_X_API_MONTHLY_USD=100 XETL_VALUE_PER_FOLLOWER_USD=0.4

tried() { FAULTS_TRIED=$((FAULTS_TRIED + ${1:-1})); }

files_digest() { (cd "$1" 2>/dev/null && for f in *.csv; do [ -e "$f" ] && echo "$f $(md5sum < "$f" | cut -c1-32)"; done); }

faults_setup() {
    cat > "$TMP/scenario.json" <<'JSON'
{"now": "2026-11-20T02:00:00Z",
 "accounts": [{"user_id": "1000000031", "handle": "faults_t", "start": "2026-10-28T00:00:00Z",
               "posts": 90, "replies": 20, "manual_posts": 4, "interval_hours": 5,
               "followers": 1500, "drift_per_day": 2.0, "seed": 31}]}
JSON
    fakex_start --scenario "$TMP/scenario.json" --token "$TOKEN"
    fakex_seed_db faults_t 1000000031 "$ASOF"
    TEMPLATE=$PGDATABASE
    fakex_post /_fake/clock "{\"now\": \"$ASOF1\"}" >/dev/null
    XETL_REPORT_OUT="$TMP/setup-reports" "$XETL" -q --as-of "$ASOF1" nightly >/dev/null ||
        { echo "Bail out! the setup nightly failed"; exit 1; }
    fakex_post /_fake/clock "{\"now\": \"$ASOF\"}" >/dev/null
    fakex_post /_fake/reset '{}' >/dev/null
    export PGDATABASE=postgres
    fresh
    _t0=$(date +%s.%N)
    nightly "$TMP/clean-reports"
    CLEAN_SECONDS=$(echo "$_t0 $(date +%s.%N)" | awk '{ printf "%.2f", $2 - $1 }')
    [ "$RC" = 0 ] || { cat "$ERR"; echo "Bail out! the clean nightly failed"; exit 1; }
    results_digest > "$TMP/clean.digest"
    files_digest "$TMP/clean-reports" > "$TMP/clean.files"
    CLEAN_DB=$PGDATABASE
    echo "# clean nightly: ${CLEAN_SECONDS} s"
}

fresh() {
    T_DBN=$((T_DBN + 1))
    T_DB="f_$(echo "$T_SCRIPT" | tr -c 'a-z0-9_\n' '_')_${T_DBN}"
    dropdb --if-exists "$T_DB" >/dev/null 2>&1
    createdb -T "$TEMPLATE" "$T_DB" || { echo "Bail out! createdb $T_DB failed"; exit 1; }
    export PGDATABASE="$T_DB" XETL_DB="dbname=$T_DB"
}

nightly() {
    _dir=$1; shift
    XETL_REPORT_OUT="$_dir" "$XETL" -q --as-of "$ASOF" nightly "$@" >"$OUT" 2>"$ERR"
    RC=$?
}

# same_as_clean WHAT DIR [TABLES]: TABLES overrides the tables compared.
same_as_clean() {
    tried
    if [ -n "${3:-}" ]; then
        _keep=$RESULT_TABLES; RESULT_TABLES=$3
        results_digest > "$TMP/now.digest"
        for _t in $3; do grep "^$_t " "$TMP/clean.digest"; done > "$TMP/clean.sub"
        RESULT_TABLES=$_keep
        _want="$TMP/clean.sub"
    else
        results_digest > "$TMP/now.digest"
        _want="$TMP/clean.digest"
    fi
    if cmp -s "$_want" "$TMP/now.digest"; then pass "$1: every table as in the clean run"
    else fail "$1: every table as in the clean run" "$(diff "$_want" "$TMP/now.digest")"; fi
    files_digest "$2" > "$TMP/now.files"
    if cmp -s "$TMP/clean.files" "$TMP/now.files"; then pass "$1: the CSV reports byte-identical"
    else fail "$1: the CSV reports byte-identical" "$(diff "$TMP/clean.files" "$TMP/now.files")"; fi
    # A process killed while writing leaves its temp file; the sweep takes it once it is old
    # (reports/report.h).  It never has a final name, and no other is left.
    is "$(ls -A "$2" 2>/dev/null | grep '^\.' | grep -vc -- "-${KILLED_PID:-none}\.")" 0 "$1: no temp file left (but the killed process's own)"
}

faults_done() {
    echo "# faults tried: $FAULTS_TRIED"
    done_testing
}
