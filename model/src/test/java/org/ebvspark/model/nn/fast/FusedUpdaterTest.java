package org.ebvspark.model.nn.fast;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.LayerChoice;
import org.ebvspark.model.nn.Networks;
import org.ebvspark.model.nn.Recipe;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fused update against DL4J's own updater: two copies of one network, one updated by each,
 * trained on the same minibatches must hold the same parameters and updater state after every step
 * (momentum, weight decay, the warm-up schedule's changing learning rate, batch norms' untrained
 * running statistics).
 */
class FusedUpdaterTest {

  /** A network exactly as {@link Networks#create} builds it, but keeping DL4J's updater. */
  private static ComputationGraph withDl4jUpdater(ComputationGraphConfiguration conf) {
    ComputationGraph net = new ComputationGraph(conf.clone());
    net.init();
    return net;
  }

  private static MultiDataSet batch(int n, int size, long seed) {
    Nd4j.getRandom().setSeed(seed);
    INDArray x = Nd4j.randn(DataType.FLOAT, n, 1, size, size);
    INDArray y = Nd4j.zeros(DataType.FLOAT, n, 1);
    for (int i = 0; i < n; i++) {
      y.putScalar(i, 0, (i + seed) % 10);
    }
    return new MultiDataSet(x, y);
  }

  private static double relativeDifference(INDArray a, INDArray b) {
    double scale = Math.max(b.amaxNumber().doubleValue(), 1e-12);
    return a.sub(b).amaxNumber().doubleValue() / scale;
  }

  @ParameterizedTest
  @CsvSource({"sgd, true", "adamw, false"})
  void updatesParametersAndStateAsDl4jsUpdater(String optimizer, boolean fusedPath) {
    Recipe recipe =
        Recipe.reference(2, 8, 42)
            .withOptimizer(optimizer)
            .withLearningRate(0.2)
            .withWeightDecay(0.05)
            .withWarmupEpochs(1);
    ComputationGraph fused =
        Networks.create(
            Backbone.CNN_SMALL,
            Head.fc(10, 0.1),
            recipe,
            new Networks.ImageShape(1, 12, 12),
            4,
            LayerChoice.FAST);
    ComputationGraph dl4j = withDl4jUpdater(fused.getConfiguration());
    dl4j.setParams(fused.params().dup());
    assertThat(fused.getUpdater()).isInstanceOf(FusedUpdater.class);
    assertThat(dl4j.getUpdater().getClass()).isEqualTo(ComputationGraphUpdater.class);
    assertThat(FusedUpdater.fused(fused)).isEqualTo(fusedPath);

    INDArray start = fused.params().dup();
    for (int step = 0; step < 4; step++) {
      MultiDataSet data = batch(8, 12, step + 1);
      Nd4j.getRandom()
          .setSeed(100 + step); // the same dropout masks on both sides (seed 0 is not reproducible)
      fused.fit(data);
      Nd4j.getRandom().setSeed(100 + step);
      dl4j.fit(data);
      assertThat(relativeDifference(fused.params(), dl4j.params()))
          .as("parameters after step %d", step)
          .isLessThan(1e-5);
      assertThat(
              relativeDifference(
                  fused.getUpdater().getStateViewArray(), dl4j.getUpdater().getStateViewArray()))
          .as("updater state after step %d", step)
          .isLessThan(1e-5);
    }
    // The steps moved the parameters and built up momentum, so the comparison above had content.
    assertThat(relativeDifference(fused.params(), start)).isGreaterThan(1e-3);
    assertThat(fused.getUpdater().getStateViewArray().amaxNumber().doubleValue()).isGreaterThan(0);
  }
}
