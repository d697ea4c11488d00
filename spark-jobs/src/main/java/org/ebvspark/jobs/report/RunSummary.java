package org.ebvspark.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.ebv.CoherenceStats;

/**
 * One run's part of a report, as plain data (maps, lists, numbers and strings) so that the JSON
 * written beside the page and the page itself show the same values. Sections whose inputs are
 * missing are left out; the run's {@code missing} list (what the run directory lacked, then what
 * the report could not derive, this method adding its own) says why.
 */
final class RunSummary {
  /** Curves keep at most this many round points (every k-th round beyond). */
  static final int MAX_ROUND_POINTS = 2000;

  /** The sorted per-class accuracy curve keeps at most this many quantile points. */
  static final int MAX_CLASS_POINTS = 1000;

  /** Best and worst classes named. */
  static final int NAMED_CLASSES = 10;

  /**
   * A training split is long-tailed (head / medium / tail groups shown) from this max/min ratio.
   */
  static final double LONG_TAIL_RATIO = 5;

  private RunSummary() {}

  static Map<String, Object> build(
      RunRecords run,
      String split,
      PredictionAnalysis.Result predictions,
      BasisGeometry geometry,
      Map<String, Object> headCost,
      List<String> missing) {
    Map<String, Object> out = new LinkedHashMap<>();
    String name = run.location().substring(run.location().lastIndexOf('/') + 1);
    out.put("name", name);
    out.put("location", run.location());
    JsonNode evaluation = run.evaluation(split);
    out.put("summary", summary(run, evaluation, split));
    out.put("curves", curves(run));
    if (evaluation != null && evaluation.has("perClassCorrect")) {
      out.put("perClass", perClass(run, evaluation));
    } else {
      missing.add("no " + split + " evaluation with per-class counts in report.json");
    }
    if (predictions != null) {
      List<Map<String, Object>> pairs = new ArrayList<>();
      for (PredictionAnalysis.ConfusedPair p : predictions.confused()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trueClass", p.trueClass());
        m.put("trueName", run.className(p.trueClass()));
        m.put("predictedClass", p.predictedClass());
        m.put("predictedName", run.className(p.predictedClass()));
        m.put("count", p.count());
        m.put("shareOfTrue", (double) p.count() / p.trueImages());
        pairs.add(m);
      }
      out.put("confusedPairs", pairs);
      out.put("predictedImages", predictions.images());
      out.put("calibration", predictions.calibration());
    }
    if (geometry != null) {
      out.put("geometry", geometry(geometry));
    }
    if (headCost != null) {
      out.put("cost", headCost);
    }
    Map<String, Object> throughput = throughput(run);
    if (throughput != null) {
      out.put("throughput", throughput);
    }
    out.put("provenance", provenance(run, geometry));
    out.put("missing", missing);
    return out;
  }

  private static Map<String, Object> summary(RunRecords run, JsonNode evaluation, String split) {
    Map<String, Object> m = new LinkedHashMap<>();
    JsonNode c = run.config();
    JsonNode head = c == null ? null : c.path("head");
    String kind = head == null ? "?" : head.path("kind").asText("?");
    m.put(
        "method",
        "EBV".equals(kind)
            ? "EBV (d = " + head.path("dim").asInt() + ")"
            : "FC".equals(kind) ? "FC" : kind);
    m.put("backbone", c == null ? null : backbone(c.path("request").path("backbone").asText(null)));
    m.put(
        "optimizer",
        c == null ? null : c.path("request").path("recipe").path("optimizer").asText(null));
    m.put(
        "epochsPlanned",
        c == null ? null : c.path("request").path("recipe").path("epochs").asInt());
    m.put(
        "epochsDone",
        run.epochs().isEmpty()
            ? 0
            : run.epochs().get(run.epochs().size() - 1).path("epoch").asInt());
    m.put("globalBatch", c == null ? null : c.path("globalBatch").asInt());
    m.put("classes", c == null ? null : c.path("classes").asInt());
    m.put("trainableParameters", c == null ? null : c.path("trainableParameters").asLong());
    m.put("split", split);
    m.put("images", evaluation == null ? null : evaluation.path("images").asLong());
    m.put("top1", number(evaluation, "top1"));
    m.put("top5", number(evaluation, "top5"));
    m.put("meanClassAccuracy", number(evaluation, "meanClassAccuracy"));
    m.put("loss", number(evaluation, "loss"));
    m.put("trainSeconds", run.report() == null ? null : number(run.report(), "trainSeconds"));
    return m;
  }

  private static Map<String, Object> curves(RunRecords run) {
    Map<String, Object> m = new LinkedHashMap<>();
    List<Map<String, Object>> epochs = new ArrayList<>();
    for (JsonNode e : run.epochs()) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("epoch", e.path("epoch").asInt());
      p.put("trainLoss", number(e, "trainLoss"));
      p.put("valTop1", number(e, "valTop1"));
      p.put("valTop5", number(e, "valTop5"));
      p.put("valLoss", number(e, "valLoss"));
      p.put("elapsedSeconds", number(e, "elapsedSeconds"));
      epochs.add(p);
    }
    m.put("epochs", epochs);
    int total = run.rounds().size();
    int step = Math.max(1, (total + MAX_ROUND_POINTS - 1) / MAX_ROUND_POINTS);
    List<Map<String, Object>> rounds = new ArrayList<>();
    for (int i = 0; i < total; i += step) {
      JsonNode r = run.rounds().get(i);
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("epoch", r.path("epoch").asInt());
      p.put("iteration", r.path("iteration").asLong());
      p.put("loss", number(r, "loss"));
      p.put("learningRate", number(r, "learningRate"));
      p.put("imagesPerSecond", number(r, "imagesPerSecond"));
      rounds.add(p);
    }
    m.put("roundsRecorded", total);
    m.put("roundEvery", step);
    m.put("rounds", rounds);
    return m;
  }

  private static Map<String, Object> perClass(RunRecords run, JsonNode evaluation) {
    long[] correct = longs(evaluation.path("perClassCorrect"));
    long[] total = longs(evaluation.path("perClassTotal"));
    int n = Math.min(correct.length, total.length);
    List<Integer> seen = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (total[i] > 0) {
        seen.add(i);
      }
    }
    double[] accuracy = new double[n];
    for (int i : seen) {
      accuracy[i] = (double) correct[i] / total[i];
    }
    // Sorted by accuracy, ties by class index, so best and worst are well defined.
    seen.sort(Comparator.<Integer>comparingDouble(i -> accuracy[i]).thenComparing(i -> i));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("classes", n);
    m.put("classesEvaluated", seen.size());
    m.put("meanAccuracy", seen.stream().mapToDouble(i -> accuracy[i]).average().orElse(Double.NaN));
    // At most half the classes each way, so that a small N does not list every class twice.
    int named = Math.min(NAMED_CLASSES, (seen.size() + 1) / 2);
    List<Map<String, Object>> worst = new ArrayList<>();
    for (int k = 0; k < named; k++) {
      worst.add(classEntry(run, seen.get(k), correct, total));
    }
    List<Map<String, Object>> best = new ArrayList<>();
    for (int k = seen.size() - 1; k >= seen.size() - named; k--) {
      best.add(classEntry(run, seen.get(k), correct, total));
    }
    m.put("best", best);
    m.put("worst", worst);
    int points = Math.min(MAX_CLASS_POINTS, seen.size());
    List<Double> sorted = new ArrayList<>();
    for (int k = 0; k < points; k++) {
      int at = points == 1 ? 0 : (int) Math.round((double) k * (seen.size() - 1) / (points - 1));
      sorted.add(accuracy[seen.get(at)]);
    }
    m.put("sortedAccuracy", sorted);
    Map<String, Object> groups = groups(run, accuracy, correct, total);
    if (groups != null) {
      m.put("groups", groups);
    }
    return m;
  }

  /**
   * Head / medium / tail: thirds of the classes ranked by training images (the table's own counts),
   * shown when the training split is long-tailed.
   */
  private static Map<String, Object> groups(
      RunRecords run, double[] accuracy, long[] correct, long[] total) {
    if (run.tablePrep() == null || run.classes() == null) {
      return null;
    }
    JsonNode perClass = run.tablePrep().path("rowsPerClass").path("train");
    int n = Math.min(run.classes().size(), correct.length);
    long[] train = new long[n];
    for (int i = 0; i < n; i++) {
      train[i] = perClass.path(run.className(i)).asLong(0);
    }
    long max = Arrays.stream(train).max().orElse(0);
    long min = Arrays.stream(train).min().orElse(0);
    if (n < 3 || min <= 0 || (double) max / min < LONG_TAIL_RATIO) {
      return null;
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.<Integer>comparingLong(i -> -train[i]).thenComparing(i -> i));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("imbalanceRatio", (double) max / min);
    String[] names = {"head", "medium", "tail"};
    for (int g = 0; g < 3; g++) {
      int from = g * n / 3;
      int to = (g + 1) * n / 3;
      long c = 0;
      long t = 0;
      double sum = 0;
      for (int k = from; k < to; k++) {
        int i = order[k];
        c += correct[i];
        t += total[i];
        sum += accuracy[i];
      }
      Map<String, Object> group = new LinkedHashMap<>();
      group.put("classes", to - from);
      group.put("trainImagesMax", train[order[from]]);
      group.put("trainImagesMin", train[order[to - 1]]);
      group.put("images", t);
      group.put("accuracy", t == 0 ? Double.NaN : (double) c / t);
      group.put("meanClassAccuracy", sum / (to - from));
      m.put(names[g], group);
    }
    return m;
  }

  private static Map<String, Object> classEntry(
      RunRecords run, int i, long[] correct, long[] total) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("index", i);
    m.put("name", run.className(i));
    m.put("accuracy", (double) correct[i] / total[i]);
    m.put("correct", correct[i]);
    m.put("images", total[i]);
    return m;
  }

  private static Map<String, Object> geometry(BasisGeometry g) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("location", g.location());
    m.put("checksum", g.checksum());
    m.put("classes", g.classes());
    m.put("dim", g.dim());
    m.put("targetAlpha", g.targetAlpha());
    CoherenceStats s = g.certificate();
    if (s != null) {
      m.put("source", g.source());
      m.put("pairs", s.pairs());
      m.put("achievedMax", s.max());
      m.put("mean", s.mean());
      m.put("p50", s.p50());
      m.put("p99", s.p99());
      m.put("welchBound", s.welchBound());
      m.put("lowerBound", s.lowerBound());
      m.put("lowerBoundName", s.lowerBoundName());
      m.put("maxNormError", s.maxNormError());
      m.put("histogramEdges", s.histogramEdges());
      m.put("histogramCounts", s.histogramCounts());
    }
    return m;
  }

  private static Map<String, Object> throughput(RunRecords run) {
    List<JsonNode> rounds = run.rounds();
    if (rounds.isEmpty()) {
      return null;
    }
    double[] rates =
        rounds.stream().mapToDouble(r -> r.path("imagesPerSecond").asDouble()).sorted().toArray();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rounds", rounds.size());
    m.put("imagesPerSecondMedian", rates[rates.length / 2]);
    Map<String, Object> split = new LinkedHashMap<>();
    split.put("roundSeconds", mean(rounds, "roundSeconds"));
    split.put("broadcastSeconds", mean(rounds, "broadcastSeconds"));
    split.put("dataSecondsPerWorker", mean(rounds, "dataSecondsPerWorker"));
    split.put("fitSecondsPerWorker", mean(rounds, "fitSecondsPerWorker"));
    split.put("outsideFitSeconds", mean(rounds, "outsideFitSeconds"));
    m.put("meanPerRound", split);
    Map<String, Object> bytes = new LinkedHashMap<>();
    bytes.put("paramsBytes", mean(rounds, "paramsBytes"));
    bytes.put("broadcastBytes", mean(rounds, "broadcastBytes"));
    bytes.put("resultBytes", mean(rounds, "resultBytes"));
    m.put("meanBytesPerRound", bytes);
    return m;
  }

  private static Map<String, Object> provenance(RunRecords run, BasisGeometry geometry) {
    Map<String, Object> m = new LinkedHashMap<>();
    JsonNode c = run.config();
    if (c != null) {
      m.put("command", c.path("command").asText(null));
      m.put("createdAt", c.path("createdAt").asText(null));
      m.put("executor", c.path("executor").asText(null));
      m.put("recipe", c.path("recipe").asText(null));
      m.put("software", c.path("software"));
      m.put("table", c.path("request").path("table").asText(null));
      m.put("basisLocation", c.path("head").path("basisLocation").asText(null));
      m.put("basisChecksum", c.path("head").path("basisChecksum").asText(null));
      m.put("request", c.path("request"));
    }
    // Where the rounds trained, as the tasks reported it: each executor and its GPU (or cpu).
    java.util.SortedSet<String> devices = new java.util.TreeSet<>();
    for (JsonNode r : run.rounds()) {
      r.path("workerDevices").forEach(d -> devices.add(d.asText()));
    }
    if (!devices.isEmpty()) {
      m.put("workerDevices", String.join(", ", devices));
    }
    m.put("tablePrepReportSha256", run.tablePrepSha256());
    if (run.tablePrep() != null) {
      m.put("tableCreatedAt", run.tablePrep().path("createdAt").asText(null));
      m.put("tableSeed", run.tablePrep().path("seed").asLong());
    }
    if (geometry != null) {
      m.put("basisChecksumOfFile", geometry.checksum());
    }
    m.put("reportSoftware", Provenance.software());
    return m;
  }

  private static Double mean(List<JsonNode> rounds, String field) {
    double sum = 0;
    int n = 0;
    for (JsonNode r : rounds) {
      if (r.has(field) && r.get(field).isNumber()) {
        sum += r.get(field).asDouble();
        n++;
      }
    }
    return n == 0 ? null : sum / n;
  }

  /** A backbone as the command line names it (config.json holds the enum name). */
  private static String backbone(String name) {
    try {
      return name == null ? null : org.ebvspark.model.nn.Backbone.valueOf(name).label();
    } catch (IllegalArgumentException e) {
      return name;
    }
  }

  static Double number(JsonNode node, String field) {
    return node != null && node.has(field) && node.get(field).isNumber()
        ? node.get(field).asDouble()
        : null;
  }

  private static long[] longs(JsonNode array) {
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asLong();
    }
    return out;
  }
}
