#!/bin/sh
# xetl validate-decay: the production forecaster (row "xetl", nested CV) meets
# the goals of docs/models.md §6: median APE <= 4.5 % from 1h/4h/24h and
# <= 2.5 % from 1h/4h/24h/48h, p90 <= 25 % from 1h/4h/24h, 90 % intervals
# covering 87-93 % overall and >= 80 % in the top growth decile.  Then the older rows: the
# figures on the SEISMIC validation file stay at or
# below the goals (median APE of the 7-day prediction: <= 8 % from 1h/4h/24h,
# <= 6 % from 1h/4h/24h/48h, better than the Szabo-Huberman baseline from
# 1h/4h/24h), the pooled Lomax beats every alternative curve family scored
# the same way (exponential, log-logistic, Weibull; pooled and unpooled) from
# both observation sets, and bad input gives the documented exit codes.  No
# database.
. "$XETL_ROOT/tests/lib/testlib.sh"

DATA="$XETL_ROOT/fixtures/seismic/seismic_subset_cumulative_retweets.csv"
# median_ape of one row of the table, without the % sign
fig() { awk -v m="$1" -v o="$2" '$1 == m && $2 == o { sub("%", "", $3); print $3 }' "$OUT"; }

if [ -r "$DATA" ]; then
    xrun validate-decay "$DATA"
    is "$RC" 0 "validate-decay exits 0"
    like "$(cat "$OUT")" "cascades: 738 \(skipped 0\)" "reads the 738 cascades"
    L3=$(fig lomax 1h/4h/24h); L4=$(fig lomax 1h/4h/24h/48h)
    S3=$(fig szabo-huberman 1h/4h/24h); S4=$(fig szabo-huberman 1h/4h/24h/48h)
    echo "# lomax $L3 % / $L4 %, szabo-huberman $S3 % / $S4 %"
    ok "lomax from 1h/4h/24h <= 8 % (got $L3)" awk -v x="$L3" 'BEGIN { exit !(x != "" && x <= 8.0) }'
    ok "lomax from 1h/4h/24h/48h <= 6 % (got $L4)" awk -v x="$L4" 'BEGIN { exit !(x != "" && x <= 6.0) }'
    ok "lomax beats szabo-huberman from 1h/4h/24h" awk -v x="$L3" -v y="$S3" 'BEGIN { exit !(x < y) }'
    ok "szabo-huberman baseline near its published 12.3 % from 24 h" awk -v y="$S3" 'BEGIN { exit !(y > 9 && y < 16) }'
    ok "lomax-unpooled printed too" test -n "$(fig lomax-unpooled 1h/4h/24h)"
    for m in exp exp-unpooled loglogistic loglogistic-unpooled weibull weibull-unpooled; do
        A3=$(fig $m 1h/4h/24h); A4=$(fig $m 1h/4h/24h/48h)
        echo "# $m $A3 % / $A4 %"
        ok "lomax beats $m from 1h/4h/24h ($L3 < $A3) and 1h/4h/24h/48h ($L4 < $A4)" \
            awk -v x="$L3" -v y="$A3" -v u="$L4" -v w="$A4" 'BEGIN { exit !(y != "" && w != "" && x < y && u < w) }'
    done
    col() { awk -v m="$1" -v o="$2" -v c="$3" '$1 == m && $2 == o { sub("%", "", $c); print $c }' "$OUT"; }
    X3=$(fig xetl 1h/4h/24h); X4=$(fig xetl 1h/4h/24h/48h)
    echo "# xetl $X3 % / $X4 %"
    ok "xetl from 1h/4h/24h/48h: median APE <= 2.5 % (got $X4)" awk -v x="$X4" 'BEGIN { exit !(x != "" && x <= 2.5) }'
    ok "xetl from 1h/4h/24h: median APE <= 4.5 % (got $X3)" awk -v x="$X3" 'BEGIN { exit !(x != "" && x <= 4.5) }'
    P3=$(col xetl 1h/4h/24h 5)
    ok "xetl from 1h/4h/24h: p90 APE <= 25 % (got $P3)" awk -v x="$P3" 'BEGIN { exit !(x != "" && x <= 25) }'
    for o in 1h/4h/24h 1h/4h/24h/48h; do
        CV=$(col xetl $o 6); TD=$(col xetl $o 9)
        ok "xetl from $o: 90 % intervals cover 87-93 % (got $CV)" awk -v x="$CV" 'BEGIN { exit !(x != "" && x >= 87 && x <= 93) }'
        ok "xetl from $o: top growth decile covered >= 80 % (got $TD)" awk -v x="$TD" 'BEGIN { exit !(x != "" && x >= 80) }'
        for m in sh-robust lomax lomax-unpooled szabo-huberman exp; do
            ok "xetl beats $m from $o" awk -v x="$(fig xetl $o)" -v y="$(fig $m $o)" 'BEGIN { exit !(y != "" && x < y) }'
        done
    done
    like "$(cat "$OUT")" "ci95_median" "bootstrap CI column"
    like "$(cat "$OUT")" "subset: [0-9]+ cascades with >= 2000 at 24 h" "the >= 2,000-at-24 h subset"
    ok "xetl on that subset <= 4.5 % from 1h/4h/24h" awk -v x="$(fig xetl '1h/4h/24h,y24>=2000')" 'BEGIN { exit !(x != "" && x <= 4.5) }'
    S3R=$(fig sh-robust 1h/4h/24h/48h)
    ok "robust SH from 48 h beats the mean-centred rule ($S3R < $S4)" awk -v x="$S3R" -v y="$S4" 'BEGIN { exit !(x < y) }'
    C3=$(awk '$1 == "lomax" && $2 == "1h/4h/24h" { sub("%", "", $6); print $6 }' "$OUT")
    ok "lomax 90 % intervals cover 85-97 % (got $C3)" awk -v x="$C3" 'BEGIN { exit !(x != "" && x >= 85 && x <= 97) }'
    xrun validate-decay "$DATA"
    cp "$OUT" "$TMP/a"; xrun validate-decay "$DATA"
    ok "deterministic" cmp "$TMP/a" "$OUT"
else
    skip "$DATA not present"
fi

# a small file in the same format, with a bad row
{
    echo "file,rt_le_3600s,rt_le_14400s,rt_le_86400s,rt_le_172800s,rt_le_604800s"
    i=1
    while [ $i -le 40 ]; do
        awk -v i=$i 'BEGIN { a = 100 * i; split("1 4 24 48 168", t, " ");
            printf "f%d", i; for (k = 1; k <= 5; k++) printf ",%d", a * (1 - (1 + t[k] / 0.5) ^ -0.3); print "" }'
        i=$((i + 1))
    done
    echo "bad,1,2,x,4,5"
} > "$TMP/small.csv"
xrun validate-decay "$TMP/small.csv"
is "$RC" 0 "a small file validates"
like "$(cat "$OUT")" "cascades: 40 \(skipped 1\)" "the bad row is skipped and counted"
ok "exact Lomax data: median APE < 1 %" awk -v x="$(fig lomax 1h/4h/24h)" 'BEGIN { exit !(x != "" && x < 1) }'

echo "a,b" > "$TMP/nocol.csv"
xrun validate-decay "$TMP/nocol.csv"
is "$RC" 65 "missing columns exit 65"
like "$(cat "$ERR")" "no column 'rt_le_3600s'" "and say which"
xrun validate-decay "$TMP/nonexistent.csv"
is "$RC" 66 "a missing file exits 66"
xrun validate-decay
is "$RC" 64 "no FILE exits 64"
xrun validate-decay --help
is "$RC" 0 "--help exits 0"

done_testing
