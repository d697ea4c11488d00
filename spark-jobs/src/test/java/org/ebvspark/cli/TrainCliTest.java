package org.ebvspark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.ebvspark.model.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** prepare, generate, train on Spark, evaluate: the command line as a user runs it. */
class TrainCliTest {
  @TempDir Path dir;

  private String file(String name) {
    return dir.resolve(name).toString();
  }

  @Test
  void trainsOnSparkThenEvaluatesAndRefusesBadRequestsInOneLine() throws Exception {
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

    CliRun train =
        CliRun.of(
            "train",
            "--data",
            file("table"),
            "--backbone",
            "cnn-small",
            "--head",
            "ebv",
            "--ebv",
            file("w.ebv"),
            "--run",
            file("run"),
            "--epochs",
            "1",
            "--batch",
            "8",
            "--master",
            "local[2]",
            "--averaging-frequency",
            "2",
            "--layers",
            "dl4j");
    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(train.out()).contains("trained 1 epochs").contains("run " + file("run"));
    assertThat(train.err()).contains("round 1/");
    JsonNode config = Provenance.json().readTree(dir.resolve("run/config.json").toFile());
    assertThat(config.get("averagingFrequency").asInt()).isEqualTo(2);
    // --layers dl4j: DL4J's own layers, in the record and in the saved model.
    assertThat(config.get("layers").asText()).isEqualTo("dl4j");
    assertThat(config.path("request").path("layers").asText()).isEqualTo("DL4J");
    var model =
        org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
            dir.resolve("run/model.zip").toFile(), false);
    assertThat(org.ebvspark.model.nn.LayerChoice.of(model.getConfiguration()))
        .isEqualTo(org.ebvspark.model.nn.LayerChoice.DL4J);
    assertThat(model.getLayer("b1_1_bn").getClass())
        .isEqualTo(org.deeplearning4j.nn.layers.normalization.BatchNormalization.class);

    CliRun evaluate =
        CliRun.of(
            "evaluate", "--run", file("run"), "--data", file("table"), "--master", "local[2]");
    assertThat(evaluate.exitCode()).as(evaluate.err()).isZero();
    assertThat(evaluate.out()).contains("over 16 images").contains("predictions-val");

    CliRun badHead =
        CliRun.of(
            "train",
            "--data",
            file("table"),
            "--backbone",
            "cnn-small",
            "--head",
            "cosine",
            "--run",
            file("bad"));
    assertThat(badHead.exitCode()).isEqualTo(2);
    assertThat(badHead.errorLines()).isEqualTo("ebv train: --head must be ebv or fc, not 'cosine'");
    CliRun noTable =
        CliRun.of(
            "evaluate", "--run", file("run"), "--data", file("missing"), "--master", "local[2]");
    assertThat(noTable.exitCode()).isNotZero();
    assertThat(noTable.errorLines()).contains(file("missing")).doesNotContain("\n");
    assertThat(dir.resolve("bad")).doesNotExist();
  }
}
