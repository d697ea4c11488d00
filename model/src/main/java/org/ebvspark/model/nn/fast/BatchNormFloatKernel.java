package org.ebvspark.model.nn.fast;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link BatchNormKernel}'s arithmetic for float32 arrays, written for the JIT's vectorizer: each
 * plane of S elements is copied into a thread's scratch arrays with one bulk copy, computed with
 * plain float loops (SIMD), and copied back. Sums are kept in eight partial sums per plane and
 * added in double across planes. The ReLU mask has no branch ({@link Kernels#reluPasses}). The
 * element-wise kernel is the reference it is tested against.
 */
final class BatchNormFloatKernel extends BatchNorm {
  private static final ThreadLocal<float[][]> SCRATCH = new ThreadLocal<>();

  BatchNormFloatKernel(long[] shape) {
    super(shape);
  }

  /**
   * Planes this short or shorter go to the reference kernel: a bulk copy per plane costs more than
   * the plane's arithmetic, and a [N, C] matrix (a dense layer's) has planes of one element.
   */
  static final int MIN_PLANE = 16;

  /** Whether this kernel is the one for the array: float32 images with planes of some size. */
  static boolean suits(INDArray a) {
    return a.dataType() == DataType.FLOAT && a.rank() == 4 && a.size(2) * a.size(3) >= MIN_PLANE;
  }

  private float[][] scratch() {
    float[][] a = SCRATCH.get();
    if (a == null || a[0].length < s) {
      a = new float[3][s];
      SCRATCH.set(a);
    }
    return a;
  }

  /** Batch mean and biased variance of each channel (two passes). */
  @Override
  void statistics(INDArray xArray, double[] mean, double[] var) {
    FloatBuffer x = Values.floats(xArray);
    double count = count();
    Kernels.parallel(
        c,
        ch -> {
          float[] p = scratch()[0];
          double sum = 0;
          for (int b = 0; b < n; b++) {
            x.get(offset(b, ch), p, 0, s);
            sum += sum(p, s);
          }
          float m = (float) (sum / count);
          double sq = 0;
          for (int b = 0; b < n; b++) {
            x.get(offset(b, ch), p, 0, s);
            sq += squaredDeviation(p, s, m);
          }
          mean[ch] = m;
          var[ch] = sq / count;
        });
  }

  @Override
  void normalize(
      INDArray xArray,
      double[] mean,
      double[] var,
      double[] gamma,
      double[] beta,
      double eps,
      boolean relu,
      INDArray yArray) {
    FloatBuffer x = Values.floats(xArray);
    FloatBuffer y = Values.floats(yArray);
    Kernels.parallel(
        c,
        ch -> {
          float[] p = scratch()[0];
          float a = (float) (gamma[ch] / Math.sqrt(var[ch] + eps));
          float shift = (float) (beta[ch] - mean[ch] * a);
          float floor = relu ? 0f : Float.NEGATIVE_INFINITY;
          for (int b = 0; b < n; b++) {
            int o = offset(b, ch);
            x.get(o, p, 0, s);
            for (int i = 0; i < s; i++) {
              p[i] = Math.max(a * p[i] + shift, floor);
            }
            y.put(o, p, 0, s);
          }
        });
  }

  @Override
  void backward(
      INDArray xArray,
      INDArray dyArray,
      double[] mean,
      double[] var,
      double[] gamma,
      double[] beta,
      double eps,
      boolean relu,
      INDArray dxArray,
      double[] dGamma,
      double[] dBeta) {
    FloatBuffer x = Values.floats(xArray);
    FloatBuffer dy = Values.floats(dyArray);
    FloatBuffer dx = Values.floats(dxArray);
    double count = count();
    Kernels.parallel(
        c,
        ch -> {
          float[][] t = scratch();
          float[] px = t[0];
          float[] pd = t[1];
          float inv = (float) (1 / Math.sqrt(var[ch] + eps));
          float m = (float) mean[ch];
          float a = (float) (gamma[ch] * inv);
          float shift = (float) (beta[ch] - mean[ch] * a);
          double sumD = 0;
          double sumDx = 0;
          for (int b = 0; b < n; b++) {
            int o = offset(b, ch);
            load(x, dy, o, px, pd, relu, a, shift);
            sumD += sum(pd, s);
            sumDx += dot(pd, px, s, m);
          }
          double sumDxHat = sumDx * inv;
          dGamma[ch] = sumDxHat;
          dBeta[ch] = sumD;
          float meanD = (float) (sumD / count);
          float k = (float) (sumDxHat / count * inv);
          for (int b = 0; b < n; b++) {
            int o = offset(b, ch);
            load(x, dy, o, px, pd, relu, a, shift);
            for (int i = 0; i < s; i++) {
              pd[i] = a * (pd[i] - meanD - (px[i] - m) * k);
            }
            dx.put(o, pd, 0, s);
          }
        });
  }

  /**
   * One plane of x and of dL/dy into the scratch arrays, dL/dy masked where the ReLU passed nothing
   * (a x + shift <= 0).
   */
  private void load(
      FloatBuffer x,
      FloatBuffer dy,
      int offset,
      float[] px,
      float[] pd,
      boolean relu,
      float a,
      float shift) {
    x.get(offset, px, 0, s);
    dy.get(offset, pd, 0, s);
    if (relu) {
      for (int i = 0; i < s; i++) {
        pd[i] *= Kernels.reluPasses(a * px[i] + shift);
      }
    }
  }

  private static double sum(float[] p, int s) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    int i = 0;
    for (; i + 8 <= s; i += 8) {
      s0 += p[i];
      s1 += p[i + 1];
      s2 += p[i + 2];
      s3 += p[i + 3];
      s4 += p[i + 4];
      s5 += p[i + 5];
      s6 += p[i + 6];
      s7 += p[i + 7];
    }
    double total = (double) s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
    for (; i < s; i++) {
      total += p[i];
    }
    return total;
  }

  private static double squaredDeviation(float[] p, int s, float m) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 4 <= s; i += 4) {
      float d0 = p[i] - m;
      float d1 = p[i + 1] - m;
      float d2 = p[i + 2] - m;
      float d3 = p[i + 3] - m;
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    double total = (double) s0 + s1 + s2 + s3;
    for (; i < s; i++) {
      float d = p[i] - m;
      total += d * d;
    }
    return total;
  }

  /** sum d (x - m). */
  private static double dot(float[] d, float[] x, int s, float m) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 4 <= s; i += 4) {
      s0 += d[i] * (x[i] - m);
      s1 += d[i + 1] * (x[i + 1] - m);
      s2 += d[i + 2] * (x[i + 2] - m);
      s3 += d[i + 3] * (x[i + 3] - m);
    }
    double total = (double) s0 + s1 + s2 + s3;
    for (; i < s; i++) {
      total += d[i] * (x[i] - m);
    }
    return total;
  }
}
