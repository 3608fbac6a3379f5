#!/bin/sh
# t_layout.sh — the code's boundaries, as docs/architecture.md states them:
# one owner per library, no libpq result outside etl/db.c, no JSON built by
# hand, SQL of more than a line only in sql/, every named statement a call
# site names exists (and every file in sql/queries is used), unit tests
# mirroring the tree, and files and functions of a readable size.
. "$XETL_ROOT/tests/lib/testlib.sh"
cd "$XETL_ROOT" || exit 1
SRC=$(ls common/*.[ch] etl/*.[ch] stats/*.[ch] reports/*.[ch] cli/*.[ch])

# only FILE... may include HEADER
owner() { # header, description, allowed files...
    h=$1 what=$2; shift 2
    got=$(grep -l "#include <$h" $SRC | sort | paste -sd' ' -)
    is "$got" "$*" "$what"
}
owner libpq-fe.h "libpq is included by etl/db.c alone" etl/db.c
owner jansson.h "jansson is included by common/json.c alone" common/json.c
owner csv.h "libcsv: etl/csv_in.c reads, reports/csv_out.c writes, nothing else" etl/csv_in.c reports/csv_out.c
is "$(grep -l '#include <xlsxwriter' $SRC | grep -v '^reports/xlsx' | paste -sd' ' -)" "" \
   "libxlsxwriter is included by reports/xlsx*.c alone"
is "$(grep -l '#include <gsl/' $SRC | grep -v '^stats/' | paste -sd' ' -)" "" "GSL is included under stats/ alone"
is "$(grep -l '#include <curl/' $SRC | grep -v -e '^etl/xapi' -e '^etl/http' -e '^reports/mail' | paste -sd' ' -)" "" \
   "libcurl is included by the HTTP and SMTP modules alone"
is "$(grep -l -E '\bPG(result|conn)\b|\bPQ[a-z]+\(' $SRC | grep -v '^etl/db\.c$' | paste -sd' ' -)" "" \
   "no PGresult, PGconn or PQ* call outside etl/db.c"
is "$(grep -l -E 'sbuf_addf\([^;]*\\"[a-z_]+\\":' $SRC | paste -sd' ' -)" "" \
   "no JSON object built by hand with sbuf_addf (common/json.h's writer does it)"
is "$(grep -l 'sbuf_add_copy_text\|db_copy_put\|db_copy_begin' $SRC | grep -v -e '^etl/db\.[ch]$' -e '^common/sbuf\.[ch]$' | paste -sd' ' -)" "" \
   "every loader writes COPY rows through etl/db.h's row writer"

# SQL in C: a string literal starting with a statement keyword and continued on the next
# line is a statement of more than a line, which belongs in sql/queries/.
"$XETL_PYTHON" - $SRC > "$TMP/sql_in_c" <<'EOF'
import re, sys
kw = re.compile(r'^\s*"\s*(SELECT|INSERT|UPDATE|DELETE|WITH|COPY|CREATE|ALTER)\b', re.I)
cont = re.compile(r'^\s*"')
for f in sys.argv[1:]:
    lines = open(f, encoding='utf-8', errors='replace').read().split('\n')
    for i, l in enumerate(lines[:-1]):
        # a literal opening a statement (possibly after "db_query(db," on the same line)
        m = re.search(r'"\s*(SELECT|INSERT|UPDATE|DELETE|WITH|COPY)\s', l)
        if m and cont.match(lines[i + 1]) and not l.rstrip().endswith(';'):
            print(f"{f}:{i + 1}")
EOF
is "$(head -5 "$TMP/sql_in_c" | paste -sd' ' -)" "" "no statement of more than a line in C (sql/queries/<stage>/<name>.sql)"

# Named statements: every "stage/name" a call site passes exists, every file is used.
grep -ho -E 'db_(query|cmd|rows_open|copy_open)\([a-zA-Z_>.-]+, *"[a-z_]+/[a-z_0-9]+"' $SRC |
    sed -E 's/.*"([a-z_]+\/[a-z_0-9]+)"/\1/' | sort -u > "$TMP/named"
grep -ho -E '"[a-z_]+/[a-z_0-9]+"' $SRC | tr -d '"' | sort -u > "$TMP/mentioned"
# names a module builds from a pattern ("import/have_%s"), as globs
grep -ho -E '"[a-z_]+/[a-z_0-9%]*%s[a-z_0-9%]*"' $SRC | tr -d '"' | sed 's/%s/*/g' | sort -u > "$TMP/patterns"
missing=""
for q in $(cat "$TMP/named"); do [ -f "sql/queries/$q.sql" ] || missing="$missing $q"; done
is "$missing" "" "every named statement a call site runs is a file in sql/queries"
ok "the call sites name statements ($(wc -l < "$TMP/named") found)" test "$(wc -l < "$TMP/named")" -gt 20
unused=""
for f in sql/queries/*/*.sql; do
    q=${f#sql/queries/}; q=${q%.sql}
    grep -qx "$q" "$TMP/mentioned" && continue
    hit=""
    set -f # the patterns are globs for case, not for the file system
    for pat in $(cat "$TMP/patterns"); do case "$q" in $pat) hit=1 ;; esac; done
    set +f
    [ -n "$hit" ] || unused="$unused $q"
done
is "$unused" "" "every file in sql/queries is run by some module"
bad=""
for f in sql/queries/*/*.sql; do head -1 "$f" | grep -q '^--' || bad="$bad $f"; done
is "$bad" "" "every named statement starts with a comment saying what it does"

# Unit tests mirror the tree.
bad=""
for t in tests/unit/*/test_*.c; do
    d=$(basename "$(dirname "$t")")
    case "$d" in common|etl|stats|reports|cli) ;; *) bad="$bad $t" ;; esac
done
is "$bad" "" "unit tests live in tests/unit/<dir>/ for a source directory"
ok "unit tests for etl/db, common/json, the run log" test -f tests/unit/etl/test_db.c -a -f tests/unit/common/test_json.c

# Size: files over 600 lines and functions over 80 lines need a reason in a comment
# ("long because ...", or "(About N lines: why)", at the top of the file; "long because"
# within the 4 lines above a function).
"$XETL_PYTHON" - $SRC > "$TMP/size" <<'EOF'
import re, sys
for f in sys.argv[1:]:
    if not f.endswith('.c'):
        continue
    lines = open(f, encoding='utf-8', errors='replace').read().split('\n')
    head = '\n'.join(lines[:30]).lower()
    if len(lines) > 620 and 'long because' not in head and not re.search(r'\d+ lines:', head):
        print(f"{f}: {len(lines)} lines")
    # A function: a '{' alone at column 0 after its signature, to the next '}' at column 0.
    start = None
    for i, l in enumerate(lines):
        if l == '{' and i > 0 and lines[i - 1].rstrip().endswith(')'):
            start = i - 1
            while start > 0 and lines[start - 1].strip() and not lines[start - 1].lstrip().startswith(('/*', '*', '//', '#')) \
                    and not lines[start - 1].rstrip().endswith((';', '}', '*/')):
                start -= 1
        elif start is not None and l == '}':
            n = i - start + 1
            above = '\n'.join(lines[max(0, start - 4):start]).lower()
            if n > 85 and 'long because' not in above:
                name = lines[start].split('(')[0].split()[-1].lstrip('*')
                print(f"{f}:{start + 1}: {name} is {n} lines")
            start = None
EOF
is "$(paste -sd';' "$TMP/size")" "" "no file over ~600 lines, no function over ~80, without a reason"
done_testing
