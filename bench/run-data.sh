#!/usr/bin/env bash
# The data benchmark (issue 4): decode + augment per core against PIL + torchvision on the same
# ImageNet-like JPEGs, and ebv prepare throughput. Argument: rounds over the corpus (default 2).
# Writes its section of docs/BENCHMARKS.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-env.sh"
corpus=bench/out/jpegs
if [[ ! -d "$corpus/train" ]]; then
  "${EBV_BENCH_PYTHON:-/usr/bin/python3}" bench/python/make_jpegs.py --root "$corpus" --classes 10 --per-class 50
fi
# shellcheck disable=SC2086
java -Xmx6g $EBV_JAVA17_OPENS $EBV_JAVA_PROPS -Dspark.ui.enabled=false -Dspark.driver.host=127.0.0.1 \
  -Dlog4j2.configurationFile=classpath:ebv-log4j2.properties \
  -cp "$bench_cp" org.ebvspark.bench.DataBenchmark "$corpus" "${1:-2}"
