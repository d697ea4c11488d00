package org.ebvspark.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.ebvspark.data.PrepareImagesJob;
import org.ebvspark.data.importer.FashionMnist;
import org.ebvspark.data.table.ImageTableWriter;
import org.ebvspark.model.io.Locations;
import org.ebvspark.model.io.OwnedOutput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ebv prepare}: sources to an image table (Parquet), as a Spark job. */
@Command(
    name = "prepare",
    mixinStandardHelpOptions = true,
    description =
        "Write an image table (Parquet shards, classes.txt, prep-report.json) from a source.",
    subcommands = {
      PrepareCommand.Imagenet.class,
      PrepareCommand.Csv.class,
      PrepareCommand.FashionMnistSource.class,
      PrepareCommand.Synthetic.class,
      PrepareCommand.LongTailSubset.class
    })
final class PrepareCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "missing source: imagenet, csv, fashion-mnist, synthetic or long-tail");
  }

  /** Options every source shares. */
  static final class TableOptions {
    @Option(
        names = {"-o", "--output"},
        required = true,
        description = "The table's location: a path or a file://, hdfs://, s3a:// URI.")
    String output;

    @Option(names = "--overwrite", description = "Replace an existing table.")
    boolean overwrite;

    @Option(
        names = "--seed",
        defaultValue = "42",
        description = "Shuffle seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
        names = "--shard-mb",
        defaultValue = "256",
        description = "Target MiB of images per Parquet file. Default: ${DEFAULT-VALUE}.")
    double shardMb;

    @Option(
        names = "--row-group-mb",
        defaultValue = "8",
        description =
            "Parquet row group size in MiB (what a reader holds at once). Default: ${DEFAULT-VALUE}.")
    double rowGroupMb;

    @Mixin SparkOptions spark;

    ImageTableWriter.Options writer() {
      if (!(shardMb > 0) || !(rowGroupMb > 0)) {
        throw new org.ebvspark.model.BadOptionException(
            "--shard-mb and --row-group-mb must be positive");
      }
      return new ImageTableWriter.Options(
          output, overwrite, seed, (long) (shardMb * (1 << 20)), (long) (rowGroupMb * (1 << 20)));
    }
  }

  /** Options of sources whose images can be resized on write. */
  static final class ResizeOptions {
    @Option(
        names = "--resize",
        defaultValue = "0",
        description =
            "Store a smaller copy: shorter side to this many pixels, JPEG (0: store as is).")
    int resize;

    @Option(
        names = "--quality",
        defaultValue = "90",
        description = "JPEG quality for --resize. Default: ${DEFAULT-VALUE}.")
    int quality;
  }

  /** A source's work, given the job. */
  @FunctionalInterface
  interface Work {
    ImageTableWriter.Summary run(PrepareImagesJob job) throws Exception;
  }

  /** Runs one source in a Spark session and prints what was written. */
  static int execute(CommandSpec spec, TableOptions table, Work work, String... inputs)
      throws Exception {
    ImageTableWriter.Options options = table.writer();
    // Refused before a Spark session starts: an output over an input, or one that is not ours.
    OwnedOutput.refuseOverlap(options.output(), new Configuration(), inputs);
    Locations.requireWritable(options.output(), new Configuration());
    for (String stale : ImageTableWriter.leftovers(options.output(), new Configuration())) {
      spec.commandLine()
          .getErr()
          .println(
              "ebv prepare: "
                  + stale
                  + " was left by an interrupted ebv prepare of this output; remove it when no"
                  + " prepare of it is running");
    }
    ImageTableWriter.refuseExisting(options.output(), options.overwrite(), new Configuration());
    boolean existing = SparkSession.getDefaultSession().isDefined();
    SparkSession spark = table.spark.session("ebv prepare");
    try (var tasks =
        org.ebvspark.jobs.SparkTaskProgress.attach(spark, "prepare", spec.commandLine().getErr())) {
      ImageTableWriter.Summary s = work.run(new PrepareImagesJob(spark, options));
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          Locale.ROOT,
          "wrote %s: %d classes, rows %s, image bytes %s, rejected %d %s%n",
          s.output(),
          s.classes(),
          s.rows(),
          s.bytes(),
          s.rejected(),
          s.rejectedByReason().isEmpty() ? "" : s.rejectedByReason());
      return 0;
    } finally {
      if (!existing) {
        spark.stop();
      }
    }
  }

  @Command(
      name = "imagenet",
      mixinStandardHelpOptions = true,
      description =
          "ImageNet folders: ROOT/train/<wnid>/*, ROOT/val as class folders or flat with --val-labels.")
  static final class Imagenet implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin TableOptions table;
    @Mixin ResizeOptions resize;

    @Option(
        names = "--input",
        required = true,
        description = "The root that holds train/ and val/.")
    String input;

    @Option(
        names = "--val-labels",
        description = "For a flat val/: lines 'name,wnid', or LOC_val_solution.csv.")
    String valLabels;

    @Override
    public Integer call() throws Exception {
      return execute(
          spec,
          table,
          job -> job.imagenet(input, valLabels, resize.resize, resize.quality),
          input,
          valLabels);
    }
  }

  @Command(
      name = "csv",
      mixinStandardHelpOptions = true,
      description =
          "A CSV of image_id,label (the EBV reference code's layout), image_id relative to --images-root.")
  static final class Csv implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin TableOptions table;
    @Mixin ResizeOptions resize;

    @Option(names = "--input", required = true, description = "The CSV file.")
    String input;

    @Option(
        names = "--images-root",
        required = true,
        description = "The folder image_id is relative to.")
    String imagesRoot;

    @Option(
        names = "--split",
        defaultValue = "train",
        description = "The split the rows belong to. Default: ${DEFAULT-VALUE}.")
    String split;

    @Option(
        names = "--classes",
        description = "Number of classes (labels must be in [0, C)); default: largest label + 1.")
    Integer classes;

    @Override
    public Integer call() throws Exception {
      return execute(
          spec,
          table,
          job -> job.csv(input, imagesRoot, split, classes, resize.resize, resize.quality),
          input,
          imagesRoot);
    }
  }

  @Command(
      name = "fashion-mnist",
      mixinStandardHelpOptions = true,
      description = "Fashion-MNIST from its IDX files; the official test set becomes val.")
  static final class FashionMnistSource implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin TableOptions table;

    @Option(
        names = "--input",
        defaultValue = FashionMnist.DEFAULT_DIR,
        description = "The folder of the four IDX files (.gz or not). Default: ${DEFAULT-VALUE}.")
    String input;

    @Override
    public Integer call() throws Exception {
      return execute(spec, table, job -> job.fashionMnist(input), input);
    }
  }

  @Command(
      name = "synthetic",
      mixinStandardHelpOptions = true,
      description = "Small images whose class is learnable, for any number of classes.")
  static final class Synthetic implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin TableOptions table;

    @Option(names = "--classes", required = true, description = "Number of classes.")
    int classes;

    @Option(names = "--per-class", required = true, description = "Train images per class.")
    int perClass;

    @Option(
        names = "--val-per-class",
        description = "Val images per class (default: per-class / 5, at least 2).")
    Integer valPerClass;

    @Option(
        names = "--size",
        defaultValue = "32",
        description = "Side in pixels. Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(
        names = "--corrupt",
        defaultValue = "0",
        description =
            "Probability that each of an image's 16 color cells is replaced by a random color, so"
                + " that classes overlap (0.8 makes a set no classifier gets right every time)."
                + " Default: ${DEFAULT-VALUE}.")
    double corrupt;

    @Override
    public Integer call() throws Exception {
      int val = valPerClass != null ? valPerClass : Math.max(2, perClass / 5);
      return execute(spec, table, job -> job.synthetic(classes, perClass, val, size, corrupt));
    }
  }

  @Command(
      name = "long-tail",
      mixinStandardHelpOptions = true,
      description =
          "A long-tailed subset of a table's train split (n_i = n_max r^(-i/(C-1))); val unchanged.")
  static final class LongTailSubset implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin TableOptions table;

    @Option(names = "--input", required = true, description = "The image table to subset.")
    String input;

    @Option(
        names = "--ratio",
        required = true,
        description = "Imbalance ratio r = n_max / n_min (the paper: 10, 50, 100).")
    double ratio;

    @Override
    public Integer call() throws Exception {
      return execute(spec, table, job -> job.longTail(input, ratio), input);
    }
  }
}
