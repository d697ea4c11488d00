#!/usr/bin/env bash
# Issue 10's benchmarks: a training step with the fast layers, DL4J's layers and PyTorch,
# interleaved (part "steps"), and ebv train --local on Fashion-MNIST with each (part "fmnist",
# which needs the data bench/run-training.sh prepares). Arguments: the parts (default both).
# Needs python3-torch and libopenblas0-openmp for the PyTorch side. Writes its sections of
# docs/BENCHMARKS.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-env.sh"
# shellcheck disable=SC2086
java -Xmx"${EBV_BENCH_HEAP:-8g}" -Dorg.bytedeco.javacpp.maxbytes=16G -Dorg.bytedeco.javacpp.maxphysicalbytes=20G \
  $EBV_JAVA17_OPENS $EBV_JAVA_PROPS -Dlog4j2.configurationFile=classpath:ebv-log4j2.properties \
  -Debv.bench.rounds="${EBV_BENCH_ROUNDS:-5}" -Debv.bench.long-epochs="${EBV_BENCH_LONG_EPOCHS:-15}" \
  -cp "$bench_cp" org.ebvspark.bench.LayerSpeedBenchmark "$@"
