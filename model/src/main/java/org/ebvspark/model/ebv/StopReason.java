package org.ebvspark.model.ebv;

/** Why generation ended. */
public enum StopReason {
  /** The maximum |cos| came within the tolerance of alpha. */
  REACHED(true),
  /** The starting set already meets alpha by construction (orthonormal, or unbiased bases). */
  EXACT_START(true),
  /** No new best for the patience (after every step-size reduction, in fast mode). */
  STALLED(false),
  /** A pair became (anti)parallel; row normalization removes the only force between them. */
  COLLAPSED(false),
  /** The step limit was reached first. */
  STEP_LIMIT(false);

  private final boolean reachedAlpha;

  StopReason(boolean reachedAlpha) {
    this.reachedAlpha = reachedAlpha;
  }

  public boolean reachedAlpha() {
    return reachedAlpha;
  }
}
