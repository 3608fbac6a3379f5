#!/bin/sh
# t_security.sh — the least-privilege role of docs/security.md, granted by the
# very SQL block in that document: a whole nightly runs as it and ends with
# the tables the owner's nightly gives; the role cannot write the bot's
# content_metadata, drop a table, register an account or migrate.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/fakex/fakex.sh"
cat > "$TMP/scenario.json" <<'JSON'
{"now": "2026-11-20T02:00:00Z",
 "accounts": [{"user_id": "1000000051", "handle": "least", "start": "2026-11-01T00:00:00Z",
               "posts": 50, "replies": 8, "manual_posts": 2, "interval_hours": 6, "seed": 51}]}
JSON
TOKEN="security-token-$$"
fakex_start --scenario "$TMP/scenario.json" --token "$TOKEN"
ROLE=xetl_app_$$
trap 'fakex_stop; psql -X -q -d postgres -c "DROP OWNED BY $ROLE" >/dev/null 2>&1; rm -rf "$TMP"' EXIT
export XETL_X_BEARER_TOKEN="$TOKEN" XETL_VALUE_PER_FOLLOWER_USD=0.4
ASOF=2026-11-20T02:00:00Z
setup() { fakex_seed_db least 1000000051 "$ASOF"; }

setup
XETL_REPORT_OUT="$TMP/owner" "$XETL" -q --as-of "$ASOF" nightly >/dev/null
is "$?" 0 "the owner's nightly"
results_digest > "$TMP/owner.digest"

setup
# The grant block exactly as docs/security.md prints it, for this test's role name.
sed -n '/^-- xetl-least-privilege/,/^```$/p' "$XETL_ROOT/docs/security.md" | grep -v '^```' |
    sed "s/xetl_app/$ROLE/g" > "$TMP/grants.sql"
ok "docs/security.md has the grant block" test "$(wc -l < "$TMP/grants.sql")" -ge 8
psql -X -q -v ON_ERROR_STOP=1 -v DBNAME="$PGDATABASE" -f "$TMP/grants.sql" >/dev/null 2>"$TMP/grants.err"
is "$?" 0 "the grant block runs as written"
XETL_DB="dbname=$PGDATABASE user=$ROLE" XETL_REPORT_OUT="$TMP/app" xrun --as-of "$ASOF" nightly
is "$RC" 0 "a whole nightly runs as the least-privilege role"
[ "$RC" = 0 ] && true || sed 's/^/#   /' "$ERR"
is "$(wc -l < "$OUT" | tr -d ' ')" 7 "and writes the 7 reports"
results_digest > "$TMP/app.digest"
if cmp -s "$TMP/owner.digest" "$TMP/app.digest"; then pass "ending with the owner's tables"
else fail "ending with the owner's tables" "$(diff "$TMP/owner.digest" "$TMP/app.digest")"; fi
is "$(sql "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = '$ROLE'")" f "the role has no special attribute"
as_app() { psql -X -Atq -v ON_ERROR_STOP=1 -U "$ROLE" -d "$PGDATABASE" -c "$1" >/dev/null 2>&1; echo $?; }
is "$(as_app "UPDATE content_metadata SET content = 'x'")" 1 "it cannot write the bot's content_metadata"
is "$(as_app "DROP TABLE performance_snapshots")" 1 "it cannot drop a table"
is "$(as_app "CREATE TABLE public.x (i int)")" 1 "it cannot create tables"
is "$(as_app "DELETE FROM xetl.schema_migrations")" 1 "it cannot change the migration log"
XETL_DB="dbname=$PGDATABASE user=$ROLE" xrun account add other --user-id 1000000052
is "$RC" 70 "account add needs the owner (70, permission denied)"
like "$(cat "$ERR")" "permission denied" "saying so"
psql -X -q -d "$PGDATABASE" -c "DROP OWNED BY $ROLE" >/dev/null
psql -X -q -d postgres -c "DROP ROLE $ROLE" >/dev/null 2>&1
done_testing
