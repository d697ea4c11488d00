package org.ebvspark.model.ebv;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Orthonormalizes the rows of a matrix (N <= d) by block Gram-Schmidt: each block of rows is
 * projected off the rows before it twice ("twice is enough", Giraud et al. 2005) with BLAS
 * products, then orthonormalized within itself by modified Gram-Schmidt. Same span and order as the
 * Q of a QR factorization of the transpose, up to signs.
 */
final class Orthonormalizer {
  private static final int BLOCK = 128;

  private Orthonormalizer() {}

  /** Returns a new matrix whose rows are orthonormal; {@code x} is modified. */
  static INDArray orthonormalizeRows(INDArray x) {
    long n = x.rows();
    for (long start = 0; start < n; start += BLOCK) {
      long end = Math.min(n, start + BLOCK);
      INDArray block = x.get(NDArrayIndex.interval(start, end), NDArrayIndex.all());
      if (start > 0) {
        INDArray previous = x.get(NDArrayIndex.interval(0, start), NDArrayIndex.all());
        for (int pass = 0; pass < 2; pass++) {
          INDArray coefficients = Nd4j.gemm(block, previous, false, true);
          block.subi(Nd4j.gemm(coefficients, previous, false, false));
        }
      }
      for (long i = 0; i < end - start; i++) {
        INDArray row = block.getRow(i);
        for (int pass = 0; pass < 2; pass++) {
          for (long j = 0; j < i; j++) {
            INDArray other = block.getRow(j);
            row.subi(other.mul(row.mul(other).sumNumber().doubleValue()));
          }
        }
        double norm = row.norm2Number().doubleValue();
        if (norm < 1e-12) {
          throw new IllegalStateException("rows are linearly dependent at row " + (start + i));
        }
        row.divi(norm);
      }
    }
    return x;
  }
}
