package org.ebvspark.model.nn.fast;

import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A residual block's end, relu(a + b), as one graph vertex ({@link FastAddReluVertex}) instead of
 * DL4J's add vertex followed by a ReLU layer: one pass over memory forward and one backward, where
 * the two take five (the add's backward copies dL/dy once per input). No parameters.
 */
public class FastAddRelu extends ElementWiseVertex {
  private static final long serialVersionUID = 1L;

  public FastAddRelu() {
    super(Op.Add);
  }

  @Override
  public GraphVertex instantiate(
      ComputationGraph graph,
      String name,
      int idx,
      INDArray paramsView,
      boolean initializeParams,
      DataType networkDatatype) {
    return new FastAddReluVertex(graph, name, idx, networkDatatype);
  }

  @Override
  public int maxVertexInputs() {
    return 2;
  }

  @Override
  public FastAddRelu clone() {
    return new FastAddRelu();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FastAddRelu;
  }

  @Override
  public int hashCode() {
    return FastAddRelu.class.hashCode();
  }
}
