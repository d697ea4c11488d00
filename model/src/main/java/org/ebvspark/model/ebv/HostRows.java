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
  }

  /** Access to {@code array}, which must be a 2-d float32 matrix with contiguous rows. */
  public static HostRows of(INDArray array) {
    if (array.rank() != 2
        || array.dataType() != DataType.FLOAT
        || array.ordering() != 'c'
        || array.stride(1) != 1
        || array.stride(0) != array.columns()) {
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
    indexer.get(base + row * columns, out, offset, count * columns);
  }

  /** Copies {@code count} whole rows from {@code in[offset..]} into the matrix at {@code row}. */
  public void putRows(long row, int count, float[] in, int offset) {
    indexer.put(base + row * columns, in, offset, count * columns);
  }

  /** Call after writing, so that a GPU backend uploads the host copy before its next use. */
  public void markWritten() {
    Nd4j.getAffinityManager().tagLocation(array, AffinityManager.Location.HOST);
  }
}
