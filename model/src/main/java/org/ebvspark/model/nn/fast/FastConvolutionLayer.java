package org.ebvspark.model.nn.fast;

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
 * DL4J's convolution layer with one change to its backward pass. DL4J's runs the whole forward
 * convolution again to get the pre-activation for the activation's derivative, even when the
 * activation is the identity (every convolution here: batch normalization follows it); measured,
 * that repeated forward was a third of a cnn-small step's convolution time. For an identity
 * activation on the CPU backend this layer calls libnd4j's {@code conv2d_bp} (oneDNN for float32)
 * directly, as DL4J's oneDNN helper would after that forward; otherwise it is DL4J's layer.
 */
public class FastConvolutionLayer extends ConvolutionLayer {
  private static final long serialVersionUID = 1L;

  public FastConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private boolean direct() {
    var c = layerConf();
    return FastLayers.kernelsAvailable()
        && c.getActivationFn() instanceof ActivationIdentity
        && c.getCnn2dDataFormat() == CNN2DFormat.NCHW
        && c.getWeightNoise() == null
        && c.getIDropout() == null
        && (dataType == DataType.FLOAT || dataType == DataType.DOUBLE);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
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
}
