#!/usr/bin/env bash
# Stops the cluster start.sh started: each process group recorded in STATE/pids (a daemon and the
# executors or drivers it launched) gets SIGTERM, then SIGKILL after 15 s. Then deletes what the
# cluster wrote into its workers' directories (copies of application jars, executor logs, shuffle
# files), unless --keep-work; logs/ and the Spark home stay.
#   deploy/local-cluster/stop.sh [--state deploy/target/local-cluster] [--keep-work]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
state="$root/deploy/target/local-cluster" keep_work=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --state) state="${2:?--state needs a directory}"; shift 2 ;;
    --keep-work) keep_work=true; shift ;;
    *) echo "usage: stop.sh [--state DIR] [--keep-work]" >&2; exit 2 ;;
  esac
done
[[ -f "$state/EBV_LOCAL_CLUSTER" ]] || { echo "stop.sh: $state is not a local cluster's state" >&2; exit 1; }
pids=()
if [[ -f "$state/pids" ]]; then
  while read -r _ pid; do pids+=("$pid"); done < "$state/pids"
fi
for pid in ${pids[@]+"${pids[@]}"}; do kill -TERM -- "-$pid" 2>/dev/null || true; done
for _ in $(seq 1 15); do
  alive=false
  for pid in ${pids[@]+"${pids[@]}"}; do kill -0 -- "-$pid" 2>/dev/null && alive=true; done
  $alive || break
  sleep 1
done
for pid in ${pids[@]+"${pids[@]}"}; do kill -KILL -- "-$pid" 2>/dev/null || true; done
rm -f "$state/pids" "$state/master-url"
if ! $keep_work; then
  for w in "$state"/worker-*; do
    [[ -d "$w" ]] && rm -rf "$w/work" "$w/local" && mkdir -p "$w/work" "$w/local"
  done
fi
echo "stopped the cluster of $state"
