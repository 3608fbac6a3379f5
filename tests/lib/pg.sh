# tests/lib/pg.sh — a throwaway PostgreSQL in a temporary directory.
# pg_start DIR starts a cluster listening only on a Unix socket in DIR and
# exports PGHOST/PGPORT/PGUSER; pg_stop stops it.  As root, the server runs as
# the postgres user (initdb refuses root) through runuser.

pg_bin() {
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    echo "pg.sh: no PostgreSQL server binaries (apt-get install postgresql)" >&2
    return 1
}

pg_run() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
    PG_DIR=$1
    PG_BIN=$(pg_bin) || return 1
    mkdir -p "$PG_DIR"
    chmod 755 "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
    # A data directory already there (bench/agency.sh BENCH_DB_FROM) is started as it is.
    [ -f "$PG_DIR/data/PG_VERSION" ] ||
        pg_run "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C --no-sync \
            >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
    PG_PORT=$((20000 + $$ % 20000))
    pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses='' -c unix_socket_directories='$PG_DIR' -p $PG_PORT -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=100" \
        start >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
    export PGHOST="$PG_DIR" PGPORT="$PG_PORT" PGUSER=postgres PGDATABASE=postgres
    unset PGSERVICE PGPASSWORD
    export PG_DIR PG_BIN
    PG_OWNER=$$ # not exported: a script run from this one does not own this server
}

# pg_stop [MODE]: stops the server this shell started (pg_ctl's mode, immediate by
# default); a no-op in a script that only inherited PG_DIR (bench/run.sh's scripts
# start their own, and must not stop its one).
pg_stop() {
    [ "${PG_OWNER:-}" = "$$" ] && [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ] &&
        pg_run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m "${1:-immediate}" -w -t 600 stop >/dev/null 2>&1
    return 0
}
