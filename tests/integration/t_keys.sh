#!/bin/sh
# The keys that let the schema be distributed by account (Citus, docs/scaling.md),
# checked on plain PostgreSQL: every account table has account_id NOT NULL, every
# primary and unique key starts with it, and foreign keys between account tables
# carry it.  Checked on a new database and on both adopted bot shapes, so a new
# migration that breaks the rule fails here.
. "$XETL_ROOT/tests/lib/testlib.sh"
L="$XETL_ROOT/fixtures/legacy"
load() { psql -X -q -v ON_ERROR_STOP=1 -d "$PGDATABASE" -f "$1" >/dev/null; }

ACCOUNT_TABLES="follower_attributions,content_type_performance,formula_performance,hook_performance,learning_updates,performance_snapshots,reply_performance,system_health_metrics,tweet_analytics_comprehensive,xetl.daily_follows,xetl.fit_history,xetl.fit_models,xetl.follower_samples,xetl.import_rejects,xetl.platform_follows,xetl.posts,xetl.predictions,xetl.raw_responses"

check_keys() { # $1: which database
    is "$(sql "SELECT string_agg(t::text, ',' ORDER BY t::text) FROM xetl.account_tables() t" |
          tr ',' '\n' | sort | paste -sd, -)" "$(echo "$ACCOUNT_TABLES" | tr ',' '\n' | sort | paste -sd, -)" \
       "$1: the account tables are the ones expected"
    is "$(sql "SELECT coalesce(string_agg(t::text, ', '), 'none') FROM xetl.account_tables() t
                 JOIN pg_attribute a ON a.attrelid = t AND a.attname = 'account_id'
                WHERE NOT a.attnotnull")" none "$1: no account table allows a NULL account_id"
    is "$(sql "SELECT coalesce(string_agg(i.indexrelid::regclass::text, ', '), 'none')
                 FROM xetl.account_tables() t
                 JOIN pg_index i ON i.indrelid = t AND (i.indisunique OR i.indisprimary)
                 JOIN pg_attribute a ON a.attrelid = t AND a.attname = 'account_id'
                WHERE i.indkey[0] <> a.attnum")" none "$1: every primary and unique key starts with account_id"
    is "$(sql "SELECT count(*) FROM xetl.account_tables() t
                WHERE NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = t AND i.indisprimary)")" 0 \
       "$1: every account table has a primary key"
    is "$(sql "SELECT coalesce(string_agg(c.conname, ', '), 'none')
                 FROM pg_constraint c
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attname = 'account_id'
                WHERE c.contype = 'f' AND c.conrelid IN (SELECT * FROM xetl.account_tables())
                  AND c.confrelid IN (SELECT * FROM xetl.account_tables())
                  AND NOT a.attnum = ANY (c.conkey)")" none \
       "$1: foreign keys between account tables include account_id"
}

newdb
check_keys "new database"
is "$(sql "SELECT string_agg(c.oid::regclass::text, ',' ORDER BY c.oid::regclass::text)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname IN ('public', 'xetl') AND NOT c.relispartition
              AND c.oid NOT IN (SELECT * FROM xetl.account_tables())")" \
   "content_metadata,xetl.accounts,xetl.bot_post_authors,xetl.pull_bot_free,xetl.pull_bot_free_runs,xetl.run_stages,xetl.runs,xetl.schema_migrations" \
   "the shared tables (Citus reference tables) are the accounts, the run log, the ledger, the bot's content and the runs' untracked bot posts"
xrun migrate
is "$RC" 0 "migrate again on plain PostgreSQL: no Citus, nothing to place"
unlike "$(cat "$ERR")" "citus" "and nothing said about Citus"

newdb --empty
load "$L/content_metadata_text_id.sql"
xrun migrate
is "$RC" 0 "adopt the text-id shape"
check_keys "text-id shape"

newdb --empty
load "$L/content_metadata_uuid.sql"
sed -n '/^-- The seed.s eight tables/,$p' "$XETL_ROOT/sql/0001_seed_schema.sql" > "$TMP/seed_tables.sql"
load "$TMP/seed_tables.sql"
xrun migrate
is "$RC" 0 "adopt a database that ran the seed's migration"
check_keys "seed's tables"

# The statements: every ON CONFLICT target in the code names the account first
# (a target is what Citus routes the upsert by).
bad=$(cd "$XETL_ROOT" && grep -n 'ON CONFLICT (' etl/*.c reports/*.c cli/*.c |
      grep -v 'ON CONFLICT (account_id' || true)
is "${bad:-none}" none "every ON CONFLICT target in the code starts with account_id"

done_testing
