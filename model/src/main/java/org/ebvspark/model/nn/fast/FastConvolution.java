package org.ebvspark.model.nn.fast;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link ConvolutionLayer} whose backward pass does not run the forward convolution again
 * ({@link FastConvolutionLayer}). Same parameters, initialization, JSON and forward pass.
 */
public class FastConvolution extends ConvolutionLayer {
  private static final long serialVersionUID = 1L;

  /** For JSON. */
  public FastConvolution() {}

  /** The convolution a DL4J builder describes. */
  public FastConvolution(ConvolutionLayer.Builder builder) {
    super(builder);
  }

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int layerIndex,
      INDArray paramsView,
      boolean initializeParams,
      DataType dataType) {
    LayerValidation.assertNInNOutSet(
        "FastConvolution", getLayerName(), layerIndex, getNIn(), getNOut());
    FastConvolutionLayer layer = new FastConvolutionLayer(conf, dataType);
    layer.setListeners(listeners);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(paramsView);
    Map<String, INDArray> params = initializer().init(conf, paramsView, initializeParams);
    layer.setParamTable(params);
    layer.setConf(conf);
    return layer;
  }

  @Override
  public FastConvolution clone() {
    return (FastConvolution) super.clone();
  }
}
