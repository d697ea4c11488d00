package org.ebvspark.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.WeightDecay;

class NetworksTest {

  /**
   * The weight decay asked for is the one applied: each weight carries it once (DL4J's graph
   * builder put it on every layer twice), and the network's regularization term is coeff / 2 times
   * the sum of its squared weights, not twice that.
   */
  @ParameterizedTest
  @EnumSource(LayerChoice.class)
  void weightDecayIsAppliedOnceAsAskedFor(LayerChoice layers) {
    double coeff = 1e-3;
    ComputationGraph net =
        Networks.create(
            Backbone.RESNET32,
            Head.fc(10, 0.1),
            Recipe.reference(1, 8, 42).withWeightDecay(coeff),
            new Networks.ImageShape(3, 16, 16),
            10,
            layers);
    double squares = 0;
    int weights = 0;
    for (Layer l : net.getLayers()) {
      INDArray w = l.paramTable().get("W");
      if (w != null) {
        assertThat(l.conf().getLayer().getRegularizationByParam("W"))
            .as(l.conf().getLayer().getLayerName())
            .containsExactly(new WeightDecay(coeff, true));
        squares +=
            l.getParam("W").norm2Number().doubleValue()
                * l.getParam("W").norm2Number().doubleValue();
        weights++;
      }
      if (l.paramTable().containsKey("b")) {
        assertThat(l.conf().getLayer().getRegularizationByParam("b")).isNullOrEmpty();
      }
    }
    assertThat(weights).isGreaterThan(30);
    assertThat(net.calcRegularizationScore(true))
        .isCloseTo(0.5 * coeff * squares, within(1e-6 * squares));
  }
}
