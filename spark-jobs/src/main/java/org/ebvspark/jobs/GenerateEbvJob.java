package org.ebvspark.jobs;

import java.io.IOException;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.ebvspark.jobs.generate.CheckpointStore;
import org.ebvspark.jobs.generate.MetricsLog;
import org.ebvspark.jobs.generate.PassTimings;
import org.ebvspark.jobs.generate.SparkCoherencePass;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.ebv.CoherencePass;
import org.ebvspark.model.ebv.CoherenceStats;
import org.ebvspark.model.ebv.EbvFile;
import org.ebvspark.model.ebv.EbvGenerator;
import org.ebvspark.model.ebv.EbvHeader;
import org.ebvspark.model.ebv.EbvProvenance;
import org.ebvspark.model.ebv.GenerationListener;
import org.ebvspark.model.ebv.GenerationResult;
import org.ebvspark.model.ebv.GeneratorSettings;
import org.ebvspark.model.ebv.GeneratorState;
import org.ebvspark.model.io.Locations;
import org.ebvspark.model.io.OwnedOutput;

/**
 * {@code ebv generate}: generate a basis (on Spark executors, or in this JVM), checkpointing as it
 * goes, then certify it and write it with its provenance.
 *
 * <p>Everything that can be checked is checked before any work: the settings (on construction), the
 * output (exists without --overwrite), and, with --resume, that the checkpoint is this run's.
 */
public final class GenerateEbvJob {

  /**
   * What to generate and where.
   *
   * @param checkpointEvery save every this many steps (0: by time only)
   * @param checkpointMinutes save when this much time has passed (0: by count only)
   * @param partitions tasks per step on Spark (0: the context's default parallelism)
   */
  public record Request(
      GeneratorSettings settings,
      String output,
      boolean overwrite,
      boolean resume,
      int checkpointEvery,
      double checkpointMinutes,
      int partitions) {}

  /** What the run produced. */
  public record Result(
      GenerationResult generation,
      CoherenceStats coherence,
      EbvHeader header,
      String executor,
      int tasksPerStep,
      int resumedFromStep) {}

  private final Request request;
  private final Configuration conf;

  public GenerateEbvJob(Request request, Configuration conf) {
    this.request = request;
    this.conf = conf;
  }

  /** Refuses an existing output, an unwritable one, or a size that cannot fit, before any work. */
  public void validate() throws IOException {
    requireMemory(request.settings());
    Locations.requireWritable(request.output(), conf);
    OwnedOutput.checkReplaceable(
        request.output(), OwnedOutput.Kind.EBV_FILE, request.overwrite(), null, conf);
  }

  /**
   * The driver holds W, the best W seen and the next step's W off-heap (fast mode adds Adam's two
   * moment matrices): refuse up front, with the estimate and the setting to raise, what ND4J would
   * otherwise fail on after minutes (std::bad_alloc).
   */
  static void requireMemory(GeneratorSettings s) {
    double w = 4.0 * s.classes() * s.dim();
    double offHeap = w * (s.mode() == org.ebvspark.model.ebv.GeneratorMode.FAST ? 5 : 3);
    long limit = org.bytedeco.javacpp.Pointer.maxBytes();
    long physical = org.bytedeco.javacpp.Pointer.totalPhysicalBytes();
    long available = limit > 0 ? Math.min(limit, physical > 0 ? physical : limit) : physical;
    if (available > 0 && offHeap > available) {
      throw new IllegalArgumentException(
          String.format(
              java.util.Locale.ROOT,
              "N = %d x d = %d needs about %.1f GB of off-heap memory for W and its working"
                  + " copies, but this JVM may use %.1f GB (raise EBV_OFFHEAP, or"
                  + " -Dorg.bytedeco.javacpp.maxbytes, on a machine that has it)",
              s.classes(),
              s.dim(),
              offHeap / 1e9,
              available / 1e9));
    }
  }

  /** Generates in this JVM. */
  public Result executeLocally(GenerationListener progress) throws IOException {
    try (CoherencePass pass = CoherencePass.local(request.settings())) {
      return execute(pass, "local", 1, () -> null, progress);
    }
  }

  /** Generates with one Spark task per block of rows each step. */
  public Result executeOnSpark(JavaSparkContext sc, GenerationListener progress)
      throws IOException {
    int partitions = request.partitions() > 0 ? request.partitions() : sc.defaultParallelism();
    try (SparkCoherencePass pass = new SparkCoherencePass(sc, request.settings(), partitions)) {
      return execute(pass, "spark " + sc.master(), pass.blocks(), pass::lastTimings, progress);
    }
  }

  private Result execute(
      CoherencePass pass,
      String executor,
      int tasks,
      Supplier<PassTimings> timings,
      GenerationListener progress)
      throws IOException {
    validate();
    GeneratorSettings settings = request.settings();
    CheckpointStore checkpoints =
        new CheckpointStore(
            request.output(), conf, request.checkpointEvery(), request.checkpointMinutes());
    GeneratorState resume = request.resume() ? checkpoints.latest(settings) : null;
    int resumedFrom = resume == null ? 0 : resume.step();
    MetricsLog metrics = MetricsLog.open(request.output(), conf, resumedFrom, timings, 30);
    GenerationListener listener =
        report -> {
          progress.onStep(report);
          metrics.onStep(report);
        };
    GenerationResult generation =
        EbvGenerator.generate(
            settings,
            pass,
            listener,
            resume,
            (state, s) -> {
              if (checkpoints.due(state)) {
                metrics.flush(); // first, so the log covers every checkpointed step
                checkpoints.saveUnchecked(state, s);
              }
            });
    CoherenceStats coherence =
        generation.certificate() != null
            ? generation.certificate()
            : pass.certify(generation.basis());
    EbvProvenance provenance =
        new EbvProvenance(
            "generated",
            EbvProvenance.GeneratorInfo.of(generation, executor),
            coherence,
            Provenance.software(),
            Provenance.now());
    EbvHeader header =
        EbvFile.write(
            generation.basis(),
            settings.alpha(),
            coherence.max(),
            settings.seed(),
            provenance,
            request.output(),
            request.overwrite(),
            conf);
    metrics.flush();
    checkpoints.deleteAll();
    return new Result(generation, coherence, header, executor, tasks, resumedFrom);
  }
}
