package org.ebvspark.model.ebv;

import java.io.Serializable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A matrix on the Java heap as row-major float32 chunks of at most {@link #CHUNK_FLOATS} floats:
 * the form W travels in (a Spark broadcast) and the form the sparse gradient reads rows from.
 * Chunks keep every array small whatever N and d are.
 */
public final class RowChunks implements Serializable {
  private static final long serialVersionUID = 1L;

  /** 4 Mi floats (16 MiB) per chunk. */
  static final int CHUNK_FLOATS = 1 << 22;

  private final long rows;
  private final int columns;
  private final int chunkRows;
  private final float[][] chunks;

  private RowChunks(long rows, int columns, int chunkRows, float[][] chunks) {
    this.rows = rows;
    this.columns = columns;
    this.chunkRows = chunkRows;
    this.chunks = chunks;
  }

  /** Copies {@code w} (row-major float32) to the heap. */
  public static RowChunks of(INDArray w) {
    HostRows host = HostRows.of(w);
    int d = host.columns();
    int chunkRows = Math.max(1, CHUNK_FLOATS / d);
    int count = (int) ((host.rows() + chunkRows - 1) / chunkRows);
    float[][] chunks = new float[count][];
    for (int c = 0; c < count; c++) {
      long start = (long) c * chunkRows;
      int n = (int) Math.min(chunkRows, host.rows() - start);
      chunks[c] = new float[n * d];
      host.getRows(start, n, chunks[c], 0);
    }
    return new RowChunks(host.rows(), d, chunkRows, chunks);
  }

  public long rows() {
    return rows;
  }

  public int columns() {
    return columns;
  }

  /** The chunk that holds row {@code row}; the row starts at {@link #offset}. */
  public float[] chunk(long row) {
    return chunks[(int) (row / chunkRows)];
  }

  /** Where row {@code row} starts in its {@link #chunk}. */
  public int offset(long row) {
    return (int) (row % chunkRows) * columns;
  }

  /** A new off-heap float32 matrix with these rows. */
  public INDArray toMatrix() {
    INDArray w = Nd4j.createUninitialized(DataType.FLOAT, rows, columns);
    HostRows host = HostRows.of(w);
    for (int c = 0; c < chunks.length; c++) {
      host.putRows((long) c * chunkRows, chunks[c].length / columns, chunks[c], 0);
    }
    host.markWritten();
    return w;
  }
}
