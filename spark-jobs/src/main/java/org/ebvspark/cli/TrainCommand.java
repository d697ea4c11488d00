package org.ebvspark.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.ebvspark.jobs.train.SparkStepper;
import org.ebvspark.jobs.train.TrainRequest;
import org.ebvspark.jobs.train.TrainingLoop;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.EbvLogitsLayer;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.LayerChoice;
import org.ebvspark.model.nn.Recipe;
import org.ebvspark.model.nn.TopKEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

  @Option(
      names = "--epochs",
      defaultValue = "90",
      description =
          "Training length. Default: ${DEFAULT-VALUE} (ImageNet's; small sets need fewer).")
  int epochs;

  @Option(
      names = "--batch",
      defaultValue = "128",
      description =
          "Images per step on each worker; the global batch is this x workers (1 with --local)."
              + " Default: ${DEFAULT-VALUE}.")
  int batch;

  @Option(
      names = "--lr",
      description =
          "Peak learning rate for a global batch of --reference-batch images, scaled linearly to"
              + " the actual global batch (default: 0.1 for sgd, 1e-3 for adamw).")
  Double lr;

  @Option(
      names = "--reference-batch",
      defaultValue = "" + TrainingLoop.Rounds.REFERENCE_BATCH,
      description =
          "The global batch --lr is given for (linear scaling, Goyal et al. 2017); 0 takes --lr"
              + " as the peak rate at any batch. Default: ${DEFAULT-VALUE}.")
  int referenceBatch;

  @Option(
      names = "--optimizer",
      defaultValue = "sgd",
      description = "sgd (momentum 0.9) or adamw. Default: ${DEFAULT-VALUE}.")
  String optimizer;

  @Option(
      names = "--warmup-epochs",
      description = "Linear warm-up length (default: 5, or a tenth of --epochs when shorter).")
  Double warmupEpochs;

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

  @Option(
      names = "--random-erase",
      defaultValue = "0",
      description =
          "Probability of erasing one random rectangle of each training image, after the crop"
              + " and flip (torchvision's RandomErasing: 2-33% of the area, aspect 0.3-3.3, set to"
              + " the channel means; the paper's ImageNet recipe uses 0.1). Default: ${DEFAULT-VALUE}.")
  double randomErase;

  @Option(
      names = "--trivial-augment",
      description =
          "One TrivialAugment-wide operation per training image (torchvision's"
              + " TrivialAugmentWide: 14 operations, 31 magnitude bins), after the crop and flip.")
  boolean trivialAugment;

  @Option(
      names = "--mixup",
      defaultValue = "0",
      description =
          "Mixup's alpha: each training batch mixed with itself rolled by one image at a weight"
              + " drawn from Beta(alpha, alpha), the loss weighted between the two labels (the"
              + " paper's recipe: 0.2). 0 turns it off. Default: ${DEFAULT-VALUE}.")
  double mixup;

  @Option(
      names = "--cutmix",
      defaultValue = "0",
      description =
          "CutMix's alpha: a rectangle of the rolled batch pasted into each image (the paper's"
              + " recipe: 1.0); with --mixup too, each batch takes one of the two at random. 0"
              + " turns it off. Default: ${DEFAULT-VALUE}.")
  double cutmix;

  @Option(
      names = "--paper-recipe",
      description =
          "The reference implementation's ImageNet recipe at once: lr 0.5 for a global batch of"
              + " 1024 (--reference-batch becomes 1024 unless given; scaled to yours), momentum 0.9, weight decay 2e-5, warm-up (5 epochs, or a"
              + " tenth of a shorter run) then cosine, label smoothing 0.1, TrivialAugment-wide,"
              + " --random-erase 0.1, --mixup 0.2, --cutmix 1.0. Options given as well override"
              + " their part of it.")
  boolean paperRecipe;

  @Option(
      names = "--layers",
      defaultValue = "auto",
      description =
          "fast: batch normalization fused with ReLU on ebv-spark's CPU kernels and convolutions"
              + " whose backward pass does not redo the forward (same parameters and results as"
              + " DL4J's layers, faster); dl4j: DL4J's own layers; auto: fast on ND4J's CPU backend,"
              + " dl4j on CUDA. Recorded in config.json; a resumed run keeps its checkpoint's."
              + " Default: ${DEFAULT-VALUE}.")
  String layers;

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
          "Encoded images held in memory per JVM (the row-group cache of this JVM or of each"
              + " executor). Default: ${DEFAULT-VALUE}.")
  long memoryMb;

  @Option(names = "--overwrite", description = "Replace an existing run directory.")
  boolean overwrite;

  @Option(names = "--resume", description = "Continue from the run directory's newest checkpoint.")
  boolean resume;

  @Option(names = "--local", description = "Train on this JVM only (no Spark).")
  boolean local;

  @Mixin SparkOptions sparkOptions;

  @Option(
      names = "--workers",
      defaultValue = "0",
      description =
          "Workers the run is planned for: the global batch is --batch x this. Default: the"
              + " executors' task slots at the start, and each round then uses the slots alive at"
              + " its start (executors lost or added), sharing the same global batch among them."
              + " Given, it is also the most workers a round uses.")
  int workers;

  @Option(
      names = "--round-path",
      defaultValue = "owned",
      description =
          "How a Spark round runs: owned (one job a round, each executor keeps its network) or"
              + " dl4j (DL4J's parameter averaging, a fixed worker count; for comparison)."
              + " Default: ${DEFAULT-VALUE}.")
  String roundPath;

  @Option(
      names = "--averaging-frequency",
      defaultValue = "5",
      description =
          "Minibatches per worker between parameter averagings (with --local: per round of"
              + " metrics and checkpoints). Default: ${DEFAULT-VALUE}.")
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
              throw new org.ebvspark.model.BadOptionException(
                  "--head must be ebv or fc, not '" + head + "'");
        };
    Recipe recipe = paperRecipe ? paper() : defaults();
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
        keepCheckpoints,
        LayerChoice.fromLabel(layers));
  }

  private Recipe defaults() {
    return Recipe.reference(epochs, batch, seed)
        .withLearningRate(0.1)
        .withOptimizer(optimizer)
        .withWarmupEpochs(warmupEpochs != null ? warmupEpochs : Recipe.defaultWarmupEpochs(epochs))
        .withWeightDecay(weightDecay)
        .withLabelSmoothing(labelSmoothing)
        .withRandomErase(randomErase)
        .withTrivialAugment(trivialAugment)
        .withMixing(mixup, cutmix);
  }

  /** The paper's recipe, with each option the command line names in its place. */
  private Recipe paper() {
    Recipe r = Recipe.paper(epochs, batch, seed).withOptimizer(optimizer);
    if (warmupEpochs != null) {
      r = r.withWarmupEpochs(warmupEpochs);
    }
    if (given("--weight-decay")) {
      r = r.withWeightDecay(weightDecay);
    }
    if (given("--label-smoothing")) {
      r = r.withLabelSmoothing(labelSmoothing);
    }
    if (given("--random-erase")) {
      r = r.withRandomErase(randomErase);
    }
    return r.withMixing(
        given("--mixup") ? mixup : r.mixup(), given("--cutmix") ? cutmix : r.cutmix());
  }

  private boolean given(String option) {
    return spec.commandLine().getParseResult().hasMatchedOption(option);
  }

  /** The global batch --lr is given for: the paper recipe's 1024 unless named. */
  private int referenceBatch() {
    return paperRecipe && !given("--reference-batch") ? Recipe.PAPER_BATCH : referenceBatch;
  }

  @Override
  public Integer call() throws Exception {
    TrainRequest request = request();
    TrainingLoop.Rounds rounds =
        new TrainingLoop.Rounds(averagingFrequency, checkpointRounds, referenceBatch());
    if (workers < 0 || memoryMb < 1) {
      throw new org.ebvspark.model.BadOptionException(
          "--workers must not be negative and --memory-mb must be positive");
    }
    SparkStepper.RoundPath path =
        switch (roundPath.toLowerCase(Locale.ROOT)) {
          case "owned" -> SparkStepper.RoundPath.OWNED;
          case "dl4j" -> SparkStepper.RoundPath.DL4J;
          default ->
              throw new org.ebvspark.model.BadOptionException(
                  "--round-path must be owned or dl4j, got '" + roundPath + "'");
        };
    if (local) {
      TrainingLoop.Result r =
          TrainingLoop.local(
                  request, rounds, new Configuration(), memoryMb << 20, spec.commandLine().getErr())
              .execute();
      return report(r);
    }
    boolean existing = SparkSession.getDefaultSession().isDefined();
    SparkSession spark = sparkOptions.session("ebv train");
    try {
      TrainingLoop.Result r =
          new TrainingLoop(
                  request,
                  rounds,
                  SparkStepper.on(
                      JavaSparkContext.fromSparkContext(spark.sparkContext()),
                      new SparkStepper.Options(workers, memoryMb << 20, false, path),
                      averagingFrequency),
                  spec.commandLine().getErr())
              .execute();
      return report(r);
    } finally {
      if (!existing) {
        spark.stop();
      }
    }
  }

  private int report(TrainingLoop.Result r) {
    TopKEvaluation e = r.evaluation();
    spec.commandLine()
        .getOut()
        .printf(
            Locale.ROOT,
            "trained %d epochs in %.1f s: val top-1 %.4f, top-5 %.4f; run %s%n",
            r.epochs(),
            r.seconds(),
            e == null ? Double.NaN : e.top1(),
            e == null ? Double.NaN : e.top5(),
            r.run());
    return 0;
  }
}
