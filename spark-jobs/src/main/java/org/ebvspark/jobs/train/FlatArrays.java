package org.ebvspark.jobs.train;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Copies between a network's flat float arrays (its parameters, its updater state) and the float[]
 * a round sends, in one pass where the array is its whole host buffer: the common case, since a
 * network keeps each of them in one buffer of its own.
 */
final class FlatArrays {
  /** On ND4J's CUDA backend a host write would bypass the device copy: assign instead. */
  private static final boolean HOST_BUFFERS =
      !Nd4j.getBackend().getClass().getSimpleName().toLowerCase().contains("cuda");

  private FlatArrays() {}

  /** Overwrites {@code target} with {@code values}. */
  static void copyInto(INDArray target, float[] values) {
    if (target.length() != values.length) {
      throw new IllegalStateException(
          "a round sent "
              + values.length
              + " values for an array of "
              + target.length()
              + ": the worker's network is not the driver's");
    }
    if (spansItsBuffer(target)) {
      FloatBuffer buffer = target.data().asNioFloat();
      buffer.position(0);
      buffer.put(values);
    } else {
      target.assign(Nd4j.createFromArray(values).reshape(target.shape()));
    }
  }

  /**
   * Whether {@code a} is a dense float array that starts at its host buffer's start and fills it.
   */
  private static boolean spansItsBuffer(INDArray a) {
    return HOST_BUFFERS
        && a.dataType() == DataType.FLOAT
        && a.offset() == 0
        && a.data().length() == a.length()
        && a.ordering() == 'c'
        && a.elementWiseStride() == 1
        && a.data().asNioFloat() != null;
  }
}
