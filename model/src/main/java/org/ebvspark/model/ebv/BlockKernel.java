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
 * <p>Not thread-safe: one kernel per thread (each Spark task thread keeps its own).
 */
public final class BlockKernel {
  /** Below this fraction of active pairs the gradient is summed pair by pair. */
  static final double SPARSE_FRACTION = 1.0 / 16;

  private final int sliceRows;
  private final long n;
  private final int d;
  private final INDArray products;
  private final float[] scratch;

  /** W's rows on the heap for the sparse path of the current run, made on first need. */
  private RowChunks heapRows;

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

  /** Whether this kernel serves W of n x d in slices of {@code sliceRows}. */
  public boolean fits(int sliceRows, long n, int d) {
    return this.sliceRows == sliceRows && this.n == n && this.d == d;
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
    return run(w, null, rowStart, rowEnd, threshold, loss, gradient);
  }

  /**
   * As {@link #run(INDArray, long, long, float, PairLoss, INDArray)}, with W's rows also on the
   * heap ({@code heapRows}, may be null) for the sparse path; without them the kernel copies W to
   * the heap itself when a slice first needs it.
   */
  public BlockStats run(
      INDArray w,
      RowChunks heapRows,
      long rowStart,
      long rowEnd,
      float threshold,
      PairLoss loss,
      INDArray gradient) {
    if (w.rows() != n || w.columns() != d) {
      throw new IllegalArgumentException(
          "kernel for " + n + " x " + d + " given " + w.rows() + " x " + w.columns());
    }
    BlockStats total = BlockStats.EMPTY;
    HostRows gRows = gradient == null ? null : HostRows.of(gradient);
    this.heapRows = heapRows;
    for (long start = rowStart; start < rowEnd; start += sliceRows) {
      int rows = (int) Math.min(sliceRows, rowEnd - start);
      total = total.merge(slice(w, start, rows, threshold, loss, gradient, gRows, rowStart));
    }
    if (gRows != null) {
      gRows.markWritten();
    }
    if (total.maxRow() >= 0) {
      total =
          new BlockStats(
              total.max(), total.maxRow(), columnOf(w, total.maxRow()), total.pairsAbove());
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

    float[] rowMax = new float[rows];
    long[] rowCount = new long[rows];
    IntStream.range(0, rows)
        .parallel()
        .forEach(r -> rowCount[r] = toPairWeights(r, start + r, threshold, loss, rowMax));
    int best = 0;
    long active = 0;
    for (int r = 0; r < rows; r++) {
      active += rowCount[r];
      if (rowMax[r] > rowMax[best]) {
        best = r;
      }
    }
    // The column of the maximum is found once per run, for the block's best row only.
    BlockStats stats = new BlockStats(rowMax[best], start + best, -1, active);
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
      if (heapRows == null) {
        heapRows = RowChunks.of(w);
      }
      RowChunks rowsOfW = heapRows;
      IntStream.range(0, rows)
          .parallel()
          .forEach(r -> sparseGradientRow(r, gradientRow + r, rowsOfW, gRows));
    }
    return stats;
  }

  /**
   * The column of the largest |c| in a row. C's row is gone by then (it became S), so this
   * recomputes that one row's cosines (N d flops, nothing next to the slice's product).
   */
  private static long columnOf(INDArray w, long globalRow) {
    HostRows rows = HostRows.of(w);
    int d = rows.columns();
    float[] row = new float[d];
    rows.getRows(globalRow, 1, row, 0);
    int chunk = Math.max(1, (1 << 16) / d);
    float[] other = new float[chunk * d];
    long bestColumn = -1;
    double best = -1;
    for (long start = 0; start < rows.rows(); start += chunk) {
      int count = (int) Math.min(chunk, rows.rows() - start);
      rows.getRows(start, count, other, 0);
      for (int r = 0; r < count; r++) {
        double dot = 0;
        for (int k = 0; k < d; k++) {
          dot += row[k] * other[r * d + k];
        }
        if (start + r != globalRow && Math.abs(dot) > best) {
          best = Math.abs(dot);
          bestColumn = start + r;
        }
      }
    }
    return bestColumn;
  }

  /**
   * Turns row r of C into row r of S (the pair weights), records the row's largest off-diagonal
   * |c|, and returns how many pairs are active. One pass of integer operations on the floats' bit
   * patterns, which the JIT vectorizes: for non-negative floats the integer order of the bits is
   * the float order, so |c| > t is a subtraction's sign bit and no branch is taken per entry.
   */
  private long toPairWeights(int r, long globalRow, float t, PairLoss loss, float[] rowMax) {
    int offset = (int) (r * n);
    int end = offset + (int) n;
    if (globalRow < n) {
      scratch[offset + (int) globalRow] = 0f; // the diagonal is no pair
    }
    int tBits = Float.floatToRawIntBits(t);
    int maxBits = 0;
    int count = 0;
    boolean hinge = loss == PairLoss.HINGE;
    for (int j = offset; j < end; j++) {
      int bits = Float.floatToRawIntBits(scratch[j]);
      int absBits = bits & 0x7fffffff;
      maxBits = Math.max(maxBits, absBits);
      int on = (tBits - absBits) >>> 31; // 1 when |c| > t
      count += on;
      int magnitude;
      if (hinge) {
        magnitude = on * 0x3f800000; // 1.0f
      } else {
        magnitude = Float.floatToRawIntBits(Float.intBitsToFloat(absBits) - t) & -on;
      }
      scratch[j] = Float.intBitsToFloat((bits & 0x80000000) | magnitude);
    }
    rowMax[r] = Float.intBitsToFloat(maxBits);
    return count;
  }

  /** g_i = 2 sum_j s_ij w_j over the active pairs of row r of S. */
  private void sparseGradientRow(int r, long outRow, RowChunks w, HostRows gRows) {
    float[] acc = new float[d];
    int offset = (int) (r * n);
    for (int j = 0; j < n; j++) {
      float s = scratch[offset + j];
      if (s != 0f) {
        float twoS = 2f * s;
        float[] chunk = w.chunk(j);
        int base = w.offset(j);
        for (int k = 0; k < d; k++) {
          acc[k] += twoS * chunk[base + k];
        }
      }
    }
    gRows.putRows(outRow, 1, acc, 0);
  }
}
