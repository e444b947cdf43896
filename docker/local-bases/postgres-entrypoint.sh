#!/bin/sh
# The upstream postgres image's start, in short: on an empty data folder, create the cluster with
# POSTGRES_USER as its superuser (password POSTGRES_PASSWORD, required from other hosts) and the
# database POSTGRES_DB; then run the server as `postgres`, listening on every address.
set -eu
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
user=${POSTGRES_USER:-postgres}
database=${POSTGRES_DB:-$user}
as_postgres() { setpriv --reuid postgres --regid postgres --init-groups "$@"; }

mkdir -p "$PGDATA"
chown postgres:postgres "$PGDATA"
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  password_file=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$password_file"
  chown postgres "$password_file"
  as_postgres initdb --username "$user" --pwfile "$password_file" --encoding UTF8 --locale C.UTF-8 \
    --auth-local trust \
    --auth-host scram-sha-256 >/dev/null
  rm "$password_file"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  if [ "$database" != postgres ]; then
    as_postgres pg_ctl --wait --silent --options "-c listen_addresses= -k /tmp" start
    as_postgres createdb --host /tmp --username "$user" "$database"
    as_postgres pg_ctl --wait --silent --mode fast stop
  fi
fi
exec setpriv --reuid postgres --regid postgres --init-groups "$@"
