package org.ebvspark.model.nn.fast;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Whether this JVM's ND4J backend runs the fast layers' own kernels. */
public final class FastLayers {
  private static final boolean AVAILABLE =
      "CpuBackend".equals(Nd4j.getBackend().getClass().getSimpleName());

  private FastLayers() {}

  /**
   * True on ND4J's CPU backend, whose arrays live in host memory the kernels read in place; false
   * on CUDA, where the layers run DL4J's implementation (and cuDNN through it).
   */
  public static boolean kernelsAvailable() {
    return AVAILABLE;
  }

  /**
   * {@code -Debv.channels-last=false} builds fast backbones NCHW inside, as before oneDNN ran them.
   */
  public static final String CHANNELS_LAST_PROPERTY = "ebv.channels-last";

  /**
   * Whether a fast backbone built now runs channels last (NHWC) inside: where oneDNN's convolution
   * and batch-norm primitives run them, unless {@value #CHANNELS_LAST_PROPERTY} is false. Elsewhere
   * they stay NCHW, the layout the Java kernels and libnd4j's convolutions are fast in. Networks
   * keep the layout they were built with (it is in their configuration).
   */
  public static boolean channelsLast() {
    return OneDnn.available() && !"false".equals(System.getProperty(CHANNELS_LAST_PROPERTY));
  }

  /**
   * A layer implementation wired as DL4J's layer configurations wire theirs: listeners, index, its
   * view of the network's parameters and its parameter table.
   */
  static Layer wire(
      Layer layer,
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int index,
      INDArray paramsView,
      Map<String, INDArray> params) {
    layer.setListeners(listeners);
    layer.setIndex(index);
    layer.setParamsViewArray(paramsView);
    layer.setParamTable(params);
    layer.setConf(conf);
    return layer;
  }

  /** What runs the fast layers' convolutions and batch norms in this JVM, in words. */
  public static String implementation() {
    return OneDnn.description();
  }
}
