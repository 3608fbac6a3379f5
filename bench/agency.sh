#!/bin/sh
# bench/agency.sh — `make bench-agency`: one agency night, measured.
#
# Generates BENCH_ACCOUNTS accounts (1000) x BENCH_POSTS_PER_DAY posts a day (50)
# x BENCH_DAYS days (90), with the snapshots of the last BENCH_SNAP_DAYS nightly
# runs (30), straight into a throwaway PostgreSQL by COPY (build/bench/agency
# gen | psql \copy); serves the X API from build/bench/agency serve (answers
# computed in C from the same model); runs ONE `xetl nightly` under
# `agency run` (RSS sampled every 100 ms, peak from getrusage); then, per stage,
# measures the floor in the same database: the rows the stage wrote, exported,
# deleted and COPYed back into the same tables in a transaction that is rolled
# back (only the COPY is timed); for report, a psql \copy of the report range's
# posts out to a CSV file.  Ends with a markdown table for docs/scaling-readings.md.
#
#   make bench-agency                       agency scale (about 45 M snapshot rows)
#   BENCH_ACCOUNTS=20 sh bench/agency.sh     what `make bench` runs
#
# BENCH_WARMUP=1 runs the night before first (not measured).  BENCH_PSS=1 prints
# the measured night's costliest statements; BENCH_WARM_SAVE=DIR
# keeps the warmed database in DIR and stops; BENCH_DB_INPLACE=1 runs on the
# BENCH_DB_FROM directory itself instead of a copy (it is changed by the run).  BENCH_NIGHTLY_ARGS:
# more options for the measured nightly (e.g. --shard 1/50: a sample of the accounts).
# BENCH_JOBS (3): nightly --jobs, accounts at once.  BENCH_FLOORS=0 skips the
# floors (see there).  BENCH_DB_SAVE=DIR keeps a copy of the loaded data
# directory; BENCH_DB_FROM=DIR starts from such a copy instead of generating (the
# 1,000-account load takes minutes); with BENCH_LOAD_ONLY=1 the script stops once
# it is saved.
# Other knobs: BENCH_AS_OF (2026-11-21T02:00:00Z), BENCH_DIR (a new directory
# under /tmp; the PostgreSQL data, the reports and logs go there and are removed
# at the end unless BENCH_KEEP=1), BENCH_BOT_CONTENT (1: the bot's
# content_metadata is filled and the accounts read it; 0: no bot content).
# The posts are counted from the load's as-of (a comment on the database), so a
# night at a later BENCH_AS_OF on a saved copy sees the loaded posts, and first
# gets the bot's new posts of its day (new_content below).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${XETL_BUILD:-build}
XETL="$ROOT/${XETL_BIN:-xetl}"
AGENCY="$ROOT/$BUILD/bench/agency"
export BENCH_ACCOUNTS=${BENCH_ACCOUNTS:-1000} BENCH_POSTS_PER_DAY=${BENCH_POSTS_PER_DAY:-50}
export BENCH_DAYS=${BENCH_DAYS:-90} BENCH_SNAP_DAYS=${BENCH_SNAP_DAYS:-30} BENCH_BOT_CONTENT=${BENCH_BOT_CONTENT:-1}
AS_OF=${BENCH_AS_OF:-2026-11-21T02:00:00Z}
# Derived below from the database (the load's as-of), never taken from the caller.
unset BENCH_LOAD_AS_OF_EPOCH BENCH_CONTENT_FROM_EPOCH
BENCH_AS_OF_EPOCH=$(date -u -d "$AS_OF" +%s) || exit 1
export BENCH_AS_OF_EPOCH
for f in "$XETL" "$AGENCY"; do
    [ -x "$f" ] || { echo "agency: $f is missing (make bench-agency builds it)"; exit 1; }
done
DIR=${BENCH_DIR:-$(mktemp -d /tmp/xetl-agency.XXXXXX)}
mkdir -p "$DIR" && chmod 755 "$DIR"
unset XETL_CONFIG XETL_X_BEARER_TOKEN_FILE

. "$ROOT/tests/lib/pg.sh"
FAKE_PID=
cleanup() {
    [ -n "$FAKE_PID" ] && kill -TERM "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
    # A saved database run in place, or a kept one, outlives this run: a clean
    # shutdown keeps its cumulative statistics (pg_stop's immediate one drops
    # them), and with them the dead-tuple counts autovacuum needs, or the database
    # bloats run by run; and the next start needs no crash recovery (minutes of
    # redo for a 1,000-account night, longer than pg_start waits).
    if [ "${BENCH_DB_INPLACE:-0}" = 1 ] || [ "${BENCH_KEEP:-0}" = 1 ]; then
        pg_stop fast
    else
        pg_stop
    fi
    if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "agency: kept $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
note() { echo "agency: $(date -u +%H:%M:%S) $*"; }
Q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

note "$BENCH_ACCOUNTS accounts x $BENCH_POSTS_PER_DAY posts/day x $BENCH_DAYS days, snapshots of the last" \
    "$BENCH_SNAP_DAYS nights, as of $AS_OF, in $DIR"
note "load: $(uptime | sed 's/.*load average/load average/')"
df -h "$DIR" | sed 's/^/agency: /'

# save_db DIR: a copy of the stopped server's data directory in DIR, then the server again.
save_db() {
    pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -t 600 stop >/dev/null || return 1
    rm -rf "$1" && cp -a "$PG_DIR/data" "$1" || return 1
    pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 120 \
        -o "-c listen_addresses='' -c unix_socket_directories='$PG_DIR' -p $PG_PORT -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=100" \
        start >/dev/null
}

# A server shaped for the job: the test harness's (fsync off, loopback socket),
# plus memory for a large database and minimal WAL for the initial load.
# BENCH_DB_FROM: a data directory saved by an earlier run (BENCH_DB_SAVE), copied
# and started instead of generating and loading (then migrated to this binary).
if [ -n "${BENCH_DB_FROM:-}" ]; then
    mkdir -p "$DIR/pg" || exit 1
    if [ "${BENCH_DB_INPLACE:-0}" = 1 ]; then
        # The saved directory itself, through a link (which cleanup removes, not the
        # directory): for a database too large to copy; the run changes it.
        note "running on the saved database $BENCH_DB_FROM itself (BENCH_DB_INPLACE)"
        ln -s "$BENCH_DB_FROM" "$DIR/pg/data" || exit 1
    else
        note "copying the loaded database from $BENCH_DB_FROM"
        cp -a "$BENCH_DB_FROM" "$DIR/pg/data" || exit 1
    fi
    if [ "${BENCH_PSS:-0}" = 1 ]; then
        printf '%s\n' "shared_preload_libraries = 'pg_stat_statements'" "pg_stat_statements.max = 20000" \
            >>"$DIR/pg/data/postgresql.auto.conf"
    fi
    pg_start "$DIR/pg" || exit 1
    export PGDATABASE=agency XETL_DB="dbname=agency"
    "$XETL" -q migrate || exit 1
    # The statistics are in the saved catalog; an ANALYZE only refreshes them,
    # and on a database larger than memory in place its random reads take minutes.
    if [ "${BENCH_DB_INPLACE:-0}" != 1 ]; then
        Q -c "ANALYZE" || exit 1
    fi
else
pg_start "$DIR/pg" || exit 1
Q -c "ALTER SYSTEM SET shared_buffers = '1GB'" -c "ALTER SYSTEM SET work_mem = '64MB'" \
    -c "ALTER SYSTEM SET maintenance_work_mem = '512MB'" -c "ALTER SYSTEM SET max_wal_size = '4GB'" \
    -c "ALTER SYSTEM SET checkpoint_timeout = '30min'" -c "ALTER SYSTEM SET wal_level = 'minimal'" \
    -c "ALTER SYSTEM SET max_wal_senders = 0" || exit 1
# (It stays in postgresql.auto.conf: a database saved or kept from this run preloads
# the extension in later runs too, which costs them nothing measurable.)
if [ "${BENCH_PSS:-0}" = 1 ]; then
    Q -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" || exit 1
    # (The module's own setting is unknown to ALTER SYSTEM until it is loaded.)
    echo "pg_stat_statements.max = 20000" >>"$PG_DIR/data/postgresql.auto.conf"
fi
pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -t 120 restart >/dev/null || { cat "$PG_DIR/server.log"; exit 1; }
createdb agency || exit 1
export PGDATABASE=agency XETL_DB="dbname=agency"
"$XETL" -q migrate || exit 1
# The load's as-of, kept with the database: a later run from a saved copy serves the same posts.
Q -c "COMMENT ON DATABASE agency IS 'xetl bench: loaded as of $AS_OF'" || exit 1

# load TABLE COLUMNS GEN: `agency gen GEN` into TABLE in one transaction that
# truncates it and drops its keys and indexes first, then builds them again
# (wal_level minimal: no WAL for the rows; FREEZE: no vacuum needed), as a bulk
# load should.
load() {
    t=$1 cols=$(printf '%s' "$2" | tr '\n' ' ') gen=$3 # \copy wants one line
    t0=$(now)
    {
        echo "BEGIN;"
        echo "TRUNCATE $t;"
        cat <<EOF
CREATE TEMP TABLE bench_keys ON COMMIT DROP AS
  SELECT 'ALTER TABLE $t ADD CONSTRAINT ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid) AS make,
         'ALTER TABLE $t DROP CONSTRAINT ' || quote_ident(conname) AS drop, 1 AS ord
    FROM pg_constraint WHERE conrelid = '$t'::regclass AND contype IN ('p', 'u')
     AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.confrelid = '$t'::regclass)
  UNION ALL
  SELECT pg_get_indexdef(i.indexrelid), 'DROP INDEX ' || i.indexrelid::regclass::text, 2
    FROM pg_index i WHERE i.indrelid = '$t'::regclass
     AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
DO \$\$ DECLARE r record; BEGIN
  FOR r IN SELECT * FROM bench_keys ORDER BY ord DESC LOOP EXECUTE r.drop; END LOOP; END \$\$;
\\copy $t ($cols) FROM pstdin WITH (FREEZE)
DO \$\$ DECLARE r record; BEGIN
  FOR r IN SELECT * FROM bench_keys ORDER BY ord LOOP EXECUTE r.make; END LOOP; END \$\$;
COMMIT;
EOF
    } > "$DIR/load-$gen.sql"
    "$AGENCY" gen "$gen" | Q -f "$DIR/load-$gen.sql" || { echo "agency: loading $t failed"; exit 1; }
    n=$(Q -c "SELECT count(*) FROM $t")
    t1=$(now)
    note "loaded $t: $n rows in $(secs "$t0" "$t1") s ($(awk -v n="$n" -v s="$(secs "$t0" "$t1")" \
        'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }') rows/s, keys and indexes included)"
}

L0=$(now)
"$AGENCY" gen accounts | Q -c "\\copy xetl.accounts (account_id, handle, x_user_id, active, bot_content) FROM pstdin" \
    -c "SELECT setval('xetl.accounts_account_id_seq', (SELECT max(account_id) FROM xetl.accounts))" >/dev/null || exit 1
# The snapshots (most of the data) load beside the other tables: two streams.
load performance_snapshots "decision_id, tweet_id, snapshot_at, hours_since_post, likes, retweets, replies, quotes,
    bookmarks, impressions, views, profile_clicks, url_clicks, detail_expands, engagement_rate, viral_coefficient,
    reply_rate, bookmark_rate, followers_at_snapshot, snapshot_metadata, account_id, source, raw_response_id" snapshots \
    > "$DIR/load-snapshots.txt" 2>&1 &
SNAP_PID=$!
load content_metadata "decision_id, decision_type, content, status, tweet_id, target_tweet_id, target_username,
    scheduled_at, posted_at, generation_metadata" content
load xetl.posts "tweet_id, account_id, decision_id, kind, posted_at, text, parent_tweet_id, parent_username,
    content_type_id, content_type_name, viral_formula, hook_used, generation_metadata, origin, status, first_seen_at,
    last_snapshot_at" posts
load tweet_analytics_comprehensive "account_id, decision_id, tweet_id, posted_at, content_type, viral_formula,
    hook_used, likes, retweets, replies, quotes, bookmarks, impressions, content_length, has_url, has_hashtags,
    engagement_rate, viral_coefficient, conversation_rate, last_scraped_at" tac
load reply_performance "decision_id, reply_tweet_id, parent_tweet_id, parent_username, likes, replies, impressions,
    engagement_rate, reply_metadata, account_id" replies
load xetl.follower_samples "account_id, sampled_at, followers_count, following_count, tweet_count, listed_count,
    source" followers
wait "$SNAP_PID" || { cat "$DIR/load-snapshots.txt"; exit 1; }
cat "$DIR/load-snapshots.txt"
t0=$(now)
Q -c "ANALYZE" || exit 1
note "analyze: $(secs "$t0" "$(now)") s; whole load $(secs "$L0" "$(now)") s;" \
    "database $(Q -c "SELECT pg_size_pretty(pg_database_size('agency'))")"
df -h "$DIR" | tail -1 | sed 's/^/agency: /'
if [ -n "${BENCH_DB_SAVE:-}" ]; then
    save_db "$BENCH_DB_SAVE" || exit 1
    note "saved the loaded database to $BENCH_DB_SAVE (BENCH_DB_FROM=$BENCH_DB_SAVE starts from it)"
    [ "${BENCH_LOAD_ONLY:-0}" = 1 ] && exit 0
fi
fi

# The posts are the load's (bench/agency.c anchors them at its as-of), whatever
# night runs: a saved database says when it was loaded; one saved before that was
# recorded was loaded at the default as-of.
LOAD_AS_OF=$(Q -c "SELECT substring(shobj_description(oid, 'pg_database') FROM 'loaded as of (.*)$')
                     FROM pg_database WHERE datname = 'agency'") || exit 1
BENCH_LOAD_AS_OF_EPOCH=$(date -u -d "${LOAD_AS_OF:-2026-11-21T02:00:00Z}" +%s) || exit 1
export BENCH_LOAD_AS_OF_EPOCH

# new_content EPOCH: the bot's posts of the day before the night at EPOCH that the
# bot's table does not have yet, as the bot would have written them that day (a
# night after the load's as-of has new posts to find, like any agency night).
# Only that day's: after a gap of nights, the posts of the days between are not
# the bot's (the nightly's timeline scan may still find the last few days').
new_content() {
    [ "$BENCH_BOT_CONTENT" = 1 ] || return 0
    newest=$(Q -c "SELECT coalesce(extract(epoch FROM max(posted_at))::bigint, 0) FROM content_metadata") || return 1
    from=$(($1 - 86400))
    [ "$newest" -gt "$from" ] && from=$newest
    [ "$from" -lt "$1" ] || return 0
    n0=$(Q -c "SELECT count(*) FROM content_metadata") || return 1
    BENCH_AS_OF_EPOCH=$1 BENCH_CONTENT_FROM_EPOCH=$from "$AGENCY" gen content |
        Q -c "\\copy content_metadata (decision_id, decision_type, content, status, tweet_id, target_tweet_id, target_username, scheduled_at, posted_at, generation_metadata) FROM pstdin" ||
        return 1
    note "the bot's posts after $(date -u -d "@$from" +%Y-%m-%dT%H:%M:%SZ): $(($(Q -c "SELECT count(*) FROM content_metadata") - n0)) added to content_metadata"
}

# The fake X API, answering as of epoch $1.
fake_start() {
    rm -f "$DIR/fake.port"
    BENCH_AS_OF_EPOCH=$1 "$AGENCY" serve "$DIR/fake.port" 2>>"$DIR/fake.log" &
    FAKE_PID=$!
    i=0
    while [ ! -s "$DIR/fake.port" ]; do
        i=$((i + 1))
        [ $i -gt 100 ] && { echo "agency: the fake X API did not start"; cat "$DIR/fake.log"; exit 1; }
        sleep 0.05
    done
    export XETL_X_API_BASE="http://127.0.0.1:$(cat "$DIR/fake.port")" XETL_X_BEARER_TOKEN=bench-token
}
fake_stop() {
    kill -TERM "$FAKE_PID" 2>/dev/null
    wait "$FAKE_PID" 2>/dev/null
    FAKE_PID=
}
export XETL_REPORT_OUT="$DIR/reports"

# BENCH_WARMUP=1: first the night before (as of AS_OF - 1 day), not measured, so the
# measured night is an established agency's (fit's kept history fits, model
# outputs to update) rather than the first night after a load.  With
# BENCH_NIGHTLY_ARGS (a shard), the warm-up night runs the same accounts.
if [ "${BENCH_WARMUP:-0}" = 1 ]; then
    new_content $((BENCH_AS_OF_EPOCH - 86400)) || exit 1
    fake_start $((BENCH_AS_OF_EPOCH - 86400))
    W0=$(now)
    "$XETL" -q --as-of "$(date -u -d "@$((BENCH_AS_OF_EPOCH - 86400))" +%Y-%m-%dT%H:%M:%SZ)" nightly \
        --jobs "${BENCH_JOBS:-3}" ${BENCH_NIGHTLY_ARGS:-} >/dev/null 2>"$DIR/warmup.log" || { tail -5 "$DIR/warmup.log"; exit 1; }
    fake_stop
    note "warm-up night (as of the day before): $(secs "$W0" "$(now)") s"
    Q -c "VACUUM ANALYZE" || exit 1
    # BENCH_WARM_SAVE=DIR: keep the warmed database and stop (BENCH_DB_FROM=DIR
    # without BENCH_WARMUP then measures the established night directly).
    if [ -n "${BENCH_WARM_SAVE:-}" ]; then
        save_db "$BENCH_WARM_SAVE" || exit 1
        note "saved the warmed database to $BENCH_WARM_SAVE"
        exit 0
    fi
fi
new_content "$BENCH_AS_OF_EPOCH" || exit 1
fake_start "$BENCH_AS_OF_EPOCH"

# The server's CPU seconds so far: the postmaster's own and reaped children's, plus its live backends'.
server_cpu() {
    pm=$(head -1 "$PG_DIR/data/postmaster.pid")
    { cat "/proc/$pm/stat"; for c in $(cat "/proc/$pm/task/$pm/children"); do cat "/proc/$c/stat" 2>/dev/null; done; } |
        awk -v hz="$(getconf CLK_TCK)" -v pm="$pm" '{ sub(/.*\) /, ""); t += $12 + $13; if (NR == 1) t += $14 + $15 }
                                                     END { printf "%.2f", t / hz }'
}
# BENCH_PGCPU=1 (the default): the server's CPU by what its processes were doing.
# Every BENCH_PGCPU_EVERY s (0.2) one query on one kept session reads each
# process pg_stat_activity lists, what it is (a backend's application_name,
# "xetl fit ag00012" while xetl runs a stage; a parallel worker counts as its
# leader; else the backend type: autovacuum worker, checkpointer, ...) and its
# CPU ticks from /proc (pg_read_file, as the superuser).
pgcpu_start() {
    PGCPU_PID=
    [ "${BENCH_PGCPU:-1}" = 1 ] || return 0
    every=${BENCH_PGCPU_EVERY:-0.2}
    sample="SELECT extract(epoch FROM clock_timestamp())::numeric(20,3), pid,
                   (f[12])::bigint + (f[13])::bigint, label
              FROM (SELECT a.pid, string_to_array(split_part(pg_read_file('/proc/' || a.pid || '/stat', 0, 1024, true), ') ', 2), ' ') AS f,
                           CASE WHEN a.backend_type IN ('client backend', 'parallel worker')
                                THEN coalesce(nullif(l.application_name, ''), nullif(a.application_name, ''), a.backend_type)
                                ELSE a.backend_type END AS label
                      FROM pg_stat_activity a LEFT JOIN pg_stat_activity l ON l.pid = a.leader_pid AND a.leader_pid <> a.pid) s
             WHERE f IS NOT NULL;"
    : > "$DIR/pgcpu.on"
    while [ -e "$DIR/pgcpu.on" ]; do echo "$sample"; sleep "$every"; done |
        PGAPPNAME="bench sampler" psql -X -q -At -F '|' -v ON_ERROR_STOP=1 > "$DIR/pgcpu.txt" 2> "$DIR/pgcpu.err" &
    PGCPU_PID=$!
}
# The loop ends at its next turn; psql then reads the end of its input.
pgcpu_stop() {
    [ -n "$PGCPU_PID" ] || return 0
    rm -f "$DIR/pgcpu.on"
    wait "$PGCPU_PID" 2>/dev/null
}
# pgcpu_table TOTAL: the samples as a table, by what the process was doing (xetl's
# sessions by stage).  A process's ticks between two samples go to what it was at
# both, or half to each when it changed; a process first seen after the first
# sample counts from its start; the rest of TOTAL (processes that began and ended
# between two samples, and the last ticks of those that ended) is "not seen".
pgcpu_table() {
    [ -s "$DIR/pgcpu.txt" ] || { note "server CPU by activity: no samples ($(head -c 300 "$DIR/pgcpu.err" 2>/dev/null))"; return 0; }
    awk -F '|' -v hz="$(getconf CLK_TCK)" '
        function what(l,   w) { if (l ~ /^xetl /) { split(l, w, " "); return "xetl " w[2] } return l }
        $1 != ts { first = (ts == ""); ts = $1; n++ }
        {
            pid = $2; t = $3; l = what($4)
            if (pid in last) {
                d = t - last[pid]
                if (l == lab[pid]) cpu[l] += d; else { cpu[l] += d / 2; cpu[lab[pid]] += d / 2 }
            } else if (!first) cpu[l] += t
            last[pid] = t; lab[pid] = l
        }
        END { print "samples|" n; for (l in cpu) if (cpu[l] > 0) printf "%s|%.1f\n", l, cpu[l] / hz }' "$DIR/pgcpu.txt" \
        > "$DIR/pgcpu_by.txt"
    seen=$(awk -F '|' '$1 != "samples" { s += $2 } END { printf "%.1f", s }' "$DIR/pgcpu_by.txt")
    note "server CPU by activity ($(sed -n 's/^samples|//p' "$DIR/pgcpu_by.txt") samples every ${BENCH_PGCPU_EVERY:-0.2} s; $seen of $1 CPU-s seen):"
    { grep -v '^samples|' "$DIR/pgcpu_by.txt"; echo "not seen|$(awk -v t="$1" -v s="$seen" 'BEGIN { printf "%.1f", t - s }')"; } |
        sort -t '|' -k2,2 -rn | awk -F '|' -v t="$1" '{ printf "agency:   %-26s %8.1f s %5.1f %%\n", $1, $2, (t > 0 ? 100 * $2 / t : 0) }'
}
JOBS=${BENCH_JOBS:-3}
note "nightly --jobs $JOBS starts ($(uptime | sed 's/.*load average/load average/'))"
# BENCH_PSS=1: the measured night's statements, by server time, at the end.
if [ "${BENCH_PSS:-0}" = 1 ]; then
    Q -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null || exit 1
fi
pgcpu_start
N0=$(now)
SCPU0=$(server_cpu)
"$AGENCY" run "$DIR/rss.txt" -- "$XETL" --as-of "$AS_OF" nightly --jobs "$JOBS" ${BENCH_NIGHTLY_ARGS:-} >"$DIR/nightly.out" 2>"$DIR/nightly.log" &
NPID=$!
# BENCH_DEADLINE (a time date(1) reads, e.g. 15:10 UTC): stop the nightly then
# and report the accounts it finished, with an extrapolation to all of them.
STOPPED=0
if [ -n "${BENCH_DEADLINE:-}" ]; then
    DL=$(date -u -d "$BENCH_DEADLINE" +%s) || exit 1
    while kill -0 "$NPID" 2>/dev/null; do
        if [ "$(date +%s)" -ge "$DL" ]; then
            note "deadline $BENCH_DEADLINE: stopping the nightly"
            STOPPED=1
            kill -TERM "$NPID"
            break
        fi
        sleep 5
    done
fi
wait "$NPID"
rc=$?
N1=$(now)
SCPU1=$(server_cpu)
pgcpu_stop
fake_stop
note "nightly: exit $rc in $(secs "$N0" "$N1") s ($(uptime | sed 's/.*load average/load average/'))"
grep '^run:' "$DIR/nightly.log" | sed 's/^/agency: /'
note "PostgreSQL's CPU during the nightly: $(secs "$SCPU0" "$SCPU1") s"
pgcpu_table "$(secs "$SCPU0" "$SCPU1")"
sed 's/^/agency: /' "$DIR/fake.log"
if [ $rc != 0 ]; then
    echo "agency: the nightly failed; the end of its log:"
    grep -v '^run:' "$DIR/nightly.log" | tail -5
fi
if [ "${BENCH_PSS:-0}" = 1 ]; then
    # A statement on a temporary table (fit_out, attr_fa, ...) gets one entry per
    # account, the table's OID being new each time: summed by text here, or the
    # merges that read them fall out of the list one account at a time.  The
    # extension's max (20,000 above) keeps a 1,000-account night's entries.
    note "the night's 25 costliest statements, summed by text (pg_stat_statements: total ms, calls, rows," \
        "pages hit, pages read, WAL MB, query); entries evicted: $(Q -c "SELECT dealloc FROM pg_stat_statements_info")"
    Q -F ' | ' -c "SELECT round(sum(total_exec_time)), sum(calls), sum(rows), sum(shared_blks_hit), sum(shared_blks_read),
                          round(sum(wal_bytes) / 1e6), left(regexp_replace(query, '\s+', ' ', 'g'), 100)
                     FROM pg_stat_statements GROUP BY query ORDER BY 1 DESC LIMIT 25" | sed 's/^/agency: /'
fi
PEAK=$(sed -n 's/^run:.*peak total rss \([0-9]*\) KiB.*/\1/p' "$DIR/nightly.log")
RUN=$(Q -c "SELECT max(run_id) FROM xetl.runs WHERE command = 'nightly'")
# The accounts whose whole pipeline finished (all of them, unless stopped).
DONE=$(Q -c "SELECT count(*) FROM xetl.run_stages WHERE run_id = $RUN AND stage = 'report' AND status = 'ok'")
ACCTS="account_id IN (SELECT account_id FROM xetl.run_stages WHERE run_id = $RUN AND stage = 'report' AND status = 'ok')"

# Per stage: wall (sum over accounts), rows, fits and xetl's CPU (cpu_ms; -1 from
# a binary that does not record it) from the run log, and the peak of the RSS
# samples taken while the stage ran.
Q -F ' ' -c "SELECT stage, extract(epoch FROM started_at)::numeric(20,3), extract(epoch FROM coalesce(finished_at,
                    clock_timestamp()))::numeric(20,3) FROM xetl.run_stages WHERE run_id = $RUN ORDER BY stage_id" \
    > "$DIR/intervals.txt"
awk 'NR == FNR { st[n] = $1; a[n] = $2; b[n] = $3; n++; next }
     { while (i < n && b[i] < $1) i++; if (i < n && a[i] <= $1 && $2 > peak[st[i]]) peak[st[i]] = $2 }
     END { for (s in peak) print s, peak[s] }' "$DIR/intervals.txt" "$DIR/rss.txt" > "$DIR/stage_rss.txt"
Q -F ' ' -c "SELECT stage, count(*), round(sum(extract(epoch FROM finished_at - started_at))::numeric, 2),
                    coalesce(sum((counts->>'rows')::bigint), 0), coalesce(sum((counts->>'fits')::bigint), 0),
                    coalesce(sum((counts->>'requests')::bigint), 0), count(*) FILTER (WHERE status <> 'ok'),
                    coalesce(round(sum((counts->>'cpu_ms')::bigint) / 1000.0, 1), -1)
               FROM xetl.run_stages WHERE run_id = $RUN AND $ACCTS GROUP BY stage ORDER BY min(stage_id)" \
    > "$DIR/stages.txt"

# The floors.  floor NAME TABLE WHERE: the rows of TABLE matching WHERE, exported,
# deleted and COPYed back in a rolled-back transaction; prints the COPY's seconds.
RANGE_FROM=$(date -u -d "@$((BENCH_AS_OF_EPOCH - 30 * 86400))" +%Y-%m-%dT%H:%M:%SZ)
REPORT_TO=$(date -u -d "$(date -u -d "$AS_OF" +%Y-%m-%d)" +%Y-%m-%dT%H:%M:%SZ)
REPORT_FROM=$(date -u -d "$REPORT_TO - 7 days" +%Y-%m-%dT%H:%M:%SZ)
floor() {
    name=$1 t=$2 where=$(printf '%s' "$3" | tr '\n' ' ')
    f="$DIR/floor-$name.copy"
    where="($where) AND $ACCTS"
    Q -c "\\copy (SELECT * FROM $t WHERE $where) TO '$f'" || return 1
    printf '%s\n' "BEGIN;" "DELETE FROM $t WHERE $where;" '\timing on' "\\copy $t FROM '$f'" '\timing off' \
        "ROLLBACK;" > "$DIR/floor.sql"
    ms=$(Q -f "$DIR/floor.sql" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
    rows=$(wc -l < "$f")
    rm -f "$f"
    echo "$name $rows $ms" >> "$DIR/floors.txt"
    note "floor $name: COPY of $rows rows into $t: $(awk -v m="$ms" 'BEGIN { printf "%.2f", m / 1000 }') s"
}
: > "$DIR/floors.txt"
# BENCH_FLOORS=0 skips them: on a saved database run in place night after night, each
# floor's DELETE and rolled-back COPY leave dead copies of the night's rows behind, and
# the exports need as much free disk as the rows (the analytics rows alone are gigabytes
# at 1,000 accounts: a run that did not check filled the disk).
if [ "$DONE" -gt 0 ] && [ "${BENCH_FLOORS:-1}" != 0 ]; then
    note "floors: the same rows COPYed into the same tables (rolled back)"
    floor snapshots performance_snapshots "snapshot_at = '$AS_OF' AND source = 'api'"
    floor posts xetl.posts "last_snapshot_at = '$AS_OF'"
    floor tac tweet_analytics_comprehensive "posted_at >= '$RANGE_FROM'"
    floor replies reply_performance "reply_tweet_id IN (SELECT tweet_id FROM xetl.posts
                                       WHERE posted_at >= '$RANGE_FROM' AND kind = 'reply')"
    floor followers xetl.follower_samples "sampled_at = '$AS_OF'"
    floor raw xetl.raw_responses "as_of = '$AS_OF'"
    floor predictions xetl.predictions "as_of = '$AS_OF'"
    floor attributions follower_attributions "measured_at = '$AS_OF'"
    for t in content_type_performance formula_performance hook_performance learning_updates; do
        floor "learn_$t" "$t" "as_of = '$AS_OF'"
    done
    floor health system_health_metrics "measured_at = '$AS_OF'"
    # report: the report range's posts with their analytics, out through psql \copy
    t0=$(now)
    Q -c "\\copy (SELECT * FROM xetl.posts p JOIN tweet_analytics_comprehensive t USING (account_id, tweet_id)
                  WHERE p.posted_at >= '$REPORT_FROM' AND p.posted_at < '$REPORT_TO' AND p.$ACCTS
                  ORDER BY p.account_id, p.posted_at) TO '$DIR/floor-report.csv' CSV HEADER" || exit 1
    t1=$(now)
    echo "report $(($(wc -l < "$DIR/floor-report.csv") - 1)) $(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) * 1000 }')" \
        >> "$DIR/floors.txt"
    rm -f "$DIR/floor-report.csv"
fi
TRACKED=$(Q -c "SELECT count(*) FROM xetl.posts WHERE posted_at >= '$RANGE_FROM' AND posted_at <= '$AS_OF' AND $ACCTS")
REPORTED=$(Q -c "SELECT count(*) FROM xetl.posts WHERE posted_at >= '$REPORT_FROM' AND posted_at < '$REPORT_TO' AND $ACCTS")
FOREIGN=$(sed -n "s/.*pull: \([0-9]*\) posts of other accounts skipped.*/\1/p" "$DIR/nightly.log" | awk '{ s += $1 } END { print s + 0 }')
SNAPS=$(Q -c "SELECT count(*) FROM performance_snapshots")

# The summary.  Floors: pull = snapshots + posts + analytics + replies + follower
# sample + raw responses; fit = analytics + predictions + replies; attribute =
# attributions + analytics; learn = its four tables; health = its rows; report =
# the \copy out.
echo
if [ "$DONE" -lt "$BENCH_ACCOUNTS" ]; then
    # The night's wall for the finished accounts (with jobs the stage walls overlap), scaled
    # to all of them: labelled as an extrapolation.
    awk -v d="$DONE" -v n="$BENCH_ACCOUNTS" -v wall="$(secs "$N0" "$N1")" '{ w += $3 } END {
        printf "agency: PARTIAL: %d of %d accounts finished in %.1f s (stages %.1f s summed); EXTRAPOLATED to %d accounts: %.0f s\n",
            d, n, wall, w, n, (d > 0 ? wall * n / d : 0) }' "$DIR/stages.txt"
fi
echo "agency night: $BENCH_ACCOUNTS accounts ($DONE finished), $TRACKED posts tracked (30 days), $SNAPS snapshot rows after the run," \
    "as of $AS_OF; nightly $(secs "$N0" "$N1") s wall, peak RSS $(awk -v k="${PEAK:-0}" 'BEGIN { printf "%.1f", k / 1024 }') MiB," \
    "exit $rc; $FOREIGN fetched posts of other accounts skipped; $(date -u +%Y-%m-%d), load at the end:" \
    "$(uptime | sed 's/.*load average: //')"
echo
echo "| stage | accounts | wall s | xetl CPU s | rows | rows/s | posts/s | peak RSS MiB | floor s | floor rows | ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
awk -v tracked="$TRACKED" -v reported="$REPORTED" '
    FILENAME ~ /stage_rss/ { rss[$1] = $2; next }
    FILENAME ~ /floors/ { fs[$1] = $3 / 1000; fr[$1] = $2; next }
    {
        st = $1; acc = $2; wall = $3; rows = $4; fits = $5; cpu = $8
        split("", parts)
        if (st == "pull") n = split("snapshots posts tac replies followers raw", parts)
        else if (st == "fit") n = split("tac predictions replies", parts)
        else if (st == "attribute") n = split("attributions tac", parts)
        else if (st == "learn") n = split("learn_content_type_performance learn_formula_performance learn_hook_performance learn_learning_updates", parts)
        else if (st == "health") n = split("health", parts)
        else if (st == "report") n = split("report", parts)
        else n = 0
        f = 0; r = 0; have = n > 0
        for (i = 1; i <= n; i++) { if (!(parts[i] in fs)) have = 0; f += fs[parts[i]]; r += fr[parts[i]] }
        posts = (st == "report") ? reported : tracked
        printf "| %s | %d | %.1f | %s | %d%s | %s | %s | %s | %s | %s | %s |\n", st, acc, wall,
            (cpu >= 0 ? sprintf("%.1f", cpu) : "-"), rows,
            (fits ? sprintf(" (%d fits)", fits) : ""),
            ((wall > 0) ? sprintf("%.0f", rows / wall) : "-"),
            ((wall > 0 && st != "learn" && st != "health") ? sprintf("%.0f", posts / wall) : "-"),
            ((st in rss) ? sprintf("%.1f", rss[st] / 1024) : "-"),
            (have ? sprintf("%.2f", f) : "-"), (have ? r : "-"),
            ((have && f > 0) ? sprintf("%.1fx", wall / f) : "-")
    }' "$DIR/stage_rss.txt" "$DIR/floors.txt" "$DIR/stages.txt"
exit $rc
