package org.ebvspark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.ebvspark.model.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ebv demo on a small budget: every step runs, the report is there, and reruns are safe. */
class DemoCliTest {
  @TempDir Path dir;

  @Test
  void demoRunsThePathEndToEndAndRefusesToReplaceWithoutOverwrite() throws Exception {
    String out = dir.resolve("demo").toString();
    String[] demo = {
      "demo",
      "--synthetic",
      "--output",
      out,
      "--epochs",
      "1",
      "--per-class",
      "24",
      "--max-batches",
      "3",
      "--master",
      "local[2]"
    };
    CliRun r = CliRun.of(demo);
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("$ ebv prepare synthetic --classes 10 --per-class 24")
        .contains("--corrupt 0.8")
        .contains("$ ebv generate -n 10 -d 32")
        .contains("$ ebv train --data " + out + "/table")
        .contains("$ ebv evaluate --run " + out + "/run")
        .contains("report: " + out + "/run/report/index.html");
    JsonNode report = Provenance.json().readTree(dir.resolve("demo/run/report.json").toFile());
    double top1 = report.path("evaluations").path("val").path("top1").asDouble();
    assertThat(r.out()).contains(String.format(java.util.Locale.ROOT, "val top-1 %.4f", top1));
    JsonNode data =
        Provenance.json().readTree(dir.resolve("demo/run/report/report-data.json").toFile());
    assertThat(data.path("runs").get(0).path("summary").path("top1").asDouble()).isEqualTo(top1);
    assertThat(data.path("runs").get(0).path("missing").size()).isZero();

    CliRun again = CliRun.of(demo);
    assertThat(again.exitCode()).isNotZero();
    assertThat(again.err()).contains("already exists (use --overwrite");
    String[] replace = java.util.Arrays.copyOf(demo, demo.length + 1);
    replace[demo.length] = "--overwrite";
    CliRun replaced = CliRun.of(replace);
    assertThat(replaced.exitCode()).as(replaced.out() + replaced.err()).isZero();
  }
}
