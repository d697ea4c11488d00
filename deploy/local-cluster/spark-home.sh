#!/usr/bin/env bash
# Lays out a SPARK_HOME from the Spark jars the build already resolved (deploy/spark-dist's
# classpath; no Spark download): jars/ (links to them), bin/spark-class and bin/spark-submit (Spark's
# launcher library over those jars), conf/. spark-submit, the standalone master, its workers and the
# executors they launch all accept it. Prints the directory.
#   deploy/local-cluster/spark-home.sh [DIR]     (default: deploy/target/spark-home)
# DIR is replaced only if this script made it (it holds the marker file EBV_SPARK_HOME).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
home="${1:-$root/deploy/target/spark-home}"
classpath="$root/deploy/spark-dist/target/spark-dist.classpath"
[[ -f "$classpath" ]] || { echo "spark-home: $classpath: not built (run mvn -DskipTests install)" >&2; exit 1; }
if [[ -e "$home" && ! -f "$home/EBV_SPARK_HOME" ]]; then
  echo "spark-home: $home exists and was not made by this script; not touching it" >&2
  exit 1
fi
rm -rf "$home/jars" "$home/bin"
mkdir -p "$home/jars" "$home/bin" "$home/conf"
tr ':' '\n' < "$classpath" | while IFS= read -r jar; do
  [[ -n "$jar" ]] && ln -sf "$jar" "$home/jars/$(basename "$jar")"
done
cp "$here/bin/spark-class" "$here/bin/spark-submit" "$home/bin/"
echo "Spark $(basename "$(ls "$home"/jars/spark-core_*.jar)" .jar | sed 's/^spark-core_[0-9.]*-//') (jars resolved by Maven)" > "$home/RELEASE"
echo "made by deploy/local-cluster/spark-home.sh" > "$home/EBV_SPARK_HOME"
echo "$home"
