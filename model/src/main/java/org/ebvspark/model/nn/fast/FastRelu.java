package org.ebvspark.model.nn.fast;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A ReLU layer ({@link FastReluLayer}): DL4J's {@code ActivationLayer(RELU)} with one pass over
 * memory each way instead of a copy and then the activation. No parameters.
 */
public class FastRelu extends ActivationLayer {
  private static final long serialVersionUID = 1L;

  public FastRelu() {
    setActivationFn(Activation.RELU.getActivationFunction());
  }

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int layerIndex,
      INDArray paramsView,
      boolean initializeParams,
      DataType dataType) {
    FastReluLayer layer = new FastReluLayer(conf, dataType);
    layer.setListeners(listeners);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(paramsView);
    Map<String, INDArray> params = initializer().init(conf, paramsView, initializeParams);
    layer.setParamTable(params);
    layer.setConf(conf);
    return layer;
  }

  @Override
  public FastRelu clone() {
    return (FastRelu) super.clone();
  }
}
