#!/bin/sh
# The demo a newcomer runs first: it must work from the source tree with
# nothing but the packages, print a summary and report paths, leave nothing
# running, and its reports must be readable workbooks and CSVs.
. "$XETL_ROOT/tests/lib/testlib.sh"

xrun demo --dir "$TMP/demo"
is "$RC" 0 "xetl demo exits 0"
[ "$RC" = 0 ] || tail -20 "$ERR"
# It ends with the headline the workbook leads with, read from the last summary CSV.
summary=$(grep -- '-summary\.csv$' "$OUT" | tail -1)
fg=$(awk -F, '$1 == "headline" && $3 == "followers gained" { print $6 }' "$summary")
like "$fg" "^[0-9]+$" "the last summary has followers gained"
like "$(cat "$ERR")" "Headline for @xetl_demo, 2026-11-15 to 2026-11-21:" "the demo ends with the headline of the last report"
fgfmt=$(echo "$fg" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
like "$(cat "$ERR")" "followers gained: +\+$fgfmt +(up|down) from [0-9,]+ the 7 days before" \
   "followers gained as in the report, with the trend"
like "$(cat "$ERR")" "  cost: +[0-9]+\.[0-9]{2} USD " "the cost"
like "$(cat "$ERR")" "cost per follower: +0\.[0-9]{3} USD " "the cost per follower"
like "$(cat "$ERR")" "  ROI: +[0-9]+ % +(up|down) [0-9]+ points from [0-9]+ %" "ROI, its change in points"
unlike "$(cat "$ERR")" "decay curves fitted|snapshots landed" "no internal counts in the summary"
like "$(cat "$ERR")" "The latest night's 7 reports .*holds all 21 files of the 3 nights" "it says which 7 of the 21 files it lists"
is "$(grep -c '^/' "$OUT")" 7 "it prints the last night's 7 report paths"
is "$(ls "$TMP/demo/reports" | wc -l | tr -d ' ')" 21 "and the reports of all 3 nights are there (3 x 7 files)"
last_xlsx=$(grep '\.xlsx$' "$OUT" | tail -1)
ok "the last workbook exists" test -s "$last_xlsx"
"$XETL_PYTHON" "$XETL_ROOT/tests/lib/read_xlsx.py" "$last_xlsx" > "$TMP/wb.txt" 2>&1
is "$?" 0 "a real reader opens the workbook"
like "$(grep '^sheets' "$TMP/wb.txt")" "^sheets.Summary," "its first sheet is Summary"
# The demo's "(none)" group has 2 posts: listed last, never coloured or charted as the winner.
"$XETL_PYTHON" - "$last_xlsx" >"$TMP/ct.txt" <<'PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["Content types"]
rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_col=13) if r[0].value]
ranked = [r for r in rows if not r[12]]
print("last", rows[-1][0], rows[-1][1], bool(rows[-1][12]))
print("cf", sorted(str(cf.sqref) for cf in ws.conditional_formatting))
print("ranked", len(ranked))
ch = wb["Summary"]._charts[1]
print("chart", ch.series[0].val.numRef.f)
PY
is "$(sed -n 1p "$TMP/ct.txt")" "last (none) 2 True" "the 2-post group is listed last, with its note"
n=$(sed -n 3p "$TMP/ct.txt" | cut -d' ' -f2)
is "$(sed -n 2p "$TMP/ct.txt")" "cf ['F2:F$((n + 1))', 'L2:L$((n + 1))']" "colour scales cover only the $n ranked groups"
is "$(sed -n 4p "$TMP/ct.txt")" "chart 'Content types'!\$F\$2:\$F\$$((n + 1))" "and the content-type chart draws only them"
summary=$(grep -- '-summary\.csv$' "$OUT" | tail -1)
like "$(sed -n 2p "$summary")" "^headline,1,followers gained," "the summary CSV starts with followers gained"
# A change of rates in points is the CSV's decimal moved two places, as the nearest double
# (the demo's -0.0093 is -0.93, not -0.9299999999999999 from multiplying by 100).
"$XETL_PYTHON" - "$last_xlsx" "$summary" >"$TMP/pts.txt" <<'PY'
import csv, sys, openpyxl
from decimal import Decimal
ws = openpyxl.load_workbook(sys.argv[1])["Summary"]
cells = [r[4].value for r in ws.iter_rows(min_col=1, max_col=5) if r[4].number_format and "pts" in r[4].number_format]
want = [float(Decimal(r["change"]) * 100) for r in csv.DictReader(open(sys.argv[2], encoding="utf-8"))
        if r["unit"] == "ratio" and r["change"]]
print(len(cells) == len(want) > 0, "same" if cells == want else "differ %r %r" % (cells, want))
PY
is "$(cat "$TMP/pts.txt")" "True same" "each change of rates in points is the CSV's digits two places on"
# --dir keeps the database, stopped, and the commands it prints start it, read it and stop it.
ok "the demo's database is kept in DIR/pg" test -f "$TMP/demo/pg/data/PG_VERSION"
ok "and it is stopped" test ! -f "$TMP/demo/pg/data/postmaster.pid"
start=$(sed -n 's/^  \(.*pg_ctl -D .* start\)$/\1/p' "$ERR")
runs=$(sed -n "s/^  \(XETL_DB=.* runs\)\$/\1/p" "$ERR")
stop=$(sed -n 's/^  \(.*pg_ctl -D .* stop\)$/\1/p' "$ERR")
like "$start" "pg_ctl -D '$TMP/demo/pg/data' -l " "it prints how to start it (paths quoted)"
sh -c "$start" >/dev/null 2>&1
is "$?" 0 "the printed start command starts it"
sh -c "$runs" >"$TMP/runs.txt" 2>&1
is "$(grep -c ' nightly ' "$TMP/runs.txt")" 3 "xetl runs, as printed, lists the demo's 3 nightlies"
xrun demo --dir "$TMP/demo"
is "$RC" 75 "a demo into a --dir whose database is running exits 75"
like "$(cat "$ERR")" "is running in $TMP/demo/pg; stop it first" "and says why and how"
sh -c "$stop" >/dev/null 2>&1
is "$?" 0 "the printed stop command stops it"
ok "so nothing of it is left running" test ! -f "$TMP/demo/pg/data/postmaster.pid"
is "$(pgrep -f "fakex.py --port-file $TMP/demo" | wc -l | tr -d ' ')" 0 "the fake X API is stopped"
# Without --dir it leaves nothing but the latest night's reports behind.
xrun demo
is "$RC" 0 "xetl demo without --dir exits 0"
dir=$(sed -n 's/^xetl demo: working in //p' "$ERR")
like "$dir" "^/tmp/xetl-demo\." "it worked in a temporary directory"
is "$(cd "$dir" 2>/dev/null && find . -type f | sort | tr '\n' ' ')" "$(sed "s|^$dir|.|" "$OUT" | sort | tr '\n' ' ')" \
   "only the 7 report files it printed are left"
ok "the workbook it names is there" test -s "$(grep '\.xlsx$' "$OUT")"
like "$(cat "$ERR")" "Remove these too with: rm -rf $dir" "and it says how to remove them"
rm -rf "$dir"

xrun demo --bogus
is "$RC" 64 "demo with a bad option exits 64"

done_testing
