package org.ebvspark.model.ebv;

import java.util.List;

/**
 * The certificate of a basis: statistics of |cos| over all N (N - 1) / 2 unordered pairs, computed
 * in row blocks without an N x N matrix. Percentiles come from a histogram of 2^16 bins on [0, 1]
 * and are the upper edge of their bin (at most 1.5e-5 above the exact value); max and mean are
 * exact up to float32 rounding of the products.
 *
 * @param classes N
 * @param dim d
 * @param pairs N (N - 1) / 2
 * @param max the largest |cos|, the achieved alpha
 * @param maxRow one row of a pair with the largest |cos|
 * @param maxColumn the other row of that pair
 * @param mean the mean |cos|
 * @param p50 median |cos|
 * @param p90 90th percentile
 * @param p99 99th percentile
 * @param p999 99.9th percentile
 * @param maxNormError the largest | ||w_i|| - 1 |
 * @param welchBound sqrt((N - d) / (d (N - 1))), 0 for N <= d
 * @param lowerBound the sharpest known lower bound
 * @param lowerBoundName which bound that is
 * @param histogramEdges edges of the coarse histogram
 * @param histogramCounts pairs in each coarse bin
 */
public record CoherenceStats(
    long classes,
    int dim,
    long pairs,
    double max,
    long maxRow,
    long maxColumn,
    double mean,
    double p50,
    double p90,
    double p99,
    double p999,
    double maxNormError,
    double welchBound,
    double lowerBound,
    String lowerBoundName,
    List<Double> histogramEdges,
    List<Long> histogramCounts) {

  /** achieved / Welch: how close to the bound (1.0 would be optimal), NaN where Welch is 0. */
  public double welchRatio() {
    return welchBound > 0 ? max / welchBound : Double.NaN;
  }
}
