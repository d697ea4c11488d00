package org.ebvspark.model.ebv;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a basis must be before anything trains or evaluates on it: finite, unit rows, no two rows
 * the same. A basis of identical rows gives every class the same logit, and a NaN row gives NaN
 * logits: either way no prediction means anything (DESIGN.md, invariant 8). One pass over the rows,
 * no N x N work: duplicates are found by hashing rows; near-parallel rows are what the coherence
 * certificate measures ({@link CoherenceCertifier}, which {@code ebv inspect} runs).
 */
public final class BasisCheck {
  /** How far a row's norm may be from 1 (float32 rounding of a normalized row is far smaller). */
  public static final double NORM_TOLERANCE = 1e-3;

  private BasisCheck() {}

  /** Throws IllegalArgumentException naming {@code location}, the row and the problem. */
  public static void verify(INDArray w, String location) {
    if (w.rows() < 2) {
      throw new IllegalArgumentException(
          location + ": a basis needs at least 2 rows, found " + w.rows());
    }
    HostRows rows = HostRows.of(w);
    int d = rows.columns();
    float[] row = new float[d];
    Map<Integer, Long> seen = new HashMap<>();
    float[] other = new float[d];
    for (long i = 0; i < rows.rows(); i++) {
      rows.getRows(i, 1, row, 0);
      double norm = 0;
      for (int k = 0; k < d; k++) {
        if (!Float.isFinite(row[k])) {
          throw new IllegalArgumentException(
              String.format(
                  Locale.ROOT, "%s: row %d holds %s; a basis must be finite", location, i, row[k]));
        }
        norm += (double) row[k] * row[k];
      }
      norm = Math.sqrt(norm);
      if (Math.abs(norm - 1) > NORM_TOLERANCE) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "%s: row %d has norm %.6g; EBVs must be unit vectors (normalize the rows first)",
                location,
                i,
                norm));
      }
      Long earlier = seen.putIfAbsent(Arrays.hashCode(row), i);
      if (earlier != null) {
        rows.getRows(earlier, 1, other, 0);
        if (Arrays.equals(row, other)) {
          throw new IllegalArgumentException(
              String.format(
                  Locale.ROOT,
                  "%s: rows %d and %d are identical; each class needs its own vector",
                  location,
                  earlier,
                  i));
        }
      }
    }
  }

  /** Refuses a certificate whose closest pair is parallel (|cos| = 1 within float rounding). */
  public static void refuseParallel(CoherenceStats stats, String location) {
    if (stats.max() >= 1 - 1e-6) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%s: rows %d and %d are parallel (|cos| %.7f); each class needs its own direction",
              location,
              stats.maxRow(),
              stats.maxColumn(),
              stats.max()));
    }
  }
}
