package org.ebvspark.model.nn.fast;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link SubsamplingLayer}, computed by {@link FastMaxPoolingLayer} where it is a max
 * pooling of NHWC float32 images. Same configuration and JSON as DL4J's.
 */
public class FastMaxPooling extends SubsamplingLayer {
  private static final long serialVersionUID = 1L;

  /** For JSON. */
  public FastMaxPooling() {}

  /** The pooling a DL4J builder describes. */
  public FastMaxPooling(SubsamplingLayer.BaseSubsamplingBuilder<?> builder) {
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
    return FastLayers.wire(
        new FastMaxPoolingLayer(conf, dataType),
        conf,
        listeners,
        layerIndex,
        paramsView,
        initializer().init(conf, paramsView, initializeParams));
  }

  @Override
  public FastMaxPooling clone() {
    return (FastMaxPooling) super.clone();
  }
}
