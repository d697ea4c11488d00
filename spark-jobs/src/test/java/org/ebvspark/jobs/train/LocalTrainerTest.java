package org.ebvspark.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.io.FileUtils;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.Recipe;
import org.ebvspark.testing.LocalSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalTrainerTest {
  @TempDir static Path base;
  static String table;
  static String basis;
  @TempDir Path dir;

  @BeforeAll
  static void data() throws Exception {
    table = base.resolve("synthetic").toString();
    try (LocalSpark spark = LocalSpark.start()) {
      TrainFixtures.syntheticTable(spark.session(), table);
    }
    basis = TrainFixtures.basis(base.resolve("w6.ebv").toString(), 6, 8, new Configuration());
  }

  private static TrainRequest request(String run, Head.Kind head, int epochs, boolean resume) {
    Recipe recipe = Recipe.reference(epochs, 16, 7).withLearningRate(0.05).withWarmupEpochs(1);
    return new TrainRequest(
        table,
        run,
        Backbone.CNN_SMALL,
        head,
        head == Head.Kind.EBV ? basis : null,
        0.07,
        recipe,
        3,
        0,
        0,
        1,
        5,
        false,
        resume,
        2,
        org.ebvspark.model.nn.LayerChoice.AUTO);
  }

  private static TrainingLoop.Result train(TrainRequest r) throws Exception {
    return TrainingLoop.local(
            r,
            new TrainingLoop.Rounds(5, 0, 0),
            new Configuration(),
            1L << 30,
            new PrintWriter(new StringWriter()))
        .execute();
  }

  @Test
  void bothHeadsLearnTheSyntheticClassesAndWriteACompleteRun() throws Exception {
    for (Head.Kind head : Head.Kind.values()) {
      Path run = dir.resolve(head.label());
      TrainingLoop.Result r = train(request(run.toString(), head, 3, false));
      assertThat(r.evaluation().top1()).as(head.label()).isGreaterThan(0.8);
      assertThat(r.evaluation().total()).isEqualTo(60);
      for (String f :
          List.of("config.json", "metrics.jsonl", "model.zip", "report.json", "_SUCCESS")) {
        assertThat(run.resolve(f)).as(f).exists();
      }
      try (var checkpoints = Files.list(run.resolve("checkpoints"))) {
        assertThat(checkpoints.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder("epoch-0002-round-00000", "epoch-0003-round-00000");
      }
      JsonNode report = Provenance.json().readTree(run.resolve("report.json").toFile());
      assertThat(report.get("top1").asDouble()).isEqualTo(r.evaluation().top1());
      List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
      assertThat(lines.stream().filter(l -> l.contains("valTop1")).count()).isEqualTo(3);
      ComputationGraph model =
          ModelSerializer.restoreComputationGraph(run.resolve("model.zip").toFile(), true);
      JsonNode config = Provenance.json().readTree(run.resolve("config.json").toFile());
      assertThat(config.get("trainableParameters").asLong()).isPositive();
      if (head == Head.Kind.EBV) {
        // The EBV layer holds no parameters: the model is backbone + projection to d = 8.
        assertThat(model.getLayer("ebv").numParams()).isZero();
        assertThat(model.getLayer("projection").numParams()).isEqualTo(256L * 8 + 8);
      }
    }
  }

  @Test
  void aResumedRunEndsWhereAnUninterruptedOneDoes() throws Exception {
    Path whole = dir.resolve("whole");
    train(request(whole.toString(), Head.Kind.EBV, 3, false));
    // The run as a driver killed during epoch 3 leaves it: checkpoints up to epoch 2 only.
    Path killed = dir.resolve("killed");
    FileUtils.copyDirectory(whole.toFile(), killed.toFile());
    FileUtils.deleteDirectory(killed.resolve("checkpoints/epoch-0003-round-00000").toFile());
    for (String f : List.of("model.zip", "report.json", "_SUCCESS")) {
      Files.delete(killed.resolve(f));
    }
    TrainingLoop.Result resumed = train(request(killed.toString(), Head.Kind.EBV, 3, true));
    ComputationGraph a =
        ModelSerializer.restoreComputationGraph(whole.resolve("model.zip").toFile(), false);
    ComputationGraph b =
        ModelSerializer.restoreComputationGraph(killed.resolve("model.zip").toFile(), false);
    assertThat(b.params().equalsWithEps(a.params(), 1e-5)).isTrue();
    JsonNode expected = Provenance.json().readTree(whole.resolve("report.json").toFile());
    assertThat(resumed.evaluation().top1()).isEqualTo(expected.get("top1").asDouble());
  }

  @Test
  void mismatchesAndExistingRunsAreRefusedBeforeTraining() throws Exception {
    String w10 =
        TrainFixtures.basis(dir.resolve("w10.ebv").toString(), 10, 16, new Configuration());
    TrainRequest wrong =
        new TrainRequest(
            table,
            dir.resolve("r").toString(),
            Backbone.CNN_SMALL,
            Head.Kind.EBV,
            w10,
            0.07,
            Recipe.reference(1, 16, 1),
            3,
            0,
            0,
            1,
            5,
            false,
            false,
            2,
            org.ebvspark.model.nn.LayerChoice.AUTO);
    assertThatThrownBy(() -> train(wrong))
        .hasMessage(
            w10 + ": the basis has N = 10 vectors but the table " + table + " has 6 classes");
    assertThat(dir.resolve("r")).doesNotExist();

    Files.createDirectories(dir.resolve("exists"));
    assertThatThrownBy(
            () -> train(request(dir.resolve("exists").toString(), Head.Kind.FC, 1, false)))
        .hasMessageContaining(
            "already exists (use --overwrite to replace it, or --resume to continue)");
  }
}
