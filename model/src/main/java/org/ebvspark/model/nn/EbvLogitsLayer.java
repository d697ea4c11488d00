package org.ebvspark.model.nn;

import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.params.EmptyParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The EBV head's logits layer (Shen, Sun, Wei, arXiv:2303.11637): {@code z = normalize(v) W^T /
 * tau} for a d-dim feature v against the N fixed basis vectors W. It has no parameters: its
 * configuration (and so the network JSON) holds only where W is and W's checksum, and W is read
 * once per JVM ({@link EbvBasisCache}). So W is not in params(), not averaged, not in the updater.
 * Followed by a {@code LossLayer} with {@link SparseSoftmaxCrossEntropy}.
 */
public final class EbvLogitsLayer extends NoParamLayer {
  private static final long serialVersionUID = 1L;

  /** The reference code's temperature. */
  public static final double DEFAULT_TAU = 0.07;

  private String basisLocation;
  private String basisChecksum;
  private long classes;
  private int dim;
  private double tau = DEFAULT_TAU;

  /** For JSON. */
  public EbvLogitsLayer() {}

  public EbvLogitsLayer(
      String basisLocation, String basisChecksum, long classes, int dim, double tau) {
    this.basisLocation = basisLocation;
    this.basisChecksum = basisChecksum;
    this.classes = classes;
    this.dim = dim;
    this.tau = tau;
    if (!(tau > 0)) {
      throw new IllegalArgumentException("tau must be positive, got " + tau);
    }
  }

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int layerIndex,
      INDArray paramsView,
      boolean initializeParams,
      DataType dataType) {
    EbvLogitsLayerImpl layer = new EbvLogitsLayerImpl(conf, dataType);
    layer.setListeners(listeners);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(paramsView);
    Map<String, INDArray> params = initializer().init(conf, paramsView, initializeParams);
    layer.setParamTable(params);
    layer.setConf(conf);
    return layer;
  }

  @Override
  public ParamInitializer initializer() {
    return EmptyParamInitializer.getInstance();
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    checkInput(inputType);
    return InputType.feedForward(classes);
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    checkInput(inputType);
  }

  /**
   * A feature size that is not the basis's d is a configuration error, reported before training.
   */
  private void checkInput(InputType inputType) {
    if (inputType == null || inputType.getType() != InputType.Type.FF) {
      throw new IllegalStateException(
          "the EBV head takes a feature vector, got input type " + inputType);
    }
    long features = inputType.arrayElementsPerExample();
    if (features != dim) {
      throw new IllegalStateException(
          "the network's feature size is "
              + features
              + " but the EBV basis "
              + basisLocation
              + " has d = "
              + dim);
    }
  }

  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
    return null;
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    return new LayerMemoryReport.Builder(
            layerName, EbvLogitsLayer.class, inputType, InputType.feedForward(classes))
        .standardMemory(0, 0)
        .workingMemory(0, dim + classes, 0, dim + classes)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  @Override
  public EbvLogitsLayer clone() {
    return (EbvLogitsLayer) super.clone();
  }

  public String getBasisLocation() {
    return basisLocation;
  }

  public void setBasisLocation(String basisLocation) {
    this.basisLocation = basisLocation;
  }

  public String getBasisChecksum() {
    return basisChecksum;
  }

  public void setBasisChecksum(String basisChecksum) {
    this.basisChecksum = basisChecksum;
  }

  public long getClasses() {
    return classes;
  }

  public void setClasses(long classes) {
    this.classes = classes;
  }

  public int getDim() {
    return dim;
  }

  public void setDim(int dim) {
    this.dim = dim;
  }

  public double getTau() {
    return tau;
  }

  public void setTau(double tau) {
    this.tau = tau;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EbvLogitsLayer other
        && super.equals(o)
        && Objects.equals(basisLocation, other.basisLocation)
        && Objects.equals(basisChecksum, other.basisChecksum)
        && classes == other.classes
        && dim == other.dim
        && tau == other.tau;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), basisLocation, basisChecksum, classes, dim, tau);
  }
}
