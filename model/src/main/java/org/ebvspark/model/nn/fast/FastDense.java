package org.ebvspark.model.nn.fast;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link DenseLayer} without activation (batch normalization follows it), computed by {@link
 * FastDenseLayer}. Same parameters, initialization and JSON as DL4J's.
 */
public class FastDense extends DenseLayer {
  private static final long serialVersionUID = 1L;

  /** For JSON. */
  public FastDense() {}

  /** A dense layer of {@code nOut} units without activation. */
  public FastDense(long nOut, boolean hasBias) {
    setNOut(nOut);
    setHasBias(hasBias);
    setHasLayerNorm(false);
    setActivationFn(new ActivationIdentity());
  }

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int layerIndex,
      INDArray paramsView,
      boolean initializeParams,
      DataType dataType) {
    LayerValidation.assertNInNOutSet("FastDense", getLayerName(), layerIndex, getNIn(), getNOut());
    return FastLayers.wire(
        new FastDenseLayer(conf, dataType),
        conf,
        listeners,
        layerIndex,
        paramsView,
        initializer().init(conf, paramsView, initializeParams));
  }

  @Override
  public FastDense clone() {
    return (FastDense) super.clone();
  }
}
