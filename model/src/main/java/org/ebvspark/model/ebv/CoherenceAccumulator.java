package org.ebvspark.model.ebv;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Mergeable running statistics of |cos| over pairs, as a fine histogram plus exact max and sum. A
 * block of rows fills one; blocks (threads, or Spark partitions) merge; {@link #toStats} gives the
 * certificate. 2^16 bins: 512 KiB, whatever N is.
 */
public final class CoherenceAccumulator implements Serializable {
  private static final long serialVersionUID = 1L;
  static final int BINS = 1 << 16;
  private static final int COARSE_BINS = 40;

  private final long[] histogram = new long[BINS];
  private long count;
  private double sum;
  private double max = -1;
  private long maxRow = -1;
  private long maxColumn = -1;
  private double maxNormError;

  /** Adds the pair (row, column) with cosine c. */
  void add(float c, long row, long column) {
    float a = Math.abs(c);
    int bin = (int) (a * BINS);
    histogram[bin >= BINS ? BINS - 1 : bin]++;
    count++;
    sum += a;
    if (a > max) {
      max = a;
      maxRow = row;
      maxColumn = column;
    }
  }

  /** Records a row's squared norm (the diagonal of W W^T). */
  void addNorm(float squaredNorm) {
    maxNormError = Math.max(maxNormError, Math.abs(Math.sqrt(squaredNorm) - 1.0));
  }

  public CoherenceAccumulator merge(CoherenceAccumulator other) {
    for (int i = 0; i < BINS; i++) {
      histogram[i] += other.histogram[i];
    }
    count += other.count;
    sum += other.sum;
    if (other.max > max || (other.max == max && other.maxRow < maxRow)) {
      max = other.max;
      maxRow = other.maxRow;
      maxColumn = other.maxColumn;
    }
    maxNormError = Math.max(maxNormError, other.maxNormError);
    return this;
  }

  public long count() {
    return count;
  }

  public CoherenceStats toStats(long n, int d) {
    double top = max <= 0 ? 1.0 / COARSE_BINS : max;
    double width = Math.ceil(top * 1000 / COARSE_BINS) / 1000; // round edges to 0.001
    List<Double> edges = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    for (int b = 0; b <= COARSE_BINS; b++) {
      edges.add(Math.round(b * width * 1e6) / 1e6);
    }
    long[] coarse = new long[COARSE_BINS];
    for (int i = 0; i < BINS; i++) {
      if (histogram[i] != 0) {
        double low = (double) i / BINS;
        int b = (int) Math.min(COARSE_BINS - 1, Math.floor(low / width));
        coarse[b] += histogram[i];
      }
    }
    for (long c : coarse) {
      counts.add(c);
    }
    CoherenceBounds.Bound bound = CoherenceBounds.lower(n, d);
    return new CoherenceStats(
        n,
        d,
        count,
        Math.max(max, 0),
        maxRow,
        maxColumn,
        count == 0 ? 0 : sum / count,
        percentile(0.50),
        percentile(0.90),
        percentile(0.99),
        percentile(0.999),
        maxNormError,
        CoherenceBounds.welch(n, d),
        bound.value(),
        bound.name(),
        edges,
        counts);
  }

  /** The upper edge of the bin where the cumulative count first reaches q, capped by max. */
  private double percentile(double q) {
    if (count == 0) {
      return 0;
    }
    long target = (long) Math.ceil(q * count);
    long cumulative = 0;
    for (int i = 0; i < BINS; i++) {
      cumulative += histogram[i];
      if (cumulative >= target) {
        return Math.min((double) (i + 1) / BINS, max);
      }
    }
    return max;
  }
}
