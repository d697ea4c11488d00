package org.ebvspark.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.jobs.GenerateEbvJob;
import org.ebvspark.jobs.ProgressPrinter;
import org.ebvspark.model.ebv.CoherenceStats;
import org.ebvspark.model.ebv.GenerationResult;
import org.ebvspark.model.ebv.GeneratorMode;
import org.ebvspark.model.ebv.GeneratorSettings;
import picocli.CommandLine.Command;
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
    GenerateEbvJob job = new GenerateEbvJob(s, output, overwrite, new Configuration());
    job.validate();
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
    GenerateEbvJob.Result result = job.execute(new ProgressPrinter(err(), progressSeconds));
    return report(result, output, out());
  }

  static int report(GenerateEbvJob.Result result, String output, java.io.PrintWriter out) {
    GenerationResult g = result.generation();
    CoherenceStats c = result.coherence();
    out.println(g.message());
    out.printf(
        Locale.ROOT,
        "wrote %s: %d x %d, max |cos| %.6f (Welch bound %.6f, ratio %.3f), %d steps, %.1f s,"
            + " sha256 %s%n",
        output,
        c.classes(),
        c.dim(),
        c.max(),
        c.welchBound(),
        c.welchRatio(),
        g.steps(),
        g.seconds(),
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
