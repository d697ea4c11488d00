package org.ebvspark.model.nn.fast;

/**
 * Batch normalization (optionally followed by ReLU) over an array laid out as [N, C, S]: S is H*W
 * for NCHW images and 1 for a [N, C] matrix. Every loop walks whole contiguous planes of S
 * elements, one channel per task, so the per-channel sums need no strided reduction and no merge,
 * and the backward pass needs only two sums per channel (of dL/dy and of dL/dy * x_hat, Ioffe and
 * Szegedy 2015, eq. after 3): two passes over x and dL/dy instead of DL4J's six broadcast and
 * reduce ops. The ReLU mask is recomputed from x in the backward pass, so the output need not be
 * kept.
 */
final class BatchNormKernel {
  private final int n;
  private final int c;
  private final int s;

  BatchNormKernel(long[] shape) {
    this.n = (int) shape[0];
    this.c = (int) shape[1];
    int plane = 1;
    for (int i = 2; i < shape.length; i++) {
      plane *= (int) shape[i];
    }
    this.s = plane;
  }

  private int count() {
    return n * s;
  }

  /** The batch mean and (biased) variance of each channel, two passes for accuracy. */
  void statistics(Values x, double[] mean, double[] var) {
    Kernels.parallel(
        c,
        ch -> {
          double sum = 0;
          for (int b = 0; b < n; b++) {
            int o = (b * c + ch) * s;
            for (int i = o; i < o + s; i++) {
              sum += x.get(i);
            }
          }
          double m = sum / count();
          double sq = 0;
          for (int b = 0; b < n; b++) {
            int o = (b * c + ch) * s;
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
  void normalize(
      Values x,
      double[] mean,
      double[] var,
      double[] gamma,
      double[] beta,
      double eps,
      boolean relu,
      Values y) {
    Kernels.parallel(
        c,
        ch -> {
          double a = gamma[ch] / Math.sqrt(var[ch] + eps);
          double shift = beta[ch] - mean[ch] * a;
          for (int b = 0; b < n; b++) {
            int o = (b * c + ch) * s;
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
  void backward(
      Values x,
      Values dy,
      double[] mean,
      double[] var,
      double[] gamma,
      double[] beta,
      double eps,
      boolean relu,
      Values dx,
      double[] dGamma,
      double[] dBeta) {
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
            int o = (b * c + ch) * s;
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
            int o = (b * c + ch) * s;
            for (int i = o; i < o + s; i++) {
              double xi = x.get(i);
              double d = dy.get(i) * keep(relu, a * xi + shift);
              dx.set(i, a * (d - meanD - (xi - m) * inv * meanDxHat));
            }
          }
        });
  }
}
