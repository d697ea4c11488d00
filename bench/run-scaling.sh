#!/usr/bin/env bash
# Issue 26: the same recipe on 1, 2, 4, 8 and 16 workers at one global batch (default 256):
# Fashion-MNIST, cnn-small + EBV (N = 10, d = 32), 3 epochs, the default recipe, on Spark local[W]
# with --workers W and --batch GLOBAL/W, and once in one JVM (--local, --batch GLOBAL). 16 workers on
# this 2-core machine are oversubscribed: that row measures accuracy, not speed.
#   bench/run-scaling.sh [SEEDS=42] [WORKERS="1 2 4 8 16"] [EPOCHS=3] [GLOBAL=256]
# Finished runs under bench/out/scaling are reused. Writes the scaling section of docs/BENCHMARKS.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seeds="${1:-42}" workers="${2:-1 2 4 8 16}" epochs="${3:-3}" global="${4:-256}"
[[ -d /usr/share/datasets/fashion-mnist ]] || { echo "run-scaling.sh: apt-get install dataset-fashion-mnist" >&2; exit 2; }
[[ -f deploy/target/ebv-spark-app.jar ]] || mvn -B -q -DskipTests install
out="$root/bench/out/scaling"
mkdir -p "$out/runs"
export EBV_APP_JAR="$out/ebv-spark-app.jar" EBV_HEAP="${EBV_HEAP:-8g}"
cp deploy/target/ebv-spark-app.jar "$EBV_APP_JAR"
table="$root/bench/out/fmnist" basis="$root/bench/out/fmnist-ebv10-d32.ebv"
[[ -f "$table/_SUCCESS" ]] || deploy/bin/ebv prepare fashion-mnist --input /usr/share/datasets/fashion-mnist -o "$table"
[[ -f "$basis" ]] || deploy/bin/ebv generate -n 10 -d 32 -a 0.001 --no-spark --seed 42 -o "$basis"
common=(--data "$table" --backbone cnn-small --channels 1 --head ebv --ebv "$basis" --epochs "$epochs" --overwrite)
for seed in ${seeds//,/ }; do
  for w in $workers; do
    run="$out/runs/w$w-s$seed"
    [[ -f "$run/_SUCCESS" ]] || deploy/bin/ebv train "${common[@]}" --run "$run" --seed "$seed" \
      --master "local[$w]" --workers "$w" --batch $((global / w)) > "$out/w$w-s$seed.log" 2>&1
  done
  run="$out/runs/jvm-s$seed"
  [[ -f "$run/_SUCCESS" ]] || deploy/bin/ebv train "${common[@]}" --run "$run" --seed "$seed" --local \
    --batch "$global" > "$out/jvm-s$seed.log" 2>&1
done
python3 bench/python/scaling_summary.py "$out/runs" "$seeds" "$workers" "$epochs" "$global" docs/BENCHMARKS.md
