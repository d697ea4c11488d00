package org.ebvspark.jobs.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The weighted sum of workers' parameters and updater states, merged on the executors by {@code
 * treeAggregate} and divided on the driver. A worker's weight is its images relative to an equal
 * share ({@link RoundTask.RoundState#imagesPerShare}), so equal shares average as DL4J does (the
 * plain mean, to the bit) and unequal ones count each image once.
 */
final class RoundAverage implements Serializable {
  private static final long serialVersionUID = 1L;
  // Packed: they travel as blocks of bytes under Java serialization, and as plain fields under
  // Kryo.
  private PackedFloats params;
  private PackedFloats updaterState;
  private double weight;
  private double weightedScore;
  private final List<WorkerStep> steps = new ArrayList<>();
  private final List<RoundTask.WorkerTiming> timings = new ArrayList<>();

  /** One worker's result (its arrays are taken over, not copied). */
  static RoundAverage of(
      float[] params,
      float[] updaterState,
      double weight,
      double score,
      List<WorkerStep> steps,
      RoundTask.WorkerTiming timing) {
    RoundAverage a = new RoundAverage();
    a.params = new PackedFloats(scaled(params, weight));
    a.updaterState = updaterState == null ? null : new PackedFloats(scaled(updaterState, weight));
    a.weight = weight;
    a.weightedScore = score * weight;
    a.steps.addAll(steps);
    a.timings.add(timing);
    return a;
  }

  /** Adds {@code other} into this one; returns this (Spark's seqOp and combOp). */
  RoundAverage merge(RoundAverage other) {
    if (other.params == null) {
      return this;
    }
    if (params == null) {
      params = other.params;
      updaterState = other.updaterState;
    } else {
      add(params.get(), other.params.get());
      if (updaterState != null && other.updaterState != null) {
        add(updaterState.get(), other.updaterState.get());
      }
    }
    weight += other.weight;
    weightedScore += other.weightedScore;
    steps.addAll(other.steps);
    timings.addAll(other.timings);
    return this;
  }

  /** The averaged parameters (divided in place: call once). */
  float[] params() {
    return divided(params.get());
  }

  /** The averaged updater state, or null where the updater keeps none. */
  float[] updaterState() {
    return updaterState == null ? null : divided(updaterState.get());
  }

  double score() {
    return weightedScore / weight;
  }

  List<WorkerStep> steps() {
    return steps;
  }

  List<RoundTask.WorkerTiming> timings() {
    return timings;
  }

  boolean isEmpty() {
    return params == null;
  }

  private float[] divided(float[] sum) {
    float w = (float) weight;
    for (int i = 0; i < sum.length; i++) {
      sum[i] /= w;
    }
    return sum;
  }

  private static float[] scaled(float[] values, double weight) {
    if (weight != 1.0) {
      float w = (float) weight;
      for (int i = 0; i < values.length; i++) {
        values[i] *= w;
      }
    }
    return values;
  }

  private static void add(float[] into, float[] values) {
    if (into.length != values.length) {
      throw new IllegalStateException(
          "workers returned arrays of " + into.length + " and " + values.length + " values");
    }
    for (int i = 0; i < into.length; i++) {
      into[i] += values[i];
    }
  }
}
