# pg_lib.sh — a private PostgreSQL server for a test, from Debian's
# postgresql package: initdb and pg_ctl in a temporary folder, on a free
# port of 127.0.0.1 and a socket in that folder, removed at the end.  As
# root (initdb refuses it) the server runs as the `postgres` user.  Source
# it after lib.sh's e2e_setup; pg_start replaces the EXIT trap with one
# that stops the server, then does e2e_cleanup's work.
#   pg_start        start it; sets PG_PORT, PG_DIR and PG_URL (database "test")
#   pg_sql SQL      run SQL with psql (one value per line, no headers)
#   pg_stop_server / pg_start_server   stop and start it again (same data)
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PG_DIR=
PG_PORT=
PG_URL=

pg_as() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_start_server() {
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
}

pg_stop_server() {
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null
}

pg_cleanup() {
    [ -n "$PG_DIR" ] || return 0
    [ -f "$PG_DIR/data/postmaster.pid" ] && pg_stop_server 2>/dev/null
    rm -rf "$PG_DIR"
    PG_DIR=
}

pg_start() {
    if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
        echo "not ok - pg_start: no PostgreSQL (Debian's postgresql package) under /usr/lib/postgresql"
        return 1
    fi
    PG_DIR=$(mktemp -d /tmp/taskschedpgXXXXXX) || return 1
    trap 'pg_status=$?; pg_cleanup; e2e_cleanup "$pg_status"' EXIT
    chmod 755 "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
    PG_PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 \
        >"$PG_DIR/initdb.log" 2>&1; then
        echo "not ok - pg_start: initdb failed"
        sed 's/^/#   /' "$PG_DIR/initdb.log"
        return 1
    fi
    if ! pg_start_server; then
        echo "not ok - pg_start: the server did not start"
        sed 's/^/#   /' "$PG_DIR/server.log"
        return 1
    fi
    pg_as "$PG_BIN/createdb" -h "$PG_DIR" -p "$PG_PORT" -U postgres test || return 1
    PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/test"
}

pg_sql() {
    PGOPTIONS=--client-min-messages=warning pg_as "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U postgres \
        -d test -c "$1"
}
