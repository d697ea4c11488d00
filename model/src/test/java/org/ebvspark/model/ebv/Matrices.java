package org.ebvspark.model.ebv;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small matrices for tests, with plain double-precision reference computations. */
public final class Matrices {
  private Matrices() {}

  /** N x d Gaussian rows, normalized, as double[][]. */
  public static double[][] randomUnitRows(int n, int d, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] w = new double[n][d];
    for (double[] row : w) {
      double norm = 0;
      for (int k = 0; k < d; k++) {
        row[k] = random.nextGaussian();
        norm += row[k] * row[k];
      }
      norm = Math.sqrt(norm);
      for (int k = 0; k < d; k++) {
        row[k] /= norm;
      }
    }
    return w;
  }

  public static INDArray toFloat(double[][] w) {
    return Nd4j.createFromArray(w).castTo(DataType.FLOAT);
  }

  public static double[][] toDouble(INDArray w) {
    return w.castTo(DataType.DOUBLE).toDoubleMatrix();
  }

  public static double dot(double[] a, double[] b) {
    double s = 0;
    for (int k = 0; k < a.length; k++) {
      s += a[k] * b[k];
    }
    return s;
  }

  /** The largest off-diagonal |cos| of unit rows, the slow way. */
  public static double coherence(double[][] w) {
    double max = 0;
    for (int i = 0; i < w.length; i++) {
      for (int j = i + 1; j < w.length; j++) {
        max = Math.max(max, Math.abs(dot(w[i], w[j])));
      }
    }
    return max;
  }

  /** The loss summed over ordered pairs i != j, as the reference code's slices sum it. */
  public static double loss(double[][] w, double t, PairLoss loss) {
    double total = 0;
    for (int i = 0; i < w.length; i++) {
      for (int j = 0; j < w.length; j++) {
        if (i != j) {
          double a = Math.abs(dot(w[i], w[j]));
          if (a > t) {
            total += loss.value(a, t);
          }
        }
      }
    }
    return total;
  }
}
