package org.ebvspark.model.nn.fast;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The elements of a dense, row-major ND4J array read and written in place from Java, through the
 * direct buffer over its native memory (no copy). Float and double arrays only: the two
 * implementations keep every call site at most bimorphic, so the JIT inlines them. Element by
 * element this is the reference kernels' path; the float32 kernels copy whole planes or blocks of
 * {@link #floats} into scratch arrays instead, 3.6-7x faster (bench/README.md).
 */
abstract sealed class Values permits Values.Floats, Values.Doubles {

  abstract double get(int i);

  abstract void set(int i, double v);

  /** Whether the kernels can work on this array in place. */
  static boolean usable(INDArray a) {
    return (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE)
        && a.offset() == 0
        && denseRowMajor(a.shape(), a.stride())
        && a.length() <= Integer.MAX_VALUE / a.dataType().width();
  }

  /** Row-major without gaps; a dimension of size 1 may have any stride (ND4J gives it several). */
  private static boolean denseRowMajor(long[] shape, long[] stride) {
    long expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && stride[i] != expected) {
        return false;
      }
      expected *= shape[i];
    }
    return true;
  }

  /** The array as it is if usable, else a dense copy (in the current workspace). */
  static INDArray dense(INDArray a) {
    return usable(a) ? a : a.dup('c');
  }

  static Values of(INDArray a) {
    return a.dataType() == DataType.FLOAT
        ? new Floats(floats(a))
        : new Doubles(bytes(a).asDoubleBuffer());
  }

  /** A float array's elements, in place. */
  static FloatBuffer floats(INDArray a) {
    if (a.dataType() != DataType.FLOAT) {
      throw new IllegalArgumentException("not a float array: " + a.dataType());
    }
    return bytes(a).asFloatBuffer();
  }

  private static ByteBuffer bytes(INDArray a) {
    if (!usable(a)) {
      throw new IllegalArgumentException(
          "not a dense row-major float or double array: " + a.shapeInfoToString());
    }
    return a.data().asNio().order(ByteOrder.nativeOrder());
  }

  static final class Floats extends Values {
    private final FloatBuffer b;

    Floats(FloatBuffer b) {
      this.b = b;
    }

    @Override
    double get(int i) {
      return b.get(i);
    }

    @Override
    void set(int i, double v) {
      b.put(i, (float) v);
    }
  }

  static final class Doubles extends Values {
    private final DoubleBuffer b;

    Doubles(DoubleBuffer b) {
      this.b = b;
    }

    @Override
    double get(int i) {
      return b.get(i);
    }

    @Override
    void set(int i, double v) {
      b.put(i, v);
    }
  }
}
