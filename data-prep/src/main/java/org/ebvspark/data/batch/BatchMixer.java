package org.ebvspark.data.batch;

import java.util.SplittableRandom;
import org.ebvspark.data.image.AugmentSpec;

/**
 * Mixup (Zhang et al. 2018) and CutMix (Yun et al. 2019) on an assembled batch, as torchvision's
 * classification reference applies them (RandomMixup and RandomCutmix under RandomChoice, p = 1):
 * the batch is mixed with itself rolled by one row (row i with row i - 1, row 0 with the last), at
 * a weight lambda drawn from Beta(alpha, alpha) once per batch. Labels stay class indices: each row
 * carries its own class, its partner's and lambda ({@code [n, 3]}), so that the loss is lambda
 * CE(a) + (1 - lambda) CE(b) without an N-wide target. Random numbers come from (seed, epoch, the
 * batch's first row), so a batch mixes the same way on any executor and after a resume.
 */
public final class BatchMixer {
  /** Label columns of a mixed batch: own class, partner's class, weight of the own class. */
  public static final int LABEL_COLUMNS = 3;

  private BatchMixer() {}

  /** What was done to a batch. */
  public record Mixing(boolean cutmix, double lambda) {}

  /**
   * Mixes {@code features} ({@code n} images of {@code spec}'s shape) in place and returns the
   * labels {@code [n, 3]} row-major: class, partner's class, lambda.
   */
  public static float[] mix(
      float[] features, float[] labels, int n, AugmentSpec spec, SplittableRandom rng) {
    Mixing m = apply(features, n, spec, rng);
    float[] out = new float[n * LABEL_COLUMNS];
    for (int i = 0; i < n; i++) {
      out[LABEL_COLUMNS * i] = labels[i];
      out[LABEL_COLUMNS * i + 1] = labels[partner(i, n)];
      out[LABEL_COLUMNS * i + 2] = (float) m.lambda();
    }
    return out;
  }

  /** The row that row {@code i} is mixed with (torch.roll(batch, 1, 0)). */
  public static int partner(int i, int n) {
    return i == 0 ? n - 1 : i - 1;
  }

  /** Mixes the features in place; the choice and lambda drawn. */
  public static Mixing apply(float[] features, int n, AugmentSpec spec, SplittableRandom rng) {
    boolean cutmix;
    if (spec.mixup() > 0 && spec.cutmix() > 0) {
      cutmix = rng.nextBoolean();
    } else {
      cutmix = spec.cutmix() > 0;
    }
    double alpha = cutmix ? spec.cutmix() : spec.mixup();
    double lambda = beta(alpha, rng);
    int length = spec.tensorLength();
    // The last row's original, which row 0 reads after the last row has been mixed.
    float[] last = new float[length];
    System.arraycopy(features, (n - 1) * length, last, 0, length);
    if (!cutmix) {
      float l = (float) lambda;
      for (int i = n - 1; i >= 0; i--) {
        int row = i * length;
        int from = (i - 1) * length;
        for (int k = 0; k < length; k++) {
          float other = i == 0 ? last[k] : features[from + k];
          features[row + k] = l * features[row + k] + (1f - l) * other;
        }
      }
      return new Mixing(false, lambda);
    }
    int size = spec.size();
    int cx = rng.nextInt(size);
    int cy = rng.nextInt(size);
    double r = 0.5 * Math.sqrt(1 - lambda);
    int halfW = (int) (r * size);
    int halfH = (int) (r * size);
    int x1 = Math.max(cx - halfW, 0);
    int y1 = Math.max(cy - halfH, 0);
    int x2 = Math.min(cx + halfW, size);
    int y2 = Math.min(cy + halfH, size);
    int plane = size * size;
    for (int i = n - 1; i >= 0; i--) {
      for (int c = 0; c < spec.channels(); c++) {
        for (int y = y1; y < y2; y++) {
          int at = c * plane + y * size + x1;
          if (i == 0) {
            System.arraycopy(last, at, features, at, x2 - x1);
          } else {
            System.arraycopy(features, (i - 1) * length + at, features, i * length + at, x2 - x1);
          }
        }
      }
    }
    // The weight of the own image is the share of its area that is left.
    return new Mixing(true, 1 - (double) (x2 - x1) * (y2 - y1) / plane);
  }

  /** A Beta(alpha, alpha) draw, as the ratio of two Gamma(alpha) draws. */
  static double beta(double alpha, SplittableRandom rng) {
    double x = gamma(alpha, rng);
    double y = gamma(alpha, rng);
    return x + y == 0 ? 0.5 : x / (x + y);
  }

  /** Marsaglia and Tsang (2000); shapes below 1 by Gamma(a) = Gamma(a + 1) U^(1/a). */
  static double gamma(double shape, SplittableRandom rng) {
    if (shape < 1) {
      double u = 1 - rng.nextDouble();
      return gamma(shape + 1, rng) * Math.pow(u, 1 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x = rng.nextGaussian();
      double v = 1 + c * x;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = 1 - rng.nextDouble();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
        return d * v;
      }
    }
  }
}
