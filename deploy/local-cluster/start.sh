#!/usr/bin/env bash
# Starts a Spark standalone cluster on this machine: a master and N workers, each its own JVM on
# 127.0.0.1, over a SPARK_HOME laid out from the jars the build resolved (spark-home.sh). Waits until
# every worker has registered, then prints the master URL (also in STATE/master-url).
#   deploy/local-cluster/start.sh [--workers 2] [--cores 1] [--memory 3g] [--port 7077]
#                                 [--ui-port 8080] [--state deploy/target/local-cluster]
# Each JVM leads its own process group (the executors a worker launches join it), recorded in
# STATE/pids; stop.sh ends them by those IDs. Logs: STATE/logs/. Submit with
#   SPARK_HOME=STATE/spark-home deploy/bin/ebv-submit --master $(cat STATE/master-url) -- ...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
workers=2 cores=1 memory=3g port=7077 ui_port=8080 state="$root/deploy/target/local-cluster"
usage() { echo "usage: start.sh [--workers N] [--cores C] [--memory M] [--port P] [--ui-port P] [--state DIR]" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  [[ $# -ge 2 ]] || usage
  case "$1" in
    --workers) workers="$2" ;;
    --cores) cores="$2" ;;
    --memory) memory="$2" ;;
    --port) port="$2" ;;
    --ui-port) ui_port="$2" ;;
    --state) state="$2" ;;
    *) usage ;;
  esac
  shift 2
done
for n in "$workers" "$cores" "$port" "$ui_port"; do
  [[ "$n" =~ ^[0-9]+$ && "$n" -gt 0 ]] || { echo "start.sh: '$n' is not a positive number" >&2; exit 2; }
done
[[ "$memory" =~ ^[0-9]+[mMgG]$ ]] || { echo "start.sh: --memory '$memory' is not like 3g or 512m" >&2; exit 2; }

if [[ -e "$state" && ! -f "$state/EBV_LOCAL_CLUSTER" ]]; then
  echo "start.sh: $state exists and is not a local cluster's state; not touching it" >&2
  exit 1
fi
if [[ -s "$state/pids" ]]; then
  while read -r name pid; do
    if kill -0 "$pid" 2>/dev/null; then
      echo "start.sh: a cluster from $state is running ($name, pid $pid); stop.sh --state $state first" >&2
      exit 1
    fi
  done < "$state/pids"
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "start.sh: port $port on 127.0.0.1 is taken; pick another with --port" >&2
  exit 1
fi
mkdir -p "$state/logs"
echo "made by deploy/local-cluster/start.sh" > "$state/EBV_LOCAL_CLUSTER"
: > "$state/pids"
export SPARK_HOME
SPARK_HOME="$("$here/spark-home.sh" "$state/spark-home")"
export SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.12 SPARK_DAEMON_MEMORY="${SPARK_DAEMON_MEMORY:-512m}"
master="spark://127.0.0.1:$port"

# setsid: each daemon leads a new process group, so stop.sh also reaches the executors it started.
setsid "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port "$port" --webui-port "$ui_port" > "$state/logs/master.log" 2>&1 < /dev/null &
echo "master $!" >> "$state/pids"
source "$here/worker.sh"
for i in $(seq 1 "$workers"); do
  start_worker "$i"
done

# Ready when the master's log has registered every worker (no HTTP client is needed for that).
for _ in $(seq 1 120); do
  registered=$(grep -c "Registering worker 127.0.0.1" "$state/logs/master.log" 2>/dev/null || true)
  if [[ "$registered" -ge "$workers" ]]; then
    echo "$master" > "$state/master-url"
    echo "$master"
    exit 0
  fi
  while read -r name pid; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "start.sh: the $name JVM exited; its log: $state/logs/$name.log" >&2
      tail -5 "$state/logs/$name.log" >&2 || true
      "$here/stop.sh" --state "$state" >/dev/null 2>&1 || true
      exit 1
    fi
  done < "$state/pids"
  sleep 1
done
echo "start.sh: only $registered of $workers workers registered in 120 s; logs in $state/logs" >&2
"$here/stop.sh" --state "$state" >/dev/null 2>&1 || true
exit 1
