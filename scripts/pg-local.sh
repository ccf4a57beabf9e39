#!/usr/bin/env bash
# A throwaway PostgreSQL on 127.0.0.1 for development and CI (Debian's postgresql package).
# Usage: scripts/pg-local.sh start|stop   (PGROOT, PGPORT override the defaults)
# Prints nothing but errors; the URL is postgresql://postgres@127.0.0.1:$PGPORT/postgres
set -euo pipefail
PGROOT=${PGROOT:-/tmp/jobwarden-pg}
PGPORT=${PGPORT:-54329}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -n "$BIN" ]] || { echo "PostgreSQL is not installed (apt-get install -y postgresql)" >&2; exit 1; }
as_pg() { if [[ $(id -u) == 0 ]]; then su postgres -s /bin/bash -c "$1"; else bash -c "$1"; fi; }
case "${1:-}" in
  start)
    mkdir -p "$PGROOT"
    [[ $(id -u) == 0 ]] && chown postgres:postgres "$PGROOT"
    if [[ ! -f "$PGROOT/data/PG_VERSION" ]]; then
      as_pg "$BIN/initdb -D $PGROOT/data -U postgres --auth=trust -E UTF8 >/dev/null"
    fi
    as_pg "$BIN/pg_ctl -D $PGROOT/data -o '-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGROOT -c fsync=off -c shared_preload_libraries=pg_stat_statements' -l $PGROOT/pg.log -w start >/dev/null"
    ;;
  stop)
    [[ -f "$PGROOT/data/postmaster.pid" ]] && as_pg "$BIN/pg_ctl -D $PGROOT/data stop -m fast >/dev/null" || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 1 ;;
esac
