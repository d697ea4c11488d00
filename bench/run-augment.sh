#!/usr/bin/env bash
# Issue 14's decode + augment budget: the default ImageNet training transform and the paper recipe's
# (TrivialAugment-wide, random erasing), one thread, against PIL + torchvision's same transforms,
# interleaved; and mixup / cutmix per batch. Argument: rounds (default 3). Needs python3-torch and
# python3-torchvision. Writes its section of docs/BENCHMARKS.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-env.sh"
corpus=bench/out/jpegs
if [[ ! -d "$corpus/train" ]]; then
  "${EBV_BENCH_PYTHON:-/usr/bin/python3}" bench/python/make_jpegs.py --root "$corpus" --classes 10 --per-class 50
fi
# shellcheck disable=SC2086
java -Xmx4g $EBV_JAVA17_OPENS $EBV_JAVA_PROPS -Dlog4j2.configurationFile=classpath:ebv-log4j2.properties \
  -cp "$bench_cp" org.ebvspark.bench.AugmentBenchmark "$corpus" "${1:-3}"
