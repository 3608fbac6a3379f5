#!/bin/sh
# f_smtp.sh — the SMTP server refusing, stalling, and dropping the connection
# before and after the final dot.  A message is never delivered twice without
# the error saying delivery is uncertain (nothing sent after the dot is ever
# retried), and a stall holds the nightly's lock no longer than the stated
# bound: mail.timeout per attempt, and no retry once the body went out.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/faults/lib.sh"
. "$XETL_ROOT/tests/lib/sink.sh"
trap 'stop_sink; fakex_stop; rm -rf "$TMP"' EXIT
faults_setup
delivered() { ls "$1" | grep -c '\.eml$'; }
count() { cat "$1/$2" 2>/dev/null || echo 0; }
export XETL_MAIL_FROM="xetl@example.test" XETL_MAIL_BACKOFF_MS=10 XETL_MAIL_RETRIES=2 XETL_MAIL_TIMEOUT=2
FILE="$TMP/clean-reports/$(ls "$TMP/clean-reports" | grep -m1 'summary.csv$')"

# mail_case DESC SINK-OPTIONS: `xetl mail` of one report file; the outcome must be one of the two honest ones.
mail_case() {
    desc=$1; shift
    tried
    start_sink "$TMP/sink" "$@"
    "$XETL" -q mail --to ops@example.test "$FILE" >/dev/null 2>"$ERR"
    RC=$?
    stop_sink
    n=$(delivered "$TMP/sink")
    ok "$desc: delivered at most once ($n)" test "$n" -le 1
    if [ "$RC" = 0 ]; then
        is "$n" 1 "$desc: exit 0 means delivered once"
    elif grep -q 'delivery to ops@example.test is uncertain' "$ERR"; then
        is "$RC:$(count "$TMP/sink" data_count)" "69:1" "$desc: uncertain delivery (69) is never retried after the body went out"
    else
        is "$RC:$n" "69:0" "$desc: a failure that does not say 'uncertain' delivered nothing"
    fi
    is "$(grep -c '^xetl: error:' "$ERR")" "$([ "$RC" = 0 ] && echo 0 || echo 1)" "$desc: one error line at most"
}

mail_case "554 greeting, always" --fault refuse
is "$RC:$(count "$TMP/sink" conn_count)" "69:3" "554 greeting always: 69 after mail.retries + 1 attempts"
mail_case "554 greeting once" --fault refuse --fault-times 1
is "$RC" 0 "554 greeting once: retried, then delivered"
mail_case "a stalled greeting once" --fault stall-greeting --fault-times 1
is "$RC" 0 "a stalled greeting: timed out after mail.timeout, retried, delivered"
mail_case "dropped before the final dot, once" --fault drop-before-dot --fault-times 1
mail_case "dropped after the final dot" --fault drop-after-dot --fault-times 1
is "$RC" 69 "dropped after the dot: 69"
like "$(cat "$ERR")" "delivery to ops@example.test is uncertain: .*not retried so it is never delivered twice" \
     "dropped after the dot: the error says delivery is uncertain"
mail_case "stalled after the final dot" --fault stall-after-dot --fault-times 1
is "$RC" 69 "stalled after the dot: 69, uncertain"
mail_case "451 to every RCPT" --fail 451
is "$RC:$(count "$TMP/sink" rcpt_count)" "69:3" "451 always: retried, then 69"

# A nightly whose mail stalls after the dot: the lock is held for at most mail.timeout (+ slack).
fresh
start_sink "$TMP/sink-n" --fault stall-after-dot
XETL_MAIL_TO=ops@example.test nightly "$TMP/n-reports"
stop_sink
tried
is "$RC" 69 "nightly whose mail stalls after the dot: 69"
like "$(cat "$ERR")" "^xetl: error: stage 'mail' failed \(the reports are on disk\): mail: delivery to ops@example.test is uncertain" \
     "naming the mail stage and the uncertainty"
held=$(sql "SELECT ceil(extract(epoch FROM finished_at - started_at)) FROM xetl.run_stages WHERE stage = 'mail' ORDER BY stage_id DESC LIMIT 1")
echo "# the mail stage held the lock ${held} s (bound: mail.timeout = $XETL_MAIL_TIMEOUT s, one attempt)"
ok "the stall held the lock no longer than mail.timeout (+ 2 s to start and compose)" test "${held:-999}" -le $((XETL_MAIL_TIMEOUT + 2))
is "$(count "$TMP/sink-n" data_count):$(delivered "$TMP/sink-n")" "1:1" "one DATA, one message: not sent again"
nightly "$TMP/n-reports"
is "$RC" 0 "the lock is free: the next nightly (mail_to unset) runs"
same_as_clean "after the stalled mail" "$TMP/n-reports"
faults_done
