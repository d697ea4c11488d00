package org.ebvspark.model.nn.fast;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's dense layer run as oneDNN inner-product primitives ({@link OneDnnInnerProduct}) for
 * float32 where oneDNN loads: DL4J's computes the forward pass again in its backward pass, and its
 * weight gradient (a product with a transposed operand through OpenBLAS) took 7 ms of cnn-small's
 * step at 3136 x 256. Anything else (double precision, masks, an activation, dropout on the input,
 * weight noise, layer norm) is DL4J's layer as it is.
 */
public class FastDenseLayer extends DenseLayer {
  private static final long serialVersionUID = 1L;
  private static final String W = DefaultParamInitializer.WEIGHT_KEY;
  private static final String B = DefaultParamInitializer.BIAS_KEY;

  private final transient PrimitiveSets<OneDnnInnerProduct> primitives = new PrimitiveSets<>();

  public FastDenseLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private boolean oneDnn() {
    var c = layerConf();
    return dataType == DataType.FLOAT
        && OneDnn.available()
        && c.getActivationFn() instanceof ActivationIdentity
        && !c.hasLayerNorm()
        && c.getWeightNoise() == null
        && c.getIDropout() == null
        && maskArray == null
        && input != null
        && input.rank() == 2
        && input.size(1) == c.getNIn()
        && OneDnn.dense(getParam(W).transpose());
  }

  private OneDnnInnerProduct primitivesFor(INDArray in) {
    var c = layerConf();
    return primitives.forShapeOf(
        in, a -> new OneDnnInnerProduct(a.size(0), c.getNIn(), c.getNOut(), c.hasBias()));
  }

  /** How many batch sizes this layer holds oneDNN primitives for. */
  int primitiveSets() {
    return primitives.size();
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!oneDnn()) {
      return super.activate(training, workspaceMgr);
    }
    INDArray in = Values.dense(input.castTo(dataType));
    INDArray out =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATIONS, dataType, new long[] {in.size(0), layerConf().getNOut()}, 'c');
    primitivesFor(in).forward(in, getParam(W).transpose(), hasBias() ? getParam(B) : null, out);
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    if (!oneDnn()) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    INDArray in = Values.dense(input.castTo(dataType));
    INDArray dy = Values.dense(epsilon.castTo(dataType));
    INDArray dx =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, in.shape(), 'c');
    INDArray weightGrad = gradientViews.get(W);
    INDArray biasGrad = hasBias() ? gradientViews.get(B) : null;
    primitivesFor(in)
        .backward(in, getParam(W).transpose(), dy, dx, weightGrad.transpose(), biasGrad);
    Gradient g = new DefaultGradient();
    g.gradientForVariable().put(W, weightGrad);
    if (biasGrad != null) {
      g.gradientForVariable().put(B, biasGrad);
    }
    weightNoiseParams.clear();
    return new Pair<>(g, dx);
  }
}
