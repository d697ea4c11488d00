package org.ebvspark.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.ebvspark.jobs.SparkSessions;
import org.ebvspark.jobs.train.LocalTrainer;
import org.ebvspark.jobs.train.SparkTrainer;
import org.ebvspark.jobs.train.TrainRequest;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.EbvLogitsLayer;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.Recipe;
import org.ebvspark.model.nn.TopKEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ebv train}: a backbone with the EBV or FC head on an image table. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train a backbone with the EBV or FC head on an image table; writes a run directory",
      "(config.json, metrics.jsonl, checkpoints/, model.zip, report.json)."
    })
final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--data",
      required = true,
      description = "The image table (ebv prepare makes one).")
  String data;

  @Option(names = "--head", required = true, description = "ebv or fc.")
  String head;

  @Option(names = "--ebv", description = "The EBV file, for --head ebv (ebv generate makes one).")
  String ebv;

  @Option(
      names = "--tau",
      defaultValue = "" + EbvLogitsLayer.DEFAULT_TAU,
      description = "EBV temperature. Default: ${DEFAULT-VALUE}.")
  double tau;

  @Option(
      names = "--backbone",
      required = true,
      description = "resnet50, resnet18, resnet32 or cnn-small.")
  String backbone;

  @Option(names = "--run", required = true, description = "The run directory (path or URI).")
  String run;

  @Option(names = "--epochs", defaultValue = "90", description = "Default: ${DEFAULT-VALUE}.")
  int epochs;

  @Option(
      names = "--batch",
      defaultValue = "256",
      description = "Images per step. Default: ${DEFAULT-VALUE}.")
  int batch;

  @Option(
      names = "--lr",
      description = "Peak learning rate (default: 0.1 x batch / 256 for sgd, 1e-3 for adamw).")
  Double lr;

  @Option(
      names = "--optimizer",
      defaultValue = "sgd",
      description = "sgd (momentum 0.9) or adamw. Default: ${DEFAULT-VALUE}.")
  String optimizer;

  @Option(names = "--warmup-epochs", defaultValue = "5", description = "Default: ${DEFAULT-VALUE}.")
  double warmupEpochs;

  @Option(
      names = "--weight-decay",
      defaultValue = "2e-5",
      description = "Default: ${DEFAULT-VALUE}.")
  double weightDecay;

  @Option(
      names = "--label-smoothing",
      defaultValue = "0.1",
      description = "Default: ${DEFAULT-VALUE} (0 turns it off).")
  double labelSmoothing;

  @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = "--channels",
      defaultValue = "3",
      description = "1 (gray) or 3 (color). Default: ${DEFAULT-VALUE}.")
  int channels;

  @Option(
      names = "--image-size",
      defaultValue = "0",
      description = "Input side (default: 224 for the ImageNet backbones, else the stored size).")
  int imageSize;

  @Option(
      names = "--max-batches",
      defaultValue = "0",
      description = "Cap batches per epoch (smoke runs; 0: no cap).")
  int maxBatches;

  @Option(
      names = "--eval-every",
      defaultValue = "1",
      description = "Evaluate on val every N epochs. Default: ${DEFAULT-VALUE}.")
  int evalEvery;

  @Option(
      names = "--log-every",
      defaultValue = "50",
      description = "Metrics line every N iterations. Default: ${DEFAULT-VALUE}.")
  int logEvery;

  @Option(
      names = "--keep-checkpoints",
      defaultValue = "2",
      description = "Default: ${DEFAULT-VALUE}.")
  int keepCheckpoints;

  @Option(
      names = "--memory-mb",
      defaultValue = "2048",
      description =
          "Encoded images held in memory per JVM (--local: whole splits up to this size; Spark:"
              + " the row-group cache of each executor). Default: ${DEFAULT-VALUE}.")
  long memoryMb;

  @Option(names = "--overwrite", description = "Replace an existing run directory.")
  boolean overwrite;

  @Option(names = "--resume", description = "Continue from the run directory's newest checkpoint.")
  boolean resume;

  @Option(names = "--local", description = "Train on this JVM only (no Spark).")
  boolean local;

  @Option(
      names = "--master",
      description = "Spark master (default: spark-submit's, else local[*]).")
  String master;

  @Option(
      names = "--workers",
      defaultValue = "0",
      description = "Parallel workers (default: the executor cores).")
  int workers;

  @Option(
      names = "--averaging-frequency",
      defaultValue = "5",
      description =
          "Minibatches per worker between parameter averagings. Default: ${DEFAULT-VALUE}.")
  int averagingFrequency;

  @Option(
      names = "--checkpoint-rounds",
      defaultValue = "0",
      description = "Also checkpoint every N averaging rounds (0: epoch ends only).")
  int checkpointRounds;

  TrainRequest request() {
    Head.Kind kind =
        switch (head.toLowerCase(Locale.ROOT)) {
          case "ebv" -> Head.Kind.EBV;
          case "fc" -> Head.Kind.FC;
          default ->
              throw new IllegalArgumentException("--head must be ebv or fc, not '" + head + "'");
        };
    Recipe recipe =
        Recipe.reference(epochs, batch, seed)
            .withOptimizer(optimizer)
            .withWarmupEpochs(warmupEpochs)
            .withWeightDecay(weightDecay)
            .withLabelSmoothing(labelSmoothing);
    if (lr != null) {
      recipe = recipe.withLearningRate(lr);
    } else if (optimizer.equals("adamw")) {
      recipe = recipe.withLearningRate(1e-3);
    }
    return new TrainRequest(
        data,
        run,
        Backbone.fromLabel(backbone),
        kind,
        ebv,
        tau,
        recipe,
        channels,
        imageSize,
        maxBatches,
        evalEvery,
        logEvery,
        overwrite,
        resume,
        keepCheckpoints);
  }

  @Override
  public Integer call() throws Exception {
    TrainRequest request = request();
    if (averagingFrequency < 1 || workers < 0 || checkpointRounds < 0) {
      throw new IllegalArgumentException(
          "--averaging-frequency must be positive, --workers and --checkpoint-rounds not negative");
    }
    if (local) {
      LocalTrainer.Result r =
          new LocalTrainer(
                  request, new Configuration(), spec.commandLine().getErr(), memoryMb << 20)
              .execute();
      return report(r.epochs(), r.seconds(), r.evaluation(), r.run());
    }
    boolean existing = SparkSession.getDefaultSession().isDefined();
    SparkSession spark = SparkSessions.getOrCreate("ebv train", master);
    try {
      SparkTrainer.Result r =
          new SparkTrainer(
                  request,
                  new SparkTrainer.Options(
                      workers, averagingFrequency, checkpointRounds, memoryMb << 20),
                  JavaSparkContext.fromSparkContext(spark.sparkContext()),
                  spec.commandLine().getErr())
              .execute();
      return report(r.epochs(), r.seconds(), r.evaluation(), r.run());
    } finally {
      if (!existing) {
        spark.stop();
      }
    }
  }

  private int report(int epochs, double seconds, TopKEvaluation e, String location) {
    spec.commandLine()
        .getOut()
        .printf(
            Locale.ROOT,
            "trained %d epochs in %.1f s: val top-1 %.4f, top-5 %.4f; run %s%n",
            epochs,
            seconds,
            e == null ? Double.NaN : e.top1(),
            e == null ? Double.NaN : e.top5(),
            location);
    return 0;
  }
}
