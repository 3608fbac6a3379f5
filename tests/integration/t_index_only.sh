#!/bin/sh
# t_index_only.sh — the nightly's reads of performance_snapshots' counters are
# answered from the key's index alone (migration 0290 INCLUDEs the counters),
# and health's read of the bot's content from content_metadata's tweet-id
# index (migration 0300): each named statement is planned, with sequential and
# bitmap scans off so the small test tables cannot prefer them, and its scan of
# that table must be an Index Only Scan on that index.  A column added to one of
# these reads that the index does not carry turns it back into a heap scan, and
# fails here.
. "$XETL_ROOT/tests/lib/testlib.sh"
Q="$XETL_ROOT/sql/queries"

newdb
KEY=$(sql "SELECT c.conname FROM pg_constraint c
            WHERE c.conrelid = 'performance_snapshots'::regclass AND c.contype = 'u'")
like "$KEY" '^performance_snapshots_' "the snapshots have one unique key"
is "$(sql "SELECT string_agg(a.attname, ',' ORDER BY k.n)
             FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(att, n)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.att
            WHERE i.indexrelid = (SELECT conindid FROM pg_constraint WHERE conname = '$KEY')
              AND k.n > i.indnkeyatts")" "likes,retweets,replies,impressions" \
   "the key's index carries the four counters the nightly reads"

# $1 the named statement, $2 the EXECUTE arguments, $3 a table: the plan's lines that scan it.
table_scan() {
    { printf 'SET enable_seqscan = off;\nSET enable_bitmapscan = off;\nSET plan_cache_mode = force_custom_plan;\n'
      printf 'PREPARE q AS\n'; sed '/^--/d' "$Q/$1.sql"; printf ';\n'
      printf 'EXPLAIN (COSTS OFF) EXECUTE q(%s);\n' "$2"
    } | psql -X -Atq -v ON_ERROR_STOP=1 -d "$PGDATABASE" 2>&1 | grep -E " on $3 |ERROR" | sed 's/^ *-> *//'
}
snapshot_scan() { table_scan "$1" "$2" performance_snapshots; }

is "$(snapshot_scan fit/snapshots "1, '2026-10-01', '2026-11-01', '2026-08-01', '2026-11-01'")" \
   "Index Only Scan using $KEY on performance_snapshots s" "fit's snapshot read is index-only"
is "$(snapshot_scan attribute/snapshots "1, '2026-10-01', '2026-11-01', '2026-11-01', ARRAY['1']")" \
   "Index Only Scan using $KEY on performance_snapshots s" "attribute's impression read is index-only"
is "$(snapshot_scan learn/posts "1, '2026-11-01'")" \
   "Index Only Scan using $KEY on performance_snapshots x" "learn's latest-snapshot read is index-only"

# Health's read of the bot's posted and failed content: the status and the
# outcome time of each of the account's posts, from the tweet-id index.
is "$(sql "SELECT count(*) FROM pg_indexes WHERE indexname = 'xetl_content_metadata_tweet_idx'")" 0 \
   "0220's tweet-id index of content_metadata is replaced"
is "$(table_scan health/content "1, '2026-10-01', '2026-11-01'" content_metadata)" \
   "Index Only Scan using xetl_content_metadata_tweet_cov_idx on content_metadata cm" \
   "health's read of the bot's content is index-only"

done_testing
