#!/usr/bin/env bash
# Gathers what the container images copy, from this build's outputs, into one Docker build
# context (no Docker engine needed for this step):
#   deploy/k8s/image-context.sh [--cuda] [DIR]     (default: deploy/target/image-context)
#   docker build -f deploy/k8s/Dockerfile.cpu  -t REGISTRY/ebv-spark:cpu  deploy/target/image-context
#   docker build -f deploy/k8s/Dockerfile.cuda -t REGISTRY/ebv-spark:cuda deploy/target/image-context
# The context holds the application jar (built with -Pcuda for --cuda: it must carry ND4J's CUDA
# backend), the s3a:// jars Spark's images lack (hadoop-aws and the AWS SDK bundle, the versions
# the build resolved), the GPU discovery script and the launchers' JVM options.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cuda=false
if [[ "${1:-}" == "--cuda" ]]; then cuda=true; shift; fi
context="${1:-$root/deploy/target/image-context}"
app="${EBV_APP_JAR:-$root/deploy/target/ebv-spark-app.jar}"
classpath="$root/deploy/spark-dist/target/spark-dist.classpath"
for f in "$app" "$classpath"; do
  [[ -f "$f" ]] || { echo "image-context: $f: not built (run mvn -DskipTests install${cuda:+, with -Pcuda for --cuda})" >&2; exit 1; }
done
backend=cpu
if jar tf "$app" | grep -q '^org/nd4j/linalg/jcublas/JCublasBackend.class$'; then backend=cuda; fi
if $cuda && [[ "$backend" != cuda ]]; then
  echo "image-context: $app has no ND4J CUDA backend; build it with mvn -Pcuda -DskipTests install" >&2
  exit 1
fi
if [[ -e "$context" && ! -f "$context/EBV_IMAGE_CONTEXT" ]]; then
  echo "image-context: $context exists and was not made by this script; not touching it" >&2
  exit 1
fi
# Gathered in a sibling directory and renamed into place: a failed copy leaves the old context.
staging="$context.tmp.$$"
rm -rf "$staging"
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging/jars" "$staging/conf"
cp "$app" "$staging/ebv-spark-app.jar"
tr ':' '\n' < "$classpath" | grep -E '/(hadoop-aws|aws-java-sdk-bundle|wildfly-openssl)-[^/]*\.jar$' \
  | while IFS= read -r jar; do cp "$jar" "$staging/jars/"; done
cp "$root/deploy/conf/gpu-discovery.sh" "$staging/conf/"
# The JVM options of deploy/bin/ebv-submit, for spark.driver/executor.extraJavaOptions
# (docs/CLUSTERS.md); a CUDA build loads ND4J's natives without the oneDNN extension.
[[ "$backend" == cuda ]] && export EBV_JAVACPP_EXTENSION=
source "$root/deploy/bin/java-opts.sh"
echo "$EBV_JAVA17_OPENS $EBV_JAVA_PROPS" > "$staging/conf/java-options"
echo "made by deploy/k8s/image-context.sh ($backend backend)" > "$staging/EBV_IMAGE_CONTEXT"
rm -rf "$context"
mv "$staging" "$context"
trap - EXIT
echo "$context"
