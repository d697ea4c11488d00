package org.ebvspark.model.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The computation of {@link EbvLogitsLayer}. With u = v / ||v|| (per row) and z = u W^T / tau:
 *
 * <pre>
 *   forward:   z = (v / ||v||) W^T / tau
 *   backward:  given g = dL/dz,  dL/du = g W / tau,
 *              dL/dv = (dL/du - (dL/du . u) u) / ||v||     (the Jacobian of v -> v/||v||)
 * </pre>
 *
 * A gradient check in double precision tests both (EbvHeadTest).
 */
public final class EbvLogitsLayerImpl extends AbstractLayer<EbvLogitsLayer> {
  private static final double NORM_FLOOR = 1e-12;

  public EbvLogitsLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private INDArray basis(DataType type) {
    EbvLogitsLayer c = layerConf();
    return EbvBasisCache.get(
        c.getBasisLocation(), c.getBasisChecksum(), c.getClasses(), c.getDim(), type);
  }

  private INDArray norms(INDArray v) {
    return Transforms.max(v.norm2(1).reshape(v.size(0), 1), NORM_FLOOR, false);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
    assertInputSet(false);
    INDArray v = input;
    INDArray w = basis(v.dataType());
    INDArray u = v.divColumnVector(norms(v));
    INDArray z = mgr.createUninitialized(ArrayType.ACTIVATIONS, v.dataType(), v.size(0), w.rows());
    Nd4j.gemm(u, w, z, false, true, 1.0 / layerConf().getTau(), 0.0);
    return z;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    assertInputSet(true);
    INDArray v = input;
    INDArray w = basis(v.dataType());
    INDArray norm = norms(v);
    INDArray u = v.divColumnVector(norm);
    INDArray du = Nd4j.gemm(epsilon, w, false, false).divi(layerConf().getTau());
    INDArray radial = du.mul(u).sum(1).reshape(v.size(0), 1);
    INDArray dv = du.subi(u.muliColumnVector(radial)).diviColumnVector(norm);
    INDArray out = mgr.leverageTo(ArrayType.ACTIVATION_GRAD, dv);
    return new Pair<>(new DefaultGradient(), out);
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public void clearNoiseWeightParams() {}

  @Override
  public double calcRegularizationScore(boolean backpropOnlyParams) {
    return 0;
  }

  @Override
  public Type type() {
    return Type.FEED_FORWARD;
  }

  @Override
  public INDArray params() {
    return null;
  }
}
