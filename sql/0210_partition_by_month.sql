-- 0210 partition_by_month: the time series that only grow, partitioned by
-- calendar month (UTC), so that retention drops whole months instead of
-- deleting row by row, and a query over a few days reads only their month.
--
-- * xetl.raw_responses by as_of: every X response body, the largest table
--   by bytes, only ever appended to; replay and health read it by account
--   and as-of range.
-- * xetl.follower_samples is not: one row per account and pull, small for
--   years.  (Its CHECK constraints would also meet a Citus limitation:
--   partitions of a distributed table that inherit CHECK constraints fail to
--   be created, "child table is missing constraint".)
-- * performance_snapshots is not partitioned: its key is the post and its
--   age (account_id, decision_id, hours_since_post), which every writer's
--   ON CONFLICT names; a partitioned table's keys must contain the partition
--   column, so partitioning it by time would change the bot's own key.  Its
--   retention thins old posts' snapshots instead (xetl prune).
-- * Each partitioned table has a DEFAULT partition, so a row never fails to
--   insert for want of a month; xetl.ensure_month_partitions() (run by every
--   xetl migrate and xetl prune) creates the months ahead and moves rows that
--   reached the default partition into their month.
-- * Keys gain the partition column (a partitioned table's unique keys must
--   contain it): raw_responses' primary key becomes (account_id,
--   response_id, as_of); response_id still comes from one sequence, so it
--   stays unique on its own.
-- * On Citus the parents are distributed by account_id like every account
--   table, and their partitions with them: the helpers below skip partitions.

-- Partitions are placed with their parent, never on their own.
CREATE OR REPLACE FUNCTION xetl.account_tables() RETURNS SETOF regclass
LANGUAGE sql STABLE AS $fn$
    SELECT c.oid::regclass
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'account_id' AND NOT a.attisdropped
     WHERE c.relkind IN ('r', 'p') AND n.nspname IN (current_schema(), 'xetl')
       AND NOT c.relispartition
       AND c.oid NOT IN ('xetl.accounts'::regclass, 'xetl.run_stages'::regclass)
     ORDER BY n.nspname, c.relname
$fn$;

CREATE OR REPLACE FUNCTION xetl.distribute_by_account() RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    refs text[];
    dists text[];
    t text;
    placed integer := 0;
BEGIN
    -- As in 0130, with partitions left to their parents.
    refs := ARRAY(
        SELECT c.oid::regclass::text
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND n.nspname IN (current_schema(), 'xetl')
           AND NOT c.relispartition
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

-- The partition of tbl for the month starting at m: <table>_yYYYYmMM.
CREATE FUNCTION xetl.month_partition_name(tbl regclass, m date) RETURNS text
LANGUAGE sql STABLE AS $fn$
    SELECT format('%I.%I', n.nspname, c.relname || to_char(m, '"_y"YYYY"m"MM'))
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = tbl
$fn$;

-- Creates the month partition of tbl starting at m unless it exists.  Rows
-- of that month already in the default partition are moved into it (a
-- partition cannot be attached while the default one holds its rows).
CREATE FUNCTION xetl.add_month_partition(tbl regclass, m date) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    part text := xetl.month_partition_name(tbl, m);
    dflt text;
    col text;
    lo timestamptz := m::timestamp AT TIME ZONE 'UTC';
    hi timestamptz := (m + interval '1 month')::timestamp AT TIME ZONE 'UTC';
    moved bigint;
    emptied boolean;
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    SELECT i.inhrelid::regclass::text INTO dflt
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = tbl AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT';
    SELECT a.attname INTO col
      FROM pg_partitioned_table pt JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
     WHERE pt.partrelid = tbl;
    IF dflt IS NOT NULL THEN
        EXECUTE format('SELECT count(*) FROM %s WHERE %I >= $1 AND %I < $2', dflt, col, col)
           INTO moved USING lo, hi;
    END IF;
    IF coalesce(moved, 0) = 0 THEN
        EXECUTE format('CREATE TABLE %s PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', part, tbl, lo, hi);
    ELSE
        -- Rare (rows more than the look-ahead in the future, or a past month
        -- first written after its partition would have been made): move them.
        EXECUTE format('CREATE TEMP TABLE xetl_moving ON COMMIT DROP AS SELECT * FROM %s WHERE %I >= $1 AND %I < $2',
                       dflt, col, col) USING lo, hi;
        EXECUTE format('DELETE FROM %s WHERE %I >= $1 AND %I < $2', dflt, col, col) USING lo, hi;
        EXECUTE format('CREATE TABLE %s PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', part, tbl, lo, hi);
        EXECUTE format('INSERT INTO %s SELECT * FROM xetl_moving', tbl);
        DROP TABLE xetl_moving;
        -- Emptied, the default partition gives its space back at once rather
        -- than at the next vacuum.
        EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %s)', dflt) INTO emptied;
        IF emptied THEN
            EXECUTE format('TRUNCATE %s', dflt);
        END IF;
    END IF;
    RETURN true;
END
$fn$;

-- Every month-partitioned table of xetl gets its partitions from the month
-- of its oldest row (else the current one) to months_ahead months after
-- the current one.  Returns how many partitions were created.
CREATE FUNCTION xetl.ensure_month_partitions(months_ahead integer) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    r record;
    first_month date;
    m date;
    made integer := 0;
    cur date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
BEGIN
    -- On Citus, reading, moving rows and creating partitions (DDL on every
    -- shard) in one transaction must use one connection per node throughout,
    -- or the shards' locks deadlock each other; set before the first query.
    IF current_setting('citus.multi_shard_modify_mode', true) IS NOT NULL THEN
        PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    END IF;
    FOR r IN
        SELECT pt.partrelid::regclass AS tbl, a.attname AS col
          FROM pg_partitioned_table pt
          JOIN pg_class c ON c.oid = pt.partrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
         WHERE n.nspname = 'xetl' AND pt.partstrat = 'r'
         ORDER BY c.relname
    LOOP
        EXECUTE format('SELECT date_trunc(''month'', min(%I) AT TIME ZONE ''UTC'')::date FROM %s', r.col, r.tbl)
           INTO first_month;
        m := least(coalesce(first_month, cur), cur);
        WHILE m <= cur + make_interval(months => months_ahead) LOOP
            IF xetl.add_month_partition(r.tbl, m) THEN
                made := made + 1;
            END IF;
            m := (m + interval '1 month')::date;
        END LOOP;
    END LOOP;
    RETURN made;
END
$fn$;

-- Turns a plain table into one partitioned by month on col, with the same
-- columns, defaults, checks, keys (each extended by col), indexes and
-- foreign keys, and its rows.  A table Citus already placed is left alone.
CREATE FUNCTION xetl.partition_by_month(tbl regclass, col text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    nsp text;
    rel text;
    old text;
    r record;
    seqs text[];
    seqcols text[];
    m date;
    cur date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
BEGIN
    SELECT n.nspname, c.relname INTO nsp, rel
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = tbl;
    IF (SELECT relkind FROM pg_class WHERE oid = tbl) = 'p' THEN
        RETURN;
    END IF;
    IF to_regclass('pg_dist_partition') IS NOT NULL THEN
        IF EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = tbl) THEN
            RAISE NOTICE '% is already distributed by Citus; left unpartitioned', tbl;
            RETURN;
        END IF;
    END IF;
    old := format('%I.%I', nsp, rel || '_unpartitioned');
    EXECUTE format('ALTER TABLE %s RENAME TO %I', tbl, rel || '_unpartitioned');
    -- Sequences the old table owns (bigserial) must outlive it: owned by the new one.
    SELECT array_agg(d.objid::regclass::text), array_agg(a.attname::text) INTO seqs, seqcols
      FROM pg_depend d
      JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
      JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE d.refobjid = old::regclass AND d.classid = 'pg_class'::regclass AND d.deptype = 'a';
    FOR i IN 1 .. coalesce(array_length(seqs, 1), 0) LOOP
        EXECUTE format('ALTER SEQUENCE %s OWNED BY NONE', seqs[i]);
    END LOOP;
    EXECUTE format('CREATE TABLE %I.%I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE'
                   ' INCLUDING COMMENTS) PARTITION BY RANGE (%I)', nsp, rel, old, col);
    -- Primary and unique keys, with the partition column added when absent
    -- (the old ones go first: their index names are the ones the new take).
    FOR r IN
        SELECT con.conname, con.contype, array_agg(a.attname::text ORDER BY k.ord) AS cols
          FROM pg_constraint con
          CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
         WHERE con.conrelid = old::regclass AND con.contype IN ('p', 'u')
         GROUP BY con.oid, con.conname, con.contype
         ORDER BY con.contype
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', old, r.conname);
        IF NOT col = ANY (r.cols) THEN
            r.cols := r.cols || col;
        END IF;
        EXECUTE format('ALTER TABLE %I.%I ADD %s (%s)', nsp, rel,
                       CASE r.contype WHEN 'p' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END,
                       (SELECT string_agg(quote_ident(x), ', ') FROM unnest(r.cols) x));
    END LOOP;
    -- Plain indexes, by their definition on the new table.
    FOR r IN
        SELECT pg_get_indexdef(i.indexrelid) AS def, ic.relname AS name
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indrelid = old::regclass AND NOT i.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
    LOOP
        EXECUTE format('DROP INDEX %I.%I', nsp, r.name);
        EXECUTE replace(r.def, format(' ON %s ', old), format(' ON %I.%I ', nsp, rel));
    END LOOP;
    -- Foreign keys this table makes.
    FOR r IN
        SELECT conname, pg_get_constraintdef(oid) AS def
          FROM pg_constraint WHERE conrelid = old::regclass AND contype = 'f'
    LOOP
        EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', nsp, rel, r.conname, r.def);
    END LOOP;
    EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I DEFAULT', nsp, rel || '_default', nsp, rel);
    -- The months of the rows already there, and three ahead.
    EXECUTE format('SELECT date_trunc(''month'', min(%I) AT TIME ZONE ''UTC'')::date FROM %s', col, old) INTO m;
    m := least(coalesce(m, cur), cur);
    WHILE m <= cur + interval '3 months' LOOP
        PERFORM xetl.add_month_partition(format('%I.%I', nsp, rel)::regclass, m);
        m := (m + interval '1 month')::date;
    END LOOP;
    EXECUTE format('INSERT INTO %I.%I SELECT * FROM %s', nsp, rel, old);
    EXECUTE format('DROP TABLE %s', old);
    FOR i IN 1 .. coalesce(array_length(seqs, 1), 0) LOOP
        EXECUTE format('ALTER SEQUENCE %s OWNED BY %I.%I.%I', seqs[i], nsp, rel, seqcols[i]);
    END LOOP;
END
$fn$;

-- Retention of the raw X responses (xetl prune, retention.raw_responses_days):
-- the months wholly before the cutoff are dropped, the rows before it in the
-- month it falls in (and in the default partition) deleted.  With dry, only
-- counts.  Returns the partitions dropped and the rows removed.
CREATE FUNCTION xetl.prune_raw_responses(cutoff timestamptz, dry boolean,
                                         OUT partitions integer, OUT removed bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    r record;
    n bigint;
BEGIN
    partitions := 0;
    removed := 0;
    IF dry THEN
        SELECT count(*) INTO removed FROM xetl.raw_responses WHERE as_of < cutoff;
    END IF;
    FOR r IN
        SELECT c.oid::regclass AS part
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'xetl.raw_responses'::regclass
           AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
           -- the bound's upper end: FOR VALUES FROM ('…') TO ('2026-01-01 00:00:00+00')
           AND substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']+)''\)')::timestamptz <= cutoff
         ORDER BY c.relname
    LOOP
        partitions := partitions + 1;
        IF NOT dry THEN
            EXECUTE format('SELECT count(*) FROM %s', r.part) INTO n;
            removed := removed + n;
            EXECUTE format('DROP TABLE %s', r.part);
        END IF;
    END LOOP;
    IF NOT dry THEN
        DELETE FROM xetl.raw_responses WHERE as_of < cutoff;
        GET DIAGNOSTICS n = ROW_COUNT;
        removed := removed + n;
    END IF;
END
$fn$;

-- Retention of old snapshots (xetl prune, retention.snapshots_days): for an
-- account's posts published before the cutoff, only the snapshots nearest to
-- 1, 4, 24, 48 and 168 hours and the last one are kept — what the curve's
-- early shape and the final count need — and the rest deleted.  With dry,
-- only counts.  Returns the posts thinned and the rows removed.
CREATE FUNCTION xetl.thin_snapshots(account bigint, cutoff timestamptz, dry boolean,
                                    OUT posts bigint, OUT removed bigint)
LANGUAGE plpgsql AS $fn$
BEGIN
    CREATE TEMP TABLE xetl_thin ON COMMIT DROP AS
    WITH old AS (
        SELECT s.id, s.decision_id, s.hours_since_post,
               row_number() OVER (PARTITION BY s.decision_id ORDER BY s.hours_since_post DESC, s.id DESC) AS from_last
          FROM performance_snapshots s
          JOIN xetl.posts p ON p.account_id = s.account_id AND p.tweet_id = s.tweet_id
         WHERE s.account_id = account AND p.account_id = account AND p.posted_at < cutoff
    ), keep AS (
        SELECT id FROM old WHERE from_last = 1
        UNION
        SELECT n.id FROM (
            SELECT DISTINCT ON (o.decision_id, a.h) o.id
              FROM old o CROSS JOIN unnest('{1,4,24,48,168}'::numeric[]) a(h)
             ORDER BY o.decision_id, a.h, abs(o.hours_since_post - a.h), o.hours_since_post, o.id) n
    )
    SELECT o.id, o.decision_id FROM old o WHERE o.id NOT IN (SELECT id FROM keep);
    SELECT count(DISTINCT decision_id), count(*) INTO posts, removed FROM xetl_thin;
    IF NOT dry THEN
        DELETE FROM performance_snapshots s USING xetl_thin t WHERE s.account_id = account AND s.id = t.id;
    END IF;
    DROP TABLE xetl_thin;
END
$fn$;

SELECT xetl.partition_by_month('xetl.raw_responses', 'as_of');
