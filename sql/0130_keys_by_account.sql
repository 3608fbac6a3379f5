-- 0130 keys_by_account: every account-owned table keyed by its account, so a
-- database can be distributed by account_id (Citus) with each account's rows
-- on one node, and every upsert and join stays on that node.
--
-- * account_id NOT NULL on every account table.  Rows from before adoption
--   get their post's account (xetl.posts, by tweet id); rows with no owning
--   post (the seed's own aggregates, health rows, learning updates) get
--   account 0, "before xetl: owner unknown" (no account has id 0).
-- * Every primary and unique key led by account_id: each key that lacks it
--   is replaced by the same key with account_id in front.  Adding a column
--   to a unique key can never make existing rows collide.
-- * (The dashboards' view follows in 0131, over the bot's content in one shape.)
-- * xetl.distribute_by_account(), which xetl migrate calls when the database
--   has the citus extension; without Citus nothing calls it.

-- Which tables belong to an account: every table of this schema or xetl's
-- with an account_id column, except the shared ones (the accounts
-- themselves and the run log, which has an account only for some stages).
-- Tables added later are covered by the same rule, and by the test
-- (tests/integration/t_keys.sh) that keeps their keys honest.
CREATE FUNCTION xetl.account_tables() RETURNS SETOF regclass
LANGUAGE sql STABLE AS $fn$
    SELECT c.oid::regclass
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'account_id' AND NOT a.attisdropped
     WHERE c.relkind IN ('r', 'p') AND n.nspname IN (current_schema(), 'xetl')
       AND c.oid NOT IN ('xetl.accounts'::regclass, 'xetl.run_stages'::regclass)
     ORDER BY n.nspname, c.relname
$fn$;

-- A timestamp xetl wrote into JSON (ISO 8601 with its offset, e.g. the
-- as_of of reply_metadata), as timestamptz.  The text -> timestamptz cast is
-- STABLE only because text without an offset depends on TimeZone; such text
-- always has one, so the result cannot change: IMMUTABLE, which Citus needs
-- in an ON CONFLICT ... WHERE.
CREATE FUNCTION xetl.json_ts(t text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$ SELECT t::timestamptz $fn$;

-- Replaces every primary or unique key (constraint or unique index) of tbl
-- that does not start with account_id by the same key with account_id first.
CREATE FUNCTION xetl.lead_keys_by_account(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    r record;
    acc smallint;
    cols text;
BEGIN
    SELECT attnum INTO acc FROM pg_attribute WHERE attrelid = tbl AND attname = 'account_id';
    FOR r IN
        SELECT i.indexrelid, i.indkey::smallint[] AS keys, con.conname, con.contype
          FROM pg_index i
          LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u')
         WHERE i.indrelid = tbl AND (i.indisunique OR i.indisprimary)
           AND i.indkey[0] <> acc
         ORDER BY i.indisprimary DESC, i.indexrelid
    LOOP
        IF 0 = ANY (r.keys) THEN
            RAISE EXCEPTION 'unique index % of % is on an expression: key it by account_id by hand',
                            r.indexrelid::regclass, tbl;
        END IF;
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord) INTO cols
          FROM unnest(r.keys) WITH ORDINALITY k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = tbl AND a.attnum = k.attnum
         WHERE a.attnum <> acc;
        IF r.conname IS NOT NULL THEN
            EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', tbl, r.conname);
        ELSE
            EXECUTE format('DROP INDEX %s', r.indexrelid::regclass);
        END IF;
        IF r.contype = 'p' THEN
            EXECUTE format('ALTER TABLE %s ADD PRIMARY KEY (account_id, %s)', tbl, cols);
        ELSE
            EXECUTE format('ALTER TABLE %s ADD UNIQUE (account_id, %s)', tbl, cols);
        END IF;
    END LOOP;
END
$fn$;

-- Owners of the rows written before adoption, from their post.
UPDATE performance_snapshots t SET account_id = p.account_id
  FROM xetl.posts p WHERE t.account_id IS NULL AND p.tweet_id = t.tweet_id;
UPDATE follower_attributions t SET account_id = p.account_id
  FROM xetl.posts p WHERE t.account_id IS NULL AND p.tweet_id = t.tweet_id;
UPDATE tweet_analytics_comprehensive t SET account_id = p.account_id
  FROM xetl.posts p WHERE t.account_id IS NULL AND p.tweet_id = t.tweet_id;
UPDATE reply_performance t SET account_id = p.account_id
  FROM xetl.posts p WHERE t.account_id IS NULL AND p.tweet_id = t.reply_tweet_id;

DO $keys$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT * FROM xetl.account_tables() LOOP
        EXECUTE format('UPDATE %s SET account_id = 0 WHERE account_id IS NULL', t);
        EXECUTE format('ALTER TABLE %s ALTER COLUMN account_id SET NOT NULL', t);
        PERFORM xetl.lead_keys_by_account(t);
    END LOOP;
END
$keys$;

-- Citus: every account table distributed by account_id in one co-location
-- group, the shared tables (accounts, the run log, the ledger, the bot's
-- content tables: whatever has no account_id) as reference tables.  Tables
-- already placed are skipped, so each xetl migrate places only new ones.
CREATE FUNCTION xetl.distribute_by_account() RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    refs text[];
    dists text[];
    t text;
    placed integer := 0;
BEGIN
    -- Both lists are taken, by name, before anything is placed: placing a
    -- table adds shards to pg_class, and Citus may turn a table that refers to
    -- a new reference table into a "Citus local" table, whose old relation
    -- becomes a shard and whose name a new relation takes.
    -- Reference tables first: the account tables' foreign keys point at them;
    -- the run log's stages refer to its runs, so runs come before run_stages.
    refs := ARRAY(
        SELECT c.oid::regclass::text
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND n.nspname IN (current_schema(), 'xetl')
           AND NOT pg_catalog.relation_is_a_known_shard(c.oid)
           AND c.oid NOT IN (SELECT * FROM xetl.account_tables())
         ORDER BY c.oid <> 'xetl.accounts'::regclass, c.oid = 'xetl.run_stages'::regclass, n.nspname, c.relname);
    dists := ARRAY(
        SELECT a::text FROM xetl.account_tables() a WHERE NOT pg_catalog.relation_is_a_known_shard(a));
    FOREACH t IN ARRAY refs LOOP
        CONTINUE WHEN EXISTS (SELECT 1 FROM pg_dist_partition
                               WHERE logicalrelid = t::regclass AND partmethod = 'n' AND repmodel = 't');
        EXECUTE format('SELECT create_reference_table(%L)', t);
        placed := placed + 1;
    END LOOP;
    -- One co-location group: each account's rows of every table on one node.
    FOREACH t IN ARRAY dists LOOP
        CONTINUE WHEN EXISTS (SELECT 1 FROM pg_dist_partition
                               WHERE logicalrelid = t::regclass AND partmethod = 'h');
        EXECUTE format('SELECT create_distributed_table(%L, %L, colocate_with => %L)',
                       t, 'account_id', CASE WHEN t = dists[1] THEN 'default' ELSE dists[1] END);
        placed := placed + 1;
    END LOOP;
    RETURN placed;
END
$fn$;
