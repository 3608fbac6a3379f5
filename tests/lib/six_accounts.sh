# tests/lib/six_accounts.sh — six simulated accounts behind the fake X API, for
# the tests that split one night's accounts (t_shard.sh, t_jobs.sh).  Source it
# after testlib.sh and fakex.sh, then call
#   six_accounts PREFIX UID SEED
# (handles PREFIX_a..PREFIX_f, X user ids UID1..UID6, simulation seeds SEED+1..):
# writes the scenario, starts the fake X API, exports the settings, and defines
# ASOF, HANDLES and setup (a new database with the six accounts, ids 1..6 in this
# order, and the bot's posts) and last_run.
six_accounts() {
    SIX_UID=$2
    HANDLES="$1_a $1_b $1_c $1_d $1_e $1_f"
    {
        echo '{"now": "2026-11-20T02:00:00Z", "accounts": ['
        _i=0
        for _h in $HANDLES; do
            _i=$((_i + 1))
            [ $_i -gt 1 ] && echo ','
            echo "{\"user_id\": \"$SIX_UID$_i\", \"handle\": \"$_h\", \"start\": \"2026-11-12T00:00:00Z\",
                   \"posts\": $((4 + _i)), \"replies\": 2, \"manual_posts\": 1, \"interval_hours\": 14,
                   \"followers\": $((500 * _i)), \"drift_per_day\": 1.5, \"seed\": $(($3 + _i))}"
        done
        echo ']}'
    } > "$TMP/scenario.json"
    TOKEN="$1-token-$$"
    fakex_start --scenario "$TMP/scenario.json" --token "$TOKEN"
    trap 'fakex_stop; rm -rf "$TMP"' EXIT
    export XETL_X_BEARER_TOKEN="$TOKEN" XETL_PULL_BACKOFF_MS=10 XETL_REPORT_ROLLUP=true
    export XETL_COST_X_API_MONTHLY_USD=100 XETL_VALUE_PER_FOLLOWER_USD=0.4
    ASOF=2026-11-20T02:00:00Z
}

setup() {
    newdb
    _i=0
    for _h in $HANDLES; do
        _i=$((_i + 1))
        "$XETL" -q account add "$_h" --user-id "$SIX_UID$_i" || echo "Bail out! account add $_h"
    done
    "$XETL_PYTHON" "$XETL_ROOT/tests/fakex/sim.py" --scenario "$TMP/scenario.json" \
        --content-metadata-sql standalone --at "$ASOF" > "$TMP/cm.sql"
    psql -X -q -v ON_ERROR_STOP=1 -f "$TMP/cm.sql" >/dev/null || echo "Bail out! content_metadata"
    fakex_post /_fake/reset '{}' >/dev/null
    fakex_post /_fake/clock "{\"now\": \"$ASOF\"}" >/dev/null
}
last_run() { sql "SELECT max(run_id) FROM xetl.runs"; }
