#!/usr/bin/env bash
# Issue 26: what a Spark round spends outside fitting on DL4J's round path and on the owned one,
# interleaved (dl4j owned dl4j owned ...), on Spark local[2] and on a 2-worker standalone cluster of
# separate JVMs (deploy/local-cluster, 1-core workers). cnn-small + EBV on Fashion-MNIST, 64 images
# per worker, averaging every 5 batches: ROUNDS rounds a run, the first left out of the medians.
#   bench/run-round-path.sh [REPEATS=3] [ROUNDS=20] [PLACE...]   PLACE: local cluster (default both)
# Writes the round-path section of docs/BENCHMARKS.md. Needs Debian's dataset-fashion-mnist.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
repeats="${1:-3}" rounds="${2:-20}"
places=("${@:3}")
[[ ${#places[@]} -gt 0 ]] || places=(local cluster)
[[ -d /usr/share/datasets/fashion-mnist ]] || { echo "run-round-path.sh: apt-get install dataset-fashion-mnist" >&2; exit 2; }
[[ -f deploy/target/ebv-spark-app.jar ]] || mvn -B -q -DskipTests install
out="$root/bench/out/round-path"
mkdir -p "$out/runs"
# A copy of the jar: a rebuild during the run cannot pull it away.
export EBV_APP_JAR="$out/ebv-spark-app.jar"
cp deploy/target/ebv-spark-app.jar "$EBV_APP_JAR"
export EBV_HEAP=4g
table="$root/bench/out/fmnist" basis="$root/bench/out/fmnist-ebv10-d32.ebv"
[[ -f "$table/_SUCCESS" ]] || deploy/bin/ebv prepare fashion-mnist --input /usr/share/datasets/fashion-mnist -o "$table"
[[ -f "$basis" ]] || deploy/bin/ebv generate -n 10 -d 32 -a 0.001 --no-spark --seed 42 -o "$basis"

train_args() { # RUN PATH
  echo train --data "$table" --backbone cnn-small --channels 1 --head ebv --ebv "$basis" \
    --run "$1" --overwrite --epochs 1 --max-batches $((rounds * 10)) --batch 64 \
    --averaging-frequency 5 --workers 2 --round-path "$2"
}

for place in "${places[@]}"; do
  case "$place" in
    local)
      for rep in $(seq 1 "$repeats"); do
        for path in dl4j owned; do
          run="$out/runs/local-$path-$rep"
          # shellcheck disable=SC2046
          deploy/bin/ebv $(train_args "$run" "$path") --master 'local[2]' > "$out/local-$path-$rep.log" 2>&1
        done
      done ;;
    cluster)
      state="$out/cluster"
      deploy/local-cluster/stop.sh --state "$state" > /dev/null 2>&1 || true
      master="$(deploy/local-cluster/start.sh --workers 2 --cores 1 --memory 3g --port 7177 --ui-port 8181 --state "$state")"
      trap 'deploy/local-cluster/stop.sh --state "$state" > /dev/null 2>&1 || true' EXIT
      for rep in $(seq 1 "$repeats"); do
        for path in dl4j owned; do
          run="$out/runs/cluster-$path-$rep"
          # shellcheck disable=SC2046
          SPARK_HOME="$state/spark-home" deploy/bin/ebv-submit --master "$master" --driver-memory 2g \
            --executor-memory 2g --conf spark.ui.enabled=false -- $(train_args "$run" "$path") \
            > "$out/cluster-$path-$rep.log" 2>&1
        done
      done
      deploy/local-cluster/stop.sh --state "$state" > /dev/null 2>&1 || true
      trap - EXIT ;;
    *) echo "run-round-path.sh: unknown place '$place' (local, cluster)" >&2; exit 2 ;;
  esac
done
python3 bench/python/round_path_summary.py "$out/runs" "$repeats" "$rounds" docs/BENCHMARKS.md
