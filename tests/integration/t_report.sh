#!/bin/sh
# t_report.sh — `xetl report`: files and stdout, golden CSVs, byte-identical
# reruns, CSVs against the database, the workbook read back by openpyxl, an
# empty database ("no data", not failure), usage errors.
# `make golden` (XETL_UPDATE_GOLDEN=1) rewrites tests/golden/report/ from this run
# and skips the golden comparisons; make check never does.
. "$XETL_ROOT/tests/lib/testlib.sh"

GOLD="$XETL_ROOT/tests/golden/report"
ASOF=2026-11-25T06:00:00Z
BASE=xetl-roi-acme-2026-11-18_2026-11-24
SUFFIXES="summary posts content_types formulas hooks daily"

newdb
"$XETL" -q account add acme --user-id 1001 || echo "Bail out! account add"
"$XETL" -q account add beta --user-id 1002 || echo "Bail out! account add"
psql -X -q -v ON_ERROR_STOP=1 -f "$XETL_ROOT/tests/golden/report_seed.sql" >/dev/null || echo "Bail out! seed"
export XETL_VALUE_PER_FOLLOWER_USD=0.25

# --- one account, default range (7 whole days before --as-of), default formats
xrun --as-of "$ASOF" --account acme report --out "$TMP/r1"
is "$RC" 0 "report exits 0"
expected=""
for s in $SUFFIXES; do expected="$expected$TMP/r1/$BASE-$s.csv
"; done
expected="$expected$TMP/r1/$BASE.xlsx"
is "$(cat "$OUT")" "$expected" "stdout lists each path written, one a line"
is "$(ls -A "$TMP/r1" | grep -c '^\.')" 0 "no temporary file left in the output directory"

# --- golden CSVs
if [ "${XETL_UPDATE_GOLDEN:-0}" = 1 ]; then
    mkdir -p "$GOLD"
    for s in $SUFFIXES; do cp "$TMP/r1/$BASE-$s.csv" "$GOLD/$s.csv"; skip "$s.csv written to tests/golden/report/"; done
else
    for s in $SUFFIXES; do
        ok "$s.csv matches tests/golden/report/$s.csv" cmp "$TMP/r1/$BASE-$s.csv" "$GOLD/$s.csv"
    done
fi

# --- the same data and as-of give the same bytes
xrun --as-of "$ASOF" --account acme report --out "$TMP/r2"
is "$RC" 0 "second run exits 0"
for s in $SUFFIXES; do
    ok "$s.csv byte-identical across runs" cmp "$TMP/r1/$BASE-$s.csv" "$TMP/r2/$BASE-$s.csv"
done
ok "workbook byte-identical across runs" cmp "$TMP/r1/$BASE.xlsx" "$TMP/r2/$BASE.xlsx"
# The operator's time zone (PGTZ, or TimeZone in their options) is not the report's: days are UTC's.
PGTZ=Pacific/Kiritimati PGOPTIONS='-c TimeZone=America/Los_Angeles' xrun --as-of "$ASOF" --account acme report --out "$TMP/rtz"
is "$RC" 0 "a report from a session set to another time zone exits 0"
for s in $SUFFIXES; do
    ok "$s.csv the same bytes in any session time zone" cmp "$TMP/r1/$BASE-$s.csv" "$TMP/rtz/$BASE-$s.csv"
done
# Rewriting in place replaces the files (rename over the old ones).
xrun --as-of "$ASOF" --account acme report --out "$TMP/r1"
is "$RC" 0 "rerun into the same directory exits 0"
is "$(ls -A "$TMP/r1" | wc -l | tr -d ' ')" 7 "still seven files, no leftovers"

# A writer killed mid-file leaves ".NAME.tmp-HOST-PID"; the next report removes this host's
# whose PID is gone and that are older than 15 minutes, for any account or range (and the
# older ".NAME.tmp-PID" form), and keeps a live writer's, a fresh one's, another host's and
# anything that is not a report.
sleep 0 & dead=$!; wait $dead
H=$(hostname)
OLD=".xetl-roi-acme-2026-01-01_2026-01-07-posts.csv"
(cd "$TMP/r1" && touch -d '1 hour ago' ".$BASE.xlsx.tmp-$H-$dead" "$OLD.tmp-$H-$dead" "$OLD.tmp-$dead" \
     ".$BASE.xlsx.tmp-$H-$$" ".$BASE.xlsx.tmp-elsewhere-$dead" ".unrelated.tmp-$H-$dead" &&
 touch ".$BASE-posts.csv.tmp-$H-$dead")
KEPT=$(printf '%s\n' ".unrelated.tmp-$H-$dead" ".$BASE.xlsx.tmp-$H-$$" ".$BASE.xlsx.tmp-elsewhere-$dead" \
       ".$BASE-posts.csv.tmp-$H-$dead" | sort | tr '\n' ' ')
xrun --as-of "$ASOF" --account acme report --out "$TMP/r1"
is "$RC" 0 "report over a killed run's leftovers exits 0"
is "$(ls -A "$TMP/r1" | grep '^\.' | sort | tr '\n' ' ')" "$KEPT" \
   "dead writers' old temp files are removed (any range, both forms); live, fresh, other hosts' and others' kept"
like "$(cat "$ERR")" "removed 3 temporary files left by a killed run" "and the log says so"
(cd "$TMP/r1" && rm -f $KEPT)
# Killed at several points, then (a quarter of an hour later, as the next night would be)
# run once more: the files of an uninterrupted run, nothing else.
for d in 0.005 0.01 0.02 0.04 0.08 0.15; do
    "$XETL" -q --as-of "$ASOF" --account acme report --out "$TMP/rk" >/dev/null 2>&1 & p=$!
    sleep "$d"; kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null
done
for f in "$TMP"/rk/.[!.]*; do [ -e "$f" ] && touch -d '20 minutes ago' "$f"; done
xrun --as-of "$ASOF" --account acme report --out "$TMP/rk"
is "$(ls -A "$TMP/rk" | grep -c '^\.')" 0 "after killed runs and one more, no temporary file is left"
same=0
for f in "$TMP"/r1/*; do cmp -s "$f" "$TMP/rk/$(basename "$f")" && same=$((same + 1)); done
is "$same" 7 "and all seven files are byte-identical to an uninterrupted run's"

# --- CSVs against the database (parsed as CSV, not grepped)
csvq() { "$XETL_PYTHON" -c "
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
print(eval(sys.argv[2]))" "$@"; }
P="$TMP/r1/$BASE-posts.csv"
is "$(csvq "$P" 'len(rows)')" \
   "$(sql "SELECT count(*) FROM xetl.posts WHERE account_id = 1 AND posted_at >= '2026-11-18' AND posted_at < '2026-11-25'")" \
   "posts.csv has one row per post published in the range"
is "$(csvq "$P" 'sum(int(r["likes_lifetime"] or 0) for r in rows)')" \
   "$(sql "SELECT sum(t.likes) FROM xetl.posts p JOIN tweet_analytics_comprehensive t USING (tweet_id) WHERE p.account_id = 1 AND p.posted_at >= '2026-11-18' AND p.posted_at < '2026-11-25'")" \
   "posts.csv likes add up to the database's"
is "$(csvq "$P" 'rows[1]["text"]')" "A thread on pricing
line two, with a comma" "a text with a newline and a comma survives the round trip"
is "$(csvq "$P" 'rows[2]["text"]')" "Café naïve résumé — UTF-8 ✓" "UTF-8 text survives"
# (the workbook shows the line break of post 2 as a marker; checked below)
is "$(csvq "$P" 'rows[0]["tweet_id"]')" "1860000000000000001" "tweet id kept exactly"
is "$(csvq "$P" '[(r["predicted_likes_7d"], r["actual_likes_7d"]) for r in rows[:3]]')" \
   "[('130', '119'), ('66', '59'), ('190', '')]" "predicted beside the actual 7-day likes it was scored against"
S="$TMP/r1/$BASE-summary.csv"
is "$(csvq "$S" '[r["current"] for r in rows if r["item"] == "followers gained"][0]')" \
   "$(sql "SELECT (SELECT followers_count FROM xetl.follower_samples WHERE sampled_at = '2026-11-25') - (SELECT followers_count FROM xetl.follower_samples WHERE sampled_at = '2026-11-18')")" \
   "followers gained = samples at the range ends"
is "$(csvq "$S" '[(r["current"], r["previous"], r["change"]) for r in rows if r["item"] == "cost"][0]')" \
   "('10.50', '10.50', '0.00')" "cost is the sum of health's daily cost, beside the previous period"
is "$(csvq "$S" '[r["current"] for r in rows if r["item"] == "ROI"][0]')" "3.4762" \
   "ROI = (188 x 0.25 - 10.50) / 10.50"
is "$(csvq "$S" '[(r["current"], r["posts"]) for r in rows if r["section"] == "prediction quality"]')" \
   "[('0.2000', '3'), ('0.0500', '1'), ('0.0200', '1'), ('', '0')]" \
   "median APE by age at prediction over posts whose 7th day ended in the period (0.10 0.20 0.30 -> 0.20)"
is "$(sql "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ape)::numeric, 4) FROM xetl.predictions
            WHERE metric = 'likes' AND age_hours < 4 AND tweet_id LIKE '1859%'")" 0.2000 "the same median, from the table"
is "$(csvq "$S" '[r["item"] for r in rows if r["section"] == "best content types"]')" \
   "['data_story', 'thread']" "best content types by selection score, among those with 5 or more matured posts"
is "$(csvq "$S" '[(r["item"], r["note"]) for r in rows if r["section"] == "not ranked content types"]')" \
   "[('hot_take (4)', 'fewer than 5 matured posts each (posts in brackets): too few to rank')]" \
   "a small group is named with its posts, never ranked best"
is "$(csvq "$S" '[r["item"] for r in rows if r["section"] == "best formulas"]')" \
   "['contrarian', 'listicle', 'story']" "best formulas"
is "$(csvq "$S" '[r["note"] for r in rows if r["section"] == "worst formulas"]')" \
   "['no data: 3 or fewer scored, all listed as best']" "the small formulas are not the worst either (2 and 3 posts)"
is "$(csvq "$S" '[r["item"] for r in rows if r["section"] == "not ranked formulas"]')" \
   "['how_to (3), question_bait (2)']" "they are listed as not ranked"
is "$(csvq "$S" '[r["note"] for r in rows if r["section"].startswith("best ") and r["item"]]' | tr -d "[]' ,")" "" \
   "the meaning of the score is not repeated on every row (the workbook's legend says it once)"
is "$(csvq "$S" '[r["note"] for r in rows if r["section"] == "best hooks"][0]')" \
   "no data: xetl learn has not scored any yet" "an empty learning table says no data"
D="$TMP/r1/$BASE-daily.csv"
is "$(csvq "$D" '[r["day"] for r in rows]')" \
   "['2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24']" \
   "daily.csv has every day of the range, TO inclusive"
is "$(csvq "$D" 'sum(int(r["followers_change"]) for r in rows)')" 188 "daily follower changes add up to the headline"

# --- the workbook, read back by openpyxl
"$XETL_PYTHON" "$XETL_ROOT/tests/lib/read_xlsx.py" "$TMP/r1/$BASE.xlsx" >"$TMP/x.txt" 2>"$TMP/x.err"
is "$?" 0 "openpyxl reads the workbook"
# Header rows are tall enough for their wrapped labels: every label's characters fit in
# (row height / 15 pt) lines of (column width) characters, on every data sheet.
# Checked as area and longest word, not by our writer's own wrapping rule.
short=$("$XETL_PYTHON" - "$TMP/r1/$BASE.xlsx" <<'PY'
import sys, openpyxl
from openpyxl.utils import get_column_letter
wb = openpyxl.load_workbook(sys.argv[1])
bad = []
for ws in wb.worksheets:
    if ws.freeze_panes not in ("A2", "B2"):  # data sheets: row 1 is the frozen header
        continue
    h = ws.row_dimensions[1].height or 15
    for c in range(1, ws.max_column + 1):
        v = ws.cell(1, c).value
        if not isinstance(v, str):
            continue
        w = ws.column_dimensions[get_column_letter(c)].width or 8.43
        longest = max(len(x) for x in v.split())
        if int(h // 15) * w < len(v) or longest > w * 1.1:
            bad.append("%s!%s%d" % (ws.title, get_column_letter(c), 1))
print(" ".join(bad))
PY
)
is "$short" "" "no header label is clipped by its row height or column width"
get() { awk -F '\t' -v k="$1" -v s="$2" '$1 == k && $2 == s { $1 = ""; $2 = ""; sub(/^\t\t/, ""); print; exit }' OFS='\t' "$TMP/x.txt"; }
cell() { awk -F '\t' -v s="$1" -v a="$2" '$1 == "cell" && $2 == s && $3 == a { print $4 "|" $5 "|" $6; exit }' "$TMP/x.txt"; }
is "$(awk -F '\t' '$1 == "sheets" { print $2 }' "$TMP/x.txt")" \
   "Summary,Posts,Content types,Formulas,Hooks,Attribution,Daily health,Timing" "sheet order, Summary first"
is "$(awk -F '\t' '$1 == "created" { print $2 }' "$TMP/x.txt")" "2026-11-25T06:00:00Z" "created property is the as-of"
is "$(awk -F '\t' '$1 == "charts" && $2 == "Summary" { print $3 }' "$TMP/x.txt")" 3 "three charts on the Summary sheet"
is "$(awk -F '\t' '$1 == "chartkinds" && $2 == "Summary" { print $3 }' "$TMP/x.txt")" "LineChart,BarChart,ScatterChart" \
   "trend line, content-type bars, curves"
is "$(awk -F '\t' '$1 == "condfmt" && $2 == "Timing" { print $3 " " $4 }' "$TMP/x.txt")" "B3:Y9 colorScale" \
   "best-time heatmap is a colour scale over weekday x hour"
for sh in Posts "Content types" Formulas Hooks Attribution "Daily health"; do
    is "$(awk -F '\t' -v s="$sh" '$1 == "freeze" && $2 == s { print $3 }' "$TMP/x.txt")" B2 "$sh: header row (and first column) frozen"
done
is "$(awk -F '\t' '$1 == "filter" && $2 == "Posts" { print $3 }' "$TMP/x.txt")" "A1:V7" "Posts: autofilter over the table"
is "$(cell Posts A2)" "s|1860000000000000001|@" "tweet id written as text"
is "$(cell Posts B2)" "d|2026-11-18T09:15:00|yyyy-mm-dd hh:mm" "posted_at is a date-time"
is "$(cell Posts I4)" "n|9100|#,##0" "impressions with thousands separator"
is "$(cell Posts H3)" "s|A thread on pricing ↵ line two, with a comma|General" "a line break in a text cell shows as a marker"
is "$(cell Posts O2)" "n|0.029792|0.00%" "engagement rate as percent"
is "$(cell Posts O5)" "" "engagement rate blank when impressions are 0"
is "$(cell Summary C6)" "n|188|#,##0" "headline followers gained"
is "$(awk -F '\t' '$1 == "cell" && $2 == "Summary" && $5 == "7-day likes predicted at 0-4 h" { print $4 }' "$TMP/x.txt")" s \
   "the Summary sheet has the prediction quality rows"
pq_row=$(awk -F '\t' '$1 == "cell" && $2 == "Summary" && $5 == "7-day likes predicted at 0-4 h" { sub(/^A/, "", $3); print $3 }' "$TMP/x.txt")
is "$(cell Summary "C$pq_row")" "n|0.2|0.00%" "median APE shown as a percent"
is "$(cell Summary C7)" "n|10.5|\$#,##0.00" "headline cost as currency"
is "$(cell Summary A9)" "s|ROI|General" "ROI row"
is "$(cell Summary C9)" "n|3.4762|0.00%" "ROI as percent"
is "$(cell Summary E6)" "n|20|+#,##0;-#,##0;0" "change beside the previous period, signed, in followers"
is "$(cell Summary F6)" "n|0.119|0.00%" "relative change in percent"
roi_chg=$(csvq "$S" '[r["change"] for r in rows if r["item"] == "ROI"][0]')
is "$(cell Summary E9 | cut -d'|' -f1,3)" 'n|+0.00" pts";-0.00" pts";0.00" pts"' "the change of a rate is in points"
near "$(cell Summary E9 | cut -d'|' -f2)" "$(awk -v c="$roi_chg" 'BEGIN { print c * 100 }')" 0.0001 "ROI's change: the CSV's change x 100 points"
# A change of rates in points is the CSV's decimal moved two places, as the nearest double
# (so -0.0093 is -0.93, not -0.9299999999999999 from multiplying by 100).
"$XETL_PYTHON" - "$TMP/r1/$BASE.xlsx" "$S" >"$TMP/pts.txt" <<'PY'
import csv, sys, openpyxl
from decimal import Decimal
ws = openpyxl.load_workbook(sys.argv[1])["Summary"]
cells = [r[4].value for r in ws.iter_rows(min_col=1, max_col=5) if r[4].number_format and "pts" in r[4].number_format]
want = [float(Decimal(r["change"]) * 100) for r in csv.DictReader(open(sys.argv[2], encoding="utf-8"))
        if r["unit"] == "ratio" and r["change"]]
print(len(cells), len(want), "same" if cells == want else "differ %r %r" % (cells, want))
PY
is "$(cat "$TMP/pts.txt")" "3 3 same" "each change of rates in points is the CSV's digits two places on, not a product's remnant"
is "$(cell Summary C8 | cut -d'|' -f3)" '$#,##0.000' "cost per follower to a tenth of a cent on the Summary"
is "$(awk -F '\t' '$1 == "cell" && $2 == "Daily health" && $3 ~ /^L[0-9]+$/ && $4 == "n" { print $6 }' "$TMP/x.txt" | sort -u)" \
   '$#,##0.000' "and on the Daily health sheet: one rounding rule per quantity"
is "$(awk -F '\t' '$1 == "cell" && $2 == "Summary" && $5 == "How to read this workbook"' "$TMP/x.txt" | wc -l | tr -d ' ')" 1 \
   "the Summary has one plain-words legend"
is "$(grep -c 'posterior probability of being the best arm' "$TMP/x.txt")" 0 "the jargon is not repeated on every row"
# The legend's paragraphs run over rows of about equal length: no row holds a lone word or unit.
legend_at=$(awk -F '\t' '$1 == "cell" && $2 == "Summary" && $5 == "How to read this workbook" { print substr($3, 2) }' "$TMP/x.txt")
is "$(awk -F '\t' -v at="$legend_at" '$1 == "cell" && $2 == "Summary" && $3 ~ /^B[0-9]+$/ && substr($3, 2) + 0 > at + 0 &&
                                        length($5) < 40 { print $3 ": " $5 }' "$TMP/x.txt")" "" \
   "no row of the legend is a short remnant of its paragraph"
like "$(awk -F '\t' '$1 == "cell" && $2 == "Attribution" && $5 ~ /^Retention rate: blank in/ { print $5 }' "$TMP/x.txt")" \
   "^Retention rate: blank in [0-9]+ of [0-9]+ rows - .*account-overview export" "a blank column is explained beside its table"
is "$(awk -F '\t' '$1 == "cell" && $2 == "Attribution" && $5 ~ /^Confidence \(0-100 %\)/' "$TMP/x.txt" | wc -l | tr -d ' ')" 1 \
   "confidence is explained once on the sheet that shows it"
"$XETL_PYTHON" - "$TMP/r1/$BASE.xlsx" "$TMP/r1/$BASE-content_types.csv" >"$TMP/wb2.txt" <<'PY'
import csv, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
rows = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
ranked = sum(1 for r in rows if not r["note"])
ws = wb["Content types"]
want = {"F2:F%d" % (ranked + 1), "L2:L%d" % (ranked + 1)} if ranked else set()
print("ranked_cf", {str(cf.sqref) for cf in ws.conditional_formatting} == want, ranked, len(rows))
print("small_last", all(r["note"] for r in rows[ranked:]) and all(int(r["posts_in_period"] or 0) < 5 for r in rows[ranked:]))
ch = wb["Summary"]._charts[0]
print("trend_series", len(ch.series))
t = lambda ax: "".join(r.t for p in ax.title.tx.rich.p for r in (p.r or [])) if ax.title else ""
print("trend_axes", t(ch.x_axis), "/", t(ch.y_axis))
p = wb["Posts"]
print("posts_print", p.page_setup.orientation, p.page_setup.scale, p.print_title_cols, p.print_title_rows,
      [b.id for b in p.col_breaks.brk], p.sheet_properties.pageSetUpPr.fitToPage if p.sheet_properties.pageSetUpPr else None)
PY
like "$(sed -n 1p "$TMP/wb2.txt")" "^ranked_cf True [0-9]+ [0-9]+$" "Content types: colour only over the ranked rows, never a small group"
is "$(sed -n 2p "$TMP/wb2.txt")" "small_last True" "small groups are listed last, each with a note"
is "$(sed -n 3p "$TMP/wb2.txt")" "trend_series 2" "the trend chart has this period and the previous one"
is "$(sed -n 4p "$TMP/wb2.txt")" "trend_axes Day of the period / Followers gained" "with axis titles"
like "$(sed -n 5p "$TMP/wb2.txt")" "^posts_print landscape 70 \\\$A:\\\$B \\\$1:\\\$1 \[8, 15\] (None|False)$" \
   "Posts prints landscape at 70 % in column groups, id and time and the header on every page"
is "$(grep -ciE '	(nan|inf|-inf)	' "$TMP/x.txt")" 0 "no NaN/Inf anywhere in the workbook"
is "$(awk -F '\t' '$1 == "cell" && $2 == "Timing" && $3 == "A13" { print $5 }' "$TMP/x.txt")" \
   "Café naïve résumé — UT..." "curve of the top post (most likes) labelled with its text"
near "$(awk -F '\t' '$1 == "cell" && $2 == "Timing" && $3 == "Q13" { print $5 }' "$TMP/x.txt")" \
   "$(awk 'BEGIN { printf "%.6f", 520 * (1 - (1 + 168 / 3) ^ -0.25) }')" 0.000001 \
   "curve value at 168 h from the Lomax parameters (post 3, A=520 c=3 theta=0.25)"

# --- every account, CSV only
xrun --as-of "$ASOF" report --format csv --out "$TMP/r3"
is "$RC" 0 "csv-only report for every account"
is "$(wc -l <"$OUT" | tr -d ' ')" 12 "six CSVs per account, two accounts"
is "$(ls "$TMP/r3" | grep -c xlsx)" 0 "no workbook when --format csv"

# --- an account with no data at all: no data, not failure
B="$TMP/r3/xetl-roi-beta-2026-11-18_2026-11-24"
is "$(csvq "$B-summary.csv" '[r["note"] for r in rows if r["item"] == "cost"][0]')" \
   "no data: no cost computed (set cost.* and run xetl health)" "empty account: cost says no data"
is "$(csvq "$B-posts.csv" 'len(rows)')" 0 "empty account: posts.csv has only its header"
xrun --as-of "$ASOF" --account beta report --format xlsx --from 2026-11-01 --to 2026-11-03 --out "$TMP/r4"
is "$RC" 0 "empty account workbook"
is "$(cat "$OUT")" "$TMP/r4/xetl-roi-beta-2026-11-01_2026-11-03.xlsx" "explicit range names the file FROM_TO, TO inclusive"
ok "openpyxl reads the empty workbook" "$XETL_PYTHON" "$XETL_ROOT/tests/lib/read_xlsx.py" "$TMP/r4/xetl-roi-beta-2026-11-01_2026-11-03.xlsx"

# --- a day whose cost is only partly known: the cost says so, per follower and ROI stay empty
sql "UPDATE system_health_metrics SET metrics_snapshot = jsonb_set(metrics_snapshot, '{cost,complete}', 'false')
      WHERE day = '2026-11-20'" >/dev/null
xrun --as-of "$ASOF" --account acme report --format csv --out "$TMP/rp"
is "$RC" 0 "report with a partly known cost exits 0"
is "$(csvq "$TMP/rp/$BASE-summary.csv" '[(r["item"], r["current"], r["note"]) for r in rows if r["item"] in ("cost", "cost per follower", "ROI")]')" \
   "[('cost', '10.50', 'partial: some cost parts not configured on 1 of 7 days'), ('cost per follower', '', 'no data: the cost is not known for every part and day'), ('ROI', '', 'no data: the cost is not known for every part and day')]" \
   "a partial cost is shown as partial and makes no cost per follower or ROI"
sql "UPDATE system_health_metrics SET metrics_snapshot = jsonb_set(metrics_snapshot, '{cost,complete}', 'true')
      WHERE day = '2026-11-20'" >/dev/null

# --- usage and failure
xrun --as-of "$ASOF" report --format pdf --out "$TMP/r5"
is "$RC" 64 "unknown format is a usage error"
xrun --as-of "$ASOF" report --from 2026-11-20 --to 2026-11-10 --out "$TMP/r5"
is "$RC" 64 "--from after --to is a usage error"
xrun report --help
is "$RC" 0 "--help exits 0"
like "$(cat "$OUT")" "--format" "--help lists the options"
: >"$TMP/afile"
xrun --as-of "$ASOF" --account acme report --out "$TMP/afile/sub"
is "$RC" 73 "an output directory that cannot be made fails with 73 (cannot create)"
is "$(cat "$ERR")" "xetl: error: cannot create output directory '$TMP/afile/sub': Not a directory" "and names the path"
xrun --as-of "$ASOF" --account acme report --out "$TMP/afile"
is "$RC" 73 "--out naming a regular file fails with 73"
is "$(cat "$ERR")" "xetl: error: output directory '$TMP/afile' exists and is not a directory" \
   "and names the path"
# A directory where a report's file goes: the rename refuses it, and that is the operator's to fix (73).
mkdir -p "$TMP/r6/$BASE.xlsx"
xrun --as-of "$ASOF" --account acme report --format xlsx --out "$TMP/r6"
is "$RC" 73 "a directory at the workbook's name fails with 73 (cannot create), not 70"
like "$(cat "$ERR")" "cannot rename '.*' to '$TMP/r6/$BASE.xlsx': Is a directory" "and names the path"
is "$(ls -A "$TMP/r6")" "$BASE.xlsx" "leaving no temp file behind"
# Long options are spelled out: --form is neither --from nor --format.
xrun --as-of "$ASOF" report --form 2026-11-01 --out "$TMP/r5"
is "$RC" 64 "an abbreviated long option is a usage error"
is "$(cat "$ERR")" "xetl: error: report: unknown option '--form' (long options are not abbreviated; did you mean '--from' or '--format'?) (try 'xetl report --help')" \
   "and the message suggests the options it resembles"
xrun --as-of "$ASOF" report --out="$TMP/r6" --format=csv --account acme
is "$RC" 0 "--name=value spelled in full still works"

# --- an unmigrated database and one without accounts
newdb --empty
xrun --as-of "$ASOF" report --out "$TMP/r7"
is "$RC" 78 "report on a database never migrated exits 78"
like "$(cat "$ERR")" "run 'xetl migrate' first" "and says to migrate first"
"$XETL" -q migrate
xrun -q --as-of "$ASOF" report --out "$TMP/r7"
is "$RC" 78 "report with no account registered exits 78 (configuration), even with -q"
is "$(cat "$ERR")" "xetl: error: report: no active accounts, nothing to report: add one with 'xetl account add HANDLE'" \
   "and says so on stderr"

done_testing
