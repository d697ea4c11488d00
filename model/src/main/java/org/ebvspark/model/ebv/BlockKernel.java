package org.ebvspark.model.ebv;

import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One step's work on a block of rows of W: the cosines of those rows against every row, their
 * statistics, and their gradient. Rows are processed in slices of at most {@code sliceRows}, so
 * memory is O(sliceRows N + N d) and no N x N matrix ever exists.
 *
 * <p>For a slice B: C = W_B W^T (|B| x N, one matrix product), then each entry with |c| > t and j
 * != i becomes the pair weight s(c) of the {@link PairLoss} (else 0), which turns C into S in
 * place, and the gradient of the slice's rows is 2 S W. When few pairs are active the product S W
 * is replaced by a sum over the active pairs, which costs 2 nnz d instead of 2 |B| N d.
 *
 * <p>Not thread-safe: one kernel per thread (a Spark task makes its own).
 */
public final class BlockKernel {
  /** Below this fraction of active pairs the gradient is summed pair by pair. */
  static final double SPARSE_FRACTION = 1.0 / 16;

  private final int sliceRows;
  private final long n;
  private final int d;
  private final INDArray products;
  private final float[] scratch;

  /**
   * @param sliceRows the most rows computed at once (memory: sliceRows x N floats, twice)
   * @param n the number of rows of W
   * @param d the number of columns of W
   */
  public BlockKernel(int sliceRows, long n, int d) {
    if ((long) sliceRows * n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "slice of " + sliceRows + " rows x " + n + " columns exceeds one Java array");
    }
    this.sliceRows = sliceRows;
    this.n = n;
    this.d = d;
    this.products = Nd4j.createUninitialized(DataType.FLOAT, sliceRows, n);
    this.scratch = new float[(int) (sliceRows * n)];
  }

  /** A slice height that keeps the slice buffers near {@code bytes} for N rows. */
  public static int sliceRowsFor(long n, long bytes) {
    long rows = bytes / (8L * n);
    return (int) Math.max(1, Math.min(rows, Math.min(n, 4096)));
  }

  public int sliceRows() {
    return sliceRows;
  }

  /**
   * Computes the statistics of rows [rowStart, rowEnd) of {@code w} against all rows and, if {@code
   * gradient} is not null, their gradient into it (a [rowEnd - rowStart, d] matrix).
   *
   * @param w the current W, N x d, rows assumed unit length
   * @param threshold pairs with |cos| above this count and pull
   */
  public BlockStats run(
      INDArray w, long rowStart, long rowEnd, float threshold, PairLoss loss, INDArray gradient) {
    if (w.rows() != n || w.columns() != d) {
      throw new IllegalArgumentException(
          "kernel for " + n + " x " + d + " given " + w.rows() + " x " + w.columns());
    }
    BlockStats total = BlockStats.EMPTY;
    HostRows wRows = gradient == null ? null : HostRows.of(w);
    HostRows gRows = gradient == null ? null : HostRows.of(gradient);
    for (long start = rowStart; start < rowEnd; start += sliceRows) {
      int rows = (int) Math.min(sliceRows, rowEnd - start);
      total = total.merge(slice(w, start, rows, threshold, loss, gradient, wRows, gRows, rowStart));
    }
    if (gRows != null) {
      gRows.markWritten();
    }
    return total;
  }

  private BlockStats slice(
      INDArray w,
      long start,
      int rows,
      float threshold,
      PairLoss loss,
      INDArray gradient,
      HostRows wRows,
      HostRows gRows,
      long blockStart) {
    INDArray slice = w.get(NDArrayIndex.interval(start, start + rows), NDArrayIndex.all());
    INDArray c =
        rows == sliceRows
            ? products
            : products.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
    Nd4j.gemm(slice, w, c, false, true, 1.0, 0.0);
    HostRows cRows = HostRows.of(products);
    cRows.getRows(0, rows, scratch, 0);

    double[] rowMax = new double[rows];
    long[] rowArg = new long[rows];
    long[] rowCount = new long[rows];
    double[] rowLoss = new double[rows];
    IntStream.range(0, rows)
        .parallel()
        .forEach(r -> scanRow(r, start + r, threshold, loss, rowMax, rowArg, rowCount, rowLoss));

    BlockStats stats = BlockStats.EMPTY;
    long active = 0;
    for (int r = 0; r < rows; r++) {
      stats = stats.merge(new BlockStats(rowMax[r], start + r, rowArg[r], rowCount[r], rowLoss[r]));
      active += rowCount[r];
    }
    if (gradient == null) {
      return stats;
    }
    long gradientRow = start - blockStart;
    if (active > SPARSE_FRACTION * rows * n) {
      cRows.putRows(0, rows, scratch, 0);
      cRows.markWritten();
      INDArray g =
          gradient.get(NDArrayIndex.interval(gradientRow, gradientRow + rows), NDArrayIndex.all());
      Nd4j.gemm(c, w, g, false, false, 2.0, 0.0);
    } else {
      IntStream.range(0, rows)
          .parallel()
          .forEach(r -> sparseGradientRow(r, gradientRow + r, wRows, gRows));
    }
    return stats;
  }

  /** Turns row r of C into row r of S, and records its statistics. */
  private void scanRow(
      int r,
      long globalRow,
      float threshold,
      PairLoss loss,
      double[] rowMax,
      long[] rowArg,
      long[] rowCount,
      double[] rowLoss) {
    int offset = (int) (r * n);
    float max = -1f;
    long arg = -1;
    long count = 0;
    double sum = 0;
    for (int j = 0; j < n; j++) {
      float c = scratch[offset + j];
      float a = Math.abs(c);
      if (j == globalRow) {
        scratch[offset + j] = 0f;
        continue;
      }
      if (a > max) {
        max = a;
        arg = j;
      }
      if (a > threshold) {
        count++;
        sum += loss.value(a, threshold);
        scratch[offset + j] = loss.weight(c, a, threshold);
      } else {
        scratch[offset + j] = 0f;
      }
    }
    rowMax[r] = max;
    rowArg[r] = arg;
    rowCount[r] = count;
    rowLoss[r] = sum;
  }

  /** g_i = 2 sum_j s_ij w_j over the active pairs of row r of S. */
  private void sparseGradientRow(int r, long outRow, HostRows wRows, HostRows gRows) {
    float[] acc = new float[d];
    int offset = (int) (r * n);
    for (int j = 0; j < n; j++) {
      float s = scratch[offset + j];
      if (s != 0f) {
        float twoS = 2f * s;
        for (int k = 0; k < d; k++) {
          acc[k] += twoS * wRows.get(j, k);
        }
      }
    }
    gRows.putRows(outRow, 1, acc, 0);
  }
}
