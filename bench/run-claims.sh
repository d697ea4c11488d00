#!/usr/bin/env bash
# Issue 14's experiments on Fashion-MNIST (Debian's dataset-fashion-mnist): EBV against FC on
# balanced and long-tailed data over seeds, EBV against d and alpha, the paper's recipe against the
# default part by part. Arguments: EPOCHS [PART...] with PART in balanced, longtail, dims, recipe
# (default all). EBV_BENCH_SEEDS (default 42,43,44), EBV_BENCH_BALANCED (backbones, default
# cnn-small,resnet32), EBV_BENCH_LONGTAIL (default resnet32), EBV_BENCH_RATIOS (default 100,10). Finished runs under bench/out/runs are
# read back, so a second call continues an interrupted one. Writes its sections of docs/BENCHMARKS.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-env.sh"
if [[ ! -d /usr/share/datasets/fashion-mnist ]]; then
  echo "run-claims.sh: Fashion-MNIST is missing: apt-get install dataset-fashion-mnist" >&2
  exit 2
fi
# shellcheck disable=SC2086
java -Xmx"${EBV_BENCH_HEAP:-8g}" -Dorg.bytedeco.javacpp.maxbytes=10G -Dorg.bytedeco.javacpp.maxphysicalbytes=18G \
  $EBV_JAVA17_OPENS $EBV_JAVA_PROPS -Dspark.ui.enabled=false -Dspark.driver.host=127.0.0.1 \
  -Dlog4j2.configurationFile=classpath:ebv-log4j2.properties \
  -Debv.bench.seeds="${EBV_BENCH_SEEDS:-42,43,44}" \
  -Debv.bench.balanced="${EBV_BENCH_BALANCED:-cnn-small,resnet32}" \
  -Debv.bench.longtail="${EBV_BENCH_LONGTAIL:-resnet32}" -Debv.bench.ratios="${EBV_BENCH_RATIOS:-100,10}" \
  -cp "$bench_cp" org.ebvspark.bench.ClaimsBenchmark "$@"
