package org.ebvspark.model.nn.fast;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A residual block's relu(a + b) forward, and backward (dL/da = dL/db = dL/dy where a + b > 0, else
 * 0), one pass each over memory, in blocks split across {@link Kernels}. Float32 blocks go through
 * scratch arrays so the JIT vectorizes them (the mask without a branch, {@link
 * Kernels#reluPasses}); double arrays, for gradient checks, element by element.
 */
final class AddReluKernel {
  private static final int BLOCK = 8192;
  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[2][BLOCK]);

  private AddReluKernel() {}

  private static int blocks(long length) {
    return (int) ((length + BLOCK - 1) / BLOCK);
  }

  /** y = max(a + b, 0). */
  static void addForward(INDArray a, INDArray b, INDArray y) {
    int length = (int) a.length();
    if (a.dataType() == DataType.FLOAT) {
      FloatBuffer in1 = Values.floats(a);
      FloatBuffer in2 = Values.floats(b);
      FloatBuffer out = Values.floats(y);
      Kernels.parallel(
          blocks(length),
          k -> {
            float[][] t = SCRATCH.get();
            float[] p = t[0];
            float[] q = t[1];
            int from = k * BLOCK;
            int len = Math.min(BLOCK, length - from);
            in1.get(from, p, 0, len);
            in2.get(from, q, 0, len);
            for (int i = 0; i < len; i++) {
              p[i] = Math.max(p[i] + q[i], 0f);
            }
            out.put(from, p, 0, len);
          });
    } else {
      Values in1 = Values.of(a);
      Values in2 = Values.of(b);
      Values out = Values.of(y);
      for (int i = 0; i < length; i++) {
        out.set(i, Math.max(in1.get(i) + in2.get(i), 0));
      }
    }
  }

  /** da = db = dy where a + b > 0, else 0. */
  static void addBackward(INDArray a, INDArray b, INDArray dy, INDArray da, INDArray db) {
    int length = (int) a.length();
    if (a.dataType() == DataType.FLOAT) {
      FloatBuffer in1 = Values.floats(a);
      FloatBuffer in2 = Values.floats(b);
      FloatBuffer grad = Values.floats(dy);
      FloatBuffer out1 = Values.floats(da);
      FloatBuffer out2 = Values.floats(db);
      Kernels.parallel(
          blocks(length),
          k -> {
            float[][] t = SCRATCH.get();
            float[] p = t[0];
            float[] q = t[1];
            int from = k * BLOCK;
            int len = Math.min(BLOCK, length - from);
            in1.get(from, p, 0, len);
            in2.get(from, q, 0, len);
            for (int i = 0; i < len; i++) {
              p[i] = Kernels.reluPasses(p[i] + q[i]);
            }
            grad.get(from, q, 0, len);
            for (int i = 0; i < len; i++) {
              p[i] *= q[i];
            }
            out1.put(from, p, 0, len);
            out2.put(from, p, 0, len);
          });
    } else {
      Values in1 = Values.of(a);
      Values in2 = Values.of(b);
      Values grad = Values.of(dy);
      Values out1 = Values.of(da);
      Values out2 = Values.of(db);
      for (int i = 0; i < length; i++) {
        double d = in1.get(i) + in2.get(i) > 0 ? grad.get(i) : 0;
        out1.set(i, d);
        out2.set(i, d);
      }
    }
  }
}
