package org.ebvspark.model.ebv;

import java.util.Locale;

/**
 * Everything that decides a generated basis. Validated on construction, so a bad request fails
 * before any work starts, with a message that names the value and the problem.
 *
 * @param classes N, the number of vectors
 * @param dim d, their dimension
 * @param alpha the target: every pairwise |cos| at most alpha (+ {@link #ALPHA_TOLERANCE})
 * @param mode the algorithm
 * @param seed the seed of every random draw
 * @param learningRate SGD step (faithful) or the initial Adam step (fast)
 * @param sliceRows rows whose cosines are computed at once (memory, not math)
 * @param maxSteps the most passes over W
 * @param patience passes without a new best before the run (faithful) or the step size (fast) gives
 *     up
 */
public record GeneratorSettings(
    int classes,
    int dim,
    double alpha,
    GeneratorMode mode,
    long seed,
    double learningRate,
    int sliceRows,
    int maxSteps,
    int patience) {

  /** The reference code stops once the maximum is within this of alpha. */
  public static final double ALPHA_TOLERANCE = 1e-4;

  /** The reference code's SGD learning rate. */
  public static final double FAITHFUL_LEARNING_RATE = 1e-3;

  /** The reference code's step limit. */
  public static final int DEFAULT_MAX_STEPS = 100_000;

  /** Memory for the slice buffers when the slice height is chosen automatically. */
  public static final long SLICE_BYTES = 128L << 20;

  public GeneratorSettings {
    if (classes < 2) {
      throw new IllegalArgumentException("classes N must be at least 2, got " + classes);
    }
    if (dim < 1) {
      throw new IllegalArgumentException("dim d must be at least 1, got " + dim);
    }
    if (!(alpha > 0 && alpha < 1)) {
      throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
    }
    CoherenceBounds.Bound bound = CoherenceBounds.lower(classes, dim);
    if (alpha < bound.value()) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "alpha %s is below the %s = %.6f for N = %d, d = %d: no %d unit vectors in R^%d"
                  + " have every pairwise |cos| <= %s",
              alpha,
              bound.name(),
              bound.value(),
              classes,
              dim,
              classes,
              dim,
              alpha));
    }
    if (mode == null) {
      throw new IllegalArgumentException("mode must be faithful or fast");
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
    }
    if (sliceRows < 1) {
      throw new IllegalArgumentException("slice rows must be at least 1, got " + sliceRows);
    }
    if (maxSteps < 1) {
      throw new IllegalArgumentException("max steps must be at least 1, got " + maxSteps);
    }
    if (patience < 1) {
      throw new IllegalArgumentException("patience must be at least 1, got " + patience);
    }
  }

  /** The defaults of each mode for (N, d, alpha). */
  public static GeneratorSettings of(
      int classes, int dim, double alpha, GeneratorMode mode, long seed) {
    boolean faithful = mode == GeneratorMode.FAITHFUL;
    return new GeneratorSettings(
        classes,
        dim,
        alpha,
        mode,
        seed,
        faithful ? FAITHFUL_LEARNING_RATE : 0.02 / Math.sqrt(Math.max(1, dim)),
        BlockKernel.sliceRowsFor(Math.max(2, classes), SLICE_BYTES),
        DEFAULT_MAX_STEPS,
        faithful ? 2000 : 100);
  }

  public GeneratorSettings withLearningRate(double value) {
    return new GeneratorSettings(
        classes, dim, alpha, mode, seed, value, sliceRows, maxSteps, patience);
  }

  public GeneratorSettings withSliceRows(int value) {
    return new GeneratorSettings(
        classes, dim, alpha, mode, seed, learningRate, value, maxSteps, patience);
  }

  public GeneratorSettings withMaxSteps(int value) {
    return new GeneratorSettings(
        classes, dim, alpha, mode, seed, learningRate, sliceRows, value, patience);
  }

  public GeneratorSettings withPatience(int value) {
    return new GeneratorSettings(
        classes, dim, alpha, mode, seed, learningRate, sliceRows, maxSteps, value);
  }

  /** The sharpest known lower bound on alpha for (N, d). */
  public CoherenceBounds.Bound lowerBound() {
    return CoherenceBounds.lower(classes, dim);
  }
}
