"""bench/baseline/compare.py - do xetl and the baseline agree? (bench/bench_python.sh)

import: the row counts of the four targets in the two databases and a digest
of the columns both write (posts: id, decision id, time, text; snapshots:
id, as-of, hours since post, counters, engagement rate; analytics: id,
counters; follows: id, follows).
fit: the curves of the posts in range, metric by metric: xetl's
analytics_metadata.decay.<metric> (stored to 6 significant digits) against
bench_baseline.fit_out; the checkpoints (1 h, 4 h, 24 h, 48 h, 7 d) must
agree to 1e-4 relative wherever both fitted the curve (lomax or pooled).
xlsx: every cell of the Posts sheet's 22 columns, read back with openpyxl.
"""
import math

import openpyxl

DIGESTS = {
    "xetl.posts": "tweet_id, decision_id, posted_at, text",
    "performance_snapshots": "tweet_id, snapshot_at, round(hours_since_post, 6), likes, retweets, replies, "
                             "impressions, profile_clicks, url_clicks, detail_expands, engagement_rate",
    "tweet_analytics_comprehensive": "tweet_id, likes, retweets, replies, impressions, media_views, url_clicks",
    "xetl.platform_follows": "tweet_id, follows",
}


def table_digests(conn):
    out = {}
    with conn.cursor() as cur:
        for t, cols in DIGESTS.items():
            cur.execute(f"SELECT count(*), md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) "
                        f"FROM (SELECT ({cols}) AS r FROM {t}) q")
            out[t] = cur.fetchone()
    conn.rollback()
    return out


def import_agree(conn_x, conn_b):
    a, b = table_digests(conn_x), table_digests(conn_b)
    bad = [t for t in DIGESTS if a[t] != b[t]]
    lines = [f"  {t}: xetl {a[t][0]} rows, baseline {b[t][0]} rows, digest {'same' if a[t] == b[t] else 'DIFFERENT'}"
             for t in DIGESTS]
    return not bad, lines


CK = ("1h", "4h", "24h", "48h", "7d")


def fit_agree(conn, acct, tol=1e-4):
    with conn.cursor() as cur:
        cur.execute("""SELECT f.tweet_id, f.metric, f.method, f.ck_1h, f.ck_4h, f.ck_24h, f.ck_48h, f.ck_7d,
                              t.analytics_metadata->'decay'->f.metric
                         FROM bench_baseline.fit_out f
                         LEFT JOIN tweet_analytics_comprehensive t ON t.account_id = %s AND t.tweet_id = f.tweet_id""",
                    (acct,))
        rows = cur.fetchall()
    conn.rollback()
    compared = values = worst = 0.0
    method_diff = over = missing = 0
    for tid, metric, method, *rest in rows:
        ck_b, dx = rest[:5], rest[5]
        mx = dx.get("method", "none") if dx else "none"
        if mx != method:
            method_diff += 1
        if mx not in ("lomax", "pooled") or method not in ("lomax", "pooled"):
            continue
        cx = dx.get("checkpoints") or {}
        compared += 1
        for k, vb in zip(CK, ck_b):
            vx = cx.get(k)
            if vx is None or vb is None:
                missing += 1
                continue
            rel = abs(vb - vx) / max(abs(vx), 1e-300) if vx != 0 else abs(vb)
            values += 1
            worst = max(worst, rel)
            if rel > tol:
                over += 1
    ok = compared > 0 and over == 0 and missing == 0
    line = (f"  fit: {len(rows)} post-metrics, methods differ in {method_diff}; {int(compared)} curves fitted by "
            f"both, {int(values)} checkpoints, worst relative difference {worst:.2e}, {over} over {tol:g}"
            f"{', %d missing' % missing if missing else ''}")
    return ok, [line]


def _same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)
        except (TypeError, ValueError):
            return False
    return a == b


def xlsx_agree(path_x, path_b, sheet="Posts", ncols=22):
    wx = openpyxl.load_workbook(path_x, read_only=True)
    wb = openpyxl.load_workbook(path_b, read_only=True)
    rx = wx[sheet].iter_rows(max_col=ncols, values_only=True)
    rb = wb[sheet].iter_rows(max_col=ncols, values_only=True)
    nrows = cells = diff = 0
    first = None
    while True:
        a, b = next(rx, None), next(rb, None)
        if a is None and b is None:
            break
        a = tuple(a or ()) + (None,) * ncols
        b = tuple(b or ()) + (None,) * ncols
        for c in range(ncols):
            cells += 1
            if not _same(a[c], b[c]):
                diff += 1
                if first is None:
                    first = f"row {nrows + 1} column {c + 1}: xetl {a[c]!r}, baseline {b[c]!r}"
        nrows += 1
    wx.close()
    wb.close()
    line = f"  xlsx: Posts sheet, {nrows} rows x {ncols} columns read back: {diff} of {cells} cells differ" + \
        (f" (first: {first})" if first else "")
    return diff == 0 and nrows > 1, [line]
