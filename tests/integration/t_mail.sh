#!/bin/sh
# t_mail.sh — `xetl mail` against an SMTP listener on 127.0.0.1 (aiosmtpd):
# recipients, subject, body and attachment bytes; retries of 4xx; a failing
# server (451 always, 554) exits 69 with its reply and leaves the files; the
# TLS policy; the password never printed.
. "$XETL_ROOT/tests/lib/testlib.sh"

ASOF=2026-11-25T06:00:00Z
BASE=xetl-roi-acme-2026-11-18_2026-11-24
SINK_PID=""

start_sink() { # DIR [sink options]
    d=$1; shift
    rm -rf "$d"; mkdir -p "$d"
    "$XETL_PYTHON" "$XETL_ROOT/tests/lib/smtp_sink.py" "$d" --lifetime 60 "$@" &
    SINK_PID=$!
    i=0
    while [ ! -s "$d/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    PORT=$(cat "$d/port" 2>/dev/null)
    [ -n "$PORT" ] || echo "Bail out! smtp sink did not start"
    export XETL_SMTP_URL="smtp://127.0.0.1:$PORT"
}
stop_sink() {
    [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
    SINK_PID=""
}
trap 'stop_sink; rm -rf "$TMP"' EXIT

newdb
"$XETL" -q account add acme --user-id 1001 || echo "Bail out! account add"
psql -X -q -v ON_ERROR_STOP=1 -f "$XETL_ROOT/tests/golden/report_seed.sql" >/dev/null || echo "Bail out! seed"
export XETL_VALUE_PER_FOLLOWER_USD=0.25
"$XETL" -q --as-of "$ASOF" report --out "$TMP/out" >"$TMP/paths" || echo "Bail out! report"
FILES=$(cat "$TMP/paths" | tr '\n' ' ')
sums() { sha256sum $FILES | sha256sum | cut -c1-64; }
BEFORE=$(sums)

export XETL_MAIL_FROM="xetl@example.test" XETL_SMTP_USER="robot" XETL_SMTP_PASSWORD="s3cr3t-pw-XYZ"
export XETL_MAIL_BACKOFF_MS=10

# --- delivered
start_sink "$TMP/s1"
xrun mail --to "ops@example.test, ceo@example.test" $FILES
is "$RC" 0 "mail exits 0"
stop_sink
is "$(cat "$TMP/s1/msg-1.env" 2>/dev/null)" "xetl@example.test
ops@example.test
ceo@example.test" "envelope: sender and both recipients"
"$XETL_PYTHON" - "$TMP/s1/msg-1.eml" "$TMP/out" >"$TMP/m.txt" <<'PY'
import email, email.policy, hashlib, os, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print("subject\t" + m["Subject"])
print("to\t" + m["To"])
body = m.get_body(preferencelist=("plain",)).get_content()
print("body_has_followers\t" + str("followers gained" in body and "188" in body))
for part in m.iter_attachments():
    name = part.get_filename()
    data = part.get_payload(decode=True)
    disk = open(os.path.join(sys.argv[2], name), "rb").read()
    print("attach\t%s\t%s" % (name, data == disk))
PY
is "$(awk -F '\t' '$1 == "subject" { print $2 }' "$TMP/m.txt")" \
   "xetl ROI @acme 2026-11-18 to 2026-11-24: +188 followers" "subject names account, range and followers gained"
is "$(awk -F '\t' '$1 == "to" { print $2 }' "$TMP/m.txt")" "ops@example.test, ceo@example.test" "To header"
is "$(awk -F '\t' '$1 == "body_has_followers" { print $2 }' "$TMP/m.txt")" "True" "plain-text body repeats the summary"
is "$(grep -c '^attach' "$TMP/m.txt")" 7 "seven attachments"
is "$(grep -c '^attach.*True$' "$TMP/m.txt")" 7 "every attachment byte-identical to its file"
is "$(awk -F '\t' '$1 == "attach" { print $2 }' "$TMP/m.txt" | sort | head -1)" "$BASE-content_types.csv" "attachments keep their names"

# --- temporary failure, then success: retried
start_sink "$TMP/s2" --fail 451 --fail-times 2
xrun mail --to ops@example.test $FILES
is "$RC" 0 "two 451 replies, then accepted: exit 0"
stop_sink
is "$(cat "$TMP/s2/rcpt_count")" 3 "three attempts made"
like "$(cat "$ERR")" "retrying" "retries are logged"
ok "message delivered after the retries" test -s "$TMP/s2/msg-1.eml"

# --- temporary failure every time: 69, reply in the message, files untouched
export XETL_MAIL_RETRIES=2
start_sink "$TMP/s3" --fail 451
xrun mail --to ops@example.test $FILES
is "$RC" 69 "451 on every attempt: exit 69"
stop_sink
like "$(cat "$ERR")" "451 4\.3\.0 try again later" "the SMTP reply is in the message"
like "$(cat "$ERR")" "after 3 attempts" "after the configured retries"
is "$(cat "$TMP/s3/rcpt_count")" 3 "1 + mail.retries attempts"
is "$(sums)" "$BEFORE" "files untouched"
unlike "$(cat "$ERR" "$OUT")" "s3cr3t-pw-XYZ" "password never printed"

# --- permanent failure: no retry
start_sink "$TMP/s4" --fail 554
xrun mail --to ops@example.test $FILES
is "$RC" 69 "554: exit 69"
stop_sink
like "$(cat "$ERR")" "554 5\.7\.1 rejected" "554 reply in the message"
is "$(cat "$TMP/s4/rcpt_count")" 1 "a permanent failure is not retried"
is "$(sums)" "$BEFORE" "files untouched after a permanent failure"

# --- nothing listening: connection errors are temporary, then 69
export XETL_MAIL_RETRIES=1
start_sink "$TMP/s5"; stop_sink   # a port that was free a moment ago
xrun mail --to ops@example.test $FILES
is "$RC" 69 "no server: exit 69"
like "$(cat "$ERR")" "after 2 attempts" "connection refused is retried"

# --- TLS policy: a host not named as loopback must do STARTTLS (the sink
# cannot), unless smtp_insecure; the traffic still only goes to 127.0.0.1.
export XETL_MAIL_RETRIES=0
start_sink "$TMP/s6"
XETL_SMTP_URL="smtp://[::ffff:127.0.0.1]:$PORT" xrun mail --to ops@example.test $FILES
is "$RC" 69 "plain smtp:// to a non-loopback name: STARTTLS required, exit 69"
like "$(cat "$ERR")" "STARTTLS" "and the message says STARTTLS"
is "$(ls "$TMP/s6" | grep -c '^msg')" 0 "nothing sent in the clear"
XETL_SMTP_INSECURE=true XETL_SMTP_URL="smtp://[::ffff:127.0.0.1]:$PORT" xrun mail --to ops@example.test $FILES
is "$RC" 0 "smtp_insecure = true allows plain SMTP"
stop_sink

# --- configuration and usage
xrun mail --to ops@example.test "$TMP/out/missing.csv"
is "$RC" 66 "a missing file: exit 66"
xrun mail $FILES
is "$RC" 64 "no recipient: exit 64"
XETL_SMTP_URL="ftp://127.0.0.1:1/" xrun mail --to ops@example.test $FILES
is "$RC" 78 "a non-SMTP URL is a configuration error"
env -u XETL_SMTP_URL "$XETL" mail --to ops@example.test $FILES >"$OUT" 2>"$ERR"
is "$?" 78 "no smtp_url: exit 78"
xrun mail --help
is "$RC" 0 "--help exits 0"
# The bad address is quoted from the parsed copy: it must be formatted before
# that copy is freed (ASan reports a use-after-free otherwise; plain builds printed junk).
xrun mail --to 'not an address' $FILES
is "$RC" 64 "a malformed recipient: exit 64"
is "$(cat "$ERR")" "xetl: error: mail: bad recipient address 'not an address'" "and the message quotes it exactly"

done_testing
