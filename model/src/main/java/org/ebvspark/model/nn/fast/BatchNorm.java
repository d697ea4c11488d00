package org.ebvspark.model.nn.fast;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batch normalization (optionally followed by ReLU) of an array laid out as [N, C, S], where S is
 * H*W for NCHW images and 1 for a [N, C] matrix: {@link #of} picks the vectorized float32 kernel
 * ({@link BatchNormFloatKernel}) or the element-wise reference ({@link BatchNormKernel}) for an
 * array. The arrays are dense and row-major ({@link Values#dense}).
 */
abstract sealed class BatchNorm permits BatchNormKernel, BatchNormFloatKernel {
  protected final int n;
  protected final int c;
  protected final int s;

  BatchNorm(long[] shape) {
    this.n = (int) shape[0];
    this.c = (int) shape[1];
    int plane = 1;
    for (int i = 2; i < shape.length; i++) {
      plane *= (int) shape[i];
    }
    this.s = plane;
  }

  /** The kernel for an array of this shape and type. */
  static BatchNorm of(INDArray x) {
    return BatchNormFloatKernel.suits(x)
        ? new BatchNormFloatKernel(x.shape())
        : new BatchNormKernel(x.shape());
  }

  /** Values per channel. */
  protected int count() {
    return n * s;
  }

  /** Where plane (example b, channel ch) starts. */
  protected int offset(int b, int ch) {
    return (b * c + ch) * s;
  }

  /** The batch mean and (biased) variance of each channel. */
  abstract void statistics(INDArray x, double[] mean, double[] var);

  /** y = gamma (x - mean) / sqrt(var + eps) + beta, then max(y, 0) when {@code relu}. */
  abstract void normalize(
      INDArray x,
      double[] mean,
      double[] var,
      double[] gamma,
      double[] beta,
      double eps,
      boolean relu,
      INDArray y);

  /**
   * dL/dx, dL/dgamma and dL/dbeta from dL/dy (of the ReLU's output when {@code relu}), with the
   * batch statistics of the forward pass.
   */
  abstract void backward(
      INDArray x,
      INDArray dy,
      double[] mean,
      double[] var,
      double[] gamma,
      double[] beta,
      double eps,
      boolean relu,
      INDArray dx,
      double[] dGamma,
      double[] dBeta);
}
