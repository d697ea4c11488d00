package org.ebvspark.model.nn.fast;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link BatchNormalization}, optionally fused with the ReLU after it, computed by {@link
 * FastBatchNormalizationLayer}. Everything but the arithmetic is DL4J's: the parameters (gamma,
 * beta, the running mean and log10 standard deviation, in that order), their initialization and
 * updaters, the running-statistics update through the gradient, serialization. So a network of
 * these has the same {@code params()} as one of DL4J's layers followed by an {@code
 * ActivationLayer(RELU)}, and is averaged on Spark the same way.
 */
public class FastBatchNormalization extends BatchNormalization {
  private static final long serialVersionUID = 1L;

  private boolean relu;

  /** For JSON. */
  public FastBatchNormalization() {}

  /** DL4J's defaults (decay 0.9, eps 1e-5, log10 standard deviation stored). */
  public FastBatchNormalization(boolean relu) {
    this.relu = relu;
  }

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int layerIndex,
      INDArray paramsView,
      boolean initializeParams,
      DataType dataType) {
    return FastLayers.wire(
        new FastBatchNormalizationLayer(conf, dataType),
        conf,
        listeners,
        layerIndex,
        paramsView,
        initializer().init(conf, paramsView, initializeParams));
  }

  /** Whether a ReLU is applied to the normalized output. */
  public boolean isRelu() {
    return relu;
  }

  public void setRelu(boolean relu) {
    this.relu = relu;
  }

  @Override
  public FastBatchNormalization clone() {
    return (FastBatchNormalization) super.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FastBatchNormalization other && super.equals(o) && relu == other.relu;
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + Boolean.hashCode(relu);
  }
}
