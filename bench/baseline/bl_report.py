"""bench/baseline/bl_report.py - the Python baseline of `xetl report --format xlsx`: the Posts sheet.

What a competent team would write: the rows of one query streamed from a
psycopg2 server-side cursor (itersize 5,000) into XlsxWriter with
{'constant_memory': True} (each row written and flushed in order), the same
22 columns, labels, number formats, widths, frozen header and autofilter as
xetl's Posts sheet, line breaks in text shown as " \u21b5 " as xetl does.  The
query is xetl's own: sql/queries/report/period.sql (the period's posts joined
once into a temporary table) then posts.sql, read from the tree, in one
transaction, so the cells can be compared one for one
(bench/baseline/compare.py).

NOT reproduced: every other sheet of xetl's workbook (Summary, the rollups
by content type/formula/hook, Attribution, Daily, Heatmap, Curves, charts),
the conditional formats and the "About the columns" notes of the Posts
sheet, the CSVs, the print setup.  xetl's figure is for its whole workbook,
so the ratio flatters the baseline.
"""
import datetime

import xlsxwriter

# name, label, kind, width (reports/report_gather.c posts_cols)
POSTS_COLS = [
    ("tweet_id", "Tweet id", "id", 21), ("posted_at", "Posted (UTC)", "time", 17), ("kind", "Kind", "text", 7),
    ("status", "Status", "text", 8), ("content_type", "Content type", "text", 14),
    ("formula", "Formula", "text", 14), ("hook", "Hook", "text", 14), ("text", "Text", "text", 40),
    ("impressions_lifetime", "Impressions (lifetime)", "int", 12), ("likes_lifetime", "Likes (lifetime)", "int", 9),
    ("retweets_lifetime", "Reposts (lifetime)", "int", 9), ("replies_lifetime", "Replies (lifetime)", "int", 9),
    ("quotes_lifetime", "Quotes (lifetime)", "int", 9), ("bookmarks_lifetime", "Bookmarks (lifetime)", "int", 10),
    ("engagement_rate_lifetime", "Engagement rate (lifetime)", "pct", 11),
    ("half_life_minutes", "Half-life (min)", "int", 9), ("predicted_likes_7d", "Predicted likes at 7 d", "int", 10),
    ("actual_likes_7d", "Actual likes at 7 d", "int", 10), ("prediction_accuracy", "Prediction accuracy", "pct", 10),
    ("followers_attributed_7d", "Followers attributed (7 d)", "int", 11),
    ("attribution_confidence", "Attribution confidence", "pct", 11),
    ("attribution_method", "Attribution method", "text", 18),
]
FORMATS = {"id": "@", "time": "yyyy-mm-dd hh:mm", "int": "#,##0", "pct": "0.00%"}


def _query(sql_dir, name):
    with open(f"{sql_dir}/{name}.sql", encoding="utf-8") as f:
        return f.read().replace("$1", "%(a)s").replace("$2", "%(f)s::timestamptz").replace("$3", "%(t)s::timestamptz")


def run(conn, sql_dir, acct, t_from, t_to, out_path):
    period, sql = _query(sql_dir, "period"), _query(sql_dir, "posts")
    params = {"a": acct, "f": t_from, "t": t_to}
    wb = xlsxwriter.Workbook(out_path, {"constant_memory": True})
    fmt = {}
    for k in ("id", "time", "int", "pct", "text"):
        f = wb.add_format({"valign": "top"})
        if k in FORMATS:
            f.set_num_format(FORMATS[k])
        fmt[k] = f
    header = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "bottom": 1})
    ws = wb.add_worksheet("Posts")
    for c, (_, label, _, width) in enumerate(POSTS_COLS):
        ws.set_column(c, c, width)
        ws.write_string(0, c, label, header)
    ws.freeze_panes(1, 1)
    kinds = [k for _, _, k, _ in POSTS_COLS]
    n = 0
    with conn.cursor() as cur:
        cur.execute(period, params)
    with conn.cursor(name="bl_posts") as cur:
        cur.itersize = 5000
        cur.execute(sql, params)
        for row in cur:
            n += 1
            for c, v in enumerate(row):
                if v is None:
                    continue
                k = kinds[c]
                if k == "time":
                    ws.write_datetime(n, c, datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ"), fmt[k])
                elif k in ("int", "pct"):
                    ws.write_number(n, c, float(v), fmt[k])
                else:
                    s = str(v)
                    if "\n" in s or "\r" in s:
                        s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", " \u21b5 ")
                    ws.write_string(n, c, s, fmt[k])
    conn.commit()
    ws.autofilter(0, 0, max(n, 1), len(POSTS_COLS) - 1)
    wb.close()
    return {"rows": n}
