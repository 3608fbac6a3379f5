# tests/fakex/fakex.sh — shell helpers around the fake X API (sourced).
#
#   fakex_start [--scenario F] [--token T]   starts it, exports FAKEX_PORT,
#                                            FAKEX_URL and XETL_X_API_BASE
#   fakex_post PATH JSON                     POST a control request, print the answer
#   fakex_get PATH                           GET, print the answer
#   fakex_stop                               SIGTERM, wait
#
# Needs $XETL_PYTHON (Debian's python3), $XETL_ROOT and $TMP.  Uses Python's
# urllib rather than curl(1) so nothing beyond python3 is required.

fakex_start() {
    FAKEX_PORTFILE="$TMP/fakex.port.$$"
    rm -f "$FAKEX_PORTFILE"
    "$XETL_PYTHON" "$XETL_ROOT/tests/fakex/fakex.py" --port-file "$FAKEX_PORTFILE" "$@" &
    FAKEX_PID=$!
    _i=0
    while [ ! -s "$FAKEX_PORTFILE" ]; do
        _i=$((_i + 1))
        if [ $_i -gt 200 ] || ! kill -0 "$FAKEX_PID" 2>/dev/null; then
            echo "Bail out! fake X API did not start"
            exit 1
        fi
        sleep 0.05
    done
    FAKEX_PORT=$(cat "$FAKEX_PORTFILE")
    FAKEX_URL="http://127.0.0.1:$FAKEX_PORT"
    XETL_X_API_BASE="$FAKEX_URL"
    export FAKEX_PORT FAKEX_URL XETL_X_API_BASE FAKEX_PID
}

fakex_post() {
    "$XETL_PYTHON" -c '
import sys, urllib.request
r = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST",
                           headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(r, timeout=10).read().decode())' "$FAKEX_URL$1" "$2"
}

fakex_get() {
    "$XETL_PYTHON" -c '
import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())' "$FAKEX_URL$1"
}

fakex_stop() {
    if [ -n "${FAKEX_PID:-}" ]; then
        kill -TERM "$FAKEX_PID" 2>/dev/null
        wait "$FAKEX_PID" 2>/dev/null
        FAKEX_PID=
    fi
}

# fakex_seed_db HANDLE USER_ID AT: a fresh database (newdb) with the account and the bot's
# content_metadata rows of the running scenario ($TMP/scenario.json) as of AT; faults reset.
fakex_seed_db() {
    newdb
    "$XETL" -q account add "$1" --user-id "$2" || { echo "Bail out! account add $1"; exit 1; }
    "$XETL_PYTHON" "$XETL_ROOT/tests/fakex/sim.py" --scenario "$TMP/scenario.json" \
        --content-metadata-sql standalone --at "$3" > "$TMP/cm.sql"
    psql -X -q -v ON_ERROR_STOP=1 -f "$TMP/cm.sql" >/dev/null || { echo "Bail out! content_metadata"; exit 1; }
    fakex_post /_fake/reset '{}' >/dev/null
}
