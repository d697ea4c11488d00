package org.ebvspark.jobs.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.ebvspark.model.Provenance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reports over run directories planted by hand, so that every expected number is known: hostile
 * class names and a hostile command line shown as text, confused pairs and calibration against an
 * independent computation, a cut-short metrics file and a missing basis reported, not failed on.
 */
class PlantedRunReportTest {
  static final String IMG = "<img src=x onerror=alert(1)>";
  static final String QUOTES = "\"quoted\" & 'single' </td></tr></table><script>alert(2)</script>";
  static final String UNICODE = "Ärmel 👕 日本語 ]]> <!--";
  static final List<String> NAMES = List.of(IMG, QUOTES, UNICODE);

  static SparkSession spark;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[1]").appName("report-test").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** (label, predicted, confidence) of each planted prediction. */
  static final double[][] PREDICTIONS = {
    {0, 0, 0.95}, {0, 0, 0.91}, {0, 1, 0.62}, {0, 2, 0.40}, {1, 1, 0.88}, {1, 0, 0.55},
    {1, 0, 0.51}, {1, 1, 0.97}, {2, 2, 0.30}, {2, 1, 0.71}, {2, 2, 0.999}, {2, 2, 1.0},
  };

  @Test
  void hostileNamesAreTextAndTheNumbersAreTheIndependentOnes() throws Exception {
    Path run = plantRun("run", true);
    ReportJob.Result result = new ReportJob(spark, List.of(run.toString()), null, "val").execute();
    Path report = run.resolve("report");
    assertThat(Path.of(result.page())).isEqualTo(report.resolve("index.html"));
    JsonNode data = Provenance.json().readTree(report.resolve(ReportJob.DATA).toFile());
    JsonNode r = data.path("runs").get(0);

    // Calibration, computed here the plain way: 15 equal bins of the top-1 confidence.
    double[] conf = new double[15];
    double[] hits = new double[15];
    int[] n = new int[15];
    for (double[] p : PREDICTIONS) {
      int b = Math.min(14, (int) Math.floor(p[2] * 15));
      n[b]++;
      conf[b] += p[2];
      hits[b] += p[0] == p[1] ? 1 : 0;
    }
    double ece = 0;
    for (int b = 0; b < 15; b++) {
      if (n[b] > 0) {
        ece += Math.abs(hits[b] / n[b] - conf[b] / n[b]) * n[b] / PREDICTIONS.length;
      }
    }
    assertThat(r.path("calibration").path("ece").asDouble()).isCloseTo(ece, within(1e-6));
    assertThat(r.path("calibration").path("confidenceSource").asText())
        .isEqualTo("softmax over all classes");
    assertThat(r.path("predictedImages").asLong()).isEqualTo(PREDICTIONS.length);
    // Mistakes: 1 -> 0 twice, then 0 -> 1, 0 -> 2, 2 -> 1 once each (ties by class index).
    JsonNode pairs = r.path("confusedPairs");
    assertThat(pairs.size()).isEqualTo(4);
    assertThat(pairs.get(0).path("trueName").asText()).isEqualTo(QUOTES);
    assertThat(pairs.get(0).path("predictedName").asText()).isEqualTo(IMG);
    assertThat(pairs.get(0).path("count").asLong()).isEqualTo(2);
    assertThat(pairs.get(0).path("shareOfTrue").asDouble()).isEqualTo(0.5);
    assertThat(pairs.get(1).path("trueClass").asInt()).isEqualTo(0);
    assertThat(pairs.get(1).path("predictedClass").asInt()).isEqualTo(1);

    // Per class from report.json; the training split is long-tailed (600 / 60 / 6), so the
    // head, medium and tail groups are the classes 0, 1, 2.
    JsonNode per = r.path("perClass");
    // classes 0 and 1 tie at 0.5: the lower index comes first among the worst
    assertThat(per.path("worst").get(0).path("name").asText()).isEqualTo(IMG);
    assertThat(per.path("worst").get(1).path("name").asText()).isEqualTo(QUOTES);
    assertThat(per.path("best").get(0).path("name").asText()).isEqualTo(UNICODE);
    assertThat(per.path("groups").path("tail").path("accuracy").asDouble()).isEqualTo(0.75);
    assertThat(per.path("groups").path("head").path("accuracy").asDouble()).isEqualTo(0.5);
    assertThat(per.path("groups").path("imbalanceRatio").asDouble()).isEqualTo(100.0);

    // What could not be read is said, and the rest is drawn.
    assertThat(String.join("\n", result.missing()))
        .contains("metrics.jsonl: 1 of 5 lines unreadable")
        .contains("basis")
        .contains("is not there");
    assertThat(r.path("curves").path("rounds").size()).isEqualTo(3);
    assertThat(r.path("curves").path("epochs").size()).isEqualTo(1);
    // Where the rounds trained, as the tasks reported it, in the data and on the page.
    assertThat(r.path("provenance").path("workerDevices").asText()).isEqualTo("0:gpu1, 1:gpu0");
    assertThat(Files.readString(report.resolve("index.html")))
        .contains("<th>workerDevices</th>")
        .contains("0:gpu1, 1:gpu0");

    // A report of ours is replaced by the next one; anything else in its place is refused.
    new ReportJob(spark, List.of(run.toString()), null, "val").execute();
    Path foreign = Files.createDirectories(dir.resolve("mine"));
    Files.writeString(foreign.resolve("keep.txt"), "not a report");
    assertThatThrownBy(
            () ->
                new ReportJob(spark, List.of(run.toString()), foreign.toString(), "val").execute())
        .hasMessageContaining("is not a report written by ebv report");
    assertThat(foreign.resolve("keep.txt")).hasContent("not a report");
    assertThatThrownBy(
            () -> new ReportJob(spark, List.of(run.toString()), dir.toString(), "val").execute())
        .hasMessageContaining("would contain the run");

    // A run whose folder name is markup, compared with it: the name reaches the tables and the
    // charts' legends (SVG text), as text.
    Path hostileRun = dir.resolve("x<svg onload=alert(3)>");
    Files.move(plantRun("second", false), hostileRun);
    new ReportJob(spark, List.of(run.toString(), hostileRun.toString()), null, "val").execute();
    JsonNode compared = Provenance.json().readTree(report.resolve(ReportJob.DATA).toFile());
    assertThat(compared.path("runs").get(1).path("name").asText())
        .isEqualTo("x<svg onload=alert(3)>");
    try (HeadlessChromium browser = HeadlessChromium.startOrSkip()) {
      ReportPageChecks.check(
          browser, report, Path.of("target/report-screenshots/planted-hostile.png"));
      assertThat(
              browser.evaluate("document.querySelectorAll('[onload], [onerror]').length").asInt())
          .isZero();
      assertThat(
              browser
                  .evaluate(
                      "[...document.querySelectorAll('svg text')].some(t => t.textContent"
                          + " === 'x<svg onload=alert(3)>')")
                  .asBoolean())
          .isTrue();
      assertThat(browser.evaluate("document.querySelectorAll('table.compare tr').length").asInt())
          .isEqualTo(3);
      JsonNode text = browser.evaluate("document.body.innerText");
      for (String name : NAMES) {
        assertThat(text.asText()).contains(name);
      }
      assertThat(browser.evaluate("document.querySelectorAll('img, script').length").asInt())
          .isZero();
      JsonNode command =
          browser.evaluate(
              "[...document.querySelectorAll('th')].find(t => t.textContent === 'command')"
                  + ".nextElementSibling.textContent");
      assertThat(command.asText()).isEqualTo(HOSTILE_COMMAND);
    }
  }

  @Test
  void aRunWithOnlyAReportSaysWhatIsMissing() throws Exception {
    Path run = Files.createDirectories(dir.resolve("bare"));
    Files.writeString(
        run.resolve("report.json"),
        "{\"split\":\"val\",\"top1\":0.5,\"top5\":1.0,\"images\":4,"
            + "\"perClassCorrect\":[1,1],\"perClassTotal\":[2,2]}");
    ReportJob.Result result = new ReportJob(spark, List.of(run.toString()), null, "val").execute();
    assertThat(String.join("\n", result.missing()))
        .contains("config.json: not there")
        .contains("metrics.jsonl: not there")
        .contains("no predictions table");
    try (HeadlessChromium browser = HeadlessChromium.startOrSkip()) {
      JsonNode data =
          ReportPageChecks.check(
              browser, run.resolve("report"), Path.of("target/report-screenshots/bare-run.png"));
      assertThat(data.path("runs").get(0).path("summary").path("top1").asDouble()).isEqualTo(0.5);
      assertThat(browser.evaluate("document.querySelector('.missing').innerText").asText())
          .contains("config.json: not there");
    }
  }

  static final String HOSTILE_COMMAND = "ebv train --run 'a\nb' --data '<b>bold</b>'";

  private Path plantRun(String name, boolean withPredictions) throws Exception {
    Path table = Files.createDirectories(dir.resolve("table"));
    Files.writeString(table.resolve("classes.txt"), String.join("\n", NAMES) + "\n");
    Map<String, Object> train = new LinkedHashMap<>();
    train.put(IMG, 600);
    train.put(QUOTES, 60);
    train.put(UNICODE, 6);
    Files.write(
        table.resolve("prep-report.json"),
        Provenance.json()
            .writeValueAsBytes(Map.of("rowsPerClass", Map.of("train", train), "seed", 7)));
    Path run = Files.createDirectories(dir.resolve(name));
    Map<String, Object> config = new LinkedHashMap<>();
    config.put(
        "request",
        Map.of(
            "table", table.toString(),
            "backbone", "CNN_SMALL",
            "recipe", Map.of("optimizer", "sgd", "epochs", 2)));
    config.put(
        "head",
        Map.of("kind", "EBV", "dim", 8, "basisLocation", dir.resolve("gone.ebv").toString()));
    config.put("inputShape", Map.of("channels", 1, "height", 16, "width", 16));
    config.put("classes", 3);
    config.put("trainableParameters", 1234);
    config.put("command", HOSTILE_COMMAND);
    Files.write(run.resolve("config.json"), Provenance.json().writeValueAsBytes(config));
    String rounds =
        "{\"epoch\":1,\"round\":1,\"iteration\":2,\"loss\":1.1,\"learningRate\":0.01,\"imagesPerSecond\":100,\"roundSeconds\":1.0,\"workerDevices\":[\"0:gpu1\",\"1:gpu0\"]}\n"
            + "{\"epoch\":1,\"round\":2,\"iteration\":4,\"loss\":0.9,\"learningRate\":0.02,\"imagesPerSecond\":120,\"roundSeconds\":0.9}\n"
            + "{\"epoch\":1,\"round\":3,\"iteration\":6,\"loss\":0.8,\"learningRate\":0.03,\"imagesPerSecond\":110,\"roundSeconds\":0.8}\n"
            + "{\"epoch\":1,\"iteration\":6,\"trainLoss\":0.93,\"valTop1\":0.58,\"valTop5\":1.0}\n"
            + "{\"epoch\":2,\"round\":1,\"iter";
    Files.writeString(run.resolve("metrics.jsonl"), rounds, StandardCharsets.UTF_8);
    // per class from the planted predictions: class 0 2/4, class 1 2/4, class 2 3/4
    Map<String, Object> eval = new LinkedHashMap<>();
    eval.put("images", 12);
    eval.put("top1", 7 / 12.0);
    eval.put("top5", 1.0);
    eval.put("perClassCorrect", List.of(2, 2, 3));
    eval.put("perClassTotal", List.of(4, 4, 4));
    Path predictions = run.resolve("predictions-val");
    eval.put("predictions", predictions.toString());
    Files.write(
        run.resolve("report.json"),
        Provenance.json().writeValueAsBytes(Map.of("evaluations", Map.of("val", eval))));
    if (withPredictions) {
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < PREDICTIONS.length; i++) {
        double[] p = PREDICTIONS[i];
        int predicted = (int) p[1];
        rows.add(
            RowFactory.create(
                "img" + i,
                (int) p[0],
                new Integer[] {predicted, (predicted + 1) % 3, (predicted + 2) % 3},
                new Float[] {3f, 1f, 0f},
                (float) p[2]));
      }
      spark
          .createDataFrame(rows, org.ebvspark.jobs.evaluate.EvaluateJob.PREDICTIONS)
          .coalesce(1)
          .write()
          .parquet(predictions.toString());
    }
    return run;
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }
}
