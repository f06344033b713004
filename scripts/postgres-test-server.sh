#!/bin/sh
# A private PostgreSQL 15 server for the test run: never a system service, never a TCP port.
#
#   sh scripts/postgres-test-server.sh start DIR    a new cluster in DIR (whatever was there is
#                                                   stopped and removed) and a server whose only
#                                                   listener is the unix socket in DIR; prints
#                                                   the database URI
#   sh scripts/postgres-test-server.sh stop DIR     stop it (fast shutdown) and remove DIR
#   sh scripts/postgres-test-server.sh uri DIR      print the URI of the server started in DIR
#
# The cluster trusts local connections (the socket directory is 0700, so only its owner and root
# reach it), runs with fsync=off (a test database need not survive a power cut; it is removed
# afterwards) and has one database, cairn_test. Tests take a fresh schema each (see
# tests/support/conformance.hpp). As root the server runs as the postgres user (initdb refuses
# root); otherwise as the caller. Binaries come from Debian's postgresql-15 package
# (scripts/install-deps.sh installs it); PG_BIN overrides where they are looked for.
set -eu

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PORT=5432  # only names the socket file (.s.PGSQL.5432) in DIR: nothing listens on TCP

usage() {
  echo "usage: $0 start|stop|uri DIR" >&2
  exit 2
}

[ $# -eq 2 ] || usage
action=$1
dir=$2
case "$dir" in
  /*) ;;
  *) dir="$(pwd)/$dir" ;;
esac

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

uri() {
  # libpq reads a unix socket directory from the host parameter.
  echo "postgresql:///cairn_test?host=$dir&port=$PORT&user=$(owner_name)"
}

owner_name() {
  if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

stop_server() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null 2>&1 || true
  fi
}

case "$action" in
  start)
    if [ ! -x "$PG_BIN/initdb" ]; then
      echo "postgres-test-server: $PG_BIN/initdb not found (sh scripts/install-deps.sh)" >&2
      exit 1
    fi
    # Every run starts from an empty cluster: a server left by a run that was killed is stopped
    # and its directory removed first.
    stop_server
    rm -rf "$dir"
    mkdir -p "$dir"
    chmod 0700 "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
    as_owner "$PG_BIN/initdb" -D "$dir/data" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
      --username="$(owner_name)" > "$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c port=$PORT \
          -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
          -c max_connections=200 -c shared_buffers=64MB" start > /dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    if ! as_owner "$PG_BIN/psql" -h "$dir" -p "$PORT" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'cairn_test'" | grep -q 1; then
      as_owner "$PG_BIN/createdb" -h "$dir" -p "$PORT" cairn_test
    fi
    uri
    ;;
  stop)
    stop_server
    rm -rf "$dir"
    ;;
  uri)
    uri
    ;;
  *)
    usage
    ;;
esac
