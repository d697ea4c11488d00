#!/usr/bin/env bash
# Adds a worker JVM to a running cluster of start.sh (what a cluster gaining a node looks like to
# an application: the master offers it the new worker's cores). Prints the worker's name once the
# master has registered it.
#   deploy/local-cluster/add-worker.sh [--cores 1] [--memory 3g] [--state deploy/target/local-cluster]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cores=1 memory=3g state="$root/deploy/target/local-cluster"
while [[ $# -gt 0 ]]; do
  [[ $# -ge 2 ]] || { echo "usage: add-worker.sh [--cores C] [--memory M] [--state DIR]" >&2; exit 2; }
  case "$1" in
    --cores) cores="$2" ;;
    --memory) memory="$2" ;;
    --state) state="$2" ;;
    *) echo "usage: add-worker.sh [--cores C] [--memory M] [--state DIR]" >&2; exit 2 ;;
  esac
  shift 2
done
[[ "$cores" =~ ^[1-9][0-9]*$ ]] || { echo "add-worker.sh: --cores '$cores' is not a positive number" >&2; exit 2; }
[[ "$memory" =~ ^[0-9]+[mMgG]$ ]] || { echo "add-worker.sh: --memory '$memory' is not like 3g or 512m" >&2; exit 2; }
[[ -f "$state/EBV_LOCAL_CLUSTER" && -f "$state/master-url" ]] \
  || { echo "add-worker.sh: no running cluster of start.sh in $state" >&2; exit 1; }
master="$(cat "$state/master-url")"
export SPARK_HOME="$state/spark-home" SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.12
export SPARK_DAEMON_MEMORY="${SPARK_DAEMON_MEMORY:-512m}"
before=$(grep -c "Registering worker 127.0.0.1" "$state/logs/master.log" || true)
n=$(( $(grep -c '^worker-' "$state/pids" || true) + 1 ))
source "$here/worker.sh"
start_worker "$n"
for _ in $(seq 1 120); do
  if [[ $(grep -c "Registering worker 127.0.0.1" "$state/logs/master.log" || true) -gt "$before" ]]; then
    echo "worker-$n"
    exit 0
  fi
  sleep 1
done
echo "add-worker.sh: worker-$n did not register in 120 s; its log: $state/logs/worker-$n.log" >&2
exit 1
