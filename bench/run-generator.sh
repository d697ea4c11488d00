#!/usr/bin/env bash
# The generator benchmark (issue 2): ebv-spark against the paper's algorithm in PyTorch on this
# machine, side by side. Writes its section of docs/BENCHMARKS.md. Options: --large, --large-only.
# Needs Debian's python3-torch and libopenblas0-openmp for the PyTorch side (skipped without them).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source deploy/bin/java-opts.sh
[[ -f bench/target/bench.classpath ]] || mvn -B -q -DskipTests install
cp="bench/target/ebv-bench-0.1.0-SNAPSHOT.jar:$(cat bench/target/bench.classpath)"
# Idle BLAS and OpenMP threads sleep instead of spinning, so the Java scan between products gets
# the cores (measured: about 25% less time per step at N = 1000 on 2 cores).
export OMP_WAIT_POLICY=PASSIVE OPENBLAS_THREAD_TIMEOUT=4
# shellcheck disable=SC2086
exec java -Xmx16g -Dorg.bytedeco.javacpp.maxbytes=20G -Dorg.bytedeco.javacpp.maxphysicalbytes=22G \
  $EBV_JAVA17_OPENS -cp "$cp" org.ebvspark.bench.GeneratorBenchmark "$@"
