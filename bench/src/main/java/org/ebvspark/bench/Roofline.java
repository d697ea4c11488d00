package org.ebvspark.bench;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The machine's float32 matrix-product rate through ND4J, measured in the same run. */
final class Roofline {
  private Roofline() {}

  /** Median GFLOP/s of C = A B for (m x k) (k x n), after warm-up. */
  static double gflops(int m, int k, int n, int repeats) {
    INDArray a = Nd4j.rand(DataType.FLOAT, m, k);
    INDArray b = Nd4j.rand(DataType.FLOAT, k, n);
    INDArray c = Nd4j.createUninitialized(DataType.FLOAT, m, n);
    Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
    double[] rates = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      long t0 = System.nanoTime();
      Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
      double seconds = (System.nanoTime() - t0) / 1e9;
      rates[r] = 2.0 * m * k * n / seconds / 1e9;
    }
    Arrays.sort(rates);
    return rates[repeats / 2];
  }
}
