package org.ebvspark.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Draws the page and its charts from the report's JSON (never from anything else, so the page shows
 * what the JSON says). The page is one self-contained file: inline CSS and SVG, no script, and a
 * content security policy that forbids any request.
 */
final class ReportPage {
  private static final Color ALPHA = new Color(0xD62728);
  private static final Color MAX = new Color(0x2CA02C);
  private static final Color WELCH = new Color(0x9467BD);

  private final JsonNode data;
  private final List<ReportCharts.Chart> charts = new ArrayList<>();

  ReportPage(JsonNode data) {
    this.data = data;
  }

  /** The charts drawn by {@link #html()}, to be written as files too. */
  List<ReportCharts.Chart> charts() {
    return charts;
  }

  String html() {
    JsonNode runs = data.path("runs");
    Html h = new Html();
    h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.raw(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src"
            + " 'unsafe-inline'; img-src data:\">\n");
    h.open("title").text("EBV report: " + names(runs)).close("title");
    h.raw("<style>").raw(CSS).raw("</style>\n</head>\n<body>\n");
    h.open("h1").text("EBV report: " + names(runs)).close("h1");
    h.open("p", "meta")
        .text("Written " + data.path("createdAt").asText() + " by ebv report from " + runs.size())
        .text(runs.size() == 1 ? " run." : " runs; the first is the subject, the rest compared.")
        .close("p");
    if (runs.size() > 1) {
      comparison(h, runs);
    }
    for (int i = 0; i < runs.size(); i++) {
      run(h, runs.get(i), "runs." + i + ".", i);
    }
    h.raw("</body>\n</html>\n");
    return h.toString();
  }

  private static String names(JsonNode runs) {
    List<String> names = new ArrayList<>();
    runs.forEach(r -> names.add(r.path("name").asText()));
    return String.join(" vs ", names);
  }

  private void comparison(Html h, JsonNode runs) {
    h.open("section", "comparison").element("h2", "Runs compared");
    h.open("table", "compare")
        .headerRow(
            "run",
            "method",
            "backbone",
            "optimizer",
            "epochs",
            "trainable parameters",
            "top-1",
            "top-5");
    for (int i = 0; i < runs.size(); i++) {
      JsonNode s = runs.get(i).path("summary");
      String p = "runs." + i + ".summary.";
      h.open("tr");
      h.open("td").text(runs.get(i).path("name").asText()).close("td");
      h.open("td").text(s.path("method").asText("?")).close("td");
      h.open("td").text(s.path("backbone").asText("?")).close("td");
      h.open("td").text(s.path("optimizer").asText("?")).close("td");
      h.number(p + "epochsDone", value(s, "epochsDone"), 0);
      h.number(p + "trainableParameters", value(s, "trainableParameters"), 0);
      h.number(p + "top1", value(s, "top1"), 4);
      h.number(p + "top5", value(s, "top5"), 4);
      h.close("tr");
    }
    h.close("table");
    List<ReportCharts.Line> top1 = new ArrayList<>();
    List<ReportCharts.Line> loss = new ArrayList<>();
    List<ReportCharts.Line> speed = new ArrayList<>();
    for (JsonNode r : runs) {
      String name = r.path("name").asText();
      top1.add(line(name, r.path("curves").path("epochs"), "epoch", "valTop1"));
      loss.add(line(name, r.path("curves").path("rounds"), "iteration", "loss"));
      speed.add(line(name, r.path("curves").path("rounds"), "iteration", "imagesPerSecond"));
    }
    h.open("div", "charts");
    chart(h, ReportCharts.lines("compare-top1", "Validation top-1", "epoch", "top-1", top1, false));
    chart(h, ReportCharts.lines("compare-loss", "Training loss", "iteration", "loss", loss, false));
    chart(
        h,
        ReportCharts.lines(
            "compare-throughput", "Throughput", "iteration", "images/s", speed, false));
    h.close("div").close("section");
  }

  private void run(Html h, JsonNode r, String p, int index) {
    String id = "run" + index;
    h.open("section", "run").open("h2").text("Run " + r.path("name").asText()).close("h2");
    h.open("p", "meta").text(r.path("location").asText()).close("p");
    JsonNode missing = r.path("missing");
    if (missing.size() > 0) {
      h.open("div", "missing").element("h3", "Not in this report");
      h.open("ul");
      missing.forEach(m -> h.element("li", m.asText()));
      h.close("ul").close("div");
    }
    summary(h, r.path("summary"), p + "summary.");
    curves(h, r.path("curves"), id);
    if (r.has("perClass")) {
      perClass(h, r.path("perClass"), p + "perClass.", id);
    }
    if (r.has("confusedPairs")) {
      confused(h, r.path("confusedPairs"), p + "confusedPairs.");
    }
    if (r.has("calibration")) {
      calibration(h, r.path("calibration"), p + "calibration.", id);
    }
    if (r.has("geometry")) {
      geometry(h, r.path("geometry"), p + "geometry.", id);
    }
    if (r.has("cost")) {
      cost(h, r.path("cost"), p + "cost.");
    }
    if (r.has("throughput")) {
      throughput(h, r.path("throughput"), p + "throughput.", id, r.path("name").asText());
    }
    provenance(h, r.path("provenance"));
    h.close("section");
  }

  private void summary(Html h, JsonNode s, String p) {
    h.element("h3", "Result");
    h.open("table", "kv");
    h.textRow("method", s.path("method").asText("?"));
    h.textRow("backbone", s.path("backbone").asText("?"));
    h.textRow("optimizer", s.path("optimizer").asText("?"));
    h.numberRow("epochs done", p + "epochsDone", value(s, "epochsDone"), 0);
    h.numberRow("epochs planned", p + "epochsPlanned", value(s, "epochsPlanned"), 0);
    h.numberRow("global batch", p + "globalBatch", value(s, "globalBatch"), 0);
    h.numberRow("classes", p + "classes", value(s, "classes"), 0);
    h.numberRow(
        "trainable parameters", p + "trainableParameters", value(s, "trainableParameters"), 0);
    h.textRow("evaluated split", s.path("split").asText());
    h.numberRow("images evaluated", p + "images", value(s, "images"), 0);
    h.numberRow("top-1", p + "top1", value(s, "top1"), 4);
    h.numberRow("top-5", p + "top5", value(s, "top5"), 4);
    h.numberRow(
        "mean per-class accuracy", p + "meanClassAccuracy", value(s, "meanClassAccuracy"), 4);
    h.numberRow("loss", p + "loss", value(s, "loss"), 4);
    h.numberRow("training seconds", p + "trainSeconds", value(s, "trainSeconds"), 1);
    h.close("table");
  }

  private void curves(Html h, JsonNode c, String id) {
    JsonNode epochs = c.path("epochs");
    JsonNode rounds = c.path("rounds");
    if (epochs.isEmpty() && rounds.isEmpty()) {
      return;
    }
    h.element("h3", "Training curves");
    if (c.path("roundEvery").asInt(1) > 1) {
      h.open("p", "meta")
          .text(
              "Every "
                  + c.path("roundEvery").asInt()
                  + "th of "
                  + c.path("roundsRecorded").asInt()
                  + " rounds plotted.")
          .close("p");
    }
    h.open("div", "charts");
    chart(
        h,
        ReportCharts.lines(
            id + "-loss",
            "Loss",
            "iteration",
            "loss",
            List.of(line("training loss (round)", rounds, "iteration", "loss")),
            false));
    chart(
        h,
        ReportCharts.lines(
            id + "-lr",
            "Learning rate as the workers applied it",
            "iteration",
            "learning rate",
            List.of(line("learning rate", rounds, "iteration", "learningRate")),
            false));
    chart(
        h,
        ReportCharts.lines(
            id + "-accuracy",
            "Validation accuracy per epoch",
            "epoch",
            "accuracy",
            List.of(
                line("top-1", epochs, "epoch", "valTop1"),
                line("top-5", epochs, "epoch", "valTop5")),
            false));
    chart(
        h,
        ReportCharts.lines(
            id + "-throughput",
            "Throughput per round",
            "iteration",
            "images/s",
            List.of(line("images/s", rounds, "iteration", "imagesPerSecond")),
            false));
    h.close("div");
  }

  private void perClass(Html h, JsonNode c, String p, String id) {
    h.element("h3", "Per-class accuracy");
    h.open("table", "kv");
    h.numberRow("classes evaluated", p + "classesEvaluated", value(c, "classesEvaluated"), 0);
    h.numberRow("mean per-class accuracy", p + "meanAccuracy", value(c, "meanAccuracy"), 4);
    h.close("table");
    JsonNode sorted = c.path("sortedAccuracy");
    double[] x = new double[sorted.size()];
    double[] y = new double[sorted.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = sorted.size() == 1 ? 0 : (double) i / (sorted.size() - 1);
      y[i] = sorted.get(i).asDouble();
    }
    h.open("div", "charts");
    chart(
        h,
        ReportCharts.lines(
            id + "-per-class",
            "Per-class accuracy, sorted",
            "share of classes (worst to best)",
            "accuracy",
            List.of(new ReportCharts.Line("accuracy", x, y)),
            false));
    h.close("div");
    h.open("div", "pair");
    classTable(h, "Best classes", c.path("best"), p + "best.");
    classTable(h, "Worst classes", c.path("worst"), p + "worst.");
    h.close("div");
    JsonNode g = c.path("groups");
    if (g.isObject()) {
      h.open("h4")
          .text(
              "Head, medium and tail classes (thirds by training images; imbalance ratio "
                  + Html.format(g.path("imbalanceRatio").asDouble(), 1)
                  + ")")
          .close("h4");
      h.open("table")
          .headerRow(
              "group",
              "classes",
              "training images per class",
              "images",
              "accuracy",
              "mean class accuracy");
      for (String name : List.of("head", "medium", "tail")) {
        JsonNode e = g.path(name);
        String q = p + "groups." + name + ".";
        h.open("tr").element("td", name);
        h.number(q + "classes", value(e, "classes"), 0);
        h.open("td")
            .text(
                Html.format(e.path("trainImagesMin").asLong(), 0)
                    + " to "
                    + Html.format(e.path("trainImagesMax").asLong(), 0))
            .close("td");
        h.number(q + "images", value(e, "images"), 0);
        h.number(q + "accuracy", value(e, "accuracy"), 4);
        h.number(q + "meanClassAccuracy", value(e, "meanClassAccuracy"), 4);
        h.close("tr");
      }
      h.close("table");
    }
  }

  private static void classTable(Html h, String title, JsonNode rows, String p) {
    h.open("table")
        .open("caption")
        .text(title)
        .close("caption")
        .headerRow("class", "index", "accuracy", "correct", "images");
    for (int i = 0; i < rows.size(); i++) {
      JsonNode e = rows.get(i);
      String q = p + i + ".";
      h.open("tr").open("td", "name").text(e.path("name").asText()).close("td");
      h.number(q + "index", value(e, "index"), 0);
      h.number(q + "accuracy", value(e, "accuracy"), 4);
      h.number(q + "correct", value(e, "correct"), 0);
      h.number(q + "images", value(e, "images"), 0);
      h.close("tr");
    }
    h.close("table");
  }

  private static void confused(Html h, JsonNode pairs, String p) {
    h.element("h3", "Most confused class pairs");
    h.open("p", "meta")
        .text(
            "Top-1 mistakes from the predictions table, grouped by (true, predicted); only the largest pairs, never an N x N matrix.")
        .close("p");
    if (pairs.isEmpty()) {
      h.element("p", "No mistakes.");
      return;
    }
    h.open("table").headerRow("true class", "taken for", "images", "share of the true class");
    for (int i = 0; i < pairs.size(); i++) {
      JsonNode e = pairs.get(i);
      String q = p + i + ".";
      h.open("tr");
      h.open("td", "name").text(e.path("trueName").asText()).close("td");
      h.open("td", "name").text(e.path("predictedName").asText()).close("td");
      h.number(q + "count", value(e, "count"), 0);
      h.number(q + "shareOfTrue", value(e, "shareOfTrue"), 4);
      h.close("tr");
    }
    h.close("table");
  }

  private void calibration(Html h, JsonNode c, String p, String id) {
    h.element("h3", "Calibration");
    h.open("table", "kv");
    h.numberRow("expected calibration error (15 bins)", p + "ece", value(c, "ece"), 4);
    h.textRow("confidence", c.path("confidenceSource").asText());
    h.close("table");
    JsonNode bins = c.path("bins");
    double[] edges = new double[bins.size() + 1];
    double[] accuracy = new double[bins.size()];
    for (int i = 0; i < bins.size(); i++) {
      edges[i] = bins.get(i).path("lower").asDouble();
      edges[i + 1] = bins.get(i).path("upper").asDouble();
      JsonNode a = bins.get(i).path("accuracy");
      accuracy[i] = a.isNumber() ? a.asDouble() : Double.NaN;
    }
    h.open("div", "charts");
    chart(
        h,
        ReportCharts.bars(
            id + "-reliability",
            "Reliability diagram",
            "top-1 confidence",
            "accuracy",
            "accuracy in bin",
            edges,
            accuracy,
            List.of(),
            true));
    h.close("div");
  }

  private void geometry(Html h, JsonNode g, String p, String id) {
    h.element("h3", "EBV geometry");
    h.open("table", "kv");
    h.numberRow("N", p + "classes", value(g, "classes"), 0);
    h.numberRow("d", p + "dim", value(g, "dim"), 0);
    h.numberRow("target alpha", p + "targetAlpha", value(g, "targetAlpha"), 6);
    h.numberRow("achieved max |cos|", p + "achievedMax", value(g, "achievedMax"), 6);
    h.numberRow("Welch bound", p + "welchBound", value(g, "welchBound"), 6);
    h.numberRow("mean |cos|", p + "mean", value(g, "mean"), 6);
    h.numberRow("99th percentile |cos|", p + "p99", value(g, "p99"), 6);
    h.numberRow("pairs", p + "pairs", value(g, "pairs"), 0);
    h.numberRow("largest | ||w|| - 1 |", p + "maxNormError", value(g, "maxNormError"), 8);
    h.textRow("certificate", g.path("source").asText("none"));
    h.textRow("basis", g.path("location").asText());
    h.textRow("sha256", g.path("checksum").asText());
    h.close("table");
    JsonNode edges = g.path("histogramEdges");
    JsonNode counts = g.path("histogramCounts");
    if (counts.size() > 0 && edges.size() == counts.size() + 1) {
      double[] e = new double[edges.size()];
      double[] c = new double[counts.size()];
      for (int i = 0; i < e.length; i++) {
        e[i] = edges.get(i).asDouble();
      }
      for (int i = 0; i < c.length; i++) {
        c[i] = counts.get(i).asDouble();
      }
      List<ReportCharts.Marker> markers = new ArrayList<>();
      markers.add(new ReportCharts.Marker("alpha", g.path("targetAlpha").asDouble(), ALPHA));
      markers.add(new ReportCharts.Marker("max", g.path("achievedMax").asDouble(), MAX));
      markers.add(new ReportCharts.Marker("Welch", g.path("welchBound").asDouble(), WELCH));
      h.open("div", "charts");
      chart(
          h,
          ReportCharts.bars(
              id + "-cos",
              "Pairwise |cos| over all pairs",
              "|cos|",
              "pairs",
              "pairs",
              e,
              c,
              markers,
              false));
      h.close("div");
    }
  }

  private static void cost(Html h, JsonNode c, String p) {
    h.element("h3", "What the head costs");
    h.open("p", "meta")
        .text(
            "Backbone "
                + c.path("backbone").asText()
                + " at N = "
                + c.path("classes").asLong()
                + (c.path("dim").asInt() > 0 ? ", EBV d = " + c.path("dim").asInt() : "")
                + ", from the network configurations.")
        .close("p");
    h.open("table")
        .headerRow(
            "head", "trainable parameters", "bytes per averaging round (each way, per worker)");
    for (String head : List.of("ebv", "fc")) {
      if (!c.has(head)) {
        continue;
      }
      h.open("tr").element("td", head.toUpperCase(java.util.Locale.ROOT));
      h.number(p + head + ".trainableParameters", value(c.path(head), "trainableParameters"), 0);
      h.number(p + head + ".bytesPerRound", value(c.path(head), "bytesPerRound"), 0);
      h.close("tr");
    }
    h.close("table");
  }

  private void throughput(Html h, JsonNode t, String p, String id, String name) {
    h.element("h3", "Throughput and the time of a round");
    JsonNode m = t.path("meanPerRound");
    String q = p + "meanPerRound.";
    h.open("table", "kv");
    h.numberRow(
        "median images/s", p + "imagesPerSecondMedian", value(t, "imagesPerSecondMedian"), 1);
    h.numberRow("rounds", p + "rounds", value(t, "rounds"), 0);
    h.numberRow("round seconds (mean)", q + "roundSeconds", value(m, "roundSeconds"), 3);
    h.numberRow("broadcast seconds", q + "broadcastSeconds", value(m, "broadcastSeconds"), 3);
    h.numberRow(
        "data seconds per worker", q + "dataSecondsPerWorker", value(m, "dataSecondsPerWorker"), 3);
    h.numberRow(
        "fit seconds per worker", q + "fitSecondsPerWorker", value(m, "fitSecondsPerWorker"), 3);
    h.numberRow(
        "outside fit (averaging, scheduling)",
        q + "outsideFitSeconds",
        value(m, "outsideFitSeconds"),
        3);
    JsonNode bytes = t.path("meanBytesPerRound");
    h.numberRow(
        "parameter bytes per round",
        p + "meanBytesPerRound.paramsBytes",
        value(bytes, "paramsBytes"),
        0);
    h.numberRow(
        "broadcast bytes per round",
        p + "meanBytesPerRound.broadcastBytes",
        value(bytes, "broadcastBytes"),
        0);
    h.numberRow(
        "result bytes per round",
        p + "meanBytesPerRound.resultBytes",
        value(bytes, "resultBytes"),
        0);
    h.close("table");
    if (m.path("fitSecondsPerWorker").isNumber()) {
      // The data and fit parts are per worker (they run in parallel); "outside fit" is the rest.
      List<String> parts = List.of("broadcast", "data", "fit", "outside fit");
      String[] fields = {
        "broadcastSeconds", "dataSecondsPerWorker", "fitSecondsPerWorker", "outsideFitSeconds"
      };
      double[][] values = new double[parts.size()][1];
      for (int i = 0; i < fields.length; i++) {
        values[i][0] = m.path(fields[i]).asDouble(0);
      }
      h.open("div", "charts");
      chart(
          h,
          ReportCharts.stacked(
              id + "-round-split", "Mean round, seconds", "seconds", List.of(name), parts, values));
      h.close("div");
    }
  }

  private static void provenance(Html h, JsonNode p) {
    h.element("h3", "Provenance");
    h.open("table", "kv");
    for (String key :
        List.of(
            "command",
            "createdAt",
            "executor",
            "workerDevices",
            "recipe",
            "table",
            "tableCreatedAt",
            "tablePrepReportSha256",
            "basisLocation",
            "basisChecksum",
            "basisChecksumOfFile")) {
      if (p.hasNonNull(key)) {
        h.open("tr")
            .element("th", key)
            .open("td")
            .open("code")
            .text(p.path(key).asText())
            .close("code")
            .close("td")
            .close("tr");
      }
    }
    for (String key : List.of("software", "reportSoftware")) {
      if (p.path(key).isObject()) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e :
            (Iterable<Map.Entry<String, JsonNode>>) p.path(key)::fields) {
          parts.add(e.getKey() + " " + e.getValue().asText());
        }
        h.textRow(key, String.join(", ", parts));
      }
    }
    h.close("table");
    if (p.has("request")) {
      h.open("details").element("summary", "the run's resolved request (config.json)");
      h.open("pre").text(p.path("request").toPrettyString()).close("pre");
      h.close("details");
    }
  }

  private void chart(Html h, ReportCharts.Chart chart) {
    charts.add(chart);
    h.raw("<figure data-chart=\"")
        .text(chart.name())
        .raw("\">")
        .raw(chart.svg())
        .raw("</figure>\n");
  }

  private static ReportCharts.Line line(String name, JsonNode points, String x, String y) {
    double[] xs = new double[points.size()];
    double[] ys = new double[points.size()];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = points.get(i).path(x).asDouble();
      JsonNode v = points.get(i).path(y);
      ys[i] = v.isNumber() ? v.asDouble() : Double.NaN;
    }
    return new ReportCharts.Line(name, xs, ys);
  }

  private static Object value(JsonNode node, String field) {
    JsonNode v = node.path(field);
    return v.isNumber() ? (Object) v.numberValue() : null;
  }

  private static final String CSS =
      """
      body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1360px;color:#222;padding:0 16px}
      h1{font-size:22px}h2{font-size:19px;border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:36px}
      h3{font-size:16px;margin-top:24px}table{border-collapse:collapse;margin:8px 16px 8px 0}
      th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
      td.num{text-align:right;font-variant-numeric:tabular-nums}caption{font-weight:600;text-align:left}
      .meta{color:#666}.missing{background:#fff4e5;border:1px solid #f0c36d;padding:4px 12px}
      .charts{display:flex;flex-wrap:wrap;gap:8px}figure{margin:0}
      .pair{display:flex;flex-wrap:wrap;gap:16px}code,pre{font-size:12px;white-space:pre-wrap;word-break:break-all}
      """;
}
