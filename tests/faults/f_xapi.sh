#!/bin/sh
# f_xapi.sh — the fake X API answering a nightly with every error class:
# 5xx and 408 (retried), 429 with sane and absurd headers (wait, or 75 at
# once; never an overflow), 400 (70), 401/403/404 (78), non-UTF-8 and
# token-echoing bodies, stalls past pull.timeout, resets, truncated bodies,
# a 503 that never ends (69).  A run that recovers ends with the clean run's
# tables; a run that fails is followed by a rerun that does.  Health counts
# the failed requests (api_success_rate), so system_health_metrics is
# compared only where no request failed.  At the end, a pg_dump of every
# database used holds no token, as text or bytea.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/faults/lib.sh"
trap 'fakex_stop; rm -rf "$TMP"' EXIT
faults_setup
NO_HEALTH=$(echo "$RESULT_TABLES" | tr ' ' '\n' | grep -v '^system_health_metrics$' | tr '\n' ' ')
DBS=""

# case DESC EXPECT RULES: nightly under the fault plan RULES; EXPECT its exit status.
case_() {
    desc=$1 want=$2 rules=$3
    fresh
    DBS="$DBS $PGDATABASE"
    fakex_post /_fake/reset '{}' >/dev/null
    fakex_post /_fake/faults "{\"rules\": $rules}" >/dev/null
    nightly "$TMP/x-$T_DBN"
    is "$RC" "$want" "$desc: exit $want"
    [ "$RC" = "$want" ] || sed 's/^/#   /' "$ERR"
    is "$(grep -c '^xetl: error:' "$ERR")" "$([ "$want" = 0 ] && echo 0 || echo 1)" "$desc: $([ "$want" = 0 ] && echo "no error" || echo "one error line")"
    unlike "$(cat "$ERR")" "$TOKEN" "$desc: the token is not in the message"
    fakex_post /_fake/reset '{}' >/dev/null
    if [ "$want" != 0 ]; then
        nightly "$TMP/x-$T_DBN"
        is "$RC" 0 "$desc: the rerun exits 0"
    fi
    same_as_clean "$desc" "$TMP/x-$T_DBN" "$NO_HEALTH"
}

for s in 500 502 503 504 408; do
    case_ "$s twice on /2/tweets" 0 "[{\"endpoint\": \"tweets\", \"status\": $s, \"times\": 2}]"
done
case_ "429 with a reset 1 s ahead" 0 '[{"endpoint": "users", "status": 429, "reset_in": 1}]'
case_ "429 with x-rate-limit-reset = 2^63-1" 75 \
      '[{"endpoint": "users", "status": 429, "headers": {"x-rate-limit-reset": "9223372036854775807"}}]'
case_ "429 with Retry-After = 2^63-1 and a negative reset" 75 \
      '[{"endpoint": "tweets", "status": 429, "headers": {"x-rate-limit-reset": "-9223372036854775808", "Retry-After": "9223372036854775807"}}]'
case_ "429 with x-rate-limit-reset = 99999999999999999999999 (saturates)" 75 \
      '[{"endpoint": "timeline", "status": 429, "headers": {"x-rate-limit-reset": "99999999999999999999999"}}]'
case_ "429 with unparseable headers (treated as absent)" 0 \
      '[{"endpoint": "tweets", "status": 429, "headers": {"x-rate-limit-reset": "soon", "Retry-After": "1e99", "x-rate-limit-remaining": "-7"}}]'
case_ "400 on /2/tweets (our request's fault)" 70 '[{"endpoint": "tweets", "status": 400}]'
case_ "401 whose page echoes the token" 78 '[{"endpoint": "users", "status": 401, "body": "echo"}]'
case_ "403" 78 '[{"endpoint": "tweets", "status": 403}]'
case_ "404" 78 '[{"endpoint": "timeline", "status": 404}]'
case_ "503 with a Latin-1 body" 0 '[{"endpoint": "tweets", "status": 503, "body": "latin1"}]'
case_ "502 with a binary body" 0 '[{"endpoint": "users", "status": 502, "body": "binary"}]'
case_ "503 with JSON cut inside a UTF-8 character" 0 '[{"endpoint": "timeline", "status": 503, "body": "utf8cut"}]'
case_ "503 proxy page echoing the Authorization header" 0 '[{"endpoint": "tweets", "status": 503, "body": "echo", "times": 2}]'
case_ "200 with a debug field echoing the token" 0 '[{"endpoint": "tweets", "body": "echo", "times": -1}, {"endpoint": "users", "body": "echo"}]'
XETL_PULL_TIMEOUT=1 case_ "a stall past pull.timeout" 0 '[{"endpoint": "tweets", "delay": 2.5}]'
case_ "a connection reset" 0 '[{"endpoint": "users", "reset": true, "times": 2}]'
case_ "a 200 cut in half" 0 '[{"endpoint": "tweets", "truncate": "body"}]'
case_ "a connection closed mid-body" 0 '[{"endpoint": "timeline", "truncate": "conn"}]'
case_ "503 forever on the second batch" 69 '[{"endpoint": "tweets", "status": 503, "times": -1, "after": 1}]'

# Nothing secret stored, anywhere: every table of every database, bytea as hex.
TOKEN_HEX=$(printf '%s' "$TOKEN" | od -An -tx1 | tr -d ' \n')
leaks=0
for db in $DBS $CLEAN_DB; do
    pg_dump --data-only "$db" > "$TMP/dump.sql"
    n=$(grep -c -F -e "$TOKEN" -e "$TOKEN_HEX" "$TMP/dump.sql")
    m=$(grep -ci 'bearer \(%20\)*[A-Za-z0-9%+/=_.~-]\{16,\}' "$TMP/dump.sql")
    leaks=$((leaks + n + m))
done
is "$leaks" 0 "pg_dump of the $(echo $DBS $CLEAN_DB | wc -w) databases: no token, as text or bytea, nor a bearer credential"
tried
faults_done
