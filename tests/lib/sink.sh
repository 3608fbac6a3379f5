# tests/lib/sink.sh — the SMTP sink (tests/lib/smtp_sink.py) from a test script (sourced).
#   start_sink DIR [smtp_sink.py options]   starts it; XETL_SMTP_URL points at it
#   stop_sink                               SIGTERM, wait
SINK_PID=""
start_sink() {
    _d=$1; shift
    rm -rf "$_d"; mkdir -p "$_d"
    "$XETL_PYTHON" "$XETL_ROOT/tests/lib/smtp_sink.py" "$_d" --lifetime "${SINK_LIFETIME:-120}" "$@" &
    SINK_PID=$!
    _i=0
    while [ ! -s "$_d/port" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
    [ -s "$_d/port" ] || { echo "Bail out! smtp sink did not start"; exit 1; }
    export XETL_SMTP_URL="smtp://127.0.0.1:$(cat "$_d/port")"
}
stop_sink() { [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null; SINK_PID=""; }
