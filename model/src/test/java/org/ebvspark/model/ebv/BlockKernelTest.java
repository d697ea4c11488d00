package org.ebvspark.model.ebv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class BlockKernelTest {

  /**
   * The analytic gradient against central differences of the loss, in double precision, for both
   * losses, through both the dense and the sparse product, with slices that do not divide N.
   */
  @ParameterizedTest(name = "{0}, threshold {1}, slice {2}")
  @CsvSource({
    "HINGE, 0.10, 7", // most pairs active: dense path
    "HINGE, 0.45, 13", // few pairs active: sparse path
    "SQUARED_HINGE, 0.10, 40",
    "SQUARED_HINGE, 0.45, 5"
  })
  void gradientMatchesFiniteDifferences(PairLoss loss, double threshold, int slice) {
    int n = 40;
    int d = 6;
    double[][] w = Matrices.randomUnitRows(n, d, 11);
    INDArray wf = Matrices.toFloat(w);
    INDArray gradient = Nd4j.zeros(DataType.FLOAT, n, d);
    BlockKernel kernel = new BlockKernel(slice, n, d);
    BlockStats stats = kernel.run(wf, 0, n, (float) threshold, loss, gradient);
    double[][] g = Matrices.toDouble(gradient);

    double h = 1e-6;
    int checked = 0;
    for (int i = 0; i < n; i += 3) {
      for (int k = 0; k < d; k++) {
        double saved = w[i][k];
        w[i][k] = saved + h;
        double plus = Matrices.loss(w, threshold, loss);
        w[i][k] = saved - h;
        double minus = Matrices.loss(w, threshold, loss);
        w[i][k] = saved;
        double numeric = (plus - minus) / (2 * h);
        assertThat(g[i][k])
            .as("dL/dw[%d][%d]", i, k)
            .isCloseTo(numeric, within(2e-4 + 1e-4 * Math.abs(numeric)));
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(50);
  }

  @ParameterizedTest(name = "threshold {0}")
  @CsvSource({"0.05", "0.3", "0.9"})
  void statisticsMatchNaiveComputation(double threshold) {
    int n = 123;
    int d = 9;
    double[][] w = Matrices.randomUnitRows(n, d, 5);
    BlockKernel kernel = new BlockKernel(17, n, d);
    BlockStats stats =
        kernel.run(Matrices.toFloat(w), 0, n, (float) threshold, PairLoss.HINGE, null);

    long above = 0;
    double max = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double a = Math.abs(Matrices.dot(w[i], w[j]));
        if (i != j && a > threshold) {
          above++;
        }
        if (i != j) {
          max = Math.max(max, a);
        }
      }
    }
    assertThat(stats.max()).isCloseTo(max, within(1e-6));
    assertThat(stats.pairsAbove()).isEqualTo(above);
    double atArgmax = Math.abs(Matrices.dot(w[(int) stats.maxRow()], w[(int) stats.maxColumn()]));
    assertThat(atArgmax).isCloseTo(max, within(1e-6));
    assertThat(stats.maxRow()).isNotEqualTo(stats.maxColumn());
  }

  @org.junit.jupiter.api.Test
  void blocksOfRowsMergeToTheWhole() {
    int n = 200;
    int d = 16;
    INDArray w = Matrices.toFloat(Matrices.randomUnitRows(n, d, 3));
    BlockKernel kernel = new BlockKernel(32, n, d);
    INDArray whole = Nd4j.zeros(DataType.FLOAT, n, d);
    BlockStats all = kernel.run(w, 0, n, 0.2f, PairLoss.HINGE, whole);

    INDArray top = Nd4j.zeros(DataType.FLOAT, 70, d);
    INDArray bottom = Nd4j.zeros(DataType.FLOAT, n - 70, d);
    BlockStats merged =
        kernel
            .run(w, 0, 70, 0.2f, PairLoss.HINGE, top)
            .merge(kernel.run(w, 70, n, 0.2f, PairLoss.HINGE, bottom));
    assertThat(merged.pairsAbove()).isEqualTo(all.pairsAbove());
    assertThat(merged.max()).isEqualTo(all.max());
    assertThat(Nd4j.concat(0, top, bottom).equalsWithEps(whole, 1e-5)).isTrue();
  }
}
