package org.ebvspark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.ebvspark.data.PrepareImagesJob;
import org.ebvspark.data.table.ImageTableWriter;
import org.ebvspark.jobs.SparkSessions;
import org.ebvspark.jobs.train.TrainRequest;
import org.ebvspark.jobs.train.TrainingLoop;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.ebv.EbvFile;
import org.ebvspark.model.ebv.EbvGenerator;
import org.ebvspark.model.ebv.EbvProvenance;
import org.ebvspark.model.ebv.GeneratorMode;
import org.ebvspark.model.ebv.GeneratorSettings;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.Networks;
import org.ebvspark.model.nn.Recipe;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training benchmarks of issues 5 and 6, on Fashion-MNIST (Debian's dataset-fashion-mnist):
 * training throughput against PyTorch side by side; EBV against FC on the single-machine trainer;
 * the same on a long-tailed subset (imbalance ratio 100); the Spark trainer on local[2] against the
 * single-machine one at the same epochs; local[1] against local[2]. Each part rewrites its section
 * of docs/BENCHMARKS.md when it ends, so a long run leaves what it finished.
 */
public final class TrainingBenchmark {
  private static final Path OUT = Path.of("bench/out");
  private static final Path DOC = Path.of("docs/BENCHMARKS.md");
  private static final int BATCH = 128;
  private static final long SEED = 42;

  /** Rounds of 5 batches, --lr taken as the peak rate (the recipe below gives it for batch 128). */
  private static final TrainingLoop.Rounds AS_GIVEN = new TrainingLoop.Rounds(5, 0, 0);

  private final int epochs;
  private final Configuration conf = new Configuration();
  private final PrintWriter progress = new PrintWriter(System.err, true);

  private TrainingBenchmark(int epochs) {
    this.epochs = epochs;
  }

  /**
   * Arguments: epochs, then the parts to run (throughput, heads, longtail, spark, bytes; default
   * all).
   */
  public static void main(String[] args) throws Exception {
    TrainingBenchmark b = new TrainingBenchmark(Integer.parseInt(args[0]));
    List<String> parts =
        args.length > 1
            ? List.of(args).subList(1, args.length)
            : List.of("throughput", "heads", "longtail", "spark", "bytes");
    b.prepareData();
    for (String part : parts) {
      switch (part) {
        case "throughput" -> b.throughput();
        case "heads" -> b.heads();
        case "longtail" -> b.longTail();
        case "spark" -> b.spark();
        case "bytes" -> b.bytesPerRound();
        case "parity" -> b.parity();
        case "rounds" -> b.roundOverhead();
        default -> throw new IllegalArgumentException("unknown part " + part);
      }
    }
  }

  private String table() {
    return OUT.resolve("fmnist").toString();
  }

  private String longTailTable() {
    return OUT.resolve("fmnist-lt100").toString();
  }

  private String basis() {
    return OUT.resolve("fmnist-ebv10-d32.ebv").toString();
  }

  private void prepareData() throws Exception {
    boolean table = Files.exists(Path.of(table(), "_SUCCESS"));
    boolean tail = Files.exists(Path.of(longTailTable(), "_SUCCESS"));
    if (!table || !tail) {
      SparkSession spark = SparkSessions.getOrCreate("ebv training benchmark data", "local[2]");
      try {
        if (!table) {
          new PrepareImagesJob(
                  spark, new ImageTableWriter.Options(table(), true, SEED, 64L << 20, 4L << 20))
              .fashionMnist("/usr/share/datasets/fashion-mnist");
        }
        if (!tail) {
          new PrepareImagesJob(
                  spark,
                  new ImageTableWriter.Options(longTailTable(), true, SEED, 64L << 20, 4L << 20))
              .longTail(table(), 100);
        }
      } finally {
        spark.stop();
      }
    }
    if (!Files.exists(Path.of(basis()))) {
      // N = 10 <= d = 32: an exactly orthonormal basis (alpha 0) in one shot.
      var g =
          EbvGenerator.generate(
              GeneratorSettings.of(10, 32, 0.001, GeneratorMode.FAST, SEED), r -> {});
      EbvFile.write(
          g.basis(),
          0.001,
          g.achieved(),
          SEED,
          new EbvProvenance("bench", null, null, Map.of(), Provenance.now()),
          basis(),
          true,
          conf);
    }
  }

  private TrainRequest request(String data, String run, Head.Kind head, int maxBatches) {
    return request(data, run, head, maxBatches, BATCH);
  }

  private TrainRequest request(
      String data, String run, Head.Kind head, int maxBatches, int batchPerWorker) {
    // The recipe of the published 2-conv + BN Fashion-MNIST runs: SGD + Nesterov 0.9, lr 0.1 at
    // batch 128, warm-up half an epoch, cosine, weight decay 5e-4, label smoothing 0.1.
    Recipe recipe =
        Recipe.reference(epochs, batchPerWorker, SEED)
            .withLearningRate(0.1)
            .withWarmupEpochs(0.5)
            .withWeightDecay(5e-4);
    return new TrainRequest(
        data,
        OUT.resolve("runs").resolve(run).toString(),
        Backbone.CNN_SMALL,
        head,
        head == Head.Kind.EBV ? basis() : null,
        0.07,
        recipe,
        1,
        0,
        maxBatches,
        1,
        50,
        true,
        false,
        1,
        org.ebvspark.model.nn.LayerChoice.AUTO);
  }

  // ---------------------------------------------------------------------------------------------

  private void throughput() throws Exception {
    BenchmarkReport report = new BenchmarkReport("training-throughput");
    report.raw("## Training throughput against PyTorch (issue 5)");
    report.raw("");
    report.line(
        "Machine: %s. Command: `bench/run-training.sh %d throughput` (%s). Random inputs, batch %d,"
            + " 10 classes, FC head, SGD + Nesterov, label smoothing 0.1, both sides on 2 threads;"
            + " images per second over 10 steps after 3 warm-up steps, run one after the other.",
        MachineInfo.describe(), epochs, java.time.LocalDate.now(), BATCH);
    report.raw("");
    report.raw("| network | input | DL4J (ebv-spark) | PyTorch | ratio |");
    report.raw("|---|---|---|---|---|");
    for (Object[] c :
        new Object[][] {
          {Backbone.CNN_SMALL, 1, 28, "cnn-small"}, {Backbone.RESNET32, 3, 32, "resnet32"}
        }) {
      Backbone backbone = (Backbone) c[0];
      int channels = (int) c[1];
      int size = (int) c[2];
      double ours = dl4jThroughput(backbone, channels, size, 10);
      double ref = Double.NaN;
      if (PythonReference.available()) {
        JsonNode r =
            PythonReference.run(
                Path.of("bench/python/train_reference.py"),
                1800,
                "--backbone",
                (String) c[3],
                "--channels",
                "" + channels,
                "--size",
                "" + size,
                "--batch",
                "" + BATCH,
                "--steps",
                "10",
                "--threads",
                "2");
        ref = r.get("images_per_second").asDouble();
      }
      report.line(
          "| %s | %d x %d x %d | %.1f | %.1f | %.2fx |",
          c[3], channels, size, size, ours, ref, ours / ref);
    }
    report.writeInto(DOC);
  }

  private static double dl4jThroughput(Backbone backbone, int channels, int size, int steps) {
    ComputationGraph net =
        Networks.create(
            backbone,
            Head.fc(10, 0.1),
            Recipe.reference(1, BATCH, SEED),
            new Networks.ImageShape(channels, size, size),
            100);
    INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, channels, size, size);
    INDArray y = Nd4j.createFromArray(new float[BATCH]).reshape(BATCH, 1);
    for (int i = 0; i < BATCH; i++) {
      y.putScalar(i, 0, i % 10);
    }
    DataSet ds = new DataSet(x, y);
    for (int i = 0; i < 3; i++) {
      net.fit(ds);
    }
    long start = System.nanoTime();
    for (int i = 0; i < steps; i++) {
      net.fit(ds);
    }
    return steps * BATCH / ((System.nanoTime() - start) / 1e9);
  }

  // ---------------------------------------------------------------------------------------------

  private record Run(
      String name, double top1, double top5, double meanClass, double seconds, Double to90) {}

  private Run local(String data, String name, Head.Kind head) throws Exception {
    TrainingLoop.Result r =
        TrainingLoop.local(request(data, name, head, 0), AS_GIVEN, conf, 2L << 30, progress)
            .execute();
    return new Run(
        name,
        r.evaluation().top1(),
        r.evaluation().top5(),
        r.evaluation().meanClassAccuracy(),
        r.seconds(),
        r.secondsToTop1Of90());
  }

  private List<Double> perEpochTop1(String name) throws Exception {
    List<Double> out = new ArrayList<>();
    for (String line :
        Files.readAllLines(OUT.resolve("runs").resolve(name).resolve("metrics.jsonl"))) {
      JsonNode l = Provenance.json().readTree(line);
      if (l.has("valTop1")) {
        out.add(l.get("valTop1").asDouble());
      }
    }
    return out;
  }

  private void heads() throws Exception {
    Run ebv = local(table(), "fmnist-ebv", Head.Kind.EBV);
    Run fc = local(table(), "fmnist-fc", Head.Kind.FC);
    BenchmarkReport report = new BenchmarkReport("training-heads");
    report.raw("## Fashion-MNIST: EBV head against FC head, single-machine trainer (issue 5)");
    report.raw("");
    report.line(
        "Machine: %s. Command: `bench/run-training.sh %d heads` (%s). cnn-small, 1 x 28 x 28,"
            + " %d epochs, batch %d, SGD + Nesterov 0.9, lr 0.1, warm-up 0.5 epoch then cosine,"
            + " weight decay 5e-4, label smoothing 0.1, seed %d, augmentation: pad 3 + random crop"
            + " 28 + flip. EBV: N = 10, d = 32 orthonormal basis, tau 0.07. Evaluated on the 10,000"
            + " test images after every epoch (never used for any choice).",
        MachineInfo.describe(), epochs, java.time.LocalDate.now(), epochs, BATCH, SEED);
    report.raw("");
    report.raw(
        "| head | top-1 | top-5 | top-1 per epoch | train seconds | seconds to top-1 0.90 |");
    report.raw("|---|---|---|---|---|---|");
    for (Run r : List.of(ebv, fc)) {
      report.line(
          "| %s | %.4f | %.4f | %s | %.0f | %s |",
          r.name(),
          r.top1(),
          r.top5(),
          perEpochTop1(r.name()).stream()
              .map(v -> String.format(java.util.Locale.ROOT, "%.4f", v))
              .toList(),
          r.seconds(),
          r.to90() == null
              ? "not reached"
              : String.format(java.util.Locale.ROOT, "%.0f", r.to90()));
    }
    report.writeInto(DOC);
  }

  private void longTail() throws Exception {
    Run ebv = local(longTailTable(), "fmnist-lt100-ebv", Head.Kind.EBV);
    Run fc = local(longTailTable(), "fmnist-lt100-fc", Head.Kind.FC);
    JsonNode prep =
        Provenance.json().readTree(Path.of(longTailTable(), "prep-report.json").toFile());
    BenchmarkReport report = new BenchmarkReport("training-longtail");
    report.raw("## Long-tailed Fashion-MNIST (imbalance ratio 100): EBV against FC (issue 5)");
    report.raw("");
    report.line(
        "Machine: %s. Command: `bench/run-training.sh %d longtail` (%s). Train split subset with"
            + " n_i = 6000 x 100^(-i/9) images of class i (%s train images; `ebv prepare"
            + " long-tail --ratio 100`), same recipe and epochs as above; evaluated on the"
            + " balanced 10,000 test images.",
        MachineInfo.describe(), epochs, java.time.LocalDate.now(), prep.at("/rows/train").asText());
    report.raw("");
    report.raw("| head | top-1 | top-5 | mean per-class accuracy | train seconds |");
    report.raw("|---|---|---|---|---|");
    for (Run r : List.of(ebv, fc)) {
      report.line(
          "| %s | %.4f | %.4f | %.4f | %.0f |",
          r.name(), r.top1(), r.top5(), r.meanClass(), r.seconds());
    }
    report.line(
        "EBV minus FC: %+.2f points top-1, %+.2f points mean per-class accuracy.",
        100 * (ebv.top1() - fc.top1()), 100 * (ebv.meanClass() - fc.meanClass()));
    report.writeInto(DOC);
  }

  // ---------------------------------------------------------------------------------------------

  private record SparkRun(TrainingLoop.Result result, List<JsonNode> rounds) {}

  private SparkRun onSpark(String master, String name, int workers, int frequency, int maxBatches)
      throws Exception {
    return onSpark(
        master, request(table(), name, Head.Kind.EBV, maxBatches), name, workers, frequency);
  }

  private SparkRun onSpark(
      String master, TrainRequest request, String name, int workers, int frequency)
      throws Exception {
    SparkSession spark = SparkSessions.getOrCreate("ebv training benchmark " + name, master);
    try {
      TrainingLoop.Result r =
          TrainingLoop.spark(
                  request,
                  new TrainingLoop.Rounds(frequency, 0, 0),
                  JavaSparkContext.fromSparkContext(spark.sparkContext()),
                  workers,
                  1L << 30,
                  progress)
              .execute();
      List<JsonNode> rounds = new ArrayList<>();
      for (String line :
          Files.readAllLines(OUT.resolve("runs").resolve(name).resolve("metrics.jsonl"))) {
        JsonNode l = Provenance.json().readTree(line);
        if (l.has("round")) {
          rounds.add(l);
        }
      }
      return new SparkRun(r, rounds);
    } finally {
      spark.stop();
    }
  }

  private static double mean(List<JsonNode> rounds, String field) {
    return rounds.stream().mapToDouble(l -> l.get(field).asDouble()).average().orElse(Double.NaN);
  }

  /** Images per second over the rounds after the first (which includes JIT and cache warm-up). */
  private static double imagesPerSecond(List<JsonNode> rounds) {
    List<JsonNode> steady = rounds.size() > 1 ? rounds.subList(1, rounds.size()) : rounds;
    double images = 0;
    double seconds = 0;
    for (JsonNode l : steady) {
      images += l.get("imagesPerSecond").asDouble() * l.get("roundSeconds").asDouble();
      seconds += l.get("roundSeconds").asDouble();
    }
    return images / seconds;
  }

  private void spark() throws Exception {
    BenchmarkReport report = new BenchmarkReport("training-spark");
    report.raw("## Parameter-averaged training on Spark (issue 6)");
    report.raw("");
    report.line(
        "Machine: %s. Command: `bench/run-training.sh %d spark` (%s). cnn-small + EBV head"
            + " (N = 10, d = 32) on Fashion-MNIST, batch %d per worker, the recipe above.",
        MachineInfo.describe(), epochs, java.time.LocalDate.now(), BATCH);
    report.raw("");
    report.raw(
        "### Scaling and the time of a round (60 batches per worker count, averaging every 5)");
    report.raw("");
    report.raw(
        "| master | workers | images/s | round s | broadcast s | data s per worker | outside fit s |"
            + " broadcast bytes | result bytes | parameter bytes |");
    report.raw("|---|---|---|---|---|---|---|---|---|---|");
    for (int workers : new int[] {1, 2}) {
      SparkRun r = onSpark("local[" + workers + "]", "spark-scaling-" + workers, workers, 5, 60);
      report.line(
          "| local[%d] | %d | %.1f | %.2f | %.3f | %.2f | %.2f | %.0f | %.0f | %.0f |",
          workers,
          workers,
          imagesPerSecond(r.rounds()),
          mean(r.rounds(), "roundSeconds"),
          mean(r.rounds(), "broadcastSeconds"),
          mean(r.rounds(), "dataSecondsPerWorker"),
          mean(r.rounds(), "outsideFitSeconds"),
          mean(r.rounds(), "broadcastBytes"),
          mean(r.rounds(), "resultBytes"),
          mean(r.rounds(), "paramsBytes"));
    }
    report.writeInto(DOC);

    SparkRun spark = onSpark("local[2]", "fmnist-spark-ebv", 2, 5, 0);
    List<Double> local =
        Files.exists(OUT.resolve("runs/fmnist-ebv/report.json"))
            ? perEpochTop1("fmnist-ebv")
            : null;
    report.raw("");
    report.line(
        "### Fashion-MNIST through Spark on local[2] (2 workers, averaging every 5 batches) against"
            + " the single-machine trainer, %d epochs each",
        epochs);
    report.raw("");
    report.raw("| trainer | top-1 per epoch | final top-1 | train seconds | images/s |");
    report.raw("|---|---|---|---|---|");
    report.line(
        "| Spark local[2] | %s | %.4f | %.0f | %.1f |",
        perEpochTop1("fmnist-spark-ebv").stream()
            .map(v -> String.format(java.util.Locale.ROOT, "%.4f", v))
            .toList(),
        spark.result().evaluation().top1(),
        spark.result().seconds(),
        imagesPerSecond(spark.rounds()));
    if (local != null) {
      JsonNode rep =
          Provenance.json().readTree(OUT.resolve("runs/fmnist-ebv/report.json").toFile());
      report.line(
          "| single machine (heads run above) | %s | %.4f | %.0f | %.1f |",
          local.stream().map(v -> String.format(java.util.Locale.ROOT, "%.4f", v)).toList(),
          rep.get("top1").asDouble(),
          rep.get("trainSeconds").asDouble(),
          60000.0 * epochs / rep.get("trainSeconds").asDouble());
    }
    report.writeInto(DOC);
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Issue 9's targets: Spark local[2] against the single-machine trainer at the same recipe, epochs
   * and global batch (128: 64 per worker on Spark), and the command line with no recipe flags.
   */
  private void parity() throws Exception {
    // -Debv.bench.seeds=42,43,44 runs the pair for each seed; a run whose report exists is reused,
    // so seeds can be added by running the part again.
    List<Long> seeds =
        java.util.Arrays.stream(System.getProperty("ebv.bench.seeds", "" + SEED).split(","))
            .map(String::strip)
            .map(Long::parseLong)
            .toList();
    List<double[]> pairs = new ArrayList<>();
    List<String> rows = new ArrayList<>();
    for (long seed : seeds) {
      String suffix = seed == SEED ? "" : "-s" + seed;
      String localName = "parity-local" + suffix;
      String sparkName = "parity-spark" + suffix;
      if (!finished(localName)) {
        TrainingLoop.local(
                withSeed(request(table(), localName, Head.Kind.EBV, 0), seed),
                AS_GIVEN,
                conf,
                2L << 30,
                progress)
            .execute();
      }
      if (!finished(sparkName)) {
        onSpark(
            "local[2]",
            withSeed(request(table(), sparkName, Head.Kind.EBV, 0, BATCH / 2), seed),
            sparkName,
            2,
            5);
      }
      double localTop1 = report(localName).get("top1").asDouble();
      double sparkTop1 = report(sparkName).get("top1").asDouble();
      pairs.add(new double[] {localTop1, sparkTop1});
      rows.add(
          String.format(
              java.util.Locale.ROOT,
              "| %d | %s | %.4f | %.0f | %s | %.4f | %.0f | %.1f%% | %+.2f |",
              seed,
              top1s(localName),
              localTop1,
              report(localName).get("trainSeconds").asDouble(),
              top1s(sparkName),
              sparkTop1,
              report(sparkName).get("trainSeconds").asDouble(),
              100 * outsideShare(roundsOf(sparkName)),
              100 * (sparkTop1 - localTop1)));
    }
    String defaults = OUT.resolve("runs").resolve("parity-defaults").toString();
    if (!finished("parity-defaults")) {
      int code =
          org.ebvspark.cli.EbvCli.run(
              "train",
              "--data",
              table(),
              "--head",
              "ebv",
              "--ebv",
              basis(),
              "--backbone",
              "cnn-small",
              "--channels",
              "1",
              "--run",
              defaults,
              "--master",
              "local[2]",
              "--epochs",
              "" + epochs,
              "--overwrite");
      if (code != 0) {
        throw new IllegalStateException("ebv train with default options exited " + code);
      }
    }
    JsonNode defaultConfig = Provenance.json().readTree(Path.of(defaults, "config.json").toFile());

    BenchmarkReport report = new BenchmarkReport("training-parity");
    report.raw("## Spark against one machine, and the default command (issue 9)");
    report.raw("");
    report.line(
        "Machine: %s. Command: `bench/run-training.sh %d parity` with"
            + " `EBV_BENCH_SEEDS=%s` (%s). Fashion-MNIST, cnn-small + EBV head (N = 10, d = 32"
            + " orthonormal, tau 0.07), %d epochs, evaluated on the 10,000 test images after"
            + " every epoch (never used for a choice). Same recipe on both trainers: SGD + Nesterov"
            + " 0.9, peak lr 0.1, warm-up 0.5 epoch then cosine, weight decay 5e-4, label"
            + " smoothing 0.1, global batch %d (one JVM: %d; Spark local[2]: %d per worker,"
            + " averaging every 5 batches), the same batch plan. The seed sets initialization,"
            + " batch order, augmentation and dropout.",
        MachineInfo.describe(),
        epochs,
        String.join(",", seeds.stream().map(String::valueOf).toList()),
        java.time.LocalDate.now(),
        epochs,
        BATCH,
        BATCH,
        BATCH / 2);
    report.raw("");
    report.raw(
        "| seed | one JVM top-1 per epoch | final | train s | Spark local[2] top-1 per epoch |"
            + " final | train s | outside fit, share of a round | Spark minus one JVM, points |");
    report.raw("|---|---|---|---|---|---|---|---|---|");
    rows.forEach(report::raw);
    double meanLocal = pairs.stream().mapToDouble(p -> p[0]).average().orElse(Double.NaN);
    double meanSpark = pairs.stream().mapToDouble(p -> p[1]).average().orElse(Double.NaN);
    report.line(
        "Mean over %d seed(s): one JVM %.4f, Spark %.4f, Spark minus one JVM %+.2f points.",
        pairs.size(), meanLocal, meanSpark, 100 * (meanSpark - meanLocal));
    report.raw("");
    report.line(
        "`ebv train --data fmnist --head ebv --ebv w10.ebv --backbone cnn-small --channels 1"
            + " --master 'local[2]' --epochs %d` (no recipe flags): global batch %d, peak lr %.4g,"
            + " warm-up %s epochs; top-1 per epoch %s, final **%.4f**, %.0f s of training,"
            + " outside fit %.1f%% of a round.",
        epochs,
        defaultConfig.get("globalBatch").asInt(),
        defaultConfig.get("learningRate").asDouble(),
        defaultConfig.at("/request/recipe/warmupEpochs").asText(),
        top1s("parity-defaults"),
        report("parity-defaults").get("top1").asDouble(),
        report("parity-defaults").get("trainSeconds").asDouble(),
        100 * outsideShare(roundsOf("parity-defaults")));
    report.writeInto(DOC);
  }

  /**
   * What a round costs outside fitting, with and without DL4J's per-round repartition (a shuffle of
   * the round's references), interleaved A B A B in one Spark session.
   */
  private void roundOverhead() throws Exception {
    SparkSession spark = SparkSessions.getOrCreate("ebv round overhead", "local[2]");
    List<String> rows = new ArrayList<>();
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      for (int rep = 0; rep < 3; rep++) {
        for (boolean shuffle : new boolean[] {true, false}) {
          String name = "rounds-" + (shuffle ? "shuffle" : "slices") + "-" + rep;
          TrainRequest request = withEpochs(request(table(), name, Head.Kind.EBV, 150, BATCH), 1);
          new TrainingLoop(
                  request,
                  AS_GIVEN,
                  org.ebvspark.jobs.train.SparkStepper.on(
                      sc,
                      new org.ebvspark.jobs.train.SparkStepper.Options(
                          2,
                          1L << 30,
                          shuffle,
                          org.ebvspark.jobs.train.SparkStepper.RoundPath.DL4J),
                      5),
                  progress)
              .execute();
          List<JsonNode> r = roundsOf(name);
          List<JsonNode> steady = r.subList(1, r.size());
          rows.add(
              String.format(
                  java.util.Locale.ROOT,
                  "| %s | %d | %d | %.3f | %.3f | %.3f | %.1f%% |",
                  shuffle ? "DL4J repartitions (shuffle)" : "parallelized slices as they are",
                  rep + 1,
                  steady.size(),
                  median(steady, "roundSeconds"),
                  median(steady, "fitSecondsPerWorker"),
                  median(steady, "outsideFitSeconds"),
                  100 * outsideShare(r)));
        }
      }
    } finally {
      spark.stop();
    }
    BenchmarkReport report = new BenchmarkReport("training-rounds");
    report.raw("## The time a Spark round spends outside fitting (issue 9)");
    report.raw("");
    report.line(
        "Machine: %s. Command: `bench/run-training.sh 1 rounds` (%s). cnn-small + EBV on"
            + " Fashion-MNIST, Spark local[2], 128 images per worker (the default), averaging every"
            + " 5 batches, 15 rounds per run (the first left out), the two ways interleaved A B A B A"
            + " B in one Spark"
            + " session. Outside fit = round time minus the workers' mean fit time (broadcast, task"
            + " launch, the worker network's rebuild, data not hidden by prefetch, averaging).",
        MachineInfo.describe(), java.time.LocalDate.now());
    report.raw("");
    report.raw(
        "| a round's references | run | rounds | median round s | median fit s per worker |"
            + " median outside fit s | outside fit, share |");
    report.raw("|---|---|---|---|---|---|---|");
    rows.forEach(report::raw);
    report.writeInto(DOC);
  }

  private static double median(List<JsonNode> rounds, String field) {
    double[] v = rounds.stream().mapToDouble(l -> l.get(field).asDouble()).sorted().toArray();
    return v.length == 0 ? Double.NaN : v[v.length / 2];
  }

  private static TrainRequest withEpochs(TrainRequest r, int epochs) {
    return r.withRecipe(r.recipe().withEpochs(epochs));
  }

  private static TrainRequest withSeed(TrainRequest r, long seed) {
    return r.withRecipe(r.recipe().withSeed(seed));
  }

  private static boolean finished(String run) {
    return Files.exists(OUT.resolve("runs").resolve(run).resolve("_SUCCESS"));
  }

  private static JsonNode report(String run) throws Exception {
    return Provenance.json()
        .readTree(OUT.resolve("runs").resolve(run).resolve("report.json").toFile());
  }

  private static List<JsonNode> roundsOf(String run) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line :
        Files.readAllLines(OUT.resolve("runs").resolve(run).resolve("metrics.jsonl"))) {
      JsonNode l = Provenance.json().readTree(line);
      if (l.has("round")) {
        out.add(l);
      }
    }
    return out;
  }

  private String top1s(String run) throws Exception {
    return perEpochTop1(run).stream()
        .map(v -> String.format(java.util.Locale.ROOT, "%.4f", v))
        .toList()
        .toString();
  }

  /** The share of round time spent outside fitting, over the rounds after the first. */
  private static double outsideShare(List<JsonNode> rounds) {
    List<JsonNode> steady = rounds.size() > 1 ? rounds.subList(1, rounds.size()) : rounds;
    double outside = 0;
    double total = 0;
    for (JsonNode l : steady) {
      outside += l.get("outsideFitSeconds").asDouble();
      total += l.get("roundSeconds").asDouble();
    }
    return outside / total;
  }

  /**
   * What one averaging round moves for ResNet-50 with each head, measured on a running job: the
   * broadcast the driver stores for executors (parameters and updater state, serialized) and the
   * task results it receives back. One round on local[2], two workers, two 32 x 32 images each (the
   * bytes depend on the parameters, not on the images).
   */
  private void bytesPerRound() throws Exception {
    BenchmarkReport report = new BenchmarkReport("training-bytes");
    report.raw("## Bytes moved per averaging round: ResNet-50, FC against EBV head (issue 6)");
    report.raw("");
    report.line(
        "Machine: %s. Command: `bench/run-training.sh %d bytes` (%s). One round of"
            + " parameter averaging on local[2] (2 workers, SGD + Nesterov, so updater state"
            + " travels with the parameters), bytes read from the running job: the broadcast's"
            + " stored torrent pieces and Spark's task result sizes.",
        MachineInfo.describe(), epochs, java.time.LocalDate.now());
    report.raw("");
    report.raw(
        "| head | classes | d | trainable parameters | broadcast bytes | result bytes | round"
            + " seconds |");
    report.raw("|---|---|---|---|---|---|---|");
    SparkSession spark = SparkSessions.getOrCreate("ebv bytes per round", "local[2]");
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      org.ebvspark.jobs.train.ResultBytesListener results =
          new org.ebvspark.jobs.train.ResultBytesListener();
      sc.sc().addSparkListener(results);
      for (Object[] c :
          new Object[][] {
            {Head.Kind.EBV, 1000, 1000},
            {Head.Kind.FC, 1000, 0},
            {Head.Kind.EBV, 100_000, 5000},
            {Head.Kind.FC, 100_000, 0}
          }) {
        Head.Kind kind = (Head.Kind) c[0];
        int classes = (int) c[1];
        int dim = (int) c[2];
        Head head =
            kind == Head.Kind.FC
                ? Head.fc(classes, 0.1)
                : Head.ebv(
                    randomBasis(classes, dim),
                    EbvFile.readHeader(randomBasis(classes, dim), conf),
                    0.07,
                    0.1);
        try {
          ComputationGraph net =
              Networks.create(
                  Backbone.RESNET50,
                  head,
                  Recipe.reference(1, 4, SEED),
                  new Networks.ImageShape(3, 32, 32),
                  100);
          long trainable =
              org.ebvspark.model.nn.ModelSummary.of(net.getConfiguration()).trainable();
          var master =
              new org.ebvspark.jobs.train.RoundTrainingMaster(
                  new org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster
                          .Builder(2, 2)
                      .batchSizePerWorker(2)
                      .averagingFrequency(1)
                      .saveUpdater(true)
                      .rngSeed(SEED));
          var sparkNet =
              new org.deeplearning4j.spark.impl.graph.SparkComputationGraph(sc, net, master);
          List<DataSet> data = new ArrayList<>();
          for (int w = 0; w < 2; w++) {
            INDArray y = Nd4j.createFromArray(new float[] {w, w + 1}).reshape(2, 1);
            data.add(new DataSet(Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32), y));
          }
          results.take();
          long t0 = System.nanoTime();
          sparkNet.fit(sc.parallelize(data, 2));
          double seconds = (System.nanoTime() - t0) / 1e9;
          report.line(
              "| %s | %d | %s | %d | %d | %d | %.1f |",
              kind.label(),
              classes,
              kind == Head.Kind.EBV ? "" + dim : "-",
              trainable,
              master.takeBroadcastBytes(),
              results.take(),
              seconds);
        } catch (RuntimeException | OutOfMemoryError e) {
          report.line(
              "| %s | %d | %s | - | failed: %s | | |",
              kind.label(),
              classes,
              kind == Head.Kind.EBV ? "" + dim : "-",
              e.toString().replace('|', '/'));
        }
        System.gc();
        // An executor thread's OutOfMemoryError ends the JVM: keep what is measured so far.
        report.writeInto(DOC);
      }
      sc.sc().removeSparkListener(results);
    } finally {
      spark.stop();
    }
    report.line(
        "The EBV head's trainable parameters (projection to d) do not depend on N: W stays in the"
            + " EBV file and is read once per executor JVM, never broadcast or averaged.");
    report.writeInto(DOC);
  }

  /**
   * A basis of unit rows for measuring bytes (not certified: the bytes do not depend on alpha),
   * written once under bench/out.
   */
  private String randomBasis(int n, int d) throws Exception {
    Path file = OUT.resolve("random-" + n + "x" + d + ".ebv");
    if (!Files.exists(file)) {
      INDArray w = Nd4j.randn(DataType.FLOAT, n, d);
      w.diviColumnVector(w.norm2(1).reshape(n, 1));
      EbvFile.write(
          w,
          0.99,
          0.99,
          SEED,
          new EbvProvenance("bench: random unit rows", null, null, Map.of(), Provenance.now()),
          file.toString(),
          true,
          conf);
    }
    return file.toString();
  }
}
