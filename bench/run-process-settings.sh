#!/usr/bin/env bash
# The process settings a training JVM starts with (issue 10): glibc's malloc (its default, or
# transparent huge pages for its mappings) and the OpenMP wait policy, each setting in its own
# JVMs, interleaved round by round: cnn-small and resnet32 training steps (fast layers, batch 128,
# 2 threads), with each process's minor page faults per step. Arguments: ROUNDS (default 3).
# Writes its section of docs/BENCHMARKS.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-env.sh"
log="$(mktemp)"
trap 'rm -rf "$bench_jars" "$log"' EXIT
rounds="${1:-3}"
passive=(OMP_WAIT_POLICY=PASSIVE OPENBLAS_THREAD_TIMEOUT=4)
for ((r = 1; r <= rounds; r++)); do
  for setting in "default malloc, default wait" "default malloc, passive wait" \
                 "huge-page malloc, passive wait"; do
    # env takes its -u options before its assignments.
    case "$setting" in
      "default malloc, default wait") e=(-u GLIBC_TUNABLES -u OMP_WAIT_POLICY -u OPENBLAS_THREAD_TIMEOUT) ;;
      "default malloc, passive wait") e=(-u GLIBC_TUNABLES "${passive[@]}") ;;
      "huge-page malloc, passive wait") e=(GLIBC_TUNABLES=glibc.malloc.hugetlb=1 "${passive[@]}") ;;
    esac
    for net in cnn-small resnet32; do
      echo "SETTING $net $setting" >> "$log"
      # shellcheck disable=SC2086
      env "${e[@]}" OMP_NUM_THREADS=2 java -Xmx"${EBV_BENCH_HEAP:-8g}" $EBV_JAVA17_OPENS \
        $EBV_JAVA_PROPS -Dlog4j2.configurationFile=classpath:ebv-log4j2.properties \
        -cp "$bench_cp" org.ebvspark.bench.OneDnnProfile train "$net" 8 >> "$log"
    done
  done
done
# shellcheck disable=SC2086
java $EBV_JAVA17_OPENS -cp "$bench_cp" org.ebvspark.bench.ProcessSettings "$log" "$rounds"
