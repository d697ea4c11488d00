package org.ebvspark.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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

  @Test
  void thePaperRecipeTurnsOnEveryPartAndOptionsGivenOverrideTheirs() throws Exception {
    CliRun prepare =
        CliRun.of(
            "prepare",
            "synthetic",
            "--classes",
            "4",
            "--per-class",
            "8",
            "--val-per-class",
            "2",
            "--size",
            "16",
            "-o",
            file("table"));
    assertThat(prepare.exitCode()).as(prepare.err()).isZero();
    CliRun train =
        CliRun.of(
            "train",
            "--data",
            file("table"),
            "--backbone",
            "cnn-small",
            "--head",
            "fc",
            "--run",
            file("paper"),
            "--epochs",
            "1",
            "--batch",
            "8",
            "--local",
            "--paper-recipe",
            "--mixup",
            "0");
    assertThat(train.exitCode()).as(train.err()).isZero();
    JsonNode config = Provenance.json().readTree(dir.resolve("paper/config.json").toFile());
    JsonNode recipe = config.at("/request/recipe");
    assertThat(recipe.get("trivialAugment").asBoolean()).isTrue();
    assertThat(recipe.get("randomErase").asDouble()).isEqualTo(0.1);
    assertThat(recipe.get("cutmix").asDouble()).isEqualTo(1.0);
    assertThat(recipe.get("mixup").asDouble()).as("--mixup 0 given").isEqualTo(0.0);
    assertThat(recipe.get("weightDecay").asDouble()).isEqualTo(2e-5);
    // lr 0.5 for a global batch of 1024, scaled to this run's 8.
    assertThat(config.get("learningRateGiven").asDouble()).isEqualTo(0.5);
    assertThat(config.get("referenceBatch").asInt()).isEqualTo(1024);
    assertThat(config.get("learningRate").asDouble()).isCloseTo(0.5 * 8 / 1024, within(1e-12));
    JsonNode train8 = config.get("trainAugmentation");
    assertThat(train8.get("trivialAugment").asBoolean()).isTrue();
    assertThat(train8.get("cutmix").asDouble()).isEqualTo(1.0);
    assertThat(config.at("/evalAugmentation/cutmix").asDouble()).isZero();

    CliRun negative =
        CliRun.of(
            "train",
            "--data",
            file("table"),
            "--backbone",
            "cnn-small",
            "--head",
            "fc",
            "--run",
            file("bad"),
            "--local",
            "--cutmix",
            "-1");
    assertThat(negative.exitCode()).isEqualTo(2);
    assertThat(negative.errorLines())
        .isEqualTo("ebv train: --mixup and --cutmix must not be negative, got 0.0 and -1.0");
    assertThat(dir.resolve("bad")).doesNotExist();
  }
}
