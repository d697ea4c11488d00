package org.ebvspark.model.nn.fast;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link ConvolutionLayer} whose backward pass does not run the forward convolution again
 * ({@link FastConvolutionLayer}). Same parameters, initialization, JSON and forward pass. A
 * convolution applied to the network's input may skip its input gradient ({@link
 * #setInputGradient}): nothing reads it, and it cost 4% of a cnn-small training step.
 */
public class FastConvolution extends ConvolutionLayer {
  private static final long serialVersionUID = 1L;

  /** In the JSON; configurations saved before it was added read as true. */
  private boolean inputGradient = true;

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
    return FastLayers.wire(
        new FastConvolutionLayer(conf, dataType),
        conf,
        listeners,
        layerIndex,
        paramsView,
        initializer().init(conf, paramsView, initializeParams));
  }

  /** Whether the backward pass computes the gradient with respect to the layer's input. */
  public boolean isInputGradient() {
    return inputGradient;
  }

  /**
   * False for a layer whose input is the network's input (or a reordering of it): its backward pass
   * then returns no input gradient where oneDNN runs it.
   */
  public void setInputGradient(boolean inputGradient) {
    this.inputGradient = inputGradient;
  }

  @Override
  public FastConvolution clone() {
    return (FastConvolution) super.clone();
  }
}
