package org.ebvspark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.hadoop.conf.Configuration;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.ebvspark.jobs.train.RunConfig;
import org.ebvspark.jobs.train.TrainRequest;
import org.ebvspark.jobs.train.TrainingLoop;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.LayerChoice;
import org.ebvspark.model.nn.Networks;
import org.ebvspark.model.nn.Recipe;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Issue 10's benchmarks. {@code steps}: a full training step of cnn-small, resnet32 and resnet50
 * with the fast layers, with DL4J's, and in PyTorch (same network, batch, threads), interleaved
 * round by round (fast, dl4j, pytorch, fast, ...), with the median of the per-round ratios, and the
 * memory each side's training adds. {@code fmnist}: {@code ebv train --local}'s Fashion-MNIST run
 * with each layer choice (images/s, time to top-1 0.90), and one longer fast run against the 0.93
 * target. Arguments: the parts (default both); -Debv.bench.rounds, -Debv.bench.long-epochs.
 */
public final class LayerSpeedBenchmark {
  private static final Path OUT = Path.of("bench/out");
  private static final Path DOC = Path.of("docs/BENCHMARKS.md");
  private static final int ROUNDS = Integer.getInteger("ebv.bench.rounds", 5);

  record Case(
      Backbone backbone,
      String label,
      int channels,
      int size,
      int batch,
      int classes,
      int warmup,
      int steps) {}

  static final List<Case> CASES =
      List.of(
          // Warm-up: a JVM's first steps compile Java code and size ND4J's workspaces (a JFR
          // recording of resnet32 showed a workspace regrown about 1 s into training, after the
          // 2 untimed steps this had), so 5 untimed steps on every side before any is timed.
          new Case(Backbone.CNN_SMALL, "cnn-small", 1, 28, 128, 10, 5, 10),
          new Case(Backbone.RESNET32, "resnet32", 3, 32, 128, 10, 5, 10),
          new Case(Backbone.RESNET50, "resnet50", 3, 224, 32, 1000, 2, 2));

  public static void main(String[] args) throws Exception {
    List<String> parts = args.length > 0 ? Arrays.asList(args) : List.of("steps", "fmnist");
    for (String part : parts) {
      switch (part) {
        case "steps" -> steps();
        case "fmnist" -> fmnist();
        default -> throw new IllegalArgumentException("unknown part " + part);
      }
    }
  }

  // ----------------------------------------------------------------------------------- steps

  /**
   * One network of one side, on its own thread (ND4J's workspaces are per thread), warmed up by the
   * case's untimed steps.
   */
  static final class Dl4jSide implements AutoCloseable {
    private final ExecutorService thread = Executors.newSingleThreadExecutor();
    private final Case c;
    private final LayerChoice layers;
    private ComputationGraph net;
    private DataSet data;
    long bytes;

    Dl4jSide(Case c, LayerChoice layers) throws Exception {
      this(c, layers, null, null);
    }

    /** Built with the system property {@code property} set to {@code value} (null: as it is). */
    Dl4jSide(Case c, LayerChoice layers, String property, String value) throws Exception {
      this.c = c;
      this.layers = layers;
      thread.submit(() -> build(property, value)).get();
    }

    private Void build(String property, String value) {
      long before = Pointer.physicalBytes();
      String old = property == null ? null : System.getProperty(property);
      if (property != null) {
        System.setProperty(property, value);
      }
      try {
        net =
            Networks.create(
                c.backbone(),
                Head.fc(c.classes(), 0.1),
                Recipe.reference(1, c.batch(), 42),
                new Networks.ImageShape(c.channels(), c.size(), c.size()),
                100,
                layers);
      } finally {
        if (property != null && old == null) {
          System.clearProperty(property);
        } else if (property != null) {
          System.setProperty(property, old);
        }
      }
      INDArray x = Nd4j.rand(DataType.FLOAT, c.batch(), c.channels(), c.size(), c.size());
      INDArray y = Nd4j.zeros(DataType.FLOAT, c.batch(), 1);
      for (int i = 0; i < c.batch(); i++) {
        y.putScalar(i, 0, i % c.classes());
      }
      data = new DataSet(x, y);
      for (int i = 0; i < c.warmup(); i++) {
        net.fit(data);
      }
      // The resident set this network's training added: parameters, gradients, updater state and
      // the workspaces the steps grew to (ND4J allocates them outside JavaCPP's own count).
      bytes = Pointer.physicalBytes() - before;
      return null;
    }

    double imagesPerSecond() throws Exception {
      return thread
          .submit(
              () -> {
                long start = System.nanoTime();
                for (int i = 0; i < c.steps(); i++) {
                  net.fit(data);
                }
                return c.steps() * c.batch() / ((System.nanoTime() - start) / 1e9);
              })
          .get();
    }

    @Override
    public void close() {
      thread.shutdown();
    }
  }

  private static JsonNode pytorch(Case c) throws Exception {
    return PythonReference.run(
        Path.of("bench/python/train_reference.py"),
        3600,
        "--backbone",
        c.label(),
        "--channels",
        "" + c.channels(),
        "--size",
        "" + c.size(),
        "--classes",
        "" + c.classes(),
        "--batch",
        "" + c.batch(),
        "--steps",
        "" + c.steps(),
        "--warmup",
        "" + c.warmup(),
        "--threads",
        "2");
  }

  static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static String list(List<Double> v) {
    return v.stream().map(d -> String.format(Locale.ROOT, "%.0f", d)).toList().toString();
  }

  private static void steps() throws Exception {
    // ND4J's native libraries and pools load once, before any network's memory is counted.
    Nd4j.create(DataType.FLOAT, 1).addi(1);
    BenchmarkReport report = new BenchmarkReport("layer-speed");
    report.raw("## Training step: fast layers, DL4J's layers and PyTorch (issue 10)");
    report.raw("");
    report.line(
        "Machine: %s. Command: `bench/run-speed.sh steps` (%s). Random inputs, FC head, SGD +"
            + " Nesterov, label smoothing 0.1, 2 threads on every side (PyTorch %s, its thread"
            + " count set). Each side warms up once before the rounds (PyTorch: in every fresh"
            + " process); each round then times fast, dl4j, then PyTorch; %d rounds; images/s per round in brackets, ratios are medians of"
            + " the per-round ratios. Memory per image: what training adds to the process,"
            + " divided by the batch: for DL4J the growth of the JVM's resident set while the"
            + " network is built and warmed up (parameters, gradients, updater, workspaces; each"
            + " network on its own thread, so its own workspaces), for PyTorch the growth of the"
            + " peak resident set (VmHWM) from after `import torch` to the end.",
        MachineInfo.describe(),
        java.time.LocalDate.now(),
        PythonReference.available() ? "1.13" : "missing",
        ROUNDS);
    report.raw("");
    report.raw(
        "| network | batch | untimed + timed steps | fast img/s | dl4j img/s | PyTorch img/s | fast"
            + " / PyTorch | dl4j / PyTorch | fast / dl4j | MB per image: fast, dl4j, PyTorch |");
    report.raw("|---|---|---|---|---|---|---|---|---|---|");
    for (Case c : CASES) {
      List<Double> fast = new ArrayList<>();
      List<Double> dl4j = new ArrayList<>();
      List<Double> torch = new ArrayList<>();
      long torchBytes = 0;
      try (Dl4jSide f = new Dl4jSide(c, LayerChoice.FAST);
          Dl4jSide d = new Dl4jSide(c, LayerChoice.DL4J)) {
        for (int r = 0; r < ROUNDS; r++) {
          fast.add(f.imagesPerSecond());
          dl4j.add(d.imagesPerSecond());
          JsonNode t = pytorch(c);
          torch.add(t.get("images_per_second").asDouble());
          torchBytes = Math.max(torchBytes, t.get("training_rss_bytes").asLong());
          System.err.printf(
              "%s round %d: fast %.1f dl4j %.1f pytorch %.1f img/s%n",
              c.label(), r + 1, fast.get(r), dl4j.get(r), torch.get(r));
        }
        List<Double> fastRatio = new ArrayList<>();
        List<Double> dl4jRatio = new ArrayList<>();
        List<Double> speedup = new ArrayList<>();
        for (int r = 0; r < ROUNDS; r++) {
          fastRatio.add(fast.get(r) / torch.get(r));
          dl4jRatio.add(dl4j.get(r) / torch.get(r));
          speedup.add(fast.get(r) / dl4j.get(r));
        }
        report.line(
            "| %s (%d x %d x %d) | %d | %d + %d | %.1f %s | %.1f %s | %.1f %s | %.2fx | %.2fx |"
                + " %.2fx | %.1f, %.1f, %.1f |",
            c.label(),
            c.channels(),
            c.size(),
            c.size(),
            c.batch(),
            c.warmup(),
            c.steps(),
            median(fast),
            list(fast),
            median(dl4j),
            list(dl4j),
            median(torch),
            list(torch),
            median(fastRatio),
            median(dl4jRatio),
            median(speedup),
            f.bytes / 1e6 / c.batch(),
            d.bytes / 1e6 / c.batch(),
            torchBytes / 1e6 / c.batch());
      }
      report.writeInto(DOC);
    }
  }

  // ---------------------------------------------------------------------------------- fmnist

  private static TrainRequest request(String run, LayerChoice layers, int epochs) {
    Recipe recipe =
        Recipe.reference(epochs, 128, 42)
            .withLearningRate(0.1)
            .withWarmupEpochs(0.5)
            .withWeightDecay(5e-4);
    return new TrainRequest(
        OUT.resolve("fmnist").toString(),
        OUT.resolve("runs").resolve(run).toString(),
        Backbone.CNN_SMALL,
        Head.Kind.EBV,
        OUT.resolve("fmnist-ebv10-d32.ebv").toString(),
        0.07,
        recipe,
        1,
        0,
        0,
        1,
        50,
        true,
        false,
        1,
        layers);
  }

  private record Run(
      String name,
      String layers,
      int epochs,
      double top1,
      double seconds,
      Double to90,
      double imagesPerSecond) {}

  /** Trains, or reads back a finished run of the same layers and epochs (EBV_BENCH_REUSE=1). */
  private static Run train(String name, LayerChoice layers, int epochs) throws Exception {
    Path dir = OUT.resolve("runs").resolve(name);
    if ("1".equals(System.getenv("EBV_BENCH_REUSE")) && Files.exists(dir.resolve("report.json"))) {
      RunConfig rc;
      try (var in = Files.newInputStream(dir.resolve("config.json"))) {
        rc = RunConfig.read(in, dir.toString());
      }
      JsonNode report =
          org.ebvspark.model.Provenance.json().readTree(dir.resolve("report.json").toFile());
      if (layers.label().equals(rc.layers()) && rc.request().recipe().epochs() == epochs) {
        double seconds = report.get("trainSeconds").asDouble();
        JsonNode to90 = report.get("secondsToTop1Of90");
        return new Run(
            name,
            rc.layers(),
            epochs,
            report.get("top1").asDouble(),
            seconds,
            to90 == null || to90.isNull() ? null : to90.asDouble(),
            rc.trainRows() * (double) epochs / seconds);
      }
    }
    TrainingLoop.Result r =
        TrainingLoop.local(
                request(name, layers, epochs),
                new TrainingLoop.Rounds(5, 0, 0),
                new Configuration(),
                2L << 30,
                new PrintWriter(System.err, true))
            .execute();
    Path config = OUT.resolve("runs").resolve(name).resolve("config.json");
    RunConfig rc;
    try (var in = Files.newInputStream(config)) {
      rc = RunConfig.read(in, config.toString());
    }
    return new Run(
        name,
        rc.layers(),
        epochs,
        r.evaluation().top1(),
        r.seconds(),
        r.secondsToTop1Of90(),
        rc.trainRows() * (double) epochs / r.seconds());
  }

  private static void fmnist() throws Exception {
    if (!Files.exists(OUT.resolve("fmnist").resolve("_SUCCESS"))
        || !Files.exists(OUT.resolve("fmnist-ebv10-d32.ebv"))) {
      throw new IllegalStateException(
          "bench/out/fmnist and bench/out/fmnist-ebv10-d32.ebv are made by"
              + " bench/run-training.sh (its data preparation)");
    }
    int shortEpochs = Integer.getInteger("ebv.bench.epochs", 3);
    int longEpochs = Integer.getInteger("ebv.bench.long-epochs", 15);
    List<Run> runs = new ArrayList<>();
    runs.add(train("speed-fast", LayerChoice.FAST, shortEpochs));
    runs.add(train("speed-dl4j", LayerChoice.DL4J, shortEpochs));
    runs.add(train("speed-fast-long", LayerChoice.FAST, longEpochs));
    BenchmarkReport report = new BenchmarkReport("layer-speed-fmnist");
    report.raw("## `ebv train --local` on Fashion-MNIST: fast layers against DL4J's (issue 10)");
    report.raw("");
    report.line(
        "Machine: %s. Command: `bench/run-speed.sh fmnist` (%s). cnn-small + EBV head (N = 10, d ="
            + " 32, tau 0.07), batch 128, SGD + Nesterov 0.9, lr 0.1, warm-up 0.5 epoch then cosine"
            + " over the run's epochs, weight decay 5e-4, label smoothing 0.1, seed 42, pad 3 +"
            + " crop 28 + flip; 60,000 training images, top-1 on the 10,000 test images after"
            + " every epoch (never used for a choice). Seconds are the trainer's own (training and"
            + " evaluation), run one after the other; with EBV_BENCH_REUSE=1 a finished run of the"
            + " same layers and epochs is read back instead of trained again.",
        MachineInfo.describe(), java.time.LocalDate.now());
    report.raw("");
    report.raw(
        "| run | layers | epochs | top-1 | seconds | seconds to top-1 0.90 | training images/s |");
    report.raw("|---|---|---|---|---|---|---|");
    for (Run r : runs) {
      report.line(
          "| %s | %s | %d | %.4f | %.0f | %s | %.0f |",
          r.name(),
          r.layers(),
          r.epochs(),
          r.top1(),
          r.seconds(),
          r.to90() == null ? "not reached" : String.format(Locale.ROOT, "%.0f", r.to90()),
          r.imagesPerSecond());
    }
    report.writeInto(DOC);
  }
}
