#!/usr/bin/env bash
# One switch measured inside one JVM (PropertyAb): two copies of a network, one built with
# PROPERTY=VALUE, stepped in alternation. Arguments: NET ROUNDS STEPS PROPERTY=VALUE, e.g.
#   bench/run-property-ab.sh resnet32 10 5 ebv.fused-updater=false
# Prints to the terminal only; quote its output with the command and the machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-env.sh"
# shellcheck disable=SC2086
OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" java -Xmx"${EBV_BENCH_HEAP:-8g}" $EBV_JAVA17_OPENS $EBV_JAVA_PROPS \
  -Dlog4j2.configurationFile=classpath:ebv-log4j2.properties -cp "$bench_cp" \
  org.ebvspark.bench.PropertyAb "$@"
