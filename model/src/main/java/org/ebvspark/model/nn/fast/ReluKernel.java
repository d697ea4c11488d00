package org.ebvspark.model.nn.fast;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ReLU forward (y = max(x, 0)) and backward (dL/dx = dL/dy where x > 0, else 0), one pass each over
 * memory, in blocks split across {@link Kernels}. Float32 blocks go through scratch arrays so the
 * JIT vectorizes them (the mask without a branch, as in {@link BatchNormFloatKernel}); double
 * arrays, for gradient checks, element by element.
 */
final class ReluKernel {
  private static final int BLOCK = 8192;
  private static final float MASK_SCALE = 0x1p100f;
  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[2][BLOCK]);

  private ReluKernel() {}

  private static int blocks(long length) {
    return (int) ((length + BLOCK - 1) / BLOCK);
  }

  /** y = max(x, 0); x and y dense, same shape and type. */
  static void forward(INDArray x, INDArray y) {
    int length = (int) x.length();
    if (x.dataType() == DataType.FLOAT) {
      FloatBuffer in = Values.floats(x);
      FloatBuffer out = Values.floats(y);
      Kernels.parallel(
          blocks(length),
          b -> {
            float[] p = SCRATCH.get()[0];
            int from = b * BLOCK;
            int len = Math.min(BLOCK, length - from);
            in.get(from, p, 0, len);
            for (int i = 0; i < len; i++) {
              p[i] = Math.max(p[i], 0f);
            }
            out.put(from, p, 0, len);
          });
    } else {
      Values in = Values.of(x);
      Values out = Values.of(y);
      for (int i = 0; i < length; i++) {
        out.set(i, Math.max(in.get(i), 0));
      }
    }
  }

  /** dx = dy where x > 0, else 0. */
  static void backward(INDArray x, INDArray dy, INDArray dx) {
    int length = (int) x.length();
    if (x.dataType() == DataType.FLOAT) {
      FloatBuffer in = Values.floats(x);
      FloatBuffer grad = Values.floats(dy);
      FloatBuffer out = Values.floats(dx);
      Kernels.parallel(
          blocks(length),
          b -> {
            float[][] t = SCRATCH.get();
            float[] px = t[0];
            float[] pd = t[1];
            int from = b * BLOCK;
            int len = Math.min(BLOCK, length - from);
            in.get(from, px, 0, len);
            grad.get(from, pd, 0, len);
            for (int i = 0; i < len; i++) {
              pd[i] *= Math.min(Math.max(px[i] * MASK_SCALE, 0f), 1f);
            }
            out.put(from, pd, 0, len);
          });
    } else {
      Values in = Values.of(x);
      Values grad = Values.of(dy);
      Values out = Values.of(dx);
      for (int i = 0; i < length; i++) {
        out.set(i, in.get(i) > 0 ? grad.get(i) : 0);
      }
    }
  }
}
