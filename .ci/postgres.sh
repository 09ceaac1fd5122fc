# Sourced by .ci/run: a throwaway PostgreSQL cluster for the run history's
# tests, in a temp directory, on a local port, listening on 127.0.0.1 only,
# run as the `postgres` user (the server refuses root), stopped on exit.
# Sets FASTWARE_TEST_POSTGRES to its URL; without a server the PostgreSQL
# tests print SKIPPED.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$pg_bin" ] || ! id postgres >/dev/null 2>&1; then
    echo "== no PostgreSQL server here: the PostgreSQL tests will print SKIPPED"
else
    pg_dir=$(mktemp -d /tmp/fastware-pg.XXXXXX)
    chown postgres "$pg_dir"
    pg_port=${FASTWARE_PG_PORT:-55432}
    as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    if as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres >"$pg_dir/initdb.log" 2>&1 \
        && as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
            -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=60" start >/dev/null; then
        export FASTWARE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$pg_port/postgres"
        echo "== PostgreSQL $("$pg_bin/postgres" -V | awk '{print $3}') on 127.0.0.1:$pg_port for the tests"
        stop_postgres() { as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$pg_dir"; }
        trap stop_postgres EXIT
    else
        echo "== PostgreSQL did not start (see below): the PostgreSQL tests will print SKIPPED"
        tail -5 "$pg_dir/initdb.log" "$pg_dir/server.log" 2>/dev/null || true
    fi
fi
