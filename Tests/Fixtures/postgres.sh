#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL server for the tests, on 127.0.0.1 and a free port,
# with its data and socket in a temporary directory.
#   postgres.sh start DIR   prints the URL of database "pushguard" (user pushguard, password)
#   postgres.sh stop DIR    stops the server and removes DIR
# initdb refuses root, so as root the server runs as the "postgres" user.
set -euo pipefail
command=$1 dir=$2
bin=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bin/initdb" ] || bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "postgres.sh: no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 2; }
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case $command in
start)
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100" start >/dev/null
  as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE pushguard LOGIN PASSWORD 'pg-test-pass' CREATEDB" \
    -c "CREATE DATABASE pushguard OWNER pushguard" >/dev/null
  echo "$port" >"$dir/port"
  echo "postgres://pushguard:pg-test-pass@127.0.0.1:$port/pushguard"
  ;;
stop)
  if [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
  ;;
psql)
  shift 2
  as_owner "$bin/psql" -h "$dir" -p "$(cat "$dir/port")" -U postgres -q -v ON_ERROR_STOP=1 "$@"
  ;;
esac
