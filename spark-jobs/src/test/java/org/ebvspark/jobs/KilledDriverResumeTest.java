package org.ebvspark.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.cli.EbvCli;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.ebv.EbvFile;
import org.ebvspark.model.ebv.GeneratorMode;
import org.ebvspark.model.ebv.GeneratorSettings;
import org.ebvspark.testing.LocalSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A generation whose driver JVM is killed (SIGKILL) after a checkpoint resumes, in another JVM, to
 * the basis an uninterrupted run gives, in the same number of steps.
 */
class KilledDriverResumeTest {
  private static LocalSpark spark;
  @TempDir Path dir;

  @BeforeAll
  static void startSpark() {
    spark = LocalSpark.start();
  }

  @AfterAll
  static void stopSpark() {
    spark.close();
  }

  private static final GeneratorSettings SETTINGS =
      GeneratorSettings.of(1000, 100, 0.15, GeneratorMode.FAITHFUL, 42).withSliceRows(128);

  @Test
  void aKilledRunResumesToTheUninterruptedResult() throws Exception {
    Path output = dir.resolve("killed.ebv");
    Path checkpoint = dir.resolve("killed.ebv.checkpoints/step-00000040/_SUCCESS");
    Process driver = startDriver(output);
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (!Files.exists(checkpoint) && driver.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(Files.exists(checkpoint)).as("a checkpoint at step 40 appeared").isTrue();
    } finally {
      driver.destroyForcibly(); // SIGKILL: no shutdown hooks, nothing flushed
      driver.waitFor(1, TimeUnit.MINUTES);
    }
    assertThat(Files.exists(output)).isFalse();

    GenerateEbvJob.Result resumed = run(output, true);
    GenerateEbvJob.Result uninterrupted = run(dir.resolve("whole.ebv"), false);

    assertThat(resumed.resumedFromStep()).isGreaterThanOrEqualTo(40);
    assertThat(resumed.generation().steps()).isEqualTo(uninterrupted.generation().steps());
    var a = EbvFile.read(output.toString(), new Configuration()).matrix();
    var b = EbvFile.read(dir.resolve("whole.ebv").toString(), new Configuration()).matrix();
    assertThat(a.equalsWithEps(b, 1e-6)).isTrue();
    assertThat(resumed.coherence().max()).isEqualTo(uninterrupted.coherence().max());

    // The metrics log covers every step exactly once across the two drivers.
    List<Integer> steps = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("killed.ebv.metrics.jsonl"))) {
      JsonNode json = Provenance.json().readTree(line);
      steps.add(json.get("step").asInt());
    }
    assertThat(steps).hasSize(resumed.generation().steps());
    for (int i = 0; i < steps.size(); i++) {
      assertThat(steps.get(i)).isEqualTo(i + 1);
    }
    assertThat(Files.exists(dir.resolve("killed.ebv.checkpoints"))).isFalse();
  }

  private GenerateEbvJob.Result run(Path output, boolean resume) throws Exception {
    var request = new GenerateEbvJob.Request(SETTINGS, output.toString(), false, resume, 20, 0, 2);
    return new GenerateEbvJob(request, new Configuration())
        .executeOnSpark(spark.context(), r -> {});
  }

  private static Process startDriver(Path output) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx2g");
    command.addAll(List.of(SparkSessions.JAVA17_OPTIONS.split(" ")));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(EbvCli.class.getName());
    command.addAll(
        List.of(
            "generate",
            "--classes",
            "1000",
            "--dim",
            "100",
            "--alpha",
            "0.15",
            "--mode",
            "faithful",
            "--seed",
            "42",
            "--slice-rows",
            "128",
            "--master",
            "local[2]",
            "--partitions",
            "2",
            "--checkpoint-every",
            "20",
            "--output",
            output.toString()));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(new File(output + ".driver.log"))
        .start();
  }
}
