# Sourced by start.sh and add-worker.sh: starts worker number $1 of the cluster in $state, with
# $cores, $memory, $master and $SPARK_HOME set, and records it in $state/pids.
start_worker() {
  local i="$1"
  mkdir -p "$state/worker-$i/work" "$state/worker-$i/local"
  SPARK_LOCAL_DIRS="$state/worker-$i/local" setsid "$SPARK_HOME/bin/spark-class" \
    org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores "$cores" --memory "$memory" \
    --webui-port 0 --work-dir "$state/worker-$i/work" "$master" \
    > "$state/logs/worker-$i.log" 2>&1 < /dev/null &
  echo "worker-$i $!" >> "$state/pids"
}
