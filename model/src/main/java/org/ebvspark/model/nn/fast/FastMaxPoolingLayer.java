package org.ebvspark.model.nn.fast;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Max pooling of NHWC float32 images as oneDNN primitives this layer keeps ({@link OneDnnMaxPool}),
 * where oneDNN loads; anything else is DL4J's subsampling layer as it is.
 */
public class FastMaxPoolingLayer extends SubsamplingLayer {
  private static final long serialVersionUID = 1L;

  private final transient PrimitiveSets<OneDnnMaxPool> primitives = new PrimitiveSets<>();

  /** The primitives of the last training forward pass, if it ran on oneDNN. */
  private transient OneDnnMaxPool trainedBy;

  public FastMaxPoolingLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private boolean oneDnn(INDArray x) {
    var c = layerConf();
    return dataType == DataType.FLOAT
        && OneDnn.available()
        && c.getPoolingType() == PoolingType.MAX
        && c.getCnn2dDataFormat() == CNN2DFormat.NHWC
        && c.getDilation()[0] == 1
        && c.getDilation()[1] == 1
        && convolutionMode != ConvolutionMode.Causal
        && c.getIDropout() == null
        && maskArray == null
        && x != null
        && x.rank() == 4
        && x.dataType() == DataType.FLOAT;
  }

  private OneDnnMaxPool primitivesFor(INDArray in) {
    var c = layerConf();
    return primitives.forShapeOf(
        in,
        a ->
            new OneDnnMaxPool(
                Window.of(
                    a,
                    CNN2DFormat.NHWC,
                    convolutionMode,
                    c.getKernelSize(),
                    c.getStride(),
                    c.getPadding(),
                    c.getDilation()),
                c.getKernelSize(),
                c.getStride()));
  }

  /** How many input shapes this layer holds oneDNN primitives for. */
  int primitiveSets() {
    return primitives.size();
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    trainedBy = null;
    if (!oneDnn(input)) {
      return super.activate(training, workspaceMgr);
    }
    INDArray in = Values.dense(input);
    OneDnnMaxPool pool = primitivesFor(in);
    INDArray out =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, pool.outputShape(), 'c');
    pool.forward(in, out, training);
    trainedBy = training ? pool : null;
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    if (trainedBy == null || !oneDnn(input)) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    INDArray dy = Values.dense(epsilon.castTo(dataType));
    INDArray dx =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
    trainedBy.backward(dy, dx);
    return new Pair<>(new DefaultGradient(), dx);
  }
}
