#!/usr/bin/env bash
# Stands in for a Spark distribution's bin/spark-submit over the jars in $SPARK_HOME/jars (the
# ones Maven resolved). Spark's launcher library (org.apache.spark.launcher.Main) builds the java
# command, with spark.driver.extraJavaOptions and the rest applied: it prints a line holding only a
# NUL, then the command's arguments NUL-separated; the wrapper appends the launcher's exit status.
set -uo pipefail
set +o posix
# A distribution's bin/load-spark-env.sh sets this; the launcher needs it to find the jars.
export SPARK_SCALA_VERSION="${SPARK_SCALA_VERSION:-2.12}"
command=()
collecting=false
separator=$'\n'
while IFS= read -r -d "$separator" item; do
  if $collecting; then
    command+=("$item")
  elif [[ -z "$item" ]]; then
    collecting=true # bash drops the NUL: the sentinel line reads as empty
    separator=''
  else
    echo "$item"
  fi
done < <(java -Xmx128m -cp "$SPARK_HOME/jars/*" org.apache.spark.launcher.Main \
  org.apache.spark.deploy.SparkSubmit "$@"; printf '%d\0' $?)
[[ ${#command[@]} -gt 0 ]] || { echo "spark-submit: the launcher printed no command" >&2; exit 1; }
last=$((${#command[@]} - 1))
status="${command[$last]}"
[[ "$status" =~ ^[0-9]+$ ]] || { echo "spark-submit: the launcher failed" >&2; exit 1; }
[[ "$status" == 0 ]] || exit "$status"
exec "${command[@]:0:$last}"
