package org.ebvspark.model.nn.fast;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Images converted between channels first (NCHW) and channels last (NHWC), and their gradients
 * back. The fast backbones run channels last inside (oneDNN's convolution and batch-norm kernels
 * take that layout without conversions) and keep channels first at their edges: the images arrive
 * NCHW, and cnn-small flattens NCHW before its dense layer, so that its parameters mean what a
 * network of DL4J's layers means by them.
 */
public class ChannelsOrder implements InputPreProcessor {
  private static final long serialVersionUID = 1L;

  private CNN2DFormat to = CNN2DFormat.NHWC;

  /** For JSON. */
  public ChannelsOrder() {}

  /** To NHWC from NCHW, or to NCHW from NHWC. */
  public ChannelsOrder(CNN2DFormat to) {
    this.to = to;
  }

  public CNN2DFormat getTo() {
    return to;
  }

  public void setTo(CNN2DFormat to) {
    this.to = to;
  }

  private static INDArray toLast(INDArray a) {
    return a.permute(0, 2, 3, 1);
  }

  private static INDArray toFirst(INDArray a) {
    return a.permute(0, 3, 1, 2);
  }

  @Override
  public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
    INDArray p = to == CNN2DFormat.NHWC ? toLast(input) : toFirst(input);
    return workspaceMgr.dup(ArrayType.ACTIVATIONS, p, 'c');
  }

  @Override
  public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
    if (output == null) {
      return null; // a first convolution that skips its input gradient (FastConvolution)
    }
    INDArray p = to == CNN2DFormat.NHWC ? toFirst(output) : toLast(output);
    return workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, p, 'c');
  }

  @Override
  public InputType getOutputType(InputType inputType) {
    if (!(inputType instanceof InputType.InputTypeConvolutional c)) {
      throw new InvalidInputTypeException("ChannelsOrder needs images, got " + inputType);
    }
    return InputType.convolutional(c.getHeight(), c.getWidth(), c.getChannels(), to);
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArray(
      INDArray maskArray, MaskState currentMaskState, int minibatchSize) {
    return new Pair<>(maskArray, currentMaskState);
  }

  @Override
  public ChannelsOrder clone() {
    return new ChannelsOrder(to);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChannelsOrder other && to == other.to;
  }

  @Override
  public int hashCode() {
    return to.hashCode();
  }

  @Override
  public String toString() {
    return "ChannelsOrder(to=" + to + ")";
  }
}
