#!/usr/bin/env bash
# Entrypoint of thidua-postgres:local: Debian's PostgreSQL, set up from the environment like the official postgres
# image (the subset this project's compose file uses):
#   POSTGRES_PASSWORD (required on first start), POSTGRES_USER (default postgres: the super user),
#   POSTGRES_DB (default: the user's name), PGDATA (default /var/lib/postgresql/data: mount a volume there),
#   POSTGRES_INITDB_ARGS (extra initdb options).
# First start (an empty data directory): initdb with SCRAM-SHA-256 for every connection, local socket included;
# the server listens on all addresses and pg_hba.conf admits any address with SCRAM-SHA-256. Later starts run the
# existing cluster as it is. Arguments starting with "-" go to postgres (e.g. -c shared_buffers=256MB); any other
# command is run as given.
set -euo pipefail

if (($#)) && [[ $1 != postgres && $1 != -* ]]; then
    exec "$@"
fi
[[ ${1:-} == postgres ]] && shift

bin=$(echo /usr/lib/postgresql/*/bin)
export PGDATA=${PGDATA:-/var/lib/postgresql/data}
user=${POSTGRES_USER:-postgres}
database=${POSTGRES_DB:-$user}

if [[ ! -s $PGDATA/PG_VERSION ]]; then
    if [[ -z ${POSTGRES_PASSWORD:-} ]]; then
        echo "POSTGRES_PASSWORD is required to create the cluster (every connection proves a password)" >&2
        exit 1
    fi
    mkdir -p "$PGDATA"
    chmod 700 "$PGDATA"
    # initdb reads the password from a file, never from its arguments (visible to every process).
    pwfile=$(mktemp)
    trap 'rm -f "$pwfile"' EXIT
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    # shellcheck disable=SC2086  # several options in one variable
    "$bin/initdb" --pgdata="$PGDATA" --username="$user" --pwfile="$pwfile" --auth=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 ${POSTGRES_INITDB_ARGS:-}
    rm -f "$pwfile"
    trap - EXIT
    cat >>"$PGDATA/pg_hba.conf" <<'HBA'
# Written by the entrypoint of thidua-postgres:local: the container network's clients, each with its password.
host    all             all             all                     scram-sha-256
HBA
    cat >>"$PGDATA/postgresql.conf" <<'CONF'
# Written by the entrypoint of thidua-postgres:local.
listen_addresses = '*'
unix_socket_directories = '/var/run/postgresql'
# The image leaves out LLVM (130 MB): no JIT compilation.
jit = off
CONF
    if [[ $database != postgres ]]; then
        # Single-user mode: no server, no socket, no password needed yet.
        quoted=${database//\"/\"\"}
        echo "CREATE DATABASE \"$quoted\"" | "$bin/postgres" --single -D "$PGDATA" postgres >/dev/null
    fi
    echo "==> created the cluster in $PGDATA (super user $user, database $database)"
fi

exec "$bin/postgres" -D "$PGDATA" "$@"
