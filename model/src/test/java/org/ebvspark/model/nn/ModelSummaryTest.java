package org.ebvspark.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ModelSummaryTest {
  private static ModelSummary summary(Head head) {
    return ModelSummary.of(
        Networks.configuration(
            Backbone.RESNET50,
            head,
            Recipe.reference(90, 256, 1),
            new Networks.ImageShape(3, 224, 224),
            100));
  }

  /** The paper's Table 1: ResNet-50 at 100,000 classes, FC head vs a d = 5000 EBV head. */
  @Test
  void resnet50MatchesThePapersTable1() {
    ModelSummary fc = summary(Head.fc(100_000, 0.1));
    ModelSummary ebv =
        summary(new Head(Head.Kind.EBV, 100_000, 5000, "unused.ebv", "00", 0.07, 0.1));
    assertThat(fc.trainable() / 1e6).isCloseTo(228.4, within(0.05));
    assertThat(ebv.trainable() / 1e6).isCloseTo(33.8, within(0.05));
    // torchvision's ResNet-50 without its classifier: 23,508,032 trainable parameters.
    assertThat(fc.trainable() - (2048L * 100_000 + 100_000)).isEqualTo(23_508_032L);
    // DL4J also keeps the batch-norm running statistics in params(): averaged every round.
    assertThat(fc.parameters()).isGreaterThan(fc.trainable());
  }

  @Test
  void smallBackbonesHaveTheirFeatureSizes() {
    for (Backbone b : new Backbone[] {Backbone.RESNET18, Backbone.RESNET32, Backbone.CNN_SMALL}) {
      var shape =
          b == Backbone.RESNET18
              ? new Networks.ImageShape(3, 224, 224)
              : new Networks.ImageShape(3, 32, 32);
      ModelSummary s =
          ModelSummary.of(
              Networks.configuration(b, Head.fc(10, 0), Recipe.reference(1, 8, 1), shape, 10));
      assertThat(s.trainable()).isGreaterThan(10L * b.features());
    }
    // torchvision's ResNet-18 body: 11,176,512 trainable parameters.
    ModelSummary r18 =
        ModelSummary.of(
            Networks.configuration(
                Backbone.RESNET18,
                Head.fc(1000, 0),
                Recipe.reference(1, 8, 1),
                new Networks.ImageShape(3, 224, 224),
                10));
    assertThat(r18.trainable() - (512L * 1000 + 1000)).isEqualTo(11_176_512L);
  }

  @Test
  void theScheduleWarmsUpThenDecays() {
    WarmupCosineSchedule s = new WarmupCosineSchedule(0.1, 5, 0.01, 100, 10);
    assertThat(s.valueAt(0, 0)).isCloseTo(0.001, within(1e-12));
    assertThat(s.valueAt(25, 0)).isCloseTo(0.1 * (0.01 + 0.99 * 2.5 / 5), within(1e-12));
    assertThat(s.valueAt(50, 5)).isCloseTo(0.1, within(1e-12));
    assertThat(s.valueAt(525, 52)).isCloseTo(0.05, within(1e-9));
    assertThat(s.valueAt(1000, 100)).isCloseTo(0.0, within(1e-12));
  }
}
