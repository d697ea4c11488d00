package org.ebvspark.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.ebvspark.jobs.EbvConf;
import org.ebvspark.jobs.GenerateEbvJob;
import org.ebvspark.jobs.ProgressPrinter;
import org.ebvspark.model.ebv.CoherenceStats;
import org.ebvspark.model.ebv.GenerationResult;
import org.ebvspark.model.ebv.GeneratorMode;
import org.ebvspark.model.ebv.GeneratorSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ebv generate}: N unit vectors in R^d with pairwise |cos| <= alpha, into an EBV file. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {
      "Generate N equiangular basis vectors in R^d (pairwise |cos| <= alpha) into an EBV file.",
      "Exit code 3: the best basis found was written, but it does not reach alpha."
    })
final class GenerateCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  private java.io.PrintWriter out() {
    return spec.commandLine().getOut();
  }

  private java.io.PrintWriter err() {
    return spec.commandLine().getErr();
  }

  @Option(
      names = {"-n", "--classes"},
      required = true,
      description = "N, the number of vectors.")
  int classes;

  @Option(
      names = {"-d", "--dim"},
      required = true,
      description = "d, their dimension.")
  int dim;

  @Option(
      names = {"-a", "--alpha"},
      required = true,
      description = "Target: every pairwise |cos| at most alpha (within 1e-4).")
  double alpha;

  @Option(
      names = "--mode",
      defaultValue = "fast",
      converter = ModeConverter.class,
      description =
          "faithful: the paper's algorithm (Gaussian start, SGD on sum ReLU(|cos| - alpha));"
              + " fast: exact constructions, then Adam. Default: ${DEFAULT-VALUE}.")
  GeneratorMode mode;

  @Option(names = "--seed", defaultValue = "42", description = "Seed. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = {"-o", "--output"},
      required = true,
      description = "Where to write: a path or a file://, hdfs://, s3a:// URI.")
  String output;

  @Option(names = "--overwrite", description = "Replace an existing output.")
  boolean overwrite;

  @Option(names = "--lr", description = "Step size (default: 1e-3 faithful, 0.02/sqrt(d) fast).")
  Double learningRate;

  @Option(
      names = "--slice-rows",
      description = "Rows whose cosines are computed at once (memory only; default: auto).")
  Integer sliceRows;

  @Option(
      names = "--max-steps",
      defaultValue = "100000",
      description = "Most passes over W. Default: ${DEFAULT-VALUE}.")
  int maxSteps;

  @Option(
      names = "--patience",
      description =
          "Passes without improvement before giving up (default: 2000 faithful, 100 fast).")
  Integer patience;

  @Mixin SparkOptions sparkOptions;

  @Option(
      names = "--no-spark",
      description = "Run every step in this JVM instead of as Spark jobs.")
  boolean noSpark;

  @Option(
      names = "--partitions",
      description =
          "Tasks per step (default: "
              + EbvConf.GENERATE_PARTITIONS
              + ", else the"
              + " executor cores).")
  Integer partitions;

  @Option(
      names = "--checkpoint-every",
      description =
          "Checkpoint every K steps (default: "
              + EbvConf.GENERATE_CHECKPOINT_EVERY
              + ", else 0: by time only).")
  Integer checkpointEvery;

  @Option(
      names = "--checkpoint-minutes",
      description =
          "Checkpoint when M minutes have passed since the last one (default: "
              + EbvConf.GENERATE_CHECKPOINT_MINUTES
              + ", else 10; 0: by count only).")
  Double checkpointMinutes;

  @Option(
      names = "--resume",
      description =
          "Continue from the newest checkpoint beside the output (OUTPUT.checkpoints),"
              + " if there is one.")
  boolean resume;

  @Option(
      names = "--progress-seconds",
      defaultValue = "5",
      description = "Seconds between progress lines. Default: ${DEFAULT-VALUE}.")
  double progressSeconds;

  GeneratorSettings settings() {
    GeneratorSettings s = GeneratorSettings.of(classes, dim, alpha, mode, seed);
    if (learningRate != null) {
      s = s.withLearningRate(learningRate);
    }
    if (sliceRows != null) {
      s = s.withSliceRows(sliceRows);
    }
    if (patience != null) {
      s = s.withPatience(patience);
    }
    return s.withMaxSteps(maxSteps);
  }

  @Override
  public Integer call() throws Exception {
    GeneratorSettings s = settings();
    Configuration hadoop = new Configuration();
    // Refuse what can be refused before a Spark session starts.
    new GenerateEbvJob(request(s, new EbvConf(null)), hadoop).validate();
    err()
        .printf(
            Locale.ROOT,
            "generating N=%d d=%d alpha=%s mode=%s seed=%d (%s %.6f)%n",
            s.classes(),
            s.dim(),
            s.alpha(),
            s.mode().label(),
            s.seed(),
            s.lowerBound().name(),
            s.lowerBound().value());
    ProgressPrinter progress = new ProgressPrinter(err(), progressSeconds);
    if (noSpark) {
      GenerateEbvJob job = new GenerateEbvJob(request(s, new EbvConf(null)), hadoop);
      return report(job.executeLocally(progress), output, out());
    }
    boolean existing = SparkSession.getDefaultSession().isDefined();
    SparkSession spark = sparkOptions.session("ebv generate");
    try (var tasks =
        org.ebvspark.jobs.SparkTaskProgress.attach(
            spark, "generate", spec.commandLine().getErr())) {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      GenerateEbvJob job =
          new GenerateEbvJob(request(s, new EbvConf(sc.getConf())), sc.hadoopConfiguration());
      return report(job.executeOnSpark(sc, progress), output, out());
    } finally {
      if (!existing) {
        spark.stop();
      }
    }
  }

  GenerateEbvJob.Request request(GeneratorSettings s, EbvConf conf) {
    return new GenerateEbvJob.Request(
        s,
        output,
        overwrite,
        resume,
        conf.intValue(checkpointEvery, EbvConf.GENERATE_CHECKPOINT_EVERY, 0),
        conf.doubleValue(checkpointMinutes, EbvConf.GENERATE_CHECKPOINT_MINUTES, 10),
        conf.intValue(partitions, EbvConf.GENERATE_PARTITIONS, 0));
  }

  static int report(GenerateEbvJob.Result result, String output, java.io.PrintWriter out) {
    GenerationResult g = result.generation();
    CoherenceStats c = result.coherence();
    if (result.resumedFromStep() > 0) {
      out.println("resumed from the checkpoint at step " + result.resumedFromStep());
    }
    out.println(g.message());
    out.printf(
        Locale.ROOT,
        "wrote %s: %d x %d, max |cos| %.6f (%s), %d steps, %.1f s"
            + " on %s (%d tasks per step), sha256 %s%n",
        output,
        c.classes(),
        c.dim(),
        c.max(),
        // For N <= d the bound is 0 (an orthonormal set meets it) and a ratio says nothing.
        c.welchBound() > 0
            ? String.format(
                Locale.ROOT, "Welch bound %.6f, ratio %.3f", c.welchBound(), c.welchRatio())
            : "N <= d: Welch bound 0",
        g.steps(),
        g.seconds(),
        result.executor(),
        result.tasksPerStep(),
        result.header().checksum());
    return g.reason().reachedAlpha() ? 0 : EbvCli.EXIT_ALPHA_NOT_REACHED;
  }

  /** Accepts faithful|fast in any case. */
  static final class ModeConverter implements picocli.CommandLine.ITypeConverter<GeneratorMode> {
    @Override
    public GeneratorMode convert(String value) {
      try {
        return GeneratorMode.valueOf(value.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(
            "'" + value + "' is not a mode (faithful or fast)");
      }
    }
  }
}
