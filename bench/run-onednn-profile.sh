#!/usr/bin/env bash
# Where a fast training step's oneDNN time goes (issue 10): trains cnn-small and resnet32 (batch
# 128, 2 threads, the fast layers) with oneDNN's verbose log on (DNNL_VERBOSE=1, libnd4j's
# statically linked oneDNN honours it), then sums the log of the timed steps by primitive and shape
# into docs/BENCHMARKS.md. Arguments: STEPS (default 5) timed steps per network (each in its own
# JVM), after 5 untimed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-env.sh"
log="$(mktemp)"
trap 'rm -rf "$bench_jars" "$log"' EXIT
run() {
  # shellcheck disable=SC2086
  java -Xmx"${EBV_BENCH_HEAP:-8g}" $EBV_JAVA17_OPENS $EBV_JAVA_PROPS \
    -Dlog4j2.configurationFile=classpath:ebv-log4j2.properties -cp "$bench_cp" \
    org.ebvspark.bench.OneDnnProfile "$@"
}
for net in cnn-small resnet32; do
  DNNL_VERBOSE=1 OMP_NUM_THREADS=2 run train "$net" "${1:-5}" >> "$log"
done
run summarize "$log" "${1:-5}"
