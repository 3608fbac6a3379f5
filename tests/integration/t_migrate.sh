#!/bin/sh
# xetl migrate: empty database, twice, status, the seed's column count,
# checksum change, and a database newer than the binary.
. "$XETL_ROOT/tests/lib/testlib.sh"

newdb --empty
xrun migrate --status
is "$RC" 0 "status on an empty database exits 0"
is "$(grep -c pending "$OUT")" "$(ls "$XETL_ROOT"/sql/[0-9]*.sql | wc -l)" "every migration is pending"
is "$(sql "SELECT to_regclass('xetl.schema_migrations') IS NULL")" t "status changes nothing"

xrun migrate
is "$RC" 0 "migrate on an empty database"
is "$(sql "SELECT count(*) FROM xetl.schema_migrations")" "$(ls "$XETL_ROOT"/sql/[0-9]*.sql | wc -l)" "every migration recorded"

# The seed's eight tables keep every column of docs/schema-reference.md: 169.
n=$(sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public'
         AND table_name IN ('performance_snapshots','follower_attributions','content_type_performance',
         'formula_performance','learning_updates','tweet_analytics_comprehensive','reply_performance',
         'system_health_metrics')
         AND column_name <> 'account_id' AND column_name NOT IN (
           SELECT column_name FROM information_schema.columns WHERE false)")
seed_cols=$(sql "SELECT count(*) FROM information_schema.columns c WHERE table_schema = 'public'
         AND (table_name, column_name) IN (VALUES
$(sed -n '/WITH expected/,/^        ),/p' "$XETL_ROOT/sql/0001_seed_schema.sql" | grep -Eo "\('[a-z_]+','[a-z_]+'" | sed "s/\$/),/" | sed '$ s/,$//'))")
is "$seed_cols" 169 "all 169 seed columns exist"
is "$(sql "SELECT count(*) FROM pg_indexes WHERE tablename = 'content_metadata' AND indexdef LIKE '%gin (generation_metadata)%'")" 1 \
   "generation_metadata has its GIN index"
is "$(sql "SELECT count(*) FROM information_schema.views WHERE table_name = 'latest_post_performance'")" 1 "the dashboards' view exists"
is "$(sql "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'latest_post_performance'")" \
   "decision_id,content,generation_metadata,status,posted_at,likes,retweets,engagement_rate,followers_gained,content_type,viral_formula,attributed_followers,attribution_confidence" \
   "the view keeps the seed's columns"
for t in performance_snapshots follower_attributions content_type_performance formula_performance hook_performance \
         learning_updates tweet_analytics_comprehensive reply_performance system_health_metrics; do
    is "$(sql "SELECT count(*) FROM information_schema.columns WHERE table_name = '$t' AND column_name = 'account_id'")" 1 "$t has account_id"
done
is "$(sql "SELECT numeric_scale IS NULL FROM information_schema.columns WHERE table_name = 'performance_snapshots' AND column_name = 'engagement_rate'")" t \
   "rates are no longer rounded to 4 decimals"
sql "INSERT INTO performance_snapshots (account_id, decision_id, tweet_id, hours_since_post, engagement_rate) VALUES (0, gen_random_uuid(), '1', 1, 0.00012)"
is "$(sql "SELECT engagement_rate FROM performance_snapshots")" 0.00012 "an engagement rate of 0.00012 is stored as such"
is "$(sql "SELECT xetl.derived_decision_id('1234567890123456789') = xetl.derived_decision_id('1234567890123456789')")" t "derived decision ids are stable"

before=$(schema_dump | md5sum)
xrun migrate
is "$RC" 0 "second migrate exits 0"
like "$(cat "$ERR")" "nothing to do" "second migrate says there is nothing to do"
is "$(schema_dump | md5sum)" "$before" "second migrate changes nothing"

xrun migrate --status
is "$RC" 0 "status exits 0"
is "$(grep -c ' applied ' "$OUT")" "$(ls "$XETL_ROOT"/sql/[0-9]*.sql | wc -l)" "status lists every migration as applied"

# A changed migration text (simulated by changing the recorded checksum) is refused.
sql "UPDATE xetl.schema_migrations SET checksum = 'deadbeef' || substr(checksum, 9) WHERE version = 1"
xrun migrate
is "$RC" 78 "changed checksum exits 78"
like "$(cat "$ERR")" "migration 0001 'seed_schema' has changed since it was applied" "and says which migration changed"
xrun migrate --status
like "$(cat "$OUT")" "0001 +seed_schema +changed" "status shows the changed migration"

# A database migrated by a newer xetl.
newdb
sql "INSERT INTO xetl.schema_migrations VALUES (9999, 'from_the_future', 'x', now(), '9.9')"
xrun migrate
is "$RC" 78 "unknown applied migration exits 78"
like "$(cat "$ERR")" "newer xetl" "and says to upgrade xetl"

# Other commands refuse to run on a schema that is not current.
newdb --empty
xrun account list
is "$RC" 78 "account list before migrate exits 78"
like "$(cat "$ERR")" "run 'xetl migrate'" "with the hint to migrate"

# Two migrates at once: the advisory lock serialises them, both succeed.
newdb --empty
"$XETL" -q migrate & p1=$!
"$XETL" -q migrate & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
is "$r1:$r2" "0:0" "two concurrent migrates both succeed"
is "$(sql "SELECT count(*) FROM xetl.schema_migrations")" "$(ls "$XETL_ROOT"/sql/[0-9]*.sql | wc -l)" "and each migration is applied once"

# 0080 folds health's earlier one-row-per-kind layout into one row per account and day.
newdb
xrun account add h --user-id 42
A=$(sql "SELECT account_id FROM xetl.accounts WHERE handle = 'h'")
sql "INSERT INTO system_health_metrics (account_id, day, metric_type, posts_per_hour, posting_success_rate,
            api_success_rate, error_rate, metrics_snapshot) VALUES ($A, '2026-11-01', 'posting', 0.25, 0.9, 0.95, 0.05, '{\"posts\": 6}');
     INSERT INTO system_health_metrics (account_id, day, metric_type, avg_engagement_rate, metrics_snapshot)
            VALUES ($A, '2026-11-01', 'engagement', 0.031, '{\"impressions\": 900}');
     INSERT INTO system_health_metrics (account_id, day, metric_type, followers_per_day, metrics_snapshot)
            VALUES ($A, '2026-11-01', 'followers', 12, '{\"source\": \"samples\"}');
     INSERT INTO system_health_metrics (account_id, day, metric_type, learning_cycles_completed, metrics_snapshot)
            VALUES ($A, '2026-11-01', 'learning', 3, '{\"prediction_quality\": {\"likes\": {}}}');
     INSERT INTO system_health_metrics (account_id, day, metric_type, daily_api_cost_usd, roi, metrics_snapshot)
            VALUES ($A, '2026-11-01', 'cost', 4.5, 0.2, '{\"total_usd\": 5}');
     INSERT INTO system_health_metrics (account_id, day, metric_type, daily_api_cost_usd, cost_per_follower_usd, roi, metrics_snapshot)
            VALUES ($A, '2026-11-02', 'cost', 3, 0.5, 0.7, '{\"complete\": false, \"unknown\": [\"infra\"], \"infra_usd\": null}');
     INSERT INTO system_health_metrics (account_id, metric_type, posts_per_hour) VALUES (0, 'hourly', 1);
     DELETE FROM xetl.schema_migrations WHERE version = 80" >/dev/null
xrun migrate
is "$RC" 0 "0080 applies over rows of the earlier layout"
is "$(sql "SELECT count(*) FROM system_health_metrics WHERE account_id = $A")" 2 "the five rows of each day become one"
is "$(sql "SELECT metric_type, posts_per_hour, posting_success_rate, api_success_rate, error_rate, avg_engagement_rate,
                  followers_per_day, learning_cycles_completed, daily_api_cost_usd, roi
             FROM system_health_metrics WHERE account_id = $A AND day = '2026-11-01'" | tr '|' ' ')" \
   "daily 0.25 0.9 0.95 0.05 0.031 12.00 3 4.5 0.2" "each column comes from the kind that carried it"
is "$(sql "SELECT (metrics_snapshot#>>'{posting,posts}') || ' ' || (metrics_snapshot#>>'{followers,source}') || ' ' ||
                  (metrics_snapshot#>>'{cost,total_usd}') || ' ' || (metrics_snapshot ? 'prediction_quality')::text
             FROM system_health_metrics WHERE account_id = $A AND day = '2026-11-01'")" "6 samples 5 true" "the snapshots are kept under their kind"
is "$(sql "SELECT daily_api_cost_usd || ' ' || coalesce(cost_per_follower_usd::text, 'null') || ' ' || coalesce(roi::text, 'null')
                  || ' ' || (metrics_snapshot->'cost' ? 'infra_usd')::text || ' ' || (metrics_snapshot ? 'posting')::text
             FROM system_health_metrics WHERE account_id = $A AND day = '2026-11-02'")" "3 null null true false" \
   "money from a partly known cost leaves the columns; the snapshot keeps its nulls; absent kinds are no keys"
is "$(sql "SELECT count(*) FROM system_health_metrics WHERE account_id = 0")" 1 "rows of no known account (0) are untouched"

done_testing
