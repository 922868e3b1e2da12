#!/usr/bin/env bash
# A private PostgreSQL cluster for the project, or the one named by PGHOST/PGPORT.
#   tools/pg.sh start   -> prints "export PGHOST=... PGPORT=... PGUSER=..." for eval
#   tools/pg.sh stop
# The cluster lives in .run/pg (trust auth, unix socket only), owned by the
# postgres system user when run as root (PostgreSQL refuses to run as root).
# Tuned like a small dedicated server (PG_SHARED_BUFFERS, default 1GB; WAL up to
# 4GB between checkpoints), durability off: it holds test and demo data only.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
RUN=${MEDSYNC_RUN_DIR:-$here/.run}
DATA=$RUN/pg/data
SOCK=$RUN/pg/sock
PORT=${MEDSYNC_PGPORT:-54329}
DBUSER=${MEDSYNC_DBUSER:-odoo}

pgbin() {
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return; }; done
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:-start}
if [ -n "${PGHOST:-}" ] && [ "$cmd" = start ]; then
  # an existing server was given: use it as it is
  echo "export PGHOST=$PGHOST PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-$DBUSER}"
  exit 0
fi

case "$cmd" in
start)
  if ! BIN=$(pgbin); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "pg: installing PostgreSQL server (Debian package)" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2
      BIN=$(pgbin)
    else
      echo "pg: no PostgreSQL server binaries found; install postgresql or set PGHOST/PGPORT" >&2
      exit 2
    fi
  fi
  mkdir -p "$RUN/pg" "$SOCK"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$RUN/pg"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    as_owner "$BIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    opts="-k $SOCK -p $PORT -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c max_wal_size=4GB"
    if ! as_owner "$BIN/pg_ctl" -D "$DATA" -l "$RUN/pg/server.log" -w -t 60 \
        -o "$opts -c shared_buffers=${PG_SHARED_BUFFERS:-1GB}" start >/dev/null; then
      # a machine that cannot spare the memory: PostgreSQL's own default
      echo "pg: could not start with shared_buffers=${PG_SHARED_BUFFERS:-1GB}; starting with 128MB" >&2
      as_owner "$BIN/pg_ctl" -D "$DATA" -l "$RUN/pg/server.log" -w -t 60 -o "$opts -c shared_buffers=128MB" \
        start >/dev/null
    fi
  fi
  # the role Odoo connects as (Odoo refuses to connect as "postgres")
  as_owner "$BIN/psql" -h "$SOCK" -p "$PORT" -U postgres -d postgres -tAq -c \
    "DO \$\$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname='$DBUSER') THEN CREATE ROLE $DBUSER LOGIN SUPERUSER; END IF; END\$\$;" >&2
  echo "export PGHOST=$SOCK PGPORT=$PORT PGUSER=$DBUSER"
  ;;
stop)
  BIN=$(pgbin) || exit 0
  [ -f "$DATA/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
  ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
