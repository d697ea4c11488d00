package org.ebvspark.model.nn.fast;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.impl.ElementWiseVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * relu(a + b) with {@link AddReluKernel} on the CPU backend; elsewhere (or for inputs of different
 * shapes) DL4J's add, then ReLU and its mask applied with ND4J operations.
 */
public class FastAddReluVertex extends ElementWiseVertex {
  private static final long serialVersionUID = 1L;
  private boolean kernelForward;
  private INDArray fallbackOutput;

  public FastAddReluVertex(ComputationGraph graph, String name, int index, DataType dataType) {
    super(graph, name, index, Op.Add, dataType);
  }

  private boolean kernelApplies() {
    return FastLayers.kernelsAvailable()
        && inputs.length == 2
        && inputs[0].equalShapes(inputs[1])
        && inputs[0].dataType() == dataType
        && inputs[1].dataType() == dataType
        && (dataType == DataType.FLOAT || dataType == DataType.DOUBLE);
  }

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoForward()) {
      throw new IllegalStateException(getVertexName() + ": inputs not set");
    }
    kernelForward = kernelApplies();
    if (!kernelForward) {
      INDArray out = Transforms.relu(super.doForward(training, workspaceMgr), false);
      fallbackOutput = training ? out : null;
      return out;
    }
    INDArray a = Values.dense(inputs[0]);
    INDArray b = Values.dense(inputs[1]);
    INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, a.shape(), 'c');
    AddReluKernel.addForward(a, b, y);
    return y;
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoBackward()) {
      throw new IllegalStateException(getVertexName() + ": errors not set");
    }
    if (!kernelForward) {
      epsilon = epsilon.mul(fallbackOutput.gt(0).castTo(epsilon.dataType()));
      return super.doBackward(tbptt, workspaceMgr);
    }
    INDArray a = Values.dense(inputs[0]);
    INDArray b = Values.dense(inputs[1]);
    INDArray dy = Values.dense(epsilon.castTo(dataType));
    INDArray da =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, a.shape(), 'c');
    INDArray db =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, a.shape(), 'c');
    AddReluKernel.addBackward(a, b, dy, da, db);
    return new Pair<>(null, new INDArray[] {da, db});
  }

  @Override
  public String toString() {
    return "FastAddReluVertex(name=" + getVertexName() + ")";
  }
}
