package org.ebvspark.model.nn.fast;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.LayerChoice;
import org.ebvspark.model.nn.Networks;
import org.ebvspark.model.nn.Recipe;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The fast convolution's and dense layer's float32 oneDNN primitives against the same layers in
 * double precision (libnd4j's own kernels, an independent implementation): outputs, input gradients
 * and weight gradients, for the geometries the backbones use and a few they do not.
 */
class OneDnnLayersTest {
  private static final double TOLERANCE = 1e-4;

  private static ComputationGraph oneConvolution(
      int kernel,
      int stride,
      ConvolutionMode mode,
      boolean bias,
      int dilation,
      int size,
      CNN2DFormat format) {
    var g =
        new NeuralNetConfiguration.Builder()
            .seed(3)
            .dataType(DataType.FLOAT)
            .updater(new NoOp())
            .weightInit(WeightInit.XAVIER)
            .convolutionMode(mode)
            .graphBuilder()
            .addInputs("in")
            .setInputTypes(InputType.convolutional(size, size, 3, format))
            .addLayer(
                "conv",
                new FastConvolution(
                    new ConvolutionLayer.Builder(kernel, kernel)
                        .nOut(5)
                        .stride(stride, stride)
                        .padding(mode == ConvolutionMode.Same ? 0 : 1, 1)
                        .dilation(dilation, dilation)
                        .hasBias(bias)
                        .dataFormat(format)
                        .activation(Activation.IDENTITY)),
                "in")
            .addLayer(
                "loss",
                new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                    .activation(Activation.IDENTITY)
                    .format(format)
                    .build(),
                "conv")
            .setOutputs("loss");
    ComputationGraph net = new ComputationGraph(g.build());
    net.init();
    if (bias) {
      Nd4j.getRandom().setSeed(4);
      net.getLayer("conv").setParam("b", Nd4j.randn(DataType.FLOAT, 1, 5));
    }
    return net;
  }

  /**
   * The layer's output, input gradient and parameter gradients for input x and output gradient dy.
   */
  private static Map<String, INDArray> pass(ComputationGraph net, INDArray x, INDArray dy) {
    return pass(net, "conv", x, dy);
  }

  private static Map<String, INDArray> pass(
      ComputationGraph net, String layer, INDArray x, INDArray dy) {
    Layer conv = net.getLayer(layer);
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    conv.setInput(x, mgr);
    Map<String, INDArray> out = new TreeMap<>();
    out.put("output", conv.activate(true, mgr).dup());
    Pair<Gradient, INDArray> back = conv.backpropGradient(dy, mgr);
    out.put("input gradient", back.getSecond().dup());
    back.getFirst().gradientForVariable().forEach((k, v) -> out.put("gradient of " + k, v.dup()));
    return out;
  }

  private static void assertClose(String what, INDArray actual, INDArray expected) {
    double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-6);
    double diff = actual.castTo(DataType.DOUBLE).sub(expected).amaxNumber().doubleValue();
    assertThat(diff / scale)
        .as("%s: max |oneDNN - reference| = %g of max |reference| = %g", what, diff, scale)
        .isLessThanOrEqualTo(TOLERANCE);
  }

  private static int primitiveSets(ComputationGraph net, String layer) {
    return ((FastConvolutionLayer) net.getLayer(layer)).primitiveSets();
  }

  @ParameterizedTest
  @CsvSource({
    "3, 1, Same, false, 1, 9",
    "3, 2, Same, false, 1, 8", // padding 0 before, 1 after
    "1, 2, Same, false, 1, 8",
    "7, 2, Same, true, 1, 11",
    "3, 2, Truncate, true, 1, 9",
    "3, 1, Same, false, 2, 10",
  })
  void computesWhatLibnd4jComputesInDoublePrecision(
      int kernel, int stride, ConvolutionMode mode, boolean bias, int dilation, int size) {
    for (CNN2DFormat format : CNN2DFormat.values()) {
      compare(kernel, stride, mode, bias, dilation, size, format);
    }
  }

  private static void compare(
      int kernel,
      int stride,
      ConvolutionMode mode,
      boolean bias,
      int dilation,
      int size,
      CNN2DFormat format) {
    assertThat(OneDnn.available()).as(OneDnn.description()).isTrue();
    ComputationGraph fast = oneConvolution(kernel, stride, mode, bias, dilation, size, format);
    ComputationGraph reference = fast.convertDataType(DataType.DOUBLE);
    fast.initGradientsView();
    reference.initGradientsView();
    // A second batch size through the same layer: primitives are kept per input shape.
    for (int n : new int[] {4, 3, 4}) {
      Nd4j.getRandom().setSeed(10 + n);
      INDArray x =
          format == CNN2DFormat.NCHW
              ? Nd4j.randn(DataType.DOUBLE, n, 3, size, size)
              : Nd4j.randn(DataType.DOUBLE, n, size, size, 3);
      INDArray dy = Nd4j.randn(DataType.DOUBLE, reference.outputSingle(false, x).shape());
      Map<String, INDArray> expected = pass(reference, x, dy);
      Map<String, INDArray> actual =
          pass(fast, x.castTo(DataType.FLOAT), dy.castTo(DataType.FLOAT));
      assertThat(actual.keySet()).isEqualTo(expected.keySet()).contains("gradient of W");
      expected.forEach(
          (k, v) -> assertClose(k + " (" + format + ", batch " + n + ")", actual.get(k), v));
    }
    // The float network ran oneDNN primitives (two shapes), the double one did not.
    assertThat(primitiveSets(fast, "conv")).isEqualTo(2);
    assertThat(primitiveSets(reference, "conv")).isZero();
  }

  @ParameterizedTest
  @CsvSource({"true", "false"})
  void theDenseLayerComputesWhatDl4jsComputesInDoublePrecision(boolean bias) {
    var g =
        new NeuralNetConfiguration.Builder()
            .seed(3)
            .dataType(DataType.FLOAT)
            .updater(new NoOp())
            .weightInit(WeightInit.XAVIER)
            .graphBuilder()
            .addInputs("in")
            .setInputTypes(InputType.feedForward(11))
            .addLayer("dense", new FastDense(7, bias), "in")
            .addLayer(
                "loss",
                new org.deeplearning4j.nn.conf.layers.LossLayer.Builder(
                        LossFunctions.LossFunction.MSE)
                    .activation(Activation.IDENTITY)
                    .build(),
                "dense")
            .setOutputs("loss");
    ComputationGraph fast = new ComputationGraph(g.build());
    fast.init();
    if (bias) {
      Nd4j.getRandom().setSeed(4);
      fast.getLayer("dense").setParam("b", Nd4j.randn(DataType.FLOAT, 1, 7));
    }
    ComputationGraph reference = fast.convertDataType(DataType.DOUBLE);
    fast.initGradientsView();
    reference.initGradientsView();
    for (int n : new int[] {6, 5}) {
      Nd4j.getRandom().setSeed(20 + n);
      INDArray x = Nd4j.randn(DataType.DOUBLE, n, 11);
      INDArray dy = Nd4j.randn(DataType.DOUBLE, n, 7);
      Map<String, INDArray> expected = pass(reference, "dense", x, dy);
      Map<String, INDArray> actual =
          pass(fast, "dense", x.castTo(DataType.FLOAT), dy.castTo(DataType.FLOAT));
      assertThat(actual.keySet()).isEqualTo(expected.keySet()).contains("gradient of W");
      expected.forEach((k, v) -> assertClose(k + " (batch " + n + ")", actual.get(k), v));
    }
    assertThat(((FastDenseLayer) fast.getLayer("dense")).primitiveSets()).isEqualTo(2);
    assertThat(((FastDenseLayer) reference.getLayer("dense")).primitiveSets()).isZero();
  }

  @ParameterizedTest
  @CsvSource({"resnet32, 3, 16, 33, 33", "cnn-small, 1, 12, 4, 5"})
  void aFloatBackboneRunsChannelsLastThroughItsOwnPrimitives(
      String backbone, int channels, int size, int convolutions, int batchNorms) {
    ComputationGraph net =
        Networks.create(
            Backbone.fromLabel(backbone),
            Head.fc(10, 0.1),
            Recipe.reference(1, 8, 42),
            new Networks.ImageShape(channels, size, size),
            10,
            LayerChoice.FAST);
    Nd4j.getRandom().setSeed(1);
    INDArray x = Nd4j.randn(DataType.FLOAT, 8, channels, size, size);
    INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 1);
    for (int i = 0; i < 8; i++) {
      y.putScalar(i, 0, i % 10);
    }
    INDArray before = net.params().dup();
    net.fit(new MultiDataSet(x, y));
    assertThat(net.params().sub(before).amaxNumber().doubleValue()).isPositive();
    // The images are NCHW at the input; inside, every convolution runs NHWC on oneDNN, and so
    // does every batch norm of images (cnn-small's dense one stays on the Java kernels).
    assertThat(net.getVertex("channels_last")).isNotNull();
    List<FastConvolutionLayer> convs =
        Arrays.stream(net.getLayers())
            .filter(l -> l instanceof FastConvolutionLayer)
            .map(l -> (FastConvolutionLayer) l)
            .toList();
    assertThat(convs).hasSize(convolutions);
    assertThat(convs)
        .allSatisfy(
            c -> {
              assertThat(c.layerConf().getCnn2dDataFormat()).isEqualTo(CNN2DFormat.NHWC);
              assertThat(c.primitiveSets()).isEqualTo(1);
            });
    List<FastBatchNormalizationLayer> norms =
        Arrays.stream(net.getLayers())
            .filter(l -> l instanceof FastBatchNormalizationLayer)
            .map(l -> (FastBatchNormalizationLayer) l)
            .toList();
    assertThat(norms).hasSize(batchNorms);
    assertThat(norms.stream().filter(n -> n.primitiveSets() == 1)).hasSize(convolutions);
    // The convolution on the images skips their gradient (nothing reads it); the others do not.
    List<FastConvolutionLayer> skipping =
        convs.stream().filter(c -> !((FastConvolution) c.layerConf()).isInputGradient()).toList();
    assertThat(skipping).hasSize(1);
    String first = skipping.get(0).layerConf().getLayerName();
    assertThat(net.getConfiguration().getVertexInputs().get(first))
        .containsExactly("channels_last");
    Map<String, INDArray> acts = net.feedForward(new INDArray[] {x}, true, false);
    for (FastConvolutionLayer c : List.of(skipping.get(0), convs.get(convs.size() - 1))) {
      INDArray dy = Nd4j.onesLike(acts.get(c.layerConf().getLayerName()));
      INDArray dx = c.backpropGradient(dy, LayerWorkspaceMgr.noWorkspaces()).getSecond();
      if (c == skipping.get(0)) {
        assertThat(dx).isNull();
      } else {
        assertThat(dx.amaxNumber().doubleValue()).isPositive();
      }
    }
    if (backbone.equals("cnn-small")) {
      assertThat(((FastDenseLayer) net.getLayer("dense")).primitiveSets()).isEqualTo(1);
      for (String pool : List.of("b1_pool", "b2_pool")) {
        assertThat(((FastMaxPoolingLayer) net.getLayer(pool)).primitiveSets()).isEqualTo(1);
      }
    }
  }
}
