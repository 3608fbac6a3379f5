#!/usr/bin/python3
"""bench/baseline/baseline.py - the Python baseline xetl is measured against (bench/bench_python.sh).

    baseline.py import DSN FILE ACCOUNT_ID AS_OF
    baseline.py fit DSN ACCOUNT_ID FROM TO AS_OF          range [FROM, TO), history = 90 days before AS_OF
    baseline.py report DSN ACCOUNT_ID FROM TO OUT.xlsx    posts published in [FROM, TO)
    baseline.py check-import DSN_XETL DSN_BASELINE
    baseline.py check-fit DSN ACCOUNT_ID
    baseline.py check-xlsx XETL.xlsx BASELINE.xlsx

Needs Debian's python3-pandas python3-scipy python3-xlsxwriter python3-psycopg2
(and python3-openpyxl for the checks).  DSN is a libpq connection string
("dbname=x"; PGHOST etc. from the environment).  Each stage prints one line
of JSON with what it did.  What each stage reproduces, and what not, is in
the header of bl_import.py, bl_fit.py and bl_report.py.
"""
import json
import os
import sys

import psycopg2

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, a = argv[1], argv[2:]
    if cmd == "import":
        import bl_import
        with psycopg2.connect(a[0]) as conn:
            print(json.dumps(bl_import.run(conn, a[1], int(a[2]), a[3])))
    elif cmd == "fit":
        import bl_fit
        with psycopg2.connect(a[0]) as conn:
            print(json.dumps(bl_fit.run(conn, int(a[1]), a[2], a[3], a[4])))
    elif cmd == "report":
        import bl_report
        sql = os.path.join(HERE, "..", "..", "sql", "queries", "report")
        with psycopg2.connect(a[0]) as conn:
            print(json.dumps(bl_report.run(conn, sql, int(a[1]), a[2], a[3], a[4])))
    elif cmd.startswith("check-"):
        import compare
        if cmd == "check-import":
            with psycopg2.connect(a[0]) as cx, psycopg2.connect(a[1]) as cb:
                ok, lines = compare.import_agree(cx, cb)
        elif cmd == "check-fit":
            with psycopg2.connect(a[0]) as conn:
                ok, lines = compare.fit_agree(conn, int(a[1]))
        else:
            ok, lines = compare.xlsx_agree(a[0], a[1])
        print("\n".join(lines))
        return 0 if ok else 1
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
