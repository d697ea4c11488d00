package org.ebvspark.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.jobs.generate.SparkCoherencePass;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.ebv.CoherenceCertifier;
import org.ebvspark.model.ebv.CoherenceStats;
import org.ebvspark.model.ebv.EbvFile;
import org.ebvspark.model.ebv.EbvGenerator;
import org.ebvspark.model.ebv.GenerationResult;
import org.ebvspark.model.ebv.GeneratorCheckpoints;
import org.ebvspark.model.ebv.GeneratorMode;
import org.ebvspark.model.ebv.GeneratorSettings;
import org.ebvspark.model.ebv.StepReport;
import org.ebvspark.testing.LocalSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparkGenerationTest {
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

  private static GenerationResult onSpark(
      GeneratorSettings s, int partitions, List<StepReport> steps) {
    try (SparkCoherencePass pass = new SparkCoherencePass(spark.context(), s, partitions)) {
      return EbvGenerator.generate(s, pass, steps::add, null, GeneratorCheckpoints.NONE);
    }
  }

  /** Invariant 6: distributed generation equals single-machine generation for the same seed. */
  @Test
  void sparkGivesTheSingleMachineBasisInBothModes() {
    for (GeneratorSettings s :
        List.of(
            GeneratorSettings.of(300, 24, 0.5, GeneratorMode.FAITHFUL, 3).withSliceRows(60),
            GeneratorSettings.of(1000, 100, 0.12, GeneratorMode.FAST, 42).withSliceRows(128))) {
      List<StepReport> local = new ArrayList<>();
      GenerationResult single = EbvGenerator.generate(s, local::add);
      List<StepReport> distributed = new ArrayList<>();
      GenerationResult spread = onSpark(s, 3, distributed);

      assertThat(spread.reason()).isEqualTo(single.reason());
      assertThat(spread.steps()).as(s.mode().label()).isEqualTo(single.steps()).isGreaterThan(5);
      assertThat(spread.basis().equalsWithEps(single.basis(), 1e-5)).isTrue();
      assertThat(distributed.get(distributed.size() - 1).max())
          .isCloseTo(local.get(local.size() - 1).max(), within(1e-6));
    }
  }

  @Test
  void certificateOnExecutorsEqualsTheLocalOne() {
    GeneratorSettings s =
        GeneratorSettings.of(700, 30, 0.5, GeneratorMode.FAITHFUL, 1).withSliceRows(50);
    var w = org.ebvspark.model.ebv.StartingPoint.gaussian(700, 30, 5).basis();
    CoherenceStats local = CoherenceCertifier.certify(w, rows -> {});
    CoherenceStats distributed;
    try (SparkCoherencePass pass = new SparkCoherencePass(spark.context(), s, 2)) {
      distributed = pass.certify(w);
    }
    assertThat(distributed.pairs()).isEqualTo(700L * 699 / 2).isEqualTo(local.pairs());
    assertThat(distributed.max()).isEqualTo(local.max());
    assertThat(distributed.mean()).isCloseTo(local.mean(), within(1e-9));
    assertThat(distributed.p99()).isEqualTo(local.p99());
    assertThat(distributed.histogramCounts()).isEqualTo(local.histogramCounts());
  }

  @Test
  void theJobWritesTheFileMetricsAndNoLeftovers() throws Exception {
    GeneratorSettings s =
        GeneratorSettings.of(300, 24, 0.5, GeneratorMode.FAITHFUL, 3).withSliceRows(60);
    String output = dir.resolve("w.ebv").toString();
    var request = new GenerateEbvJob.Request(s, output, false, false, 50, 0, 2);
    GenerateEbvJob.Result result =
        new GenerateEbvJob(request, new Configuration()).executeOnSpark(spark.context(), r -> {});

    assertThat(result.tasksPerStep()).isEqualTo(2);
    var read = EbvFile.read(output, new Configuration());
    assertThat(read.header().checksum()).isEqualTo(result.header().checksum());
    assertThat(read.provenance().generator().executor()).startsWith("spark local[2]");
    List<String> lines = Files.readAllLines(dir.resolve("w.ebv.metrics.jsonl"));
    assertThat(lines).hasSize(result.generation().steps());
    JsonNode first = Provenance.json().readTree(lines.get(0));
    assertThat(first.get("step").asInt()).isEqualTo(1);
    for (String field :
        List.of(
            "max",
            "pairsAbove",
            "seconds",
            "broadcastSeconds",
            "computeSeconds",
            "collectSeconds")) {
      assertThat(first.has(field)).as(field).isTrue();
    }
    assertThat(first.get("resultBytes").asLong()).isEqualTo(300L * 24 * 4);
    // Checkpoints were taken every 50 steps and removed once the output was complete.
    assertThat(Files.exists(dir.resolve("w.ebv.checkpoints"))).isFalse();
  }

  @Test
  void resumingRefusesACheckpointOfOtherSettings() throws Exception {
    GeneratorSettings s = GeneratorSettings.of(400, 20, 0.45, GeneratorMode.FAITHFUL, 3);
    String output = dir.resolve("w.ebv").toString();
    var store = new org.ebvspark.jobs.generate.CheckpointStore(output, new Configuration(), 1, 0);
    try (var pass = org.ebvspark.model.ebv.CoherencePass.local(s)) {
      EbvGenerator.generate(
          s.withMaxSteps(3), pass, r -> {}, null, (state, x) -> store.afterStep(state, s));
    }
    GeneratorSettings other = GeneratorSettings.of(400, 20, 0.5, GeneratorMode.FAITHFUL, 3);
    var request = new GenerateEbvJob.Request(other, output, false, true, 0, 0, 2);
    assertThatThrownBy(
            () ->
                new GenerateEbvJob(request, new Configuration())
                    .executeOnSpark(spark.context(), r -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("this checkpoint was made with other settings")
        .hasMessageContaining("without --resume");
    assertThat(Files.exists(dir.resolve("w.ebv"))).isFalse();
  }
}
