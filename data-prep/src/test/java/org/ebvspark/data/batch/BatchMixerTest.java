package org.ebvspark.data.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.ebvspark.data.image.AugmentSpec;
import org.junit.jupiter.api.Test;

class BatchMixerTest {
  private static final float[] ZERO = {0f};
  private static final float[] ONE = {1f};

  private static AugmentSpec spec(int size, double mixup, double cutmix) {
    return AugmentSpec.smallTrain(size, 1, 1, ZERO, ONE).withMixing(mixup, cutmix);
  }

  /** Image i is filled with the value i + 1; labels are 10 + i. */
  private static float[] images(int n, int length) {
    float[] f = new float[n * length];
    for (int i = 0; i < n; i++) {
      java.util.Arrays.fill(f, i * length, (i + 1) * length, i + 1);
    }
    return f;
  }

  @Test
  void mixupBlendsEachImageWithThePreviousAtOneWeight() {
    int n = 5;
    AugmentSpec spec = spec(4, 0.2, 0);
    float[] f = images(n, 16);
    float[] labels = {10, 11, 12, 13, 14};
    float[] y = BatchMixer.mix(f, labels, n, spec, new SplittableRandom(3));
    float lambda = y[2];
    assertThat(lambda).isBetween(0f, 1f);
    for (int i = 0; i < n; i++) {
      int p = i == 0 ? n - 1 : i - 1;
      assertThat(y[3 * i]).isEqualTo(10f + i);
      assertThat(y[3 * i + 1]).isEqualTo(10f + p);
      assertThat(y[3 * i + 2]).isEqualTo(lambda);
      for (int k = 0; k < 16; k++) {
        assertThat(f[i * 16 + k])
            .isCloseTo(lambda * (i + 1) + (1 - lambda) * (p + 1), within(1e-5f));
      }
    }
  }

  @Test
  void cutmixPastesOneRectangleAndWeighsByTheAreaLeft() {
    int n = 4;
    int size = 16;
    AugmentSpec spec = spec(size, 0, 1.0);
    int pasted = 0;
    for (int trial = 0; trial < 20; trial++) {
      float[] f = images(n, size * size);
      float[] y = BatchMixer.mix(f, new float[] {0, 1, 2, 3}, n, spec, new SplittableRandom(trial));
      for (int i = 0; i < n; i++) {
        int p = i == 0 ? n - 1 : i - 1;
        int from = 0;
        int minX = size;
        int maxX = -1;
        int minY = size;
        int maxY = -1;
        for (int yy = 0; yy < size; yy++) {
          for (int xx = 0; xx < size; xx++) {
            float v = f[i * size * size + yy * size + xx];
            assertThat(v).isIn((float) (i + 1), (float) (p + 1));
            if (v == p + 1) {
              from++;
              minX = Math.min(minX, xx);
              maxX = Math.max(maxX, xx);
              minY = Math.min(minY, yy);
              maxY = Math.max(maxY, yy);
            }
          }
        }
        // The partner's pixels form one axis-aligned rectangle, and lambda is the rest's share.
        if (from > 0) {
          assertThat((maxX - minX + 1) * (maxY - minY + 1)).isEqualTo(from);
        }
        assertThat(y[3 * i + 2]).isCloseTo(1f - from / (float) (size * size), within(1e-6f));
        assertThat(y[3 * i + 1]).isEqualTo((float) p);
        pasted += from;
      }
    }
    assertThat(pasted).isPositive();
  }

  @Test
  void withBothOnEachBatchTakesOneOfTheTwo() {
    AugmentSpec spec = spec(8, 0.2, 1.0);
    int cut = 0;
    for (int trial = 0; trial < 200; trial++) {
      BatchMixer.Mixing m = BatchMixer.apply(images(2, 64), 2, spec, new SplittableRandom(trial));
      cut += m.cutmix() ? 1 : 0;
    }
    assertThat(cut).isBetween(70, 130);
  }

  @Test
  void betaDrawsHaveTheMeanAndVarianceOfBeta() {
    SplittableRandom rng = new SplittableRandom(1);
    for (double alpha : new double[] {0.2, 1.0, 4.0}) {
      int draws = 40_000;
      double sum = 0;
      double squares = 0;
      for (int i = 0; i < draws; i++) {
        double b = BatchMixer.beta(alpha, rng);
        assertThat(b).isBetween(0.0, 1.0);
        sum += b;
        squares += b * b;
      }
      double mean = sum / draws;
      double variance = squares / draws - mean * mean;
      // Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)).
      assertThat(mean).isCloseTo(0.5, within(0.01));
      assertThat(variance).isCloseTo(1 / (4 * (2 * alpha + 1)), within(0.01));
    }
  }

  @Test
  void evaluationSpecsRefuseMixing() {
    assertThatThrownBy(() -> AugmentSpec.smallEval(8, 1, ZERO, ONE).withMixing(0.2, 0))
        .hasMessageContaining("for training");
    assertThatThrownBy(() -> spec(8, -1, 0)).hasMessageContaining("must not be negative");
  }
}
