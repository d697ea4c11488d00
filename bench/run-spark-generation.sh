#!/usr/bin/env bash
# The distributed-generation benchmark (issue 3): Spark local[2] against the single-process
# generator, a run at N = 100,000, d = 512, and a cluster cost model. Argument: steps of the
# large run (default 8). Writes its section of docs/BENCHMARKS.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-env.sh"
# shellcheck disable=SC2086
java -Xmx14g -Dorg.bytedeco.javacpp.maxbytes=8G -Dorg.bytedeco.javacpp.maxphysicalbytes=22G \
  $EBV_JAVA17_OPENS $EBV_JAVA_PROPS -Dspark.ui.enabled=false -Dspark.driver.host=127.0.0.1 \
  -Dlog4j2.configurationFile=classpath:ebv-log4j2.properties \
  -cp "$bench_cp" org.ebvspark.bench.SparkGenerationBenchmark "$@"
