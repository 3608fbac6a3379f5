#!/bin/sh
# t_retain.sh — the time series partitioned by month (migration 0210) and
# retention (xetl prune): a nightly's rows land whatever month they belong
# to and the tables read the same whether or not they sit in the default
# partition; migrate moves them into their month; prune --dry-run counts
# exactly what prune then removes; whole old months are dropped; old posts
# keep the snapshots nearest 1/4/24/48/168 h and their last; bad settings are
# refused with 78; a nightly after prune still runs.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/fakex/fakex.sh"

cat > "$TMP/scenario.json" <<'EOF'
{"now": "2026-03-10T02:00:00Z", "accounts": [
 {"user_id": "1000000201", "handle": "ret_a", "start": "2026-03-02T00:00:00Z", "posts": 6, "replies": 2,
  "manual_posts": 1, "interval_hours": 20, "followers": 800, "drift_per_day": 1.0, "seed": 71}]}
EOF
TOKEN="retain-token-$$"
fakex_start --scenario "$TMP/scenario.json" --token "$TOKEN"
trap 'fakex_stop; rm -rf "$TMP"' EXIT
export XETL_X_BEARER_TOKEN="$TOKEN" XETL_PULL_BACKOFF_MS=10
ASOF=2026-03-10T02:00:00Z

newdb
parts() { # $1 table: its partitions, by bound
    sql "SELECT string_agg(pg_get_expr(c.relpartbound, c.oid), ' | ' ORDER BY c.relname)
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '$1'::regclass"
}
for t in xetl.raw_responses; do
    is "$(sql "SELECT relkind FROM pg_class WHERE oid = '$t'::regclass")" p "$t is partitioned"
    like "$(parts $t)" "DEFAULT" "$t has a default partition"
    is "$(sql "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = '$t'::regclass AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'")" 4 \
       "$t: this month and three ahead"
done
is "$(sql "SELECT pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = 'xetl.raw_responses'::regclass AND contype = 'p'")" \
   "PRIMARY KEY (account_id, response_id, as_of)" "raw_responses' key gains the partition column"
is "$(sql "SELECT count(*) FROM xetl.account_tables() t JOIN pg_class c ON c.oid = t WHERE c.relispartition")" 0 \
   "partitions are not account tables of their own (Citus places them with their parent)"

"$XETL" -q account add ret_a --user-id 1000000201 || echo "Bail out! account add"
"$XETL_PYTHON" "$XETL_ROOT/tests/fakex/sim.py" --scenario "$TMP/scenario.json" \
    --content-metadata-sql standalone --at "$ASOF" > "$TMP/cm.sql"
psql -X -q -v ON_ERROR_STOP=1 -f "$TMP/cm.sql" >/dev/null || echo "Bail out! content_metadata"
fakex_post /_fake/clock "{\"now\": \"$ASOF\"}" >/dev/null

XETL_REPORT_OUT="$TMP/r1" xrun --as-of "$ASOF" nightly
is "$RC" 0 "a nightly in a month before the partitions exits 0"; sed "s/^/# /" "$ERR"
N_RAW=$(sql "SELECT count(*) FROM xetl.raw_responses")
ok "it landed raw responses ($N_RAW)" test "$N_RAW" -gt 0
is "$(sql "SELECT count(*) FROM xetl.raw_responses_default")" "$N_RAW" "they wait in the default partition"
BEFORE=$(table_digest xetl.raw_responses; results_digest)

xrun migrate
is "$RC" 0 "migrate again"
like "$(cat "$ERR")" "created [0-9]+ month partition" "it says it created month partitions"
is "$(sql "SELECT count(*) FROM xetl.raw_responses_default")" 0 "the default partition is empty again"
is "$(sql "SELECT count(*) FROM xetl.raw_responses_y2026m03")" "$N_RAW" "the rows are in March's partition"
is "$(table_digest xetl.raw_responses; results_digest)" "$BEFORE" \
   "and every table reads the same"

# --- raw response retention -------------------------------------------------------------------
# Synthetic responses, one a day from 2025-10-01 to 2026-03-09, for the account.
sql "SELECT xetl.ensure_month_partitions(0)" >/dev/null
sql "INSERT INTO xetl.raw_responses (account_id, as_of, requested_at, endpoint, request_path, http_status, body)
     SELECT 1, d, d, 'synthetic', '/synthetic', 200, '\x7b7d'
       FROM generate_series(timestamptz '2025-10-01', '2026-03-09', interval '1 day') d"
sql "SELECT xetl.ensure_month_partitions(0)" >/dev/null
like "$(parts xetl.raw_responses)" "2025-10-01" "migrate's helper made the old months' partitions"
TOTAL=$(sql "SELECT count(*) FROM xetl.raw_responses")
# 60 days before 2026-03-10T02:00Z is 2026-01-09T02:00Z: Oct, Nov, Dec go whole, Jan 1-9 by row.
WANT=$(sql "SELECT count(*) FROM xetl.raw_responses WHERE as_of < timestamptz '2026-01-09T02:00:00Z'")

export XETL_RETENTION_RAW_RESPONSES_DAYS=60
xrun --as-of "$ASOF" prune --dry-run
is "$RC" 0 "prune --dry-run exits 0"
is "$(cat "$OUT")" "would remove $WANT raw responses (3 month partitions), 0 snapshots of 0 posts" \
   "it counts what prune would remove"
is "$(sql "SELECT count(*) FROM xetl.raw_responses")" "$TOTAL" "and removes nothing"

xrun --as-of "$ASOF" prune
is "$RC" 0 "prune exits 0"
is "$(cat "$OUT")" "removed $WANT raw responses (3 month partitions), 0 snapshots of 0 posts" \
   "it removed what the dry run counted"
is "$(sql "SELECT count(*) FROM xetl.raw_responses")" "$((TOTAL - WANT))" "the rest are there"
is "$(sql "SELECT count(*) FROM xetl.raw_responses WHERE as_of < timestamptz '2026-01-09T02:00:00Z'")" 0 \
   "none older than the cutoff is left"
unlike "$(parts xetl.raw_responses)" "2025-1[0-2]-01" "the months wholly before it are gone"
is "$(sql "SELECT command || ':' || status FROM xetl.runs ORDER BY run_id DESC LIMIT 1")" "prune:ok" \
   "prune is in the run log"
xrun --as-of "$ASOF" prune
is "$(cat "$OUT")" "removed 0 raw responses (0 month partitions), 0 snapshots of 0 posts" "prune again: nothing"
unset XETL_RETENTION_RAW_RESPONSES_DAYS

# --- snapshot retention -------------------------------------------------------------------------
# One old post (published 2025-10-01) with a snapshot every 2 h for 10 days, one recent post likewise.
sql "INSERT INTO xetl.posts (account_id, tweet_id, decision_id, posted_at, origin, first_seen_at)
     VALUES (1, '1999000000000000001', '00000000-0000-0000-0000-000000000001', '2025-10-01T00:00:00Z', 'import', now()),
            (1, '1999000000000000002', '00000000-0000-0000-0000-000000000002', '2026-03-01T00:00:00Z', 'import', now())" \
    >/dev/null
for id in 1 2; do
    sql "INSERT INTO performance_snapshots (account_id, decision_id, tweet_id, snapshot_at, hours_since_post, likes)
         SELECT 1, '00000000-0000-0000-0000-00000000000$id', '199900000000000000$id',
                p.posted_at + h * interval '1 hour', h, (10 * h)::int
           FROM xetl.posts p, generate_series(1, 239, 2) h WHERE p.tweet_id = '199900000000000000$id'"
done
N_SNAP=$(sql "SELECT count(*) FROM performance_snapshots WHERE tweet_id LIKE '1999%'")
is "$N_SNAP" 240 "two posts with 120 snapshots each"

XETL_RETENTION_SNAPSHOTS_DAYS=30 xrun --as-of "$ASOF" prune
is "$RC" 78 "retention.snapshots_days below 97 is refused with 78"
like "$(cat "$ERR")" "retention.snapshots_days = 30 is too short" "and says why"

export XETL_RETENTION_SNAPSHOTS_DAYS=100
xrun --as-of "$ASOF" prune --dry-run
sed "s/^/# /" "$ERR"
is "$(cat "$OUT")" "would remove 0 raw responses (0 month partitions), 114 snapshots of 1 post" \
   "dry run: the old post's snapshots but 6 would go"
xrun --as-of "$ASOF" prune
is "$RC" 0 "prune with snapshot retention exits 0"
is "$(cat "$OUT")" "removed 0 raw responses (0 month partitions), 114 snapshots of 1 post" "it removed them"
is "$(sql "SELECT string_agg(hours_since_post::int::text, ',' ORDER BY hours_since_post)
             FROM performance_snapshots WHERE tweet_id = '1999000000000000001'")" "1,3,23,47,167,239" \
   "the old post keeps the snapshots nearest 1, 4, 24, 48, 168 h and its last"
is "$(sql "SELECT count(*) FROM performance_snapshots WHERE tweet_id = '1999000000000000002'")" 120 \
   "the recent post keeps all of them"
unset XETL_RETENTION_SNAPSHOTS_DAYS

XETL_REPORT_OUT="$TMP/r2" xrun --as-of "$ASOF" nightly
is "$RC" 0 "a nightly after prune exits 0"; sed "s/^/# /" "$ERR"
done_testing
