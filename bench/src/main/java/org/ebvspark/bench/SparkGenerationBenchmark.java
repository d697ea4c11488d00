package org.ebvspark.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.javacpp.Pointer;
import org.ebvspark.jobs.SparkSessions;
import org.ebvspark.jobs.generate.PassTimings;
import org.ebvspark.jobs.generate.SparkCoherencePass;
import org.ebvspark.model.ebv.CoherencePass;
import org.ebvspark.model.ebv.EbvGenerator;
import org.ebvspark.model.ebv.GenerationResult;
import org.ebvspark.model.ebv.GeneratorCheckpoints;
import org.ebvspark.model.ebv.GeneratorMode;
import org.ebvspark.model.ebv.GeneratorSettings;
import org.ebvspark.model.ebv.StepReport;

/**
 * The distributed-generation benchmark of issue 3: the Spark job's overhead per step over the
 * single-process generator at (N = 20,000, d = 256), a run at (N = 100,000, d = 512) with its time
 * split and memory, and what (N = 100,000, d = 5000) would cost on a cluster, from the measured
 * rates. Rewrites its section of docs/BENCHMARKS.md.
 */
public final class SparkGenerationBenchmark {
  private final BenchmarkReport report = new BenchmarkReport("spark-generation");

  public static void main(String[] args) throws Exception {
    int scaleSteps = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    new SparkGenerationBenchmark().run(scaleSteps);
  }

  /** Steps of one run, with the pass's time split for each. */
  private record Run(List<StepReport> steps, List<PassTimings> timings, GenerationResult result) {
    double medianSeconds(int skip) {
      return Stopwatch.median(steps.stream().skip(skip).mapToDouble(StepReport::seconds).toArray());
    }

    double mean(int skip, java.util.function.ToDoubleFunction<PassTimings> f) {
      return timings.stream().skip(skip).mapToDouble(f).average().orElse(Double.NaN);
    }
  }

  private static Run run(GeneratorSettings s, CoherencePass pass, SparkCoherencePass spark) {
    List<StepReport> steps = new ArrayList<>();
    List<PassTimings> timings = new ArrayList<>();
    GenerationResult result =
        EbvGenerator.generate(
            s,
            pass,
            r -> {
              steps.add(r);
              if (spark != null) {
                timings.add(spark.lastTimings());
              }
              peakPhysical = Math.max(peakPhysical, Pointer.physicalBytes());
              System.out.printf(
                  Locale.ROOT, "  step %d: %.3f s, max %.5f%n", r.step(), r.seconds(), r.max());
            },
            null,
            GeneratorCheckpoints.NONE);
    return new Run(steps, timings, result);
  }

  private void run(int scaleSteps) throws Exception {
    SparkSession session = SparkSessions.getOrCreate("ebv generate benchmark", "local[2]");
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(session.sparkContext());
    try {
      report.raw("## Distributed EBV generation (issue 3)");
      report.raw("");
      report.line(
          "Machine: %s. Command: `bench/run-spark-generation.sh %d` (%s). Spark %s on local[2]:"
              + " the driver and both executor threads share one JVM and its 2 cores.",
          MachineInfo.describe(), scaleSteps, java.time.LocalDate.now(), sc.version());
      overhead(sc);
      scale(sc, scaleSteps);
      clusterModel();
    } finally {
      session.stop();
    }
    report.writeInto(Path.of("docs/BENCHMARKS.md"));
  }

  private void overhead(JavaSparkContext sc) {
    report.raw("");
    report.raw(
        "### Overhead: the Spark job against the single-process generator (N = 20,000, d = 256,"
            + " faithful, alpha 0.1, 8 steps, median of the last 6)");
    report.raw("");
    GeneratorSettings s =
        GeneratorSettings.of(20_000, 256, 0.1, GeneratorMode.FAITHFUL, 42)
            .withMaxSteps(8)
            .withPatience(100);
    Run local;
    try (CoherencePass pass = CoherencePass.local(s)) {
      local = run(s, pass, null);
    }
    Run spark;
    try (SparkCoherencePass pass = new SparkCoherencePass(sc, s, 2)) {
      spark = run(s, pass, pass);
    }
    double l = local.medianSeconds(2);
    measuredFlops = 4.0 * 20_000 * 20_000 * 256 / l;
    double d = spark.medianSeconds(2);
    report.raw(
        "| single process s/step | Spark local[2] s/step | ratio | broadcast | fetch (slowest task) | compute (slowest task) | collect | assemble |");
    report.raw("|---|---|---|---|---|---|---|---|");
    report.line(
        "| %.3f | %.3f | %.3fx | %.3f | %.3f | %.3f | %.3f | %.3f |",
        l,
        d,
        d / l,
        spark.mean(2, PassTimings::broadcast),
        spark.mean(2, PassTimings::fetch),
        spark.mean(2, PassTimings::compute),
        spark.mean(2, PassTimings::collect),
        spark.mean(2, PassTimings::assemble));
    report.line(
        "Same W after 8 steps on both: max |cos| %.6f (single) and %.6f (Spark).",
        local.steps().get(local.steps().size() - 1).max(),
        spark.steps().get(spark.steps().size() - 1).max());
  }

  private void scale(JavaSparkContext sc, int steps) {
    report.raw("");
    int n = 100_000;
    int d = 512;
    GeneratorSettings s =
        GeneratorSettings.of(n, d, 0.22, GeneratorMode.FAST, 42).withMaxSteps(steps);
    report.raw(
        String.format(
            Locale.ROOT,
            "### Scale: N = %d, d = %d, fast mode, target alpha %s, at most %d steps, Spark local[2]",
            n,
            d,
            s.alpha(),
            steps));
    report.raw("");
    long heapBefore = peakHeap();
    Run spark;
    try (SparkCoherencePass pass = new SparkCoherencePass(sc, s, 2)) {
      spark = run(s, pass, pass);
    }
    GenerationResult r = spark.result();
    report.raw(
        "| steps | result | max \\|cos\\| first / last | s/step (median) | broadcast | fetch | compute | collect | assemble | bytes collected per step |");
    report.raw("|---|---|---|---|---|---|---|---|---|---|");
    report.line(
        "| %d | %s | %.5f / %.5f | %.1f | %.2f | %.2f | %.1f | %.2f | %.2f | %d |",
        r.steps(),
        r.reason().name().toLowerCase(Locale.ROOT),
        spark.steps().get(0).max(),
        spark.steps().get(spark.steps().size() - 1).max(),
        spark.medianSeconds(1),
        spark.mean(1, PassTimings::broadcast),
        spark.mean(1, PassTimings::fetch),
        spark.mean(1, PassTimings::compute),
        spark.mean(1, PassTimings::collect),
        spark.mean(1, PassTimings::assemble),
        spark.timings().get(spark.timings().size() - 1).resultBytes());
    double w = 4.0 * n * d / (1 << 20);
    report.line(
        "Memory: peak Java heap %.0f MiB (before the run %.0f MiB), peak native memory (JavaCPP"
            + " physical bytes, which includes the heap) %.0f MiB. W is %.0f MiB.",
        peakHeap() / 1048576.0, heapBefore / 1048576.0, peakPhysical / 1048576.0, w);
    report.line(
        "What each side holds, for W of N x d float32 (%.0f MiB here): the driver keeps W, the best"
            + " W and the gradient (3 W; fast mode adds Adam's two moments: 5 W), the heap copy it"
            + " broadcasts (1 W, plus Spark's serialized pieces: 1 W) and the collected gradient"
            + " rows (1 W) during a step: 6 to 8 W. An executor keeps the broadcast (1 W on heap),"
            + " W as an ND4J matrix (1 W off-heap), and per running task two slice buffers of"
            + " sliceRows x N floats (2 x 128 MiB by default) and its block's gradient.",
        w);
  }

  private void clusterModel() {
    report.raw("");
    report.raw("### What N = 100,000, d = 5000 would cost on a cluster, from these rates");
    report.raw("");
    double n = 100_000;
    double d = 5000;
    double cosines = 2 * n * n * d;
    double denseGradient = 2 * n * n * d;
    double bytesW = 4 * n * d;
    report.line(
        "Per step: cosines 2 N^2 d = %.2g flops; gradient 2 N^2 d = %.2g flops when dense, far"
            + " less late in a run when few pairs are active (sparse path). W is %.2f GB: the"
            + " broadcast sends it to every executor, and the driver collects %.2f GB of gradient"
            + " rows.",
        cosines, denseGradient, bytesW / 1e9, bytesW / 1e9);
    report.raw("");
    report.raw("| cluster | compute per step | broadcast per step | collect per step | step |");
    report.raw("|---|---|---|---|---|");
    // Other rows: stated sustained rates and link speeds (torrent broadcast at the link rate).
    clusterRow(
        String.format(
            Locale.ROOT,
            "this machine (2 cores, %.0f GFLOP/s measured above, single process)",
            measuredFlops / 1e9),
        measuredFlops,
        1,
        0,
        cosines + denseGradient,
        bytesW);
    clusterRow(
        "16 executors x 16 cores (~1.2 TFLOP/s sustained each), 10 Gbit/s",
        1.2e12,
        16,
        1.25e9,
        cosines + denseGradient,
        bytesW);
    clusterRow(
        "8 A100 GPUs (19.5 TFLOP/s FP32, 60% sustained), 25 Gbit/s",
        0.6 * 19.5e12, 8, 3.1e9, cosines + denseGradient, bytesW);
    report.line(
        "The first row is a measured rate; the others are arithmetic from published peaks and"
            + " stated efficiencies, not runs (no cluster or GPU here). Compute shrinks with the"
            + " number of devices; moving W out (%.1f GB per executor) and the gradient rows back"
            + " (%.1f GB into the driver) does not, so the faster the devices, the larger the share"
            + " of a step that is communication.",
        bytesW / 1e9, bytesW / 1e9);
  }

  private void clusterRow(
      String name,
      double flopsPerDevice,
      int devices,
      double linkBytesPerSecond,
      double flops,
      double bytesW) {
    double compute = flops / (flopsPerDevice * devices);
    double broadcast = linkBytesPerSecond > 0 ? bytesW / linkBytesPerSecond : 0;
    double collect = linkBytesPerSecond > 0 ? bytesW / linkBytesPerSecond : 0;
    report.line(
        "| %s | %.1f s | %s | %s | %.1f s |",
        name,
        compute,
        linkBytesPerSecond > 0 ? String.format(Locale.ROOT, "%.1f s", broadcast) : "none (one JVM)",
        linkBytesPerSecond > 0 ? String.format(Locale.ROOT, "%.1f s", collect) : "none (one JVM)",
        compute + broadcast + collect);
  }

  private static long peakPhysical;
  private double measuredFlops = Double.NaN;

  private static long peakHeap() {
    long total = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        total += pool.getPeakUsage().getUsed();
      }
    }
    return total;
  }
}
