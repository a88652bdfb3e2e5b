#!/bin/bash
# One swarm node's Docker engine, started by cluster.ts inside the node's own network namespace and new
# UTS and mount namespaces: its own hostname, and its own /var/run/docker.sock (a bind of its API socket),
# so a container that mounts docker.sock (the control plane's app service) talks to this node's engine,
# never the machine's own. Mounts made here (overlay, the socket) stay in this namespace.
#   node-engine.sh NAME DATA_ROOT EXEC_ROOT SOCKET BRIDGE_CIDR CONFIG_FILE
set -euo pipefail
name="$1" data_root="$2" exec_root="$3" socket="$4" bip="$5" config="$6"

hostname "$name"
# Receive the host's unmounts (its containers' mounts leave here too), send nothing back.
mount --make-rslave /
dockerd --data-root "$data_root" --exec-root "$exec_root" --pidfile "$exec_root.pid" \
  -H "unix://$socket" --bip "$bip" --config-file "$config" &
engine=$!
for _ in $(seq 1 100); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { echo "dockerd of $name did not create $socket" >&2; kill "$engine"; exit 1; }
# The bind needs a file to cover (the machine's own socket, or an empty file when its engine is down).
[ -e /run/docker.sock ] || touch /run/docker.sock
mount --bind "$socket" /run/docker.sock
wait "$engine"
