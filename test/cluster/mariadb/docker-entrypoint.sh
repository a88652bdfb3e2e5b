#!/bin/bash
# Initialises an empty data directory once (database, user, password from a file), then runs mariadbd
# in the foreground as PID 1 so it gets the stop signal.
set -euo pipefail

datadir=/var/lib/mysql
socket=/run/mysqld/mysqld.sock
install -d -o mysql -g mysql /run/mysqld
chown mysql:mysql "$datadir"

if [ ! -d "$datadir/mysql" ]; then
  password="${MARIADB_PASSWORD:-}"
  if [ -n "${MARIADB_PASSWORD_FILE:-}" ]; then password="$(cat "$MARIADB_PASSWORD_FILE")"; fi
  : "${MARIADB_DATABASE:?MARIADB_DATABASE is required}" "${MARIADB_USER:?MARIADB_USER is required}"
  [ -n "$password" ] || { echo "MARIADB_PASSWORD or MARIADB_PASSWORD_FILE is required" >&2; exit 1; }
  # SQL string literals: double every quote and backslash.
  quote() { local s="${1//\\/\\\\}"; printf "'%s'" "${s//\'/\'\'}"; }

  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db --auth-root-authentication-method=socket >/dev/null
  mariadbd --user=mysql --datadir="$datadir" --skip-networking --socket="$socket" &
  for _ in $(seq 1 60); do mariadb-admin --socket="$socket" ping >/dev/null 2>&1 && break; sleep 0.5; done
  mariadb --socket="$socket" <<SQL
CREATE DATABASE \`${MARIADB_DATABASE//\`/}\`;
CREATE USER $(quote "$MARIADB_USER")@'%' IDENTIFIED BY $(quote "$password");
GRANT ALL ON \`${MARIADB_DATABASE//\`/}\`.* TO $(quote "$MARIADB_USER")@'%';
FLUSH PRIVILEGES;
SQL
  mariadb-admin --socket="$socket" shutdown
  wait
  echo "initialised database ${MARIADB_DATABASE} for user ${MARIADB_USER}"
fi

# skip-name-resolve, as the official image: no reverse DNS lookup of each client (slow in a swarm).
exec mariadbd --user=mysql --datadir="$datadir" --socket="$socket" --bind-address=0.0.0.0 --port=3306 --skip-name-resolve
