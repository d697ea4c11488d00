package org.ebvspark.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
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
 * Where a fast training step's oneDNN time goes. {@code train NET STEPS}: steps cnn-small or
 * resnet32 (fast layers, FC head, batch 128, random inputs), printing {@code MARK} lines around the
 * timed steps; run with DNNL_VERBOSE=1, oneDNN prints one line per primitive it executes between
 * them. One network per JVM, as on an executor: a resnet32 stepped after a cnn-small in the same
 * JVM kept a slow Winograd kernel (below) in 3 of 4 runs. {@code summarize LOG STEPS}: sums that
 * log per network by primitive, direction and shape, and writes the table into docs/BENCHMARKS.md
 * (bench/run-onednn-profile.sh runs both).
 */
public final class OneDnnProfile {
  private static final Path DOC = Path.of("docs/BENCHMARKS.md");
  private static final int BATCH = 128;
  static final int WARMUP = 5;

  private record Net(Backbone backbone, String label, int channels, int size) {}

  private static final List<Net> NETS =
      List.of(
          new Net(Backbone.CNN_SMALL, "cnn-small", 1, 28),
          new Net(Backbone.RESNET32, "resnet32", 3, 32));

  private OneDnnProfile() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "train" -> train(args[1], Integer.parseInt(args[2]));
      case "summarize" -> summarize(Path.of(args[1]), Integer.parseInt(args[2]));
      default -> throw new IllegalArgumentException("train NET STEPS | summarize LOG STEPS");
    }
  }

  private static void train(String label, int steps) {
    Net n =
        NETS.stream()
            .filter(c -> c.label().equals(label))
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "unknown network " + label + " (cnn-small, resnet32)"));
    ComputationGraph net =
        Networks.create(
            n.backbone(),
            Head.fc(10, 0.1),
            Recipe.reference(1, BATCH, 42),
            new Networks.ImageShape(n.channels(), n.size(), n.size()),
            100,
            LayerChoice.FAST);
    INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, n.channels(), n.size(), n.size());
    INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, 1);
    for (int i = 0; i < BATCH; i++) {
      y.putScalar(i, 0, i % 10);
    }
    DataSet data = new DataSet(x, y);
    for (int i = 0; i < WARMUP; i++) {
      net.fit(data);
    }
    System.out.println("MARK begin " + n.label());
    long faults = minorFaults();
    long start = System.nanoTime();
    for (int i = 0; i < steps; i++) {
      net.fit(data);
    }
    double ms = (System.nanoTime() - start) / 1e6 / steps;
    // Read by ProcessSettings.
    System.out.printf("FAULTS %s %d%n", n.label(), (minorFaults() - faults) / steps);
    System.out.printf("MARK end %s %.3f%n", n.label(), ms);
    System.out.flush();
  }

  /** This process's minor page faults so far (field 10 of /proc/self/stat). */
  private static long minorFaults() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[7]);
    } catch (Exception e) {
      return -1;
    }
  }

  /** Milliseconds and calls of one kind of primitive call, summed over the timed steps. */
  private static final class Sum {
    double ms;
    int calls;
  }

  private static void summarize(Path log, int steps) throws Exception {
    BenchmarkReport report = new BenchmarkReport("onednn-profile");
    report.raw("## Where a fast step's oneDNN time goes (issue 10)");
    report.raw("");
    report.line(
        "Machine: %s. Command: `bench/run-onednn-profile.sh %d` (%s). Each network in its own"
            + " JVM, the fast layers, FC head, batch 128, random inputs, 2 threads; %d untimed"
            + " steps, then %d timed ones with oneDNN's verbose log (DNNL_VERBOSE=1), summed per"
            + " step by primitive, direction and problem (reorders by tensor shape). Two oneDNN"
            + " libraries log there: the one the fast layers call through JavaCPP (2.5: their"
            + " convolutions, batch norms of images, cnn-small's dense layer, and the weight layout"
            + " conversions) and libnd4j's (2.2, marked: DL4J's pooling layers). The rest of the"
            + " step (add + ReLU, the dense batch norm, global pooling, the heads, the updater,"
            + " DL4J's graph) is outside oneDNN.",
        MachineInfo.describe(), steps, java.time.LocalDate.now(), WARMUP, steps);
    report.raw("");
    report.raw("| network | what | calls per step | ms per step | share of the step |");
    report.raw("|---|---|---|---|---|");
    String current = null;
    Map<String, Sum> sums = new LinkedHashMap<>();
    for (String line : Files.readAllLines(log)) {
      if (line.startsWith("MARK begin ")) {
        current = line.substring("MARK begin ".length());
        sums.clear();
      } else if (line.startsWith("MARK end ") && current != null) {
        double stepMs = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        rows(report, current, stepMs, steps, sums);
        current = null;
      } else if (current != null
          && (line.startsWith("dnnl_verbose,exec,") || line.startsWith("onednn_verbose,exec,"))) {
        String[] f = line.split(",");
        // exec,cpu,PRIMITIVE,IMPLEMENTATION,DIRECTION,formats,attributes,algorithm,PROBLEM,MS
        String library = line.startsWith("dnnl_") ? "libnd4j's " : "";
        String key =
            library
                + (f[3].equals("reorder")
                    ? "reorder " + f[f.length - 2]
                    : f[3] + " " + f[5] + " " + f[f.length - 2] + " (" + f[4] + ")");
        Sum s = sums.computeIfAbsent(key, k -> new Sum());
        s.ms += Double.parseDouble(f[f.length - 1]);
        s.calls++;
      }
    }
    report.writeInto(DOC);
  }

  private static void rows(
      BenchmarkReport report, String net, double stepMs, int steps, Map<String, Sum> sums) {
    List<Map.Entry<String, Sum>> sorted = new ArrayList<>(sums.entrySet());
    sorted.sort((a, b) -> Double.compare(b.getValue().ms, a.getValue().ms));
    double reorders = 0;
    double total = 0;
    for (var e : sorted) {
      total += e.getValue().ms / steps;
      if (e.getKey().contains("reorder ")) {
        reorders += e.getValue().ms / steps;
      }
    }
    report.line("| %s | whole step | | %.1f | 100%% |", net, stepMs);
    report.line(
        "| %s | all oneDNN calls | %d | %.1f | %.0f%% |",
        net,
        sorted.stream().mapToInt(e -> e.getValue().calls).sum() / steps,
        total,
        100 * total / stepMs);
    report.line(
        "| %s | of which layout conversions (reorders) | | %.1f | %.0f%% |",
        net, reorders, 100 * reorders / stepMs);
    for (var e : sorted.subList(0, Math.min(8, sorted.size()))) {
      double ms = e.getValue().ms / steps;
      report.line(
          "| %s | %s | %d | %.1f | %.0f%% |",
          net, e.getKey(), e.getValue().calls / steps, ms, 100 * ms / stepMs);
    }
    report.line(
        "| %s | outside oneDNN | | %.1f | %.0f%% |",
        net, stepMs - total, 100 * (stepMs - total) / stepMs);
  }
}
