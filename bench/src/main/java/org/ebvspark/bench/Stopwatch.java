package org.ebvspark.bench;

import java.util.Arrays;

/** Medians of repeated timings. */
final class Stopwatch {
  private Stopwatch() {}

  static double median(double[] values) {
    double[] copy = values.clone();
    Arrays.sort(copy);
    int n = copy.length;
    return n % 2 == 1 ? copy[n / 2] : (copy[n / 2 - 1] + copy[n / 2]) / 2;
  }
}
