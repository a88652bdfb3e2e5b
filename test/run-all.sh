#!/usr/bin/env bash
# npm test: the whole suite. The multi-node suite (test/cluster) runs beside the rest rather than after
# it: it drives engines of its own in network namespaces of its own and shares nothing with the other
# suites but the CPU, and it spends most of its time waiting on swarm. Its output is kept in a file
# and printed once the rest is done, so the two do not interleave. Fails if either part fails.
set -uo pipefail
cd "$(dirname "$0")/.."

cluster_log="$(mktemp /tmp/dds-test-cluster-XXXXXX.log)"
npm run --silent test:cluster >"$cluster_log" 2>&1 &
cluster_pid=$!

npm run typecheck && npm run test:unit && npm run build:web && npm run test:e2e
rest=$?

printf '\n== npm run test:cluster (ran beside the suites above; its output follows)\n'
wait "$cluster_pid"
cluster=$?
cat "$cluster_log"
rm -f "$cluster_log"

printf '\n== npm test: the suites above %s, the multi-node suite %s\n' \
  "$([ $rest -eq 0 ] && echo passed || echo "FAILED ($rest)")" "$([ $cluster -eq 0 ] && echo passed || echo "FAILED ($cluster)")"
[ $rest -eq 0 ] && [ $cluster -eq 0 ]
