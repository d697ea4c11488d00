package org.ebvspark.model.nn;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Linear warm-up then cosine decay, by iteration: for t = iteration / iterationsPerEpoch (epochs,
 * fractional), lr(t) = base (s + (1 - s) t / w) during the first w epochs, starting at the fraction
 * s of the base rate; then base (1 + cos(pi (t - w) / (E - w))) / 2 until epoch E. The iteration
 * count is the updater's, so the position carries over across rounds and epochs and is saved with
 * the updater state.
 */
public final class WarmupCosineSchedule implements ISchedule {
  private static final long serialVersionUID = 1L;

  @JsonProperty private final double base;
  @JsonProperty private final double warmupEpochs;
  @JsonProperty private final double warmupStart;
  @JsonProperty private final double epochs;
  @JsonProperty private final long iterationsPerEpoch;

  public WarmupCosineSchedule(
      @JsonProperty("base") double base,
      @JsonProperty("warmupEpochs") double warmupEpochs,
      @JsonProperty("warmupStart") double warmupStart,
      @JsonProperty("epochs") double epochs,
      @JsonProperty("iterationsPerEpoch") long iterationsPerEpoch) {
    if (iterationsPerEpoch < 1) {
      throw new IllegalArgumentException("iterations per epoch must be at least 1");
    }
    this.base = base;
    this.warmupEpochs = Math.min(warmupEpochs, epochs);
    this.warmupStart = warmupStart;
    this.epochs = epochs;
    this.iterationsPerEpoch = iterationsPerEpoch;
  }

  /** The rate at a (fractional) epoch. */
  public double at(double t) {
    if (t < warmupEpochs) {
      return base * (warmupStart + (1 - warmupStart) * t / warmupEpochs);
    }
    double span = Math.max(1e-9, epochs - warmupEpochs);
    double progress = Math.min(1, (t - warmupEpochs) / span);
    return base * 0.5 * (1 + Math.cos(Math.PI * progress));
  }

  @Override
  public double valueAt(int iteration, int epoch) {
    return at((double) iteration / iterationsPerEpoch);
  }

  @Override
  public ISchedule clone() {
    return new WarmupCosineSchedule(base, warmupEpochs, warmupStart, epochs, iterationsPerEpoch);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WarmupCosineSchedule s
        && s.base == base
        && s.warmupEpochs == warmupEpochs
        && s.warmupStart == warmupStart
        && s.epochs == epochs
        && s.iterationsPerEpoch == iterationsPerEpoch;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(base, warmupEpochs, warmupStart, epochs, iterationsPerEpoch);
  }
}
