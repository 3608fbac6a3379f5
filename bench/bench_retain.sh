#!/bin/sh
# bench/bench_retain.sh — what month partitions and retention buy on
# xetl.raw_responses (migration 0210, xetl prune).  The same generated rows
# (A accounts x D days x R responses of B bytes, default 100 x 120 x 12 x
# 1 KiB) go into the partitioned table and into a plain copy with the same
# key and index, measured in the same run:
#   * a health-style read: one account's responses over 7 days, per account;
#   * removing the 60 days beyond retention.raw_responses_days = 60:
#     `xetl prune` (drops whole months, deletes the rest) against a DELETE of
#     the same rows from the plain copy; wall time, WAL written, disk after.
#
#   sh bench/bench_retain.sh [ACCOUNTS] [DAYS]   needs PGHOST etc. (bench/run.sh)
set -u
A=${1:-${BENCH_RETAIN_ACCOUNTS:-100}}
D=${2:-${BENCH_RETAIN_DAYS:-120}}
R=${BENCH_RETAIN_PER_DAY:-12}
B=${BENCH_RETAIN_BODY:-1024}
XETL=${XETL:-./xetl}
DB=xetl_bench_retain
ASOF=2026-11-30T02:00:00Z
dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB" || exit 1
export XETL_DB="dbname=$DB" PGDATABASE="$DB"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
"$XETL" -q migrate || exit 1
q -c "INSERT INTO xetl.accounts (account_id, handle, x_user_id)
      SELECT g, 'bench' || g, (1000 + g)::text FROM generate_series(1, $A) g" || exit 1

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
lsn() { q -c "SELECT pg_current_wal_lsn()"; }
wal_mib() { q -c "SELECT round(pg_wal_lsn_diff('$2', '$1') / 1048576.0, 1)"; }
size_mib() { q -c "SELECT round(sum(pg_total_relation_size(c.oid)) / 1048576.0, 1) FROM pg_class c
                    WHERE c.oid = '$1'::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = '$1'::regclass)"; }

ROWS=$((A * D * R))
echo "bench_retain: $A accounts x $D days x $R responses of $B bytes = $ROWS rows"
q -c "CREATE TABLE bench_raw_plain (LIKE xetl.raw_responses INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
      ALTER TABLE bench_raw_plain ADD PRIMARY KEY (account_id, response_id);
      CREATE INDEX ON bench_raw_plain (account_id, as_of, endpoint)" || exit 1
t=$(now)
q -c "INSERT INTO xetl.raw_responses (account_id, as_of, requested_at, endpoint, request_path, http_status, body)
      SELECT a, ts, ts, 'tweets', '/2/tweets', 200, convert_to(repeat('x', $B), 'UTF8')
        FROM generate_series(1, $A) a,
             generate_series(timestamptz '$ASOF' - interval '$D days', timestamptz '$ASOF' - interval '1 hour',
                             interval '1 day' / $R) ts" || exit 1
echo "  load partitioned: $(since "$t") s"
"$XETL" -q migrate || exit 1 # the old months' partitions, rows moved out of the default one
t=$(now)
q -c "INSERT INTO bench_raw_plain SELECT * FROM xetl.raw_responses" || exit 1
echo "  load plain copy: $(since "$t") s"
q -c "ANALYZE xetl.raw_responses; ANALYZE bench_raw_plain" || exit 1
echo "  size: partitioned $(size_mib xetl.raw_responses) MiB in $(q -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'xetl.raw_responses'::regclass") partitions, plain $(size_mib bench_raw_plain) MiB"

# The read health does: one account, a 7-day as-of range, by day.  Every account once.
read_all() { # table
    q -c "DO \$\$ DECLARE n bigint; BEGIN FOR a IN 1..$A LOOP
            SELECT count(*) INTO n FROM $1 WHERE account_id = a
               AND as_of >= timestamptz '$ASOF' - interval '8 days' AND as_of < timestamptz '$ASOF' - interval '1 day';
          END LOOP; END \$\$"
}
read_all xetl.raw_responses; read_all bench_raw_plain # warm
t=$(now); read_all xetl.raw_responses; tp=$(since "$t")
t=$(now); read_all bench_raw_plain; tq=$(since "$t")
echo "  7-day read per account: partitioned $tp s, plain $tq s for $A accounts"

CUT="timestamptz '$ASOF' - interval '60 days'"
GONE=$(q -c "SELECT count(*) FROM bench_raw_plain WHERE as_of < $CUT")
l0=$(lsn); t=$(now)
XETL_RETENTION_RAW_RESPONSES_DAYS=60 "$XETL" -q --as-of "$ASOF" prune >/tmp/bench_retain.$$ || exit 1
tp=$(since "$t"); l1=$(lsn)
t=$(now)
q -c "DELETE FROM bench_raw_plain WHERE as_of < $CUT" || exit 1
tq=$(since "$t"); l2=$(lsn)
echo "  prune 60 of $D days ($GONE rows): $(cat /tmp/bench_retain.$$)"
echo "    partitioned (xetl prune): $tp s, $(wal_mib "$l0" "$l1") MiB WAL, $(size_mib xetl.raw_responses) MiB left"
echo "    plain (DELETE):           $tq s, $(wal_mib "$l1" "$l2") MiB WAL, $(size_mib bench_raw_plain) MiB left until VACUUM FULL"
rm -f /tmp/bench_retain.$$
dropdb "$DB" >/dev/null 2>&1
