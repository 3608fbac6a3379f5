#!/bin/sh
# The demo a newcomer runs first: it must work from the source tree with
# nothing but the packages, print a summary and report paths, leave nothing
# running, and its reports must be readable workbooks and CSVs.
. "$XETL_ROOT/tests/lib/testlib.sh"

xrun demo --dir "$TMP/demo"
is "$RC" 0 "xetl demo exits 0"
[ "$RC" = 0 ] || tail -20 "$ERR"
like "$(cat "$ERR")" "posts tracked: +[0-9]{4}" "the summary counts thousands of posts"
like "$(cat "$ERR")" "runs: +nightly ok, nightly ok, nightly ok" "three nightly runs, all ok"
like "$(cat "$ERR")" "best content type: +(Hot take|Data story) \(P\(best\) 0\.[0-9]+\)" "the learning puts one of the simulation's two best content types first"
is "$(grep -c '^/' "$OUT")" 7 "it prints the last night's 7 report paths"
is "$(ls "$TMP/demo/reports" | wc -l | tr -d ' ')" 21 "and the reports of all 3 nights are there (3 x 7 files)"
last_xlsx=$(grep '\.xlsx$' "$OUT" | tail -1)
ok "the last workbook exists" test -s "$last_xlsx"
"$XETL_PYTHON" "$XETL_ROOT/tests/lib/read_xlsx.py" "$last_xlsx" > "$TMP/wb.txt" 2>&1
is "$?" 0 "a real reader opens the workbook"
like "$(grep '^sheets' "$TMP/wb.txt")" "^sheets.Summary," "its first sheet is Summary"
summary=$(grep -- '-summary\.csv$' "$OUT" | tail -1)
like "$(sed -n 2p "$summary")" "^headline,1,followers gained," "the summary CSV starts with followers gained"
is "$(ls "$TMP/demo/pg" 2>/dev/null | wc -l | tr -d ' ')" 0 "the throwaway PostgreSQL is gone"
is "$(pgrep -f "fakex.py --port-file $TMP/demo" | wc -l | tr -d ' ')" 0 "the fake X API is stopped"
xrun demo --bogus
is "$RC" 64 "demo with a bad option exits 64"

done_testing
