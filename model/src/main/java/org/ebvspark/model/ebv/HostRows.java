package org.ebvspark.model.ebv;

import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Row access to the host memory of a row-major float32 matrix, by long index, without copying the
 * matrix. Used where a pass is a tight Java loop over a few entries (sparse gradients, scans), or
 * where rows stream to and from files. On a GPU backend the data is first brought to the host;
 * {@link #markWritten()} tells ND4J that the host copy is now the current one.
 */
public final class HostRows {
  private final INDArray array;
  private final FloatIndexer indexer;
  private final java.nio.FloatBuffer nio;
  private final long base;
  private final long rows;
  private final int columns;

  private HostRows(INDArray array) {
    this.array = array;
    this.rows = array.rows();
    this.columns = array.columns();
    Nd4j.getAffinityManager().ensureLocation(array, AffinityManager.Location.HOST);
    this.indexer = (FloatIndexer) array.data().indexer();
    this.base = array.offset();
    // A direct buffer copies in bulk (memcpy); JavaCPP's raw indexer copies element by element.
    // Buffers are int-indexed, so matrices over 2^31 floats fall back to the indexer.
    long floats = array.data().length();
    this.nio = floats <= Integer.MAX_VALUE ? array.data().asNioFloat() : null;
  }

  /** Access to {@code array}, which must be a 2-d float32 matrix with contiguous rows. */
  public static HostRows of(INDArray array) {
    if (array.rank() != 2
        || array.dataType() != DataType.FLOAT
        || array.ordering() != 'c'
        || array.stride(1) != 1
        || (array.stride(0) != array.columns() && array.rows() > 1)) { // one row: any stride
      throw new IllegalArgumentException(
          "expected a row-major float32 matrix with contiguous rows, got "
              + array.shapeInfoToString());
    }
    return new HostRows(array);
  }

  public long rows() {
    return rows;
  }

  public int columns() {
    return columns;
  }

  public float get(long row, int column) {
    return indexer.get(base + row * columns + column);
  }

  /** Copies {@code count} whole rows starting at {@code row} into {@code out[offset..]}. */
  public void getRows(long row, int count, float[] out, int offset) {
    long start = base + row * columns;
    int length = count * columns;
    if (nio != null) {
      nio.get((int) start, out, offset, length);
    } else {
      indexer.get(start, out, offset, length);
    }
  }

  /** Copies {@code count} whole rows from {@code in[offset..]} into the matrix at {@code row}. */
  public void putRows(long row, int count, float[] in, int offset) {
    long start = base + row * columns;
    int length = count * columns;
    if (nio != null) {
      nio.put((int) start, in, offset, length);
    } else {
      indexer.put(start, in, offset, length);
    }
  }

  /** Scales every row of {@code w} to unit length, in place, a block of rows per task. */
  public static void normalize(INDArray w) {
    HostRows rows = of(w);
    int d = rows.columns;
    int block = Math.max(1, (1 << 16) / d);
    long blocks = (rows.rows + block - 1) / block;
    java.util.stream.LongStream.range(0, blocks)
        .parallel()
        .forEach(
            b -> {
              long start = b * block;
              int count = (int) Math.min(block, rows.rows - start);
              float[] chunk = new float[count * d];
              rows.getRows(start, count, chunk, 0);
              for (int r = 0; r < count; r++) {
                double sum = 0;
                for (int k = r * d; k < (r + 1) * d; k++) {
                  sum += (double) chunk[k] * chunk[k];
                }
                float scale = (float) (1.0 / Math.sqrt(sum));
                for (int k = r * d; k < (r + 1) * d; k++) {
                  chunk[k] *= scale;
                }
              }
              rows.putRows(start, count, chunk, 0);
            });
    rows.markWritten();
  }

  /** Call after writing, so that a GPU backend uploads the host copy before its next use. */
  public void markWritten() {
    Nd4j.getAffinityManager().tagLocation(array, AffinityManager.Location.HOST);
  }
}
