package org.ebvspark.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster-mode outcome file: where ebv-submit puts it for each command, what the driver writes
 * and what the submitter prints and returns (the whole round trip through a standalone cluster and
 * YARN is in deploy's LocalClusterIT and YarnClusterIT).
 */
class SubmitOutcomeTest {
  @TempDir Path dir;

  @Test
  void theOutcomeLiesBesideTheCommandsOutputOrRun() {
    assertThat(
            SubmitOutcome.locate(
                "t1",
                List.of("generate", "-n", "9", "-d", "3", "-a", "0.5", "-o", "hdfs:///e/b.ebv")))
        .isEqualTo("hdfs:///e/b.ebv.outcome-t1.json");
    assertThat(
            SubmitOutcome.locate(
                "t2",
                List.of(
                    "prepare",
                    "synthetic",
                    "--classes",
                    "3",
                    "--per-class",
                    "4",
                    "-o",
                    "/data/t/")))
        .isEqualTo("/data/t.outcome-t2.json");
    assertThat(
            SubmitOutcome.locate(
                "t3",
                List.of(
                    "train",
                    "--data",
                    "/d",
                    "--backbone",
                    "cnn-small",
                    "--head",
                    "fc",
                    "--run",
                    "s3a://b/runs/r1")))
        .isEqualTo("s3a://b/runs/r1.outcome-t3.json");
    // report: its --output when given, else its --run.
    assertThat(
            SubmitOutcome.locate("t4", List.of("report", "--run", "/r/a", "--output", "/r/page")))
        .isEqualTo("/r/page.outcome-t4.json");
    assertThat(SubmitOutcome.locate("t5", List.of("report", "--run", "/r/a")))
        .isEqualTo("/r/a.outcome-t5.json");
  }

  @Test
  void whatCannotBeFoundFromTheClusterIsRefusedBeforeSubmitting() {
    assertThatThrownBy(
            () ->
                SubmitOutcome.locate(
                    "t", List.of("generate", "-n", "9", "-d", "3", "-a", "0.5", "-o", "b.ebv")))
        .hasMessageStartingWith("b.ebv: a relative path in cluster deploy mode");
    assertThatThrownBy(() -> SubmitOutcome.locate("t", List.of("inspect", "/x.ebv")))
        .hasMessageContaining("'ebv inspect' names no --output or --run location")
        .hasMessageContaining("EBV_OUTCOME");
    assertThatThrownBy(() -> SubmitOutcome.locate("t", List.of("generate", "--bogus")))
        .hasMessageStartingWith("ebv generate: ");
    assertThatThrownBy(
            () ->
                SubmitOutcome.locate(
                    "t",
                    List.of(
                        "train",
                        "--data",
                        "/d",
                        "--backbone",
                        "cnn-small",
                        "--head",
                        "fc",
                        "--run",
                        "s3a://K:S@b/r")))
        .hasMessageNotContaining("K:S");
    assertThatThrownBy(() -> SubmitOutcome.locate("../x", List.of("report", "--run", "/r")))
        .hasMessageContaining("bad outcome token");
  }

  @Test
  void theSubmitterPrintsTheDriversOutcomeReturnsItsCodeAndDeletesIt() throws Exception {
    String file = dir.resolve("b.ebv.outcome-t.json").toString();
    SubmitOutcome.write(file, 3, "ebv generate: alpha not reached");
    var written = org.ebvspark.model.Provenance.json().readTree(Path.of(file).toFile());
    assertThat(written.path("exitCode").asInt()).isEqualTo(3);
    assertThat(written.path("summary").asText()).isEqualTo("ebv generate: alpha not reached");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = SubmitOutcome.read(file, 0, print(out), print(err));
    assertThat(code).isEqualTo(3);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("ebv generate: alpha not reached (driver on ");
    assertThat(out.size()).isZero();
    assertThat(Path.of(file)).doesNotExist();
    try (var left = Files.list(dir)) {
      assertThat(left).isEmpty(); // no temporary file either
    }

    // No outcome: the driver never finished; spark-submit's own failure status is kept.
    ByteArrayOutputStream lost = new ByteArrayOutputStream();
    assertThat(SubmitOutcome.read(file, 0, print(out), print(lost))).isEqualTo(1);
    assertThat(SubmitOutcome.read(file, 13, print(out), print(lost))).isEqualTo(13);
    assertThat(lost.toString(StandardCharsets.UTF_8)).contains("ended without writing its outcome");
  }

  @Test
  void theSummaryIsTheLastLineTheCommandPrinted() throws Exception {
    StringWriter sink = new StringWriter();
    LastLineWriter w = new LastLineWriter(sink);
    try (PrintWriter p = new PrintWriter(w, true)) {
      p.println("training on spark ...");
      p.print("wrote /x: 10 x 3");
      p.println();
      p.println("   ");
    }
    assertThat(w.lastLine()).isEqualTo("wrote /x: 10 x 3");
    assertThat(sink.toString()).startsWith("training on spark ...");
  }

  private static PrintStream print(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }
}
