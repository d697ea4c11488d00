# Sourced by the bench/run-*.sh scripts: builds the project if needed, copies the project's jars
# aside (so a rebuild during a long run cannot pull them away), and sets $bench_cp and the JVM
# options of deploy/bin/java-opts.sh.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source deploy/bin/java-opts.sh
[[ -f bench/target/bench.classpath ]] || mvn -B -q -DskipTests install
bench_jars="$(mktemp -d)"
trap 'rm -rf "$bench_jars"' EXIT
cp bench/target/ebv-bench-0.1.0-SNAPSHOT.jar "$bench_jars/"
bench_cp="$bench_jars/ebv-bench-0.1.0-SNAPSHOT.jar"
for jar in $(tr ':' '\n' < bench/target/bench.classpath); do
  case "$jar" in
    "$root"/*|*/org/ebvspark/*) cp "$jar" "$bench_jars/" && bench_cp="$bench_cp:$bench_jars/$(basename "$jar")" ;;
    *) bench_cp="$bench_cp:$jar" ;;
  esac
done
# Idle BLAS and OpenMP threads sleep instead of spinning, so the JVM's own work between matrix
# products gets the cores (bench/run-generator.sh shows the difference).
export OMP_WAIT_POLICY=PASSIVE OPENBLAS_THREAD_TIMEOUT=4
