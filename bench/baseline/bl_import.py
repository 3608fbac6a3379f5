"""bench/baseline/bl_import.py - the Python baseline of `xetl import` (a legacy tweet-activity export).

What a competent team would write: pandas.read_csv (C engine) of the whole
file, vectorised cleaning (thousands separators, "-" for nothing, both
timestamp styles, percentages), the rows COPYed by psycopg2 into a temp
staging table, then one set-based INSERT ... ON CONFLICT DO UPDATE per
target, in one transaction, into the same four tables xetl import writes:
xetl.posts, performance_snapshots, tweet_analytics_comprehensive and
xetl.platform_follows, with the same derived values (the derived decision
id xetl.derived_decision_id, the engagement rate xetl.engagement_rate, the
per-impression rates, hours since post at the file's as-of; the export's
other columns as jsonb).

NOT reproduced: the other export formats (the overview, the newer "post
activity" headers) and header synonyms; per-row validation with rejects
(bad rows are dropped, not recorded in xetl.import_rejects); the raw line
kept in staging; the import bookkeeping (xetl.import_files, its SHA-256);
decision ids from bot records; the "only rewrite what changed" WHERE of
xetl's merges (a fresh database has nothing to merge).  The whole file is
held in memory (pandas), unlike xetl's streaming reader.
"""
import io

import numpy as np
import pandas as pd

COLS = {"tweet id": "tweet_id", "tweet permalink": "permalink", "tweet text": "text", "time": "time",
        "impressions": "impressions", "engagements": "engagements", "engagement rate": "engagement_rate",
        "retweets": "retweets", "replies": "replies", "likes": "likes", "user profile clicks": "profile_clicks",
        "url clicks": "url_clicks", "hashtag clicks": "hashtag_clicks", "detail expands": "detail_expands",
        "permalink clicks": "permalink_clicks", "app opens": "app_opens", "app installs": "app_installs",
        "follows": "follows", "email tweet": "email_tweet", "dial phone": "dial_phone",
        "media views": "media_views", "media engagements": "media_engagements"}
COUNTS = ["impressions", "engagements", "retweets", "replies", "likes", "profile_clicks", "url_clicks",
          "hashtag_clicks", "detail_expands", "permalink_clicks", "app_opens", "app_installs", "follows",
          "email_tweet", "dial_phone", "media_views", "media_engagements"]
STAGE = ["tweet_id", "posted_at", "text", "impressions", "retweets", "replies", "likes", "profile_clicks",
         "url_clicks", "hashtag_clicks", "detail_expands", "media_views", "media_engagements", "follows", "extra"]
# The export's values that have no column of their own in the targets (as xetl: to jsonb).
EXTRA = ["engagements", "engagement_rate", "hashtag_clicks", "permalink_clicks", "app_opens", "app_installs",
         "follows", "email_tweet", "dial_phone", "media_views", "media_engagements"]

SQL = """
CREATE TEMP TABLE bl_stage (tweet_id text, posted_at timestamptz, text text, impressions integer,
    retweets integer, replies integer, likes integer, profile_clicks integer, url_clicks integer,
    hashtag_clicks integer, detail_expands integer, media_views integer, media_engagements integer,
    follows integer, extra jsonb) ON COMMIT DROP;
"""
TARGETS = [
    """INSERT INTO xetl.posts AS t (tweet_id, account_id, decision_id, kind, posted_at, text, origin, first_seen_at)
       SELECT s.tweet_id, %(acct)s, coalesce(p.decision_id, xetl.derived_decision_id(s.tweet_id)), 'post',
              s.posted_at, s.text, 'import', %(asof)s
         FROM bl_stage s LEFT JOIN xetl.posts p ON p.account_id = %(acct)s AND p.tweet_id = s.tweet_id
           ON CONFLICT (account_id, tweet_id) DO UPDATE SET posted_at = excluded.posted_at, text = excluded.text""",
    """INSERT INTO performance_snapshots (account_id, decision_id, tweet_id, snapshot_at, source, hours_since_post,
              likes, retweets, replies, impressions, profile_clicks, url_clicks, detail_expands, engagement_rate,
              viral_coefficient, reply_rate, snapshot_metadata)
       SELECT %(acct)s, p.decision_id, s.tweet_id, %(asof)s, 'import',
              extract(epoch FROM %(asof)s::timestamptz - s.posted_at)::numeric / 3600,
              s.likes, s.retweets, s.replies, s.impressions, s.profile_clicks, s.url_clicks, s.detail_expands,
              CASE WHEN s.likes IS NOT NULL THEN xetl.engagement_rate(s.likes, s.retweets, s.replies, s.impressions) END,
              CASE WHEN s.impressions > 0 THEN s.retweets::numeric / s.impressions END,
              CASE WHEN s.impressions > 0 THEN s.replies::numeric / s.impressions END,
              jsonb_build_object('import', jsonb_build_object('file', %(file)s::text, 'format', 'tweet_activity'),
                                 'columns', s.extra)
         FROM bl_stage s JOIN xetl.posts p ON p.account_id = %(acct)s AND p.tweet_id = s.tweet_id
           ON CONFLICT (account_id, tweet_id, snapshot_at, source) DO UPDATE SET
              likes = excluded.likes, retweets = excluded.retweets, replies = excluded.replies,
              impressions = excluded.impressions, engagement_rate = excluded.engagement_rate,
              snapshot_metadata = excluded.snapshot_metadata""",
    """INSERT INTO tweet_analytics_comprehensive (account_id, decision_id, tweet_id, posted_at, last_scraped_at,
              analytics_metadata, likes, retweets, replies, impressions, media_views, media_engagements,
              url_clicks, hashtag_clicks, detail_expands, user_profile_clicks)
       SELECT %(acct)s, p.decision_id, s.tweet_id, s.posted_at, %(asof)s,
              jsonb_build_object('import', jsonb_build_object('as_of', %(asof)s::timestamptz, 'file', %(file)s::text,
                                 'format', 'tweet_activity', 'columns', s.extra)),
              s.likes, s.retweets, s.replies, s.impressions, s.media_views, s.media_engagements, s.url_clicks,
              s.hashtag_clicks, s.detail_expands, s.profile_clicks
         FROM bl_stage s JOIN xetl.posts p ON p.account_id = %(acct)s AND p.tweet_id = s.tweet_id
           ON CONFLICT (account_id, tweet_id) DO UPDATE SET
              likes = excluded.likes, retweets = excluded.retweets, replies = excluded.replies,
              impressions = excluded.impressions, analytics_metadata = excluded.analytics_metadata""",
    """INSERT INTO xetl.platform_follows (tweet_id, account_id, follows, as_of, source_file)
       SELECT s.tweet_id, %(acct)s, s.follows, %(asof)s, %(file)s FROM bl_stage s WHERE s.follows IS NOT NULL
           ON CONFLICT (account_id, tweet_id) DO UPDATE SET follows = excluded.follows, as_of = excluded.as_of,
              source_file = excluded.source_file WHERE xetl.platform_follows.as_of <= excluded.as_of""",
]


def parse(path):
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, engine="c")
    df.columns = [COLS.get(c.strip().lower(), c) for c in df.columns]
    out = pd.DataFrame({"tweet_id": df["tweet_id"].str.strip(), "text": df["text"]})
    for c in COUNTS:
        s = df[c].str.strip().str.replace(",", "", regex=False)
        out[c] = pd.to_numeric(s.where(~s.isin(["", "-"])), errors="coerce").astype("Int64")
    r = df["engagement_rate"].str.strip()
    pct = r.str.endswith("%")
    rate = pd.to_numeric(r.str.rstrip("%"), errors="coerce")
    out["engagement_rate"] = rate.where(~pct, rate / 100.0)
    t = df["time"].str.strip()
    a = pd.to_datetime(t, format="%Y-%m-%d %H:%M %z", errors="coerce", utc=True)
    b = pd.to_datetime(t, format="%Y-%m-%dT%H:%M:%SZ", errors="coerce", utc=True)
    out["posted_at"] = a.fillna(b)
    ok = out["tweet_id"].str.fullmatch(r"[0-9]{1,19}") & out["posted_at"].notna()
    out = out[ok]
    # The last row of a repeated id wins (as xetl).
    out = out.drop_duplicates("tweet_id", keep="last")
    out["extra"] = out[EXTRA].to_json(orient="records", lines=True).splitlines()
    return out


def run(conn, path, acct, asof):
    df = parse(path)
    buf = io.StringIO()
    stage = df[STAGE].copy()
    stage["posted_at"] = stage["posted_at"].dt.strftime("%Y-%m-%d %H:%M:%S+00")
    stage.to_csv(buf, index=False, header=False)
    buf.seek(0)
    params = {"acct": acct, "asof": asof, "file": path.rsplit("/", 1)[-1]}
    counts = []
    with conn.cursor() as cur:
        cur.execute(SQL)
        cur.copy_expert("COPY bl_stage FROM STDIN WITH (FORMAT csv)", buf)
        for q in TARGETS:
            cur.execute(q, params)
            counts.append(cur.rowcount)
    conn.commit()
    return {"rows": int(len(df)), "posts": counts[0], "snapshots": counts[1], "analytics": counts[2],
            "follows": counts[3]}


if __name__ == "__main__":  # a quick look at the parse: python3 bl_import.py FILE
    import sys
    d = parse(sys.argv[1])
    print(d.head(), d.dtypes, len(d), int(np.sum(d["follows"].notna())))
