package org.ebvspark.model.ebv;

import java.util.function.LongConsumer;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Computes {@link CoherenceStats} for W in row blocks: block B against rows from B's first row on
 * (each unordered pair once), so the work is N^2 d flops and memory is blockRows x N floats.
 */
public final class CoherenceCertifier {
  private final int blockRows;
  private final long n;
  private final int d;
  private final INDArray buffer;
  private final float[] scratch;

  public CoherenceCertifier(int blockRows, long n, int d) {
    this.blockRows = (int) Math.min(blockRows, n);
    this.n = n;
    this.d = d;
    this.buffer = Nd4j.createUninitialized(DataType.FLOAT, (long) this.blockRows * n);
    this.scratch = new float[Math.toIntExact((long) this.blockRows * n)];
  }

  /** Certifies all of W on this JVM. */
  public static CoherenceStats certify(INDArray w, LongConsumer rowsDone) {
    long n = w.rows();
    CoherenceCertifier certifier =
        new CoherenceCertifier(
            BlockKernel.sliceRowsFor(n, GeneratorSettings.SLICE_BYTES), n, w.columns());
    CoherenceAccumulator total = new CoherenceAccumulator();
    for (long start = 0; start < n; start += certifier.blockRows) {
      long end = Math.min(n, start + certifier.blockRows);
      total.merge(certifier.accumulate(w, start, end));
      rowsDone.accept(end);
    }
    return total.toStats(n, w.columns());
  }

  public int blockRows() {
    return blockRows;
  }

  /** The pairs (i, j) with start <= i < end and j > i, plus the norms of rows [start, end). */
  public CoherenceAccumulator accumulate(INDArray w, long start, long end) {
    CoherenceAccumulator total = new CoherenceAccumulator();
    for (long s = start; s < end; s += blockRows) {
      total.merge(block(w, s, Math.min(end, s + blockRows)));
    }
    return total;
  }

  private CoherenceAccumulator block(INDArray w, long start, long end) {
    int rows = (int) (end - start);
    long columns = n - start;
    INDArray c =
        Nd4j.create(buffer.data(), new long[] {rows, columns}, new long[] {columns, 1}, 0, 'c');
    INDArray slice = w.get(NDArrayIndex.interval(start, end), NDArrayIndex.all());
    INDArray rest = w.get(NDArrayIndex.interval(start, n), NDArrayIndex.all());
    Nd4j.gemm(slice, rest, c, false, true, 1.0, 0.0);
    HostRows.of(c).getRows(0, rows, scratch, 0);

    int workers = Math.max(1, Math.min(rows, Runtime.getRuntime().availableProcessors()));
    // Each worker fills its own accumulator; they merge one after another (merge mutates).
    return IntStream.range(0, workers)
        .parallel()
        .mapToObj(
            worker -> {
              CoherenceAccumulator acc = new CoherenceAccumulator();
              for (int r = worker; r < rows; r += workers) {
                int offset = (int) (r * columns);
                acc.addNorm(scratch[offset + r]);
                for (long j = r + 1; j < columns; j++) {
                  acc.add(scratch[(int) (offset + j)], start + r, start + j);
                }
              }
              return acc;
            })
        .toList()
        .stream()
        .reduce(new CoherenceAccumulator(), CoherenceAccumulator::merge);
  }
}
