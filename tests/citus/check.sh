#!/bin/sh
# tests/citus/check.sh — `make citus-check`: the demo's nightly workload on a
# Citus cluster gives exactly what it gives on plain PostgreSQL.
#
# When the server's pkglibdir has citus.so, starts a coordinator and two
# workers on 127.0.0.1 (shared_preload_libraries=citus) and one plain
# PostgreSQL, then on each: xetl migrate (which distributes the tables on
# Citus), three accounts of the demo's simulation with their follower samples
# and analytics exports, three nightly runs against the fake X API, and a dump
# of every result table (audit columns left out) and of every report.  The
# dumps must be byte for byte the same.  Without Citus it says so and exits 0.
# docs/scaling.md ("make citus-check") gives the latest run; docs/scaling-readings.md
# ("Recorded runs") records each run.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
export XETL="$ROOT/${XETL_BIN:-xetl}" XETL_ROOT="$ROOT"
PY=${XETL_PYTHON:-/usr/bin/python3}
export XETL_PYTHON="$PY" LC_ALL=C.UTF-8 TZ=UTC
unset XETL_CONFIG XETL_DB XETL_X_BEARER_TOKEN_FILE XETL_SMTP_URL XETL_MAIL_TO PGSERVICE PGPASSWORD
. "$ROOT/tests/lib/pg.sh"

PG_BIN=$(pg_bin) || exit 1
LIBDIR=$("$PG_BIN/pg_config" --pkglibdir 2>/dev/null || echo "$(dirname "$PG_BIN")/lib")
if [ ! -f "$LIBDIR/citus.so" ]; then
    echo "citus-check: no Citus install (no citus.so in $LIBDIR); skipped"
    exit 0
fi
[ -x "$XETL" ] || { echo "citus-check: build xetl first (make)"; exit 1; }

WORK=$(mktemp -d /tmp/xetl-citus.XXXXXX)
chmod 755 "$WORK"
TMP=$WORK # fakex.sh keeps its port file there
NODES=""
FAKEX_PID=""
. "$ROOT/tests/fakex/fakex.sh"
cleanup() {
    [ -n "$FAKEX_PID" ] && fakex_stop
    for d in $NODES; do pg_run "$PG_BIN/pg_ctl" -D "$d/data" -m immediate -w stop >/dev/null 2>&1; done
    pg_stop
    [ "${XETL_KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
say() { printf 'citus-check: %s\n' "$*"; }
fail() { say "FAILED: $*"; exit 1; }

# node_start DIR PORT: a Citus node on 127.0.0.1:PORT (trust, as the test clusters are).
node_start() {
    mkdir -p "$1"
    [ "$(id -u)" = 0 ] && chown postgres "$1"
    pg_run "$PG_BIN/initdb" -D "$1/data" -A trust -U postgres -E UTF8 --locale=C --no-sync >"$1/initdb.log" 2>&1 ||
        { cat "$1/initdb.log"; return 1; }
    NODES="$NODES $1"
    pg_run "$PG_BIN/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $2 -c unix_socket_directories='$1' -c shared_preload_libraries=citus -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200 -c citus.shard_count=8" \
        start >/dev/null || { cat "$1/server.log"; return 1; }
}
on() { _p=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$_p" -U postgres "$@"; }

BASE=$((21000 + $$ % 9000 * 3))
CPORT=$BASE W1PORT=$((BASE + 1)) W2PORT=$((BASE + 2))
say "starting a Citus coordinator (:$CPORT) and two workers (:$W1PORT, :$W2PORT) on 127.0.0.1"
for n in c:$CPORT w1:$W1PORT w2:$W2PORT; do
    node_start "$WORK/${n%%:*}" "${n#*:}" || fail "could not start node ${n%%:*}"
done
for p in $CPORT $W1PORT $W2PORT; do
    on "$p" -d postgres -c "CREATE DATABASE xetl_check" && on "$p" -d xetl_check -c "CREATE EXTENSION citus" ||
        fail "could not create the citus extension on :$p"
done
on "$CPORT" -d xetl_check -c "SELECT citus_set_coordinator_host('127.0.0.1', $CPORT)" >/dev/null &&
    on "$CPORT" -d xetl_check -c "SELECT citus_add_node('127.0.0.1', $W1PORT); SELECT citus_add_node('127.0.0.1', $W2PORT)" >/dev/null ||
    fail "could not add the workers"
say "Citus $(on "$CPORT" -d xetl_check -c "SELECT extversion FROM pg_extension WHERE extname = 'citus'"), $(on "$CPORT" -d xetl_check -c "SELECT count(*) FROM pg_dist_node WHERE noderole = 'primary' AND groupid > 0") workers"
say "starting a plain PostgreSQL"
pg_start "$WORK/plain" || fail "could not start the plain PostgreSQL"
createdb xetl_check || fail "createdb on the plain PostgreSQL"
PLAIN_DB="host=$PGHOST port=$PGPORT user=postgres dbname=xetl_check"
CITUS_DB="host=127.0.0.1 port=$CPORT user=postgres dbname=xetl_check"

# The demo's simulation, three accounts of different size and pace.
NIGHTS="2026-11-20T02:00:00Z 2026-11-21T02:00:00Z 2026-11-22T02:00:00Z"
FIRST=2026-11-20T02:00:00Z
cat > "$WORK/scenario.json" <<'JSON'
{"now": "2026-11-22T02:00:00Z",
 "accounts": [
  {"user_id": "1000000001", "handle": "citus_a", "start": "2026-09-20T06:00:00Z", "posts": 300, "replies": 80,
   "manual_posts": 8, "interval_hours": 3.6, "followers": 5000, "drift_per_day": 4.0, "seed": 7},
  {"user_id": "1000000002", "handle": "citus_b", "start": "2026-10-05T06:00:00Z", "posts": 160, "replies": 40,
   "manual_posts": 4, "interval_hours": 4.8, "followers": 1200, "drift_per_day": 1.0, "seed": 8},
  {"user_id": "1000000003", "handle": "citus_c", "start": "2026-09-01T06:00:00Z", "posts": 420, "replies": 120,
   "manual_posts": 12, "interval_hours": 4.0, "followers": 20000, "drift_per_day": 9.0, "seed": 9}]}
JSON
HANDLES="citus_a citus_b citus_c"
TOKEN="citus-token-$$"
fakex_start --scenario "$WORK/scenario.json" --token "$TOKEN"
export XETL_X_BEARER_TOKEN="$TOKEN" XETL_PULL_BACKOFF_MS=10
export XETL_COST_X_API_MONTHLY_USD=200 XETL_COST_LLM_PER_POST_USD=0.002 XETL_COST_INFRA_MONTHLY_USD=20 \
       XETL_VALUE_PER_FOLLOWER_USD=0.50
k=0
for h in $HANDLES; do
    "$PY" tests/citus/fixtures.py tests/fakex fixtures/demo "$WORK/scenario.json" $k "$FIRST" "$WORK/fx/$h" ||
        fail "fixtures for $h"
    k=$((k + 1))
done

# The result tables, and what identifies a row apart from audit columns.
TABLES="xetl.posts performance_snapshots xetl.follower_samples tweet_analytics_comprehensive reply_performance
follower_attributions content_type_performance formula_performance hook_performance learning_updates
system_health_metrics xetl.predictions xetl.platform_follows xetl.daily_follows xetl.import_rejects
latest_post_performance"
AUDIT="'id','created_at','updated_at','last_updated','raw_response_id','run_id','response_id','requested_at','stage_id','reject_id','first_seen_at'"

# workload LABEL CONNINFO: the demo for three accounts; leaves $WORK/LABEL/{tables,reports,xlsx}.
workload() {
    out="$WORK/$1"
    mkdir -p "$out/tables" "$out/reports" "$out/xlsx"
    export XETL_DB="$2" XETL_REPORT_OUT="$out/reports"
    q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$XETL_DB" "$@"; }
    "$XETL" migrate 2>"$out/migrate.log" || { cat "$out/migrate.log"; return 1; }
    for h in $HANDLES; do
        uid=$(sed -n "s/.*\"user_id\": \"\([0-9]*\)\", \"handle\": \"$h\".*/\1/p" "$WORK/scenario.json")
        "$XETL" -q account add "$h" --user-id "$uid" || return 1
        q >/dev/null <<SQL || return 1
CREATE TEMP TABLE s (at timestamptz, n integer);
\\copy s FROM '$WORK/fx/$h/follower_samples.csv' CSV
INSERT INTO xetl.follower_samples (account_id, sampled_at, followers_count, source)
SELECT a.account_id, s.at, s.n, 'fixture' FROM s, xetl.accounts a WHERE a.handle = '$h';
SQL
        "$XETL" -q --account "$h" --as-of "$(cat "$WORK/fx/$h/export_as_of.txt")" \
            import "$WORK/fx/$h/tweet_activity_export.csv" 2>>"$out/run.log" || return 1
    done
    fakex_post /_fake/reset '{}' >/dev/null
    for night in $NIGHTS; do
        fakex_post /_fake/clock "{\"now\": \"$night\"}" >/dev/null
        "$PY" tests/fakex/sim.py --scenario "$WORK/scenario.json" --content-metadata-sql standalone \
            --at "$night" > "$out/cm.sql" || return 1
        q -1 -c "DELETE FROM content_metadata" -f "$out/cm.sql" >/dev/null || return 1
        "$XETL" --as-of "$night" nightly >>"$out/run.log" 2>&1 || { tail -20 "$out/run.log"; return 1; }
    done
    # An operator's recompute of a past range (landed responses only, no call to X).
    "$XETL" rerun --from 2026-11-18 --to 2026-11-20 >>"$out/run.log" 2>&1 || { tail -20 "$out/run.log"; return 1; }
    # Month partitions (migration 0210): migrate moves the rows that waited in the default
    # partition into their month; prune drops the raw responses older than two days.
    "$XETL" migrate 2>>"$out/run.log" || { tail -20 "$out/run.log"; return 1; }
    [ "$(q -c "SELECT count(*) FROM xetl.raw_responses_default")" = 0 ] || { echo "rows left in the default partition"; return 1; }
    XETL_RETENTION_RAW_RESPONSES_DAYS=2 "$XETL" --as-of "$night" prune >>"$out/run.log" 2>&1 ||
        { tail -20 "$out/run.log"; return 1; }
    q -c "SELECT count(*) || ' raw responses from ' || min(as_of) FROM xetl.raw_responses" > "$out/tables/raw_kept"
    for t in $TABLES; do
        cols=$(q -c "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
                       FROM information_schema.columns
                      WHERE table_schema || '.' || table_name IN ('$t', 'public.$t') AND column_name NOT IN ($AUDIT)")
        q -c "COPY (SELECT r::text FROM (SELECT $cols FROM $t) r ORDER BY 1) TO STDOUT" > "$out/tables/$t" || return 1
    done
    q -c "COPY (SELECT command, status, exit_code, counts - 'cpu_ms' FROM xetl.runs ORDER BY run_id) TO STDOUT" > "$out/tables/xetl.runs"
    for f in "$out/reports"/*.xlsx; do
        [ -f "$f" ] && "$PY" tests/lib/read_xlsx.py "$f" | grep -v '^created' > "$out/xlsx/$(basename "$f").txt"
    done
    return 0
}

t0=$(date +%s)
say "plain PostgreSQL: migrate, 3 accounts, 3 nightly runs, a rerun"
workload plain "$PLAIN_DB" || fail "the workload failed on plain PostgreSQL (see above)"
t1=$(date +%s)
say "Citus: migrate, 3 accounts, 3 nightly runs, a rerun"
workload citus "$CITUS_DB" || fail "the workload failed on Citus (see above)"
t2=$(date +%s)

placed=$(on "$CPORT" -d xetl_check -c "SELECT count(*) FILTER (WHERE partmethod = 'h' AND NOT c.relispartition) || ' distributed, '
        || count(*) FILTER (WHERE partmethod = 'n') || ' reference, '
        || count(DISTINCT colocationid) FILTER (WHERE partmethod = 'h') || ' co-location group(s), '
        || count(*) FILTER (WHERE c.relispartition) || ' month partitions placed with their table'
        FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid")
say "Citus placed the tables: $placed"
spread=$(on "$CPORT" -d xetl_check -c "SELECT string_agg(n || ' rows on :' || nodeport, ', ' ORDER BY nodeport) FROM (
        SELECT nodeport, sum(n) AS n FROM (SELECT get_shard_id_for_distribution_column('xetl.posts', account_id) AS shardid,
               count(*) AS n FROM xetl.posts GROUP BY account_id) c JOIN pg_dist_shard_placement USING (shardid)
         GROUP BY nodeport) x")
say "xetl.posts by node: $spread"
local=$(on "$CPORT" -d xetl_check -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('public', 'xetl')
           AND c.oid NOT IN (SELECT logicalrelid FROM pg_dist_partition)")
[ "$local" = 0 ] || fail "$local table(s) left undistributed on the coordinator"

# Adoption on Citus: the bot's text-id shape (posted_decisions) and the seed's tables
# with rows, migrated twice: everything placed, rows kept, the second run places nothing.
for p in $CPORT $W1PORT $W2PORT; do
    on "$p" -d postgres -c "CREATE DATABASE xetl_adopt" && on "$p" -d xetl_adopt -c "CREATE EXTENSION citus" ||
        fail "could not create the adoption database on :$p"
done
ADOPT_DB="host=127.0.0.1 port=$CPORT user=postgres dbname=xetl_adopt"
sed -n '/^-- The seed.s eight tables/,$p' sql/0001_seed_schema.sql > "$WORK/seed_tables.sql"
on "$CPORT" -d xetl_adopt -f fixtures/legacy/content_metadata_text_id.sql -f "$WORK/seed_tables.sql" \
    -c "INSERT INTO performance_snapshots (decision_id, tweet_id, hours_since_post, likes)
        VALUES ('6f1c2b7e-8d1a-4c7e-9b52-0a4f3e2d1c01', '1861234567890123456', 1, 12),
               ('6f1c2b7e-8d1a-4c7e-9b52-0a4f3e2d1c01', '1861234567890123456', 4, 45)" >/dev/null ||
    fail "could not load the legacy fixture"
"$XETL" --db "$ADOPT_DB" migrate 2>"$WORK/adopt.log" || { cat "$WORK/adopt.log"; fail "migrate did not adopt the bot database on Citus"; }
adopted=$(on "$CPORT" -d xetl_adopt -c "SELECT (SELECT count(*) FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
                                                   WHERE NOT c.relispartition) || ' placed, '
          || (SELECT string_agg(likes::text || '@' || account_id, ',' ORDER BY likes) FROM performance_snapshots) || ', '
          || (SELECT count(*) FROM latest_post_performance) || ' posted in the view'")
[ "$adopted" = "27 placed, 12@0,45@0, 2 posted in the view" ] || fail "adoption on Citus: $adopted"
"$XETL" --db "$ADOPT_DB" migrate 2>"$WORK/adopt2.log" && ! grep -q "citus: placed" "$WORK/adopt2.log" ||
    fail "a second migrate on Citus placed tables again"
say "adopted the bot's text-id database on Citus: $adopted"

# An upgrade that alters a table Citus already distributes: 0290 (the snapshots'
# key rebuilt with INCLUDE columns) undone by hand on the adopted database and
# applied again by migrate, as on a deployment upgraded from before it.
KEY=performance_snapshots_account_id_tweet_id_snapshot_at_sourc_key
on "$CPORT" -d xetl_adopt -c "ALTER TABLE performance_snapshots DROP CONSTRAINT $KEY" \
    -c "ALTER TABLE performance_snapshots ADD CONSTRAINT $KEY UNIQUE (account_id, tweet_id, snapshot_at, source)" \
    -c "DELETE FROM xetl.schema_migrations WHERE version = 290" >/dev/null || fail "could not undo migration 0290"
"$XETL" --db "$ADOPT_DB" migrate 2>"$WORK/upgrade.log" || { cat "$WORK/upgrade.log"; fail "migration 0290 did not apply on Citus"; }
key=$(on "$CPORT" -d xetl_adopt -c "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = '$KEY'")
[ "$key" = "UNIQUE (account_id, tweet_id, snapshot_at, source) INCLUDE (likes, retweets, replies, impressions)" ] ||
    fail "after the upgrade on Citus the snapshots' key is: $key"
say "upgraded a distributed table: migration 0290 applied again on Citus"

# The same for 0300 (the standalone shape's tweet-id index of content_metadata rebuilt
# with INCLUDE columns) on the workload's database, where Citus has placed the bot's table.
on "$CPORT" -d xetl_check -c "CREATE INDEX xetl_content_metadata_tweet_idx ON content_metadata ((tweet_id::text))" \
    -c "DROP INDEX xetl_content_metadata_tweet_cov_idx" \
    -c "DELETE FROM xetl.schema_migrations WHERE version = 300" >/dev/null || fail "could not undo migration 0300"
"$XETL" --db "$CITUS_DB" migrate 2>"$WORK/upgrade300.log" ||
    { cat "$WORK/upgrade300.log"; fail "migration 0300 did not apply on Citus"; }
idx=$(on "$CPORT" -d xetl_check -c "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes
                                    WHERE tablename = 'content_metadata' AND indexname LIKE 'xetl_content_metadata_tweet%'")
[ "$idx" = "xetl_content_metadata_tweet_cov_idx" ] || fail "after the upgrade on Citus the bot's tweet-id index is: $idx"
say "upgraded a placed bot table: migration 0300 applied again on Citus"

bad=0
for f in $(cd "$WORK/plain" && find tables reports xlsx -type f ! -name '*.xlsx' | sort); do
    if ! cmp -s "$WORK/plain/$f" "$WORK/citus/$f"; then
        say "differs: $f"; diff "$WORK/plain/$f" "$WORK/citus/$f" | head -5; bad=$((bad + 1))
    fi
done
nplain=$(cd "$WORK/plain" && find tables reports xlsx -type f ! -name '*.xlsx' | wc -l | tr -d ' ')
ncitus=$(cd "$WORK/citus" && find tables reports xlsx -type f ! -name '*.xlsx' | wc -l | tr -d ' ')
[ "$nplain" = "$ncitus" ] || { say "file count differs: $nplain plain, $ncitus citus"; bad=$((bad + 1)); }
rows=$(cat "$WORK/plain/tables"/* | wc -l | tr -d ' ')
nrep=$(ls "$WORK/plain/reports" | wc -l | tr -d ' ')
[ "$bad" = 0 ] || fail "$bad file(s) differ between plain PostgreSQL and Citus"
say "identical: $(ls "$WORK/plain/tables" | wc -l | tr -d ' ') tables ($rows rows), $nrep report files (workbooks compared by content)"
say "time: plain $((t1 - t0)) s, citus $((t2 - t1)) s"
say "ok"
