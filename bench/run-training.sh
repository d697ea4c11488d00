#!/usr/bin/env bash
# The training benchmarks (issues 5 and 6) on Fashion-MNIST: throughput against PyTorch, EBV
# against FC (single machine), long-tailed EBV against FC, Spark local[1]/local[2] and Spark against
# the single-machine trainer. Arguments: EPOCHS [PART...] with PART in throughput, heads, longtail,
# spark, bytes, parity (default: all but parity). EBV_BENCH_SEEDS=42,43,44 runs parity once per
# seed (finished runs under bench/out/runs are reused). Needs Debian's dataset-fashion-mnist (and
# python3-torch for throughput).
# Writes its sections of docs/BENCHMARKS.md as each part ends.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-env.sh"
if [[ ! -d /usr/share/datasets/fashion-mnist ]]; then
  echo "run-training.sh: Fashion-MNIST is missing: apt-get install dataset-fashion-mnist" >&2
  exit 2
fi
# shellcheck disable=SC2086
java -Xmx"${EBV_BENCH_HEAP:-8g}" -Dorg.bytedeco.javacpp.maxbytes=10G -Dorg.bytedeco.javacpp.maxphysicalbytes=18G \
  $EBV_JAVA17_OPENS $EBV_JAVA_PROPS -Dspark.ui.enabled=false -Dspark.driver.host=127.0.0.1 \
  -Dlog4j2.configurationFile=classpath:ebv-log4j2.properties -Debv.bench.seeds="${EBV_BENCH_SEEDS:-42}" \
  -cp "$bench_cp" org.ebvspark.bench.TrainingBenchmark "${1:-4}" "${@:2}"
