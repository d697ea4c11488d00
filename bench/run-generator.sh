#!/usr/bin/env bash
# The generator benchmark (issue 2): ebv-spark against the paper's algorithm in PyTorch on this
# machine, side by side. Writes its section of docs/BENCHMARKS.md. --large: the large cases instead.
# Needs Debian's python3-torch and libopenblas0-openmp for the PyTorch side (skipped without them).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-env.sh"
# shellcheck disable=SC2086
java -Xmx16g -Dorg.bytedeco.javacpp.maxbytes=20G -Dorg.bytedeco.javacpp.maxphysicalbytes=22G \
  $EBV_JAVA17_OPENS -cp "$bench_cp" org.ebvspark.bench.GeneratorBenchmark "$@"
