package org.ebvspark.model.nn.fast;

import java.util.Arrays;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's convolution layer with its work done elsewhere. For float32 on the CPU backend with
 * oneDNN's natives loaded, forward and backward run as oneDNN primitives this layer keeps, one set
 * per input shape ({@link OneDnnConvolution}): libnd4j creates its primitives afresh on every call
 * and gives oneDNN's working buffer back between calls. Otherwise (float64, as in the gradient
 * checks, or without oneDNN) the backward pass calls libnd4j's {@code conv2d_bp} directly: DL4J's
 * own runs the whole forward convolution again to get the pre-activation for the activation's
 * derivative, even when the activation is the identity (every convolution here: batch normalization
 * follows it). Any other configuration is DL4J's layer as it is.
 */
public class FastConvolutionLayer extends ConvolutionLayer {
  private static final long serialVersionUID = 1L;

  private final transient PrimitiveSets<OneDnnConvolution> primitives = new PrimitiveSets<>();

  public FastConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** Whether this layer's float32 passes run as its own oneDNN primitives. */
  private boolean oneDnn() {
    return dataType == DataType.FLOAT
        && OneDnn.available()
        && plainConvolution()
        && convolutionMode != ConvolutionMode.Causal;
  }

  /** Identity activation, no weight noise, no dropout on the input: what both direct paths take. */
  private boolean plainConvolution() {
    var c = layerConf();
    return c.getActivationFn() instanceof ActivationIdentity
        && c.getWeightNoise() == null
        && c.getIDropout() == null;
  }

  private boolean channelsLast() {
    return layerConf().getCnn2dDataFormat() == CNN2DFormat.NHWC;
  }

  /** The primitives for this input's shape, created on first use. */
  OneDnnConvolution primitivesFor(INDArray in) {
    return primitives.forShapeOf(in, a -> new OneDnnConvolution(geometry(a)));
  }

  /** How many input shapes this layer holds oneDNN primitives for. */
  int primitiveSets() {
    return primitives.size();
  }

  private OneDnnConvolution.Geometry geometry(INDArray in) {
    var c = layerConf();
    Window w =
        Window.of(
            in,
            c.getCnn2dDataFormat(),
            convolutionMode,
            c.getKernelSize(),
            c.getStride(),
            c.getPadding(),
            c.getDilation());
    return new OneDnnConvolution.Geometry(
        w.nchw(),
        c.getNOut(),
        c.getKernelSize(),
        c.getStride(),
        w.before(),
        w.after(),
        c.getDilation(),
        c.hasBias(),
        channelsLast());
  }

  private INDArray checkedInput() {
    int channelAxis = channelsLast() ? 3 : 1;
    if (input.rank() != 4 || input.size(channelAxis) != layerConf().getNIn()) {
      throw new DL4JInvalidInputException(
          "convolution "
              + layerId()
              + ": expected "
              + layerConf().getCnn2dDataFormat()
              + " input with "
              + layerConf().getNIn()
              + " channels, got "
              + Arrays.toString(input.shape()));
    }
    return Values.dense(input.castTo(dataType));
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!oneDnn()) {
      return super.activate(training, workspaceMgr);
    }
    assertInputSet(false);
    INDArray in = checkedInput();
    OneDnnConvolution conv = primitivesFor(in);
    INDArray out =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATIONS, dataType, conv.geometry().outputShape(), 'c');
    INDArray bias = hasBias() ? getParam(ConvolutionParamInitializer.BIAS_KEY) : null;
    conv.forward(in, getParam(ConvolutionParamInitializer.WEIGHT_KEY), bias, out);
    return out;
  }

  private boolean direct() {
    return FastLayers.kernelsAvailable()
        && plainConvolution()
        && !channelsLast()
        && (dataType == DataType.FLOAT || dataType == DataType.DOUBLE);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    if (oneDnn()) {
      assertInputSet(true);
      return oneDnnBackward(epsilon, workspaceMgr);
    }
    if (!direct()) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    assertInputSet(true);
    var c = layerConf();
    INDArray in = Values.dense(input.castTo(dataType));
    INDArray delta = Values.dense(epsilon.castTo(dataType));
    INDArray weights = getParam(ConvolutionParamInitializer.WEIGHT_KEY);
    int[] kernel = c.getKernelSize();
    int[] strides = c.getStride();
    int[] dilation = c.getDilation();
    int[] pad = c.getPadding();
    if (convolutionMode == ConvolutionMode.Same) {
      pad =
          ConvolutionUtils.getSameModeTopLeftPadding(
              new int[] {(int) delta.size(2), (int) delta.size(3)},
              new int[] {(int) in.size(2), (int) in.size(3)},
              kernel,
              strides,
              dilation);
    }
    INDArray weightGrad = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
    INDArray inputGrad =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, in.shape(), 'c');
    DynamicCustomOp.DynamicCustomOpsBuilder op =
        DynamicCustomOp.builder("conv2d_bp")
            .addIntegerArguments(
                kernel[0],
                kernel[1],
                strides[0],
                strides[1],
                pad[0],
                pad[1],
                dilation[0],
                dilation[1],
                convolutionMode == ConvolutionMode.Same ? 1 : 0,
                0, // NCHW
                1); // weights [out, in, kH, kW], DL4J's layout
    Gradient g = new DefaultGradient();
    if (c.hasBias()) {
      INDArray bias = getParam(ConvolutionParamInitializer.BIAS_KEY);
      INDArray biasGrad = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
      op.addInputs(in, weights, bias.reshape(bias.length()), delta)
          .addOutputs(inputGrad, weightGrad, biasGrad.reshape(biasGrad.length()));
      g.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGrad);
    } else {
      op.addInputs(in, weights, delta).addOutputs(inputGrad, weightGrad);
    }
    Nd4j.exec(op.build());
    g.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGrad, 'c');
    weightNoiseParams.clear();
    return new Pair<>(g, inputGrad);
  }

  private Pair<Gradient, INDArray> oneDnnBackward(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    INDArray in = checkedInput();
    INDArray delta = Values.dense(epsilon.castTo(dataType));
    OneDnnConvolution conv = primitivesFor(in);
    // Null for the network's input: DL4J's graph passes it on to the input, which drops it.
    INDArray inputGrad =
        conf.getLayer() instanceof FastConvolution f && !f.isInputGradient()
            ? null
            : workspaceMgr.createUninitialized(
                ArrayType.ACTIVATION_GRAD, dataType, in.shape(), 'c');
    INDArray weightGrad = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
    INDArray biasGrad = hasBias() ? gradientViews.get(ConvolutionParamInitializer.BIAS_KEY) : null;
    conv.backward(
        in,
        getParam(ConvolutionParamInitializer.WEIGHT_KEY),
        delta,
        inputGrad,
        weightGrad,
        biasGrad);
    Gradient g = new DefaultGradient();
    if (biasGrad != null) {
      g.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGrad);
    }
    g.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGrad, 'c');
    weightNoiseParams.clear();
    return new Pair<>(g, inputGrad);
  }
}
