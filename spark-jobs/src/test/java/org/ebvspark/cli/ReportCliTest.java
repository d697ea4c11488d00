package org.ebvspark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ebvspark.jobs.report.HeadlessChromium;
import org.ebvspark.jobs.report.ReportPageChecks;
import org.ebvspark.model.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two real runs (EBV and FC on the same table), evaluated and reported side by side. */
class ReportCliTest {
  @TempDir Path dir;

  private String file(String name) {
    return dir.resolve(name).toString();
  }

  private void train(String head, String run) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--data",
                file("table"),
                "--backbone",
                "cnn-small",
                "--head",
                head,
                "--run",
                file(run),
                "--epochs",
                "2",
                "--batch",
                "8",
                "--master",
                "local[2]",
                "--averaging-frequency",
                "2"));
    if (head.equals("ebv")) {
      args.addAll(List.of("--ebv", file("w.ebv")));
    }
    CliRun train = CliRun.of(args.toArray(String[]::new));
    assertThat(train.exitCode()).as(train.err()).isZero();
  }

  @Test
  void evaluateWritesTheReportAndReportComparesEbvWithFc() throws Exception {
    CliRun prepare =
        CliRun.of(
            "prepare",
            "synthetic",
            "--classes",
            "4",
            "--per-class",
            "16",
            "--val-per-class",
            "4",
            "--size",
            "16",
            "-o",
            file("table"));
    assertThat(prepare.exitCode()).as(prepare.err()).isZero();
    CliRun generate =
        CliRun.of(
            "generate", "-n", "4", "-d", "8", "-a", "0.01", "--no-spark", "-o", file("w.ebv"));
    assertThat(generate.exitCode()).as(generate.err()).isZero();
    train("ebv", "ebv-run");
    train("fc", "fc-run");

    CliRun evaluate =
        CliRun.of(
            "evaluate",
            "--run",
            file("ebv-run"),
            "--data",
            file("table"),
            "--master",
            "local[2]",
            "--report");
    assertThat(evaluate.exitCode()).as(evaluate.err()).isZero();
    assertThat(evaluate.out()).contains("report written: " + file("ebv-run/report/index.html"));
    // progress reached the log as timestamped lines (the test's output is not a terminal)
    assertThat(evaluate.err()).containsPattern("\\d\\d:\\d\\d:\\d\\d evaluate  tasks \\d+/\\d+");
    CliRun fcEvaluate =
        CliRun.of(
            "evaluate", "--run", file("fc-run"), "--data", file("table"), "--master", "local[2]");
    assertThat(fcEvaluate.exitCode()).as(fcEvaluate.err()).isZero();

    CliRun report =
        CliRun.of(
            "report",
            "--run",
            file("ebv-run"),
            "--compare",
            file("fc-run"),
            "--output",
            file("compare"),
            "--master",
            "local[2]");
    assertThat(report.exitCode()).as(report.err()).isZero();
    JsonNode data = Provenance.json().readTree(dir.resolve("compare/report-data.json").toFile());
    JsonNode runs = data.path("runs");
    assertThat(runs.size()).isEqualTo(2);
    for (int i = 0; i < 2; i++) {
      JsonNode runReport =
          Provenance.json()
              .readTree(dir.resolve(i == 0 ? "ebv-run" : "fc-run").resolve("report.json").toFile());
      JsonNode evaluated = runReport.path("evaluations").path("val");
      JsonNode s = runs.get(i).path("summary");
      assertThat(s.path("top1").asDouble()).isEqualTo(evaluated.path("top1").asDouble());
      assertThat(s.path("top5").asDouble()).isEqualTo(evaluated.path("top5").asDouble());
      assertThat(s.path("epochsDone").asInt()).isEqualTo(2);
      assertThat(runs.get(i).path("missing").size())
          .as(runs.get(i).path("missing").toString())
          .isZero();
      assertThat(runs.get(i).path("predictedImages").asLong()).isEqualTo(16);
      assertThat(runs.get(i).path("curves").path("rounds").size()).isPositive();
    }
    JsonNode ebv = runs.get(0);
    assertThat(ebv.path("summary").path("method").asText()).isEqualTo("EBV (d = 8)");
    assertThat(runs.get(1).path("summary").path("method").asText()).isEqualTo("FC");
    assertThat(ebv.path("geometry").path("achievedMax").asDouble()).isLessThanOrEqualTo(0.01);
    assertThat(ebv.path("geometry").path("pairs").asLong()).isEqualTo(6);
    assertThat(ebv.path("provenance").path("command").asText()).startsWith("ebv train --data ");
    // the trainable count the page states for this run is the configuration's
    assertThat(ebv.path("cost").path("ebv").path("trainableParameters").asLong())
        .isEqualTo(ebv.path("summary").path("trainableParameters").asLong());

    try (HeadlessChromium browser = HeadlessChromium.startOrSkip()) {
      ReportPageChecks.check(
          browser, dir.resolve("compare"), Path.of("target/report-screenshots/ebv-vs-fc.png"));
      assertThat(browser.evaluate("document.querySelectorAll('table.compare tr').length").asInt())
          .isEqualTo(3);
      ReportPageChecks.check(
          browser, dir.resolve("ebv-run/report"), Path.of("target/report-screenshots/ebv-run.png"));
    }
  }
}
