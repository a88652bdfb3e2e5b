#!/bin/bash
# The official image's health check, in the form deploy/stack.mysql.yml calls it
# (`healthcheck.sh --connect --innodb_initialized`): the server answers on its socket and InnoDB is up.
mariadb --socket=/run/mysqld/mysqld.sock -N -e "SELECT 1 FROM information_schema.ENGINES WHERE ENGINE = 'InnoDB' AND SUPPORT IN ('YES', 'DEFAULT')" 2>/dev/null | grep -q 1
