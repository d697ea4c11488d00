package org.ebvspark.model.nn.fast;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The element-wise reference {@link BatchNorm} (double arrays, and float ones with small planes)
 * over [N, C, S]. Every loop walks whole contiguous planes of S elements, one channel per task, so
 * the per-channel sums need no strided reduction and no merge, and the backward pass needs only two
 * sums per channel (of dL/dy and of dL/dy * x_hat, Ioffe and Szegedy 2015, eq. after 3): two passes
 * over x and dL/dy instead of DL4J's six broadcast and reduce ops. The ReLU mask is recomputed from
 * x in the backward pass, so the output need not be kept.
 */
final class BatchNormKernel extends BatchNorm {
  BatchNormKernel(long[] shape) {
    super(shape);
  }

  /** The batch mean and (biased) variance of each channel, two passes for accuracy. */
  @Override
  void statistics(INDArray xArray, double[] mean, double[] var) {
    Values x = Values.of(xArray);
    Kernels.parallel(
        c,
        ch -> {
          double sum = 0;
          for (int b = 0; b < n; b++) {
            int o = offset(b, ch);
            for (int i = o; i < o + s; i++) {
              sum += x.get(i);
            }
          }
          double m = sum / count();
          double sq = 0;
          for (int b = 0; b < n; b++) {
            int o = offset(b, ch);
            for (int i = o; i < o + s; i++) {
              double d = x.get(i) - m;
              sq += d * d;
            }
          }
          mean[ch] = m;
          var[ch] = sq / count();
        });
  }

  /** y = gamma (x - mean) / sqrt(var + eps) + beta, then max(y, 0) when {@code relu}. */
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
    Values x = Values.of(xArray);
    Values y = Values.of(yArray);
    Kernels.parallel(
        c,
        ch -> {
          double a = gamma[ch] / Math.sqrt(var[ch] + eps);
          double shift = beta[ch] - mean[ch] * a;
          for (int b = 0; b < n; b++) {
            int o = offset(b, ch);
            for (int i = o; i < o + s; i++) {
              double v = a * x.get(i) + shift;
              y.set(i, relu ? Math.max(v, 0) : v);
            }
          }
        });
  }

  /**
   * 1 where the ReLU passes its gradient (its input is positive), else 0. An int select, which the
   * JIT compiles to a conditional move: the mask is a coin flip per element, and a branch on it
   * costs more than the rest of the loop (measured 3x on the backward pass).
   */
  private static int keep(boolean relu, double preActivation) {
    return !relu || preActivation > 0 ? 1 : 0;
  }

  /**
   * dL/dx, dL/dgamma and dL/dbeta from dL/dy (of the ReLU's output when {@code relu}), with the
   * batch statistics of the forward pass.
   */
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
    Values x = Values.of(xArray);
    Values dy = Values.of(dyArray);
    Values dx = Values.of(dxArray);
    double count = count();
    Kernels.parallel(
        c,
        ch -> {
          double inv = 1 / Math.sqrt(var[ch] + eps);
          double m = mean[ch];
          double a = gamma[ch] * inv;
          double shift = beta[ch] - m * a;
          double sumD = 0;
          double sumDxHat = 0;
          for (int b = 0; b < n; b++) {
            int o = offset(b, ch);
            for (int i = o; i < o + s; i++) {
              double xi = x.get(i);
              double d = dy.get(i) * keep(relu, a * xi + shift);
              sumD += d;
              sumDxHat += d * (xi - m) * inv;
            }
          }
          dGamma[ch] = sumDxHat;
          dBeta[ch] = sumD;
          double meanD = sumD / count;
          double meanDxHat = sumDxHat / count;
          for (int b = 0; b < n; b++) {
            int o = offset(b, ch);
            for (int i = o; i < o + s; i++) {
              double xi = x.get(i);
              double d = dy.get(i) * keep(relu, a * xi + shift);
              dx.set(i, a * (d - meanD - (xi - m) * inv * meanDxHat));
            }
          }
        });
  }
}
