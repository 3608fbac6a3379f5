#!/bin/sh
# bench/bench_python.sh — xetl against the Python baseline (bench/baseline/:
# pandas + psycopg2 COPY, SciPy least_squares with the same decay model and
# prior, XlsxWriter in constant-memory mode), on the same generated inputs,
# interleaved stage by stage in one run:
#   import  a legacy tweet-activity export of BENCH_PY_IMPORT_ROWS rows (200000;
#           bench_import.sh's generator), each tool into its own fresh database;
#   fit     an established account (bench_fit_db.sh's: BENCH_PY_FIT_POSTS posts,
#           4500, 50 a day over 90 days, nightly snapshots for 30 days), its
#           nightly range (the last 30 days); xetl first with nothing kept, then
#           the baseline, then xetl again with its history fits kept;
#   report  the Posts sheet of BENCH_PY_REPORT_POSTS posts (50000; bench_report.sh's
#           account): `xetl report --format xlsx` against the baseline's sheet.
# Then checks that they agree (bench/baseline/compare.py: the four targets'
# row counts and digests; the fitted curves' checkpoints to 1e-4 relative;
# every cell of the Posts sheet, read back with openpyxl) and prints per stage
# and in total: wall, client CPU (user+sys), server CPU (the PostgreSQL
# cluster's), peak RSS of the client, and the ratio baseline/xetl.
#
#   sh bench/bench_python.sh        needs PGHOST etc. and PG_DIR (bench/run.sh starts a
#                                   server) and Debian's python3-pandas python3-scipy
#                                   python3-xlsxwriter python3-psycopg2 python3-openpyxl;
#                                   skips with a message when they are missing.
set -u
XETL=${XETL:-./xetl}
PY=${XETL_PYTHON:-/usr/bin/python3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BL="$ROOT/bench/baseline"
NROWS=${BENCH_PY_IMPORT_ROWS:-200000}
NFIT=${BENCH_PY_FIT_POSTS:-4500}
NREP=${BENCH_PY_REPORT_POSTS:-50000}

if ! "$PY" -c 'import pandas, scipy, xlsxwriter, psycopg2, openpyxl' 2>/dev/null; then
    echo "bench_python.sh: skipped: the baseline needs $PY with pandas, scipy, xlsxwriter, psycopg2 and openpyxl:"
    echo "  apt-get install python3-pandas python3-scipy python3-xlsxwriter python3-psycopg2 python3-openpyxl"
    exit 0
fi
PM=$(head -1 "${PG_DIR:-/nonexistent}/data/postmaster.pid" 2>/dev/null || echo 0)
[ "$PM" -gt 0 ] 2>/dev/null || echo "bench_python.sh: no PG_DIR/data/postmaster.pid: server CPU not measured"
DIR=$(mktemp -d /tmp/xetl-bench-python.XXXXXX)
chmod 755 "$DIR"
DBS="bench_py_imp_x bench_py_imp_b bench_py_fit bench_py_rep"
trap 'for d in $DBS; do dropdb --if-exists "$d" >/dev/null 2>&1; done; rm -rf "$DIR"' EXIT INT TERM
status=0

# fresh DB HANDLE USER_ID: a database with xetl's schema and one account.  Autovacuum is off
# for its tables, so that the vacuum of one tool's rows is not charged to the other's run.
fresh() {
    dropdb --if-exists "$1" >/dev/null 2>&1
    createdb "$1" && XETL_DB="dbname=$1" "$XETL" -q migrate &&
        XETL_DB="dbname=$1" "$XETL" -q account add "$2" --user-id "$3" &&
        psql -X -q -v ON_ERROR_STOP=1 -d "$1" -c "DO \$\$ DECLARE r record; BEGIN
            FOR r IN SELECT c.oid::regclass AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE c.relkind = 'r' AND n.nspname IN ('public', 'xetl') LOOP
                EXECUTE format('ALTER TABLE %s SET (autovacuum_enabled = false)', r.t);
            END LOOP; END \$\$"
}

# run STAGE TOOL COMMAND...: measured (bench/baseline/measure.py), figures kept in $DIR/STAGE.TOOL
run() {
    st=$1 tool=$2
    shift 2
    "$PY" "$BL/measure.py" "$PM" "$DIR/$st.$tool" -- "$@" >"$DIR/$st.$tool.out" 2>"$DIR/$st.$tool.err" ||
        { echo "  $st ($tool) failed:"; tail -5 "$DIR/$st.$tool.err"; status=1; }
}

line() { # STAGE TOOL LABEL: one figure line
    read -r rc wall cpu srv rss < "$DIR/$1.$2"
    awk -v l="$3" -v w="$wall" -v c="$cpu" -v s="$srv" -v r="$rss" 'BEGIN {
        printf "  %-34s wall %7.2f s  cpu %7.2f s + server %6.2f s  peak RSS %7.1f MiB\n", l, w, c, s, r / 1024 }'
}

ratio() { # STAGE XTOOL LABEL: baseline / xetl, wall and client+server CPU
    read -r _ xw xc xs _ < "$DIR/$1.$2"
    read -r _ bw bc bs _ < "$DIR/$1.py"
    awk -v xw="$xw" -v xc="$xc" -v xs="$xs" -v bw="$bw" -v bc="$bc" -v bs="$bs" -v l="$3" 'BEGIN {
        printf "  %-34s wall %6.1fx       CPU (client+server) %6.1fx\n", l, bw / xw, (bc + bs) / (xc + xs) }'
}

echo "bench_python.sh: load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"

# ---- import ----
f="$DIR/tweet_activity_metrics_bench_20200101_20200131_en.csv"
sh "$ROOT/bench/bench_import.sh" gen "$NROWS" > "$f"
ASOF=2020-02-01T00:00:00Z # the end of the file name's range, as xetl import takes it
fresh bench_py_imp_x bench 7 && fresh bench_py_imp_b bench 7 || exit 1
ACC=$(psql -X -Atq -d bench_py_imp_b -c "SELECT account_id FROM xetl.accounts WHERE handle = 'bench'")
run import x env XETL_DB=dbname=bench_py_imp_x "$XETL" -q import "$f"
run import py "$PY" "$BL/baseline.py" import dbname=bench_py_imp_b "$f" "$ACC" "$ASOF"
echo "import, $NROWS-row export ($(( $(wc -c < "$f") / 1048576 )) MiB):"
line import x "xetl import"
line import py "Python baseline"
ratio import x "ratio baseline/xetl"
"$PY" "$BL/baseline.py" check-import dbname=bench_py_imp_x dbname=bench_py_imp_b || status=1
dropdb bench_py_imp_x; dropdb bench_py_imp_b

# ---- fit ----
END=2026-11-20T02:00:00Z
fresh bench_py_fit agency 4343 || exit 1
PGDATABASE=bench_py_fit BENCH_FIT_POSTS="$NFIT" sh "$ROOT/bench/bench_fit_db.sh" setup || exit 1
ACC=$(psql -X -Atq -d bench_py_fit -c "SELECT account_id FROM xetl.accounts WHERE handle = 'agency'")
FROM=$(date -u -d "$END - 30 days" +%Y-%m-%d)
run fit x env XETL_DB=dbname=bench_py_fit "$XETL" -q --as-of "$END" fit --from "$FROM" --to 2026-11-20
run fit py "$PY" "$BL/baseline.py" fit dbname=bench_py_fit "$ACC" "${FROM}T00:00:00Z" 2026-11-21T00:00:00Z "$END"
run fit xk env XETL_DB=dbname=bench_py_fit "$XETL" -q --as-of "$END" fit --from "$FROM" --to 2026-11-20
echo "fit, an established account ($NFIT posts, $(psql -X -Atq -d bench_py_fit -c 'SELECT count(*) FROM performance_snapshots') snapshots), its nightly range:"
line fit x "xetl fit (nothing kept)"
line fit xk "xetl fit (history fits kept)"
line fit py "Python baseline"
ratio fit x "ratio baseline/xetl (nothing kept)"
ratio fit xk "ratio baseline/xetl (kept)"
"$PY" "$BL/baseline.py" check-fit dbname=bench_py_fit "$ACC" || status=1
dropdb bench_py_fit

# ---- report ----
fresh bench_py_rep bench 7 || exit 1
PGDATABASE=bench_py_rep sh "$ROOT/bench/bench_report.sh" setup "$NREP" || exit 1
ACC=$(psql -X -Atq -d bench_py_rep -c "SELECT account_id FROM xetl.accounts WHERE handle = 'bench'")
mkdir -p "$DIR/rep"
run report x env XETL_DB=dbname=bench_py_rep "$XETL" -q --as-of 2026-11-25T06:00:00Z report --format xlsx \
    --from 2026-11-18 --to 2026-11-24 --out "$DIR/rep"
run report py "$PY" "$BL/baseline.py" report dbname=bench_py_rep "$ACC" 2026-11-18T00:00:00Z 2026-11-25T00:00:00Z \
    "$DIR/rep/baseline.xlsx"
echo "report, $NREP posts (xetl: the whole workbook; the baseline: its Posts sheet):"
line report x "xetl report --format xlsx"
line report py "Python baseline (Posts sheet)"
ratio report x "ratio baseline/xetl"
"$PY" "$BL/baseline.py" check-xlsx "$DIR"/rep/xetl-roi-bench-*.xlsx "$DIR/rep/baseline.xlsx" || status=1
dropdb bench_py_rep

# ---- in total ----
for t in x xk py; do
    case $t in xk) set -- import.x fit.xk report.x ;; *) set -- import.$t fit.$t report.$t ;; esac
    cat "$DIR/$1" "$DIR/$2" "$DIR/$3" | awk '{ w += $2; c += $3; s += $4; if ($5 > r) r = $5 }
        END { print 0, w, c, s, r }' > "$DIR/total.$t"
done
echo "import + fit + report:"
line total x "xetl (fit with nothing kept)"
line total xk "xetl (fit with history kept)"
line total py "Python baseline"
ratio total x "ratio baseline/xetl (nothing kept)"
ratio total xk "ratio baseline/xetl (kept)"
echo "bench_python.sh: load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
