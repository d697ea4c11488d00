package org.ebvspark.model.nn.fast;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ReLU with {@link ReluKernel} on the CPU backend. DL4J's layer copies its input, applies the
 * activation in place, and in the backward pass copies the input again before the derivative; this
 * one reads and writes each array once. Elsewhere (CUDA) it is DL4J's layer.
 */
public class FastReluLayer extends ActivationLayer {
  private static final long serialVersionUID = 1L;

  public FastReluLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private boolean kernelApplies(INDArray a) {
    return FastLayers.kernelsAvailable()
        && a.dataType() == dataType
        && (dataType == DataType.FLOAT || dataType == DataType.DOUBLE);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    if (!kernelApplies(input)) {
      return super.activate(training, workspaceMgr);
    }
    INDArray x = Values.dense(input);
    INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
    ReluKernel.forward(x, y);
    return y;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    if (!kernelApplies(input) || epsilon.dataType() != dataType) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    INDArray x = Values.dense(input);
    INDArray dy = Values.dense(epsilon);
    INDArray dx =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
    ReluKernel.backward(x, dy, dx);
    return new Pair<>(new DefaultGradient(), dx);
  }
}
