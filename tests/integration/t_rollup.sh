#!/bin/sh
# t_rollup.sh — the agency roll-up: `xetl report --rollup` writes one CSV and
# one workbook across the accounts (leaderboard, totals, best groups with their
# evidence), the same figures as each account's own report; the workbook read
# back by openpyxl; nightly writes and mails it when report.rollup = true.
. "$XETL_ROOT/tests/lib/testlib.sh"

ASOF=2026-11-25T06:00:00Z
RBASE=xetl-rollup-2026-11-18_2026-11-24

newdb
"$XETL" -q account add acme --user-id 1001 || echo "Bail out! account add"
"$XETL" -q account add beta --user-id 1002 || echo "Bail out! account add"
psql -X -q -v ON_ERROR_STOP=1 -f "$XETL_ROOT/tests/golden/report_seed.sql" >/dev/null || echo "Bail out! seed"
export XETL_VALUE_PER_FOLLOWER_USD=0.25

xrun --as-of "$ASOF" report --rollup --out "$TMP/r"
is "$RC" 0 "report --rollup exits 0"; [ "$RC" = 0 ] || sed "s/^/# /" "$ERR"
is "$(cat "$OUT")" "$TMP/r/$RBASE.csv
$TMP/r/$RBASE.xlsx" "it prints the roll-up's CSV and workbook, nothing else"
"$XETL" -q --as-of "$ASOF" report --format csv --out "$TMP/own" >/dev/null || echo "Bail out! own reports"
# A roll-up killed mid-file leaves ".NAME.tmp-HOST-PID." and mkostemp's six random characters;
# the next roll-up removes a dead writer's old one, as an account's report does its own.
sleep 0 & dead=$!; wait $dead
(cd "$TMP/r" && touch -d '1 hour ago' ".$RBASE.xlsx.tmp-$(hostname)-$dead.Ab12Cd")
xrun --as-of "$ASOF" report --rollup --out "$TMP/r"
is "$RC" 0 "a roll-up over a killed roll-up's temp file exits 0"
is "$(ls -A "$TMP/r" | grep -c '^\.')" 0 "and removes the dead writer's temp file"
like "$(cat "$ERR")" "roll-up: removed 1 temporary file left by a killed run" "saying so"

csvq() { "$XETL_PYTHON" -c 'import csv, sys; rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8"))); print(eval(sys.argv[2]))' "$1" "$2"; }
R="$TMP/r/$RBASE.csv"
own() { csvq "$TMP/own/xetl-roi-$1-2026-11-18_2026-11-24-summary.csv" "[r[\"$3\"] for r in rows if r[\"item\"] == \"$2\"][0]"; }
is "$(csvq "$R" '[(r["rank"], r["name"]) for r in rows if r["section"] == "leaderboard"]')" \
   "[('1', 'acme'), ('2', 'beta')]" "the leaderboard: one row per account, most followers gained first"
for h in acme beta; do
    for pair in "followers gained:followers_gained:current" "followers gained:followers_gained_previous:previous" \
                "cost:cost_usd:current" "cost per follower:cost_per_follower_usd:current" "ROI:roi:current"; do
        item=${pair%%:*}; rest=${pair#*:}; col=${rest%%:*}; which=${rest#*:}
        is "$(csvq "$R" "[r['$col'] for r in rows if r['name'] == '$h'][0]")" "$(own "$h" "$item" "$which")" \
           "$h: $col as in its own report"
    done
done
is "$(csvq "$R" '[r["trend"] for r in rows if r["name"] == "acme"][0]')" \
   "$(csvq "$TMP/own/xetl-roi-acme-2026-11-18_2026-11-24-summary.csv" '[("up" if float(r["change"]) > 0 else "down") + " %d (%+.1f %%) on the previous period" % (abs(float(r["change"])), 100 * float(r["change"]) / abs(float(r["previous"]))) for r in rows if r["item"] == "followers gained"][0]')" \
   "the trend: followers gained against the previous period"
fg_sum=$(csvq "$R" 'sum(int(r["followers_gained"]) for r in rows if r["section"] == "leaderboard" and r["followers_gained"])')
agency=$(csvq "$R" '[(r["accounts"], r["followers_gained"], r["cost_usd"]) for r in rows if r["section"] == "agency"]')
is "$agency" "[('2', '$fg_sum', '')]" "the agency row: 2 accounts, their followers gained summed; no cost while one account's is unknown"
is "$(csvq "$R" '[r["note"] for r in rows if r["section"] == "agency"][0]')" \
   "followers gained without beta (no follower samples); cost, cost per follower and ROI need every account's whole cost; not complete for: beta" \
   "and the note names the account left out, and why"
is "$(csvq "$R" 'sorted({r["section"] for r in rows})')" \
   "['agency', 'best content types', 'best formulas', 'best hooks', 'leaderboard']" "every section is there"
is "$(csvq "$R" 'all(int(r["posts"]) >= 5 and r["note"].startswith("evidence: ") for r in rows if r["section"].startswith("best ") and r["name"])')" \
   True "a best group has 5 or more posts and says its evidence"

# More posts for the group sections: acme's six data_story posts are enough to name a best one.
sql "INSERT INTO xetl.posts (account_id, tweet_id, decision_id, posted_at, kind, status, content_type_name, origin, first_seen_at)
     SELECT 1, (1870000000000000000 + g)::text, xetl.derived_decision_id((1870000000000000000 + g)::text),
            '2026-11-20T10:00:00Z'::timestamptz + g * interval '1 hour', 'post', 'active', 'data_story', 'bot', now()
       FROM generate_series(1, 6) g" >/dev/null
sql "INSERT INTO follower_attributions (account_id, decision_id, tweet_id, time_window_hours, followers_before, followers_after,
            followers_gained, confidence_score, attribution_method, measured_at)
     SELECT 1, p.decision_id, p.tweet_id, 168, 1000, 1003, 3, 0.5, 'test', p.posted_at + interval '7 days'
       FROM xetl.posts p WHERE p.tweet_id LIKE '187%'" >/dev/null
xrun --as-of "$ASOF" report --rollup --out "$TMP/r2"
is "$RC" 0 "the roll-up with more posts exits 0"; [ "$RC" = 0 ] || sed "s/^/# /" "$ERR"
R2="$TMP/r2/$RBASE.csv"
is "$(csvq "$R2" '[(r["rank"], r["name"], r["accounts"]) for r in rows if r["section"] == "best content types"][:1]')" \
   "[('1', 'data_story', '1')]" "the best content type across the accounts, with how many accounts"
like "$(csvq "$R2" '[r["note"] for r in rows if r["section"] == "best content types"][0]')" \
   "^evidence: [0-9]+ posts with a 7-day attribution, on 1 account \(acme\)$" "and its evidence"

# --- the workbook, read back by the real reader
"$XETL_PYTHON" "$XETL_ROOT/tests/lib/read_xlsx.py" "$TMP/r2/$RBASE.xlsx" >"$TMP/x.txt" 2>&1
is "$?" 0 "openpyxl opens the roll-up workbook"
is "$(awk -F '\t' '$1 == "sheets" { print $2 }' "$TMP/x.txt")" "Roll-up" "one sheet, Roll-up"
cellv() { awk -F '\t' -v a="$1" '$1 == "cell" && $2 == "Roll-up" && $3 == a { print $5; exit }' "$TMP/x.txt"; }
cellf() { awk -F '\t' -v a="$1" '$1 == "cell" && $2 == "Roll-up" && $3 == a { print $6; exit }' "$TMP/x.txt"; }
like "$(cellv A1)" "^Agency roll-up  2 accounts  2026-11-18 to 2026-11-24$" "the title names the accounts and the range"
hdr=$(awk -F '\t' '$1 == "cell" && $2 == "Roll-up" && $5 == "Account or name" { sub(/^A/, "", $3); print $3; exit }' "$TMP/x.txt")
is "$(cellv "A$((hdr + 1))")" acme "the leaderboard's first account"
is "$(cellv "C$((hdr + 1))")" "$(csvq "$R2" '[r["followers_gained"] for r in rows if r["name"] == "acme"][0]')" "its followers gained, as in the CSV"
is "$(cellf "G$((hdr + 1))")" '$#,##0.000' "cost per follower to a tenth of a cent, as in the account workbooks"
is "$(cellv "A$((hdr + 3))")" "all accounts" "the agency total after the accounts"
is "$(awk -F '\t' '$1 == "charts" && $2 == "Roll-up" { print $3 }' "$TMP/x.txt")" 1 "a leaderboard chart"
is "$(grep -ciE '	(nan|inf|-inf)	' "$TMP/x.txt")" 0 "no NaN/Inf in the workbook"

# --- the same bytes from the same data
xrun --as-of "$ASOF" report --rollup --format csv --out "$TMP/r3"
ok "a second run gives the same CSV" cmp "$R2" "$TMP/r3/$RBASE.csv"

# --- mailed like the per-account reports
SINK="$TMP/sink"; mkdir -p "$SINK"
"$XETL_PYTHON" "$XETL_ROOT/tests/lib/smtp_sink.py" "$SINK" --lifetime 60 & SINK_PID=$!
trap 'kill $SINK_PID 2>/dev/null; rm -rf "$TMP"' EXIT
i=0; while [ ! -s "$SINK/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
export XETL_SMTP_URL="smtp://127.0.0.1:$(cat "$SINK/port")" XETL_MAIL_FROM=xetl@example.test XETL_MAIL_BACKOFF_MS=10
xrun mail --to ops@example.test "$TMP/r2/$RBASE.xlsx" "$TMP/r2/$RBASE.csv"
is "$RC" 0 "mail of the roll-up exits 0"
"$XETL_PYTHON" - "$SINK/msg-1.eml" >"$TMP/m.txt" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print("subject\t" + m["Subject"])
print("body\t" + m.get_body(preferencelist=("plain",)).get_content().replace("\n", "|"))
print("attach\t" + ",".join(sorted(p.get_filename() for p in m.iter_attachments())))
PY
fg_total=$(csvq "$R2" '[r["followers_gained"] for r in rows if r["section"] == "agency"][0]')
like "$(grep '^subject' "$TMP/m.txt")" "^subject	xetl ROI roll-up 2026-11-18 to 2026-11-24: (\+$fg_total|no data on) followers across 2 accounts$" \
   "the subject leads with the agency's followers gained"
like "$(grep '^body' "$TMP/m.txt")" "Agency roll-up, 2026-11-18 to 2026-11-24.*1  acme .*2  beta .*all accounts" \
   "the body lists the leaderboard and the total"
is "$(grep '^attach' "$TMP/m.txt")" "attach	$RBASE.csv,$RBASE.xlsx" "both files attached"

# --- nightly writes it, and mails it with the accounts' reports, when report.rollup = true
. "$XETL_ROOT/tests/fakex/fakex.sh"
fakex_start --token rollup-token
trap 'fakex_stop; kill $SINK_PID 2>/dev/null; rm -rf "$TMP"' EXIT
newdb
"$XETL" -q account add xetl_demo --user-id 1000000001
rm -f "$SINK"/msg-*
XETL_X_BEARER_TOKEN=rollup-token XETL_REPORT_ROLLUP=true XETL_REPORT_OUT="$TMP/n" XETL_MAIL_TO=ops@example.test \
    xrun --as-of 2026-11-11T02:00:00Z nightly
is "$RC" 0 "nightly with report.rollup = true exits 0"
[ "$RC" = 0 ] || sed "s/^/# /" "$ERR"
is "$(grep -c 'xetl-rollup-2026-11-04_2026-11-10\.\(csv\|xlsx\)$' "$OUT")" 2 "it writes the roll-up beside the account's reports"
is "$(grep -c 'xetl-roi-xetl_demo-' "$OUT")" 7 "and the account's own 7 files"
is "$(sql "SELECT status FROM xetl.run_stages WHERE stage = 'rollup'")" ok "the roll-up is a stage of the run"
"$XETL_PYTHON" - "$(ls "$SINK"/msg-*.eml | tail -1)" >"$TMP/m2.txt" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print(m["Subject"])
print(len(list(m.iter_attachments())))
PY
like "$(sed -n 1p "$TMP/m2.txt")" "^xetl ROI roll-up 2026-11-04 to 2026-11-10: .* followers across 1 account$" "the nightly mail leads with the roll-up"
is "$(sed -n 2p "$TMP/m2.txt")" 9 "and attaches the account's 7 files and the roll-up's 2"
XETL_REPORT_ROLLUP=maybe xrun runs
is "$RC" 78 "report.rollup must be true or false"

done_testing
