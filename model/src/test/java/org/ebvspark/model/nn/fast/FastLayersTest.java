package org.ebvspark.model.nn.fast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.LayerChoice;
import org.ebvspark.model.nn.Networks;
import org.ebvspark.model.nn.Recipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.buffer.util.DataTypeUtil;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The fast layers against DL4J's: the same network built both ways, from the same parameters, must
 * compute the same loss, outputs, gradients and training steps (float32), and each fast layer
 * passes DL4J's double-precision gradient check.
 */
class FastLayersTest {
  private static final double TOLERANCE = 1e-4;

  private static final double DOUBLE_TOLERANCE = 1e-9;

  // resnet18 is not in the float equality test against DL4J's layers: on an AMD EPYC, DL4J's own
  // float32 batch normalization gave its gradients (3 x 64 x 64, batch 4) up to 6% away from a
  // double-precision reference from the third stage down, while the fast layers stayed within 1e-5
  // (replacing only DL4J's batch-norm layers by ours removed the difference). It is tested against
  // the double-precision reference instead, as are the other two.

  @TempDir Path dir;

  private static ComputationGraph network(
      Backbone backbone, int channels, int size, LayerChoice l) {
    return Networks.create(
        backbone,
        Head.fc(10, 0.1),
        Recipe.reference(1, 8, 42),
        new Networks.ImageShape(channels, size, size),
        10,
        l);
  }

  /**
   * The DL4J network's parameters, layer by layer: without the separate ReLU layers a ResNet's
   * graph is sorted in another order, so the flat params() differ in order (not in content).
   */
  private static void copyParameters(ComputationGraph from, ComputationGraph to) {
    for (Layer layer : from.getLayers()) {
      if (layer.numParams() > 0) {
        Layer target = to.getLayer(layer.conf().getLayer().getLayerName());
        target.setParams(layer.params().castTo(target.params().dataType()).dup());
      }
    }
    assertThat(to.numParams()).isEqualTo(from.numParams());
  }

  private static MultiDataSet batch(int n, int channels, int size, long seed, DataType type) {
    Nd4j.getRandom().setSeed(seed);
    INDArray x = Nd4j.randn(type, n, channels, size, size);
    INDArray y = Nd4j.zeros(type, n, 1);
    for (int i = 0; i < n; i++) {
      y.putScalar(i, 0, i % 10);
    }
    return new MultiDataSet(x, y);
  }

  private static Map<String, INDArray> gradients(ComputationGraph net, MultiDataSet data) {
    Nd4j.getRandom().setSeed(7); // the same dropout mask on both sides
    net.setInputs(data.getFeatures());
    net.setLabels(data.getLabels());
    net.computeGradientAndScore();
    Map<String, INDArray> out = new TreeMap<>();
    net.gradient().gradientForVariable().forEach((k, v) -> out.put(k, v.dup()));
    return out;
  }

  private static void assertClose(String what, INDArray fast, INDArray dl4j, double tolerance) {
    assertClose(what, fast, dl4j, 1e-6, tolerance);
  }

  /** max |fast - dl4j| within tolerance of max(max |dl4j|, floor). */
  private static void assertClose(
      String what, INDArray fast, INDArray dl4j, double floor, double tolerance) {
    double scale = Math.max(dl4j.amaxNumber().doubleValue(), floor);
    double diff = fast.sub(dl4j).amaxNumber().doubleValue();
    assertThat(diff / scale)
        .as("%s: max |fast - dl4j| = %g of max |dl4j| = %g", what, diff, scale)
        .isLessThanOrEqualTo(tolerance);
  }

  @ParameterizedTest
  @CsvSource({"cnn-small, 1, 12, 16", "resnet32, 3, 16, 8"})
  void sameLossGradientsAndOutputsAsDl4jsLayersInFloat(
      String backboneName, int channels, int size, int n) {
    Backbone backbone = Backbone.fromLabel(backboneName);
    ComputationGraph dl4j = network(backbone, channels, size, LayerChoice.DL4J);
    ComputationGraph fast = network(backbone, channels, size, LayerChoice.FAST);
    assertThat(fast.getLayers())
        .anyMatch(l -> l instanceof FastBatchNormalizationLayer)
        .anyMatch(l -> l instanceof FastConvolutionLayer)
        .noneMatch(
            l ->
                l.getClass() == org.deeplearning4j.nn.layers.ActivationLayer.class
                    || l.getClass()
                        == org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class
                    || l.getClass()
                        == org.deeplearning4j.nn.layers.normalization.BatchNormalization.class);
    if (backbone != Backbone.CNN_SMALL) {
      assertThat(fast.getVertices()).anyMatch(v -> v instanceof FastAddReluVertex);
    }
    copyParameters(dl4j, fast);
    MultiDataSet data = batch(n, channels, size, 1, DataType.FLOAT);

    Map<String, INDArray> expected = gradients(dl4j, data);
    Map<String, INDArray> actual = gradients(fast, data);
    assertThat(fast.score()).isCloseTo(dl4j.score(), within(1e-4));
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    // Every parameter's gradient, the running-statistics steps included.
    expected.forEach((k, v) -> assertClose("gradient of " + k, actual.get(k), v, TOLERANCE));

    Nd4j.getRandom().setSeed(8);
    dl4j.fit(data);
    Nd4j.getRandom().setSeed(8);
    fast.fit(data);
    INDArray x = batch(n, channels, size, 99, DataType.FLOAT).getFeatures(0);
    assertClose(
        "inference output", fast.outputSingle(false, x), dl4j.outputSingle(false, x), TOLERANCE);
  }

  /**
   * The fast layers in float32 against DL4J's layers in double precision (an independent
   * implementation, and no float rounding), from the same parameters and batch.
   */
  @ParameterizedTest
  @CsvSource({"cnn-small, 1, 12, 16", "resnet32, 3, 16, 8", "resnet18, 3, 64, 4"})
  void floatGradientsMatchADoublePrecisionReference(
      String backboneName, int channels, int size, int n) {
    Backbone backbone = Backbone.fromLabel(backboneName);
    ComputationGraph reference =
        network(backbone, channels, size, LayerChoice.DL4J).convertDataType(DataType.DOUBLE);
    ComputationGraph fast = network(backbone, channels, size, LayerChoice.FAST);
    copyParameters(reference, fast);
    MultiDataSet data = batch(n, channels, size, 1, DataType.DOUBLE);
    Map<String, INDArray> expected = gradients(reference, data);
    Map<String, INDArray> actual =
        gradients(
            fast,
            new MultiDataSet(
                data.getFeatures(0).castTo(DataType.FLOAT),
                data.getLabels(0).castTo(DataType.FLOAT)));
    assertThat(fast.score()).isCloseTo(reference.score(), within(1e-4));
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    expected.forEach(
        (k, v) ->
            assertClose("gradient of " + k, actual.get(k).castTo(DataType.DOUBLE), v, TOLERANCE));
  }

  /**
   * Three training steps (updater, weight decay, running statistics) from the same start, in double
   * precision: in float, rounding 1e-6 apart in the gradients grows through the momentum and would
   * hide a real difference.
   */
  @ParameterizedTest
  @CsvSource({"cnn-small, 1, 12, 16", "resnet32, 3, 16, 8", "resnet18, 3, 64, 4"})
  void sameTrainingStepsAsDl4jsLayersInDouble(String backboneName, int channels, int size, int n) {
    Backbone backbone = Backbone.fromLabel(backboneName);
    ComputationGraph dl4j =
        network(backbone, channels, size, LayerChoice.DL4J).convertDataType(DataType.DOUBLE);
    ComputationGraph fast =
        network(backbone, channels, size, LayerChoice.FAST).convertDataType(DataType.DOUBLE);
    copyParameters(dl4j, fast);
    for (int step = 0; step < 3; step++) {
      MultiDataSet b = batch(n, channels, size, 10 + step, DataType.DOUBLE);
      Nd4j.getRandom().setSeed(100 + step);
      dl4j.fit(b);
      Nd4j.getRandom().setSeed(100 + step);
      fast.fit(b);
    }
    assertThat(fast.getIterationCount()).isEqualTo(3).isEqualTo(dl4j.getIterationCount());
    for (Layer layer : dl4j.getLayers()) {
      String name = layer.conf().getLayer().getLayerName();
      layer
          .paramTable()
          .forEach(
              (k, v) ->
                  assertClose(
                      name + "_" + k + " after 3 steps",
                      fast.getLayer(name).getParam(k),
                      v,
                      DOUBLE_TOLERANCE));
    }
    INDArray x = batch(n, channels, size, 99, DataType.DOUBLE).getFeatures(0);
    assertClose(
        "inference output",
        fast.outputSingle(false, x),
        dl4j.outputSingle(false, x),
        DOUBLE_TOLERANCE);
  }

  /**
   * resnet50's bottleneck blocks, one gradient in double. Not in float, nor over training steps: at
   * initialization with batches this small it is chaotic (a 1e-7 relative change of the input moved
   * its double-precision gradients by up to 23% at 96 px, batch 8, against 1.3e-6 for resnet18), so
   * no float32 implementation matches a double one there, and steps diverge.
   */
  @Test
  void resnet50HasDl4jsGradientsInDouble() {
    ComputationGraph dl4j =
        network(Backbone.RESNET50, 3, 32, LayerChoice.DL4J).convertDataType(DataType.DOUBLE);
    ComputationGraph fast =
        network(Backbone.RESNET50, 3, 32, LayerChoice.FAST).convertDataType(DataType.DOUBLE);
    copyParameters(dl4j, fast);
    MultiDataSet data = batch(4, 3, 32, 1, DataType.DOUBLE);
    Map<String, INDArray> expected = gradients(dl4j, data);
    Map<String, INDArray> actual = gradients(fast, data);
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    expected.forEach((k, v) -> assertClose("gradient of " + k, actual.get(k), v, DOUBLE_TOLERANCE));
  }

  /**
   * conv (with bias) -> batch norm (+ ReLU) -> ReLU -> [dense -> batch norm] -> output, in double.
   */
  private static ComputationGraph checkNetwork(boolean relu, boolean dense) {
    var g =
        new NeuralNetConfiguration.Builder()
            .seed(3)
            .dataType(DataType.DOUBLE)
            .updater(new NoOp())
            .weightInit(WeightInit.XAVIER)
            .convolutionMode(ConvolutionMode.Same)
            .graphBuilder()
            .addInputs("in")
            .setInputTypes(InputType.convolutional(5, 5, 2))
            .addLayer(
                "conv",
                new FastConvolution(
                    new ConvolutionLayer.Builder(3, 3)
                        .nOut(3)
                        .stride(1, 1)
                        .activation(Activation.IDENTITY)),
                "in")
            .addLayer("bn", new FastBatchNormalization(relu), "conv")
            // A residual end: relu(bn + conv).
            .addVertex("add", new FastAddRelu(), "bn", "conv")
            .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "add");
    String last = "pool";
    if (dense) {
      g.addLayer(
              "dense", new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(), last)
          .addLayer("dense_bn", new FastBatchNormalization(relu), "dense");
      last = "dense_bn";
    }
    g.addLayer(
            "out",
            new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(3)
                .activation(Activation.SOFTMAX)
                .build(),
            last)
        .setOutputs("out");
    ComputationGraph net = new ComputationGraph(g.build());
    net.init();
    return net;
  }

  @ParameterizedTest
  @CsvSource({"false, false", "true, false", "true, true", "false, true"})
  void passesTheDoublePrecisionGradientCheck(boolean relu, boolean dense) {
    DataType before = DataTypeUtil.getDtypeFromContext();
    DataTypeUtil.setDTypeForContext(DataType.DOUBLE);
    try {
      gradientCheck(relu, dense);
    } finally {
      DataTypeUtil.setDTypeForContext(before);
    }
  }

  private static void gradientCheck(boolean relu, boolean dense) {
    ComputationGraph net = checkNetwork(relu, dense);
    Nd4j.getRandom().setSeed(5);
    INDArray x = Nd4j.randn(DataType.DOUBLE, 6, 2, 5, 5);
    // Shift the batch-norm inputs so that a ReLU zeroes part of them.
    net.getLayer("bn").setParam("beta", Nd4j.createFromArray(0.3, -0.2, 0.1).reshape(1, 3));
    INDArray labels = Nd4j.zeros(DataType.DOUBLE, 6, 3);
    for (int i = 0; i < 6; i++) {
      labels.putScalar(i, i % 3, 1);
    }
    boolean ok =
        GradientCheckUtil.checkGradients(
            new GradientCheckUtil.GraphConfig()
                .net(net)
                .inputs(new INDArray[] {x})
                .labels(new INDArray[] {labels})
                .epsilon(1e-6)
                .maxRelError(1e-5)
                .minAbsoluteError(1e-9)
                // Running statistics: their "gradient" is the moving-average step, not a
                // derivative.
                .excludeParams(
                    Set.of("bn_mean", "bn_log10stdev", "dense_bn_mean", "dense_bn_log10stdev")));
    assertThat(ok).isTrue();
    // The check ran this project's kernels, not DL4J's fallback.
    assertThat(net.getLayer("bn")).isInstanceOf(FastBatchNormalizationLayer.class);
    assertThat(net.getLayer("conv")).isInstanceOf(FastConvolutionLayer.class);
    assertThat(net.getVertex("add")).isInstanceOf(FastAddReluVertex.class);
  }

  @Test
  void theFloatKernelComputesWhatTheReferenceKernelDoes() {
    for (long[] shape : new long[][] {{5, 3, 7, 9}, {6, 4}, {2, 2, 1, 1}}) {
      Nd4j.getRandom().setSeed(11);
      INDArray x = Nd4j.randn(DataType.FLOAT, shape).muli(3).addi(1.5);
      INDArray dy = Nd4j.randn(DataType.FLOAT, shape);
      int c = (int) shape[1];
      double[] gamma = {0.5, -1.2, 2, 1.1};
      double[] beta = {0.1, 0.4, -0.3, 0};
      for (boolean relu : new boolean[] {false, true}) {
        double[][] ref = new double[6][c];
        double[][] fast = new double[6][c];
        INDArray yRef = Nd4j.create(DataType.FLOAT, shape);
        INDArray yFast = Nd4j.create(DataType.FLOAT, shape);
        INDArray dxRef = Nd4j.create(DataType.FLOAT, shape);
        INDArray dxFast = Nd4j.create(DataType.FLOAT, shape);
        BatchNormKernel r = new BatchNormKernel(shape);
        r.statistics(x, ref[0], ref[1]);
        r.normalize(x, ref[0], ref[1], gamma, beta, 1e-5, relu, yRef);
        r.backward(x, dy, ref[0], ref[1], gamma, beta, 1e-5, relu, dxRef, ref[2], ref[3]);
        BatchNormFloatKernel f = new BatchNormFloatKernel(shape);
        f.statistics(x, fast[0], fast[1]);
        f.normalize(x, fast[0], fast[1], gamma, beta, 1e-5, relu, yFast);
        f.backward(x, dy, fast[0], fast[1], gamma, beta, 1e-5, relu, dxFast, fast[2], fast[3]);
        for (int k = 0; k < 4; k++) {
          assertClose(
              "statistic " + k,
              Nd4j.createFromArray(fast[k]),
              Nd4j.createFromArray(ref[k]),
              TOLERANCE);
        }
        assertClose("output", yFast, yRef, TOLERANCE);
        // Scaled by dL/dy (about 1): with two values per channel dL/dx nearly cancels to 0.
        assertClose("input gradient", dxFast, dxRef, 1, TOLERANCE);
        if (relu) {
          assertThat(yFast.minNumber().doubleValue()).isEqualTo(0.0);
        }
      }
    }
  }

  @Test
  void aFastResNetRoundTripsThroughJson() {
    ComputationGraphConfiguration conf =
        Networks.configuration(
            Backbone.RESNET32,
            Head.fc(10, 0.1),
            Recipe.reference(1, 8, 42),
            new Networks.ImageShape(3, 16, 16),
            10,
            LayerChoice.FAST);
    ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
    assertThat(back).isEqualTo(conf);
    assertThat(back.getVertices().get("s1b1_add")).isInstanceOf(FastAddRelu.class);
    assertThat(LayerChoice.of(back)).isEqualTo(LayerChoice.FAST);
  }

  @Test
  void fastNetworksRoundTripThroughJsonAndModelSerializer() throws Exception {
    ComputationGraph net = network(Backbone.CNN_SMALL, 1, 12, LayerChoice.FAST);
    net.fit(batch(8, 1, 12, 1, DataType.FLOAT));
    ComputationGraphConfiguration back =
        ComputationGraphConfiguration.fromJson(net.getConfiguration().toJson());
    assertThat(back).isEqualTo(net.getConfiguration());
    File zip = dir.resolve("fast.zip").toFile();
    ModelSerializer.writeModel(net, zip, true);
    ComputationGraph restored = ModelSerializer.restoreComputationGraph(zip, true);
    assertThat(restored.getLayer("b1_1_bn")).isInstanceOf(FastBatchNormalizationLayer.class);
    assertThat(restored.getLayer("b1_1")).isInstanceOf(FastConvolutionLayer.class);
    assertThat(restored.params()).isEqualTo(net.params());
    assertThat(restored.getUpdater().getStateViewArray())
        .isEqualTo(net.getUpdater().getStateViewArray());
    INDArray x = batch(4, 1, 12, 2, DataType.FLOAT).getFeatures(0);
    assertThat(restored.outputSingle(false, x)).isEqualTo(net.outputSingle(false, x));
  }

  @Test
  void aModelBuiltWithDl4jsLayersStillLoadsAndKeepsThem() throws Exception {
    ComputationGraph net = network(Backbone.CNN_SMALL, 1, 12, LayerChoice.DL4J);
    net.fit(batch(8, 1, 12, 1, DataType.FLOAT));
    File zip = dir.resolve("dl4j.zip").toFile();
    ModelSerializer.writeModel(net, zip, true);
    ComputationGraph restored = ModelSerializer.restoreComputationGraph(zip, true);
    assertThat(restored.getLayer("b1_1_bn").getClass())
        .isEqualTo(org.deeplearning4j.nn.layers.normalization.BatchNormalization.class);
    assertThat(restored.getVertex("b1_1_relu")).isNotNull();
    INDArray x = batch(4, 1, 12, 2, DataType.FLOAT).getFeatures(0);
    assertThat(restored.outputSingle(false, x)).isEqualTo(net.outputSingle(false, x));
  }

  /**
   * Fast networks saved before the backbones ran channels last are NCHW inside (what {@code
   * -Debv.channels-last=false} builds): they still load, run their convolutions on oneDNN through
   * conversions and their batch norms on the Java kernels, and compute what DL4J's layers compute.
   */
  @ParameterizedTest
  @CsvSource({"cnn-small, 1, 12, 16", "resnet32, 3, 16, 8"})
  void aFastNetworkBuiltChannelsFirstStillLoadsAndComputesTheSame(
      String backboneName, int channels, int size, int n) throws Exception {
    Backbone backbone = Backbone.fromLabel(backboneName);
    ComputationGraph nchw;
    try {
      System.setProperty(FastLayers.CHANNELS_LAST_PROPERTY, "false");
      nchw = network(backbone, channels, size, LayerChoice.FAST);
    } finally {
      System.clearProperty(FastLayers.CHANNELS_LAST_PROPERTY);
    }
    assertThat(nchw.getVertex("channels_last")).isNull();
    assertThat(network(backbone, channels, size, LayerChoice.FAST).getVertex("channels_last"))
        .isNotNull();
    File zip = dir.resolve("nchw.zip").toFile();
    ModelSerializer.writeModel(nchw, zip, true);
    ComputationGraph restored = ModelSerializer.restoreComputationGraph(zip, true);
    ComputationGraph dl4j = network(backbone, channels, size, LayerChoice.DL4J);
    copyParameters(dl4j, restored);
    MultiDataSet data = batch(n, channels, size, 1, DataType.FLOAT);
    Map<String, INDArray> expected = gradients(dl4j, data);
    Map<String, INDArray> actual = gradients(restored, data);
    expected.forEach((k, v) -> assertClose("gradient of " + k, actual.get(k), v, TOLERANCE));
    INDArray x = batch(n, channels, size, 99, DataType.FLOAT).getFeatures(0);
    assertClose(
        "inference output",
        restored.outputSingle(false, x),
        dl4j.outputSingle(false, x),
        TOLERANCE);
    assertThat(
            Arrays.stream(restored.getLayers())
                .filter(l -> l instanceof FastConvolutionLayer)
                .map(l -> ((FastConvolutionLayer) l).primitiveSets()))
        .allMatch(sets -> sets > 0);
  }

  @Test
  void theChoiceIsFastOnTheCpuBackendUnlessTheUserSaysOtherwise() {
    assertThat(FastLayers.kernelsAvailable()).isTrue();
    assertThat(LayerChoice.automatic()).isEqualTo(LayerChoice.FAST);
    try {
      System.setProperty(LayerChoice.PROPERTY, "dl4j");
      assertThat(LayerChoice.automatic()).isEqualTo(LayerChoice.DL4J);
      System.setProperty(LayerChoice.PROPERTY, "auto");
      assertThat(LayerChoice.automatic()).isEqualTo(LayerChoice.FAST);
      System.setProperty(LayerChoice.PROPERTY, "quick");
      org.assertj.core.api.Assertions.assertThatThrownBy(LayerChoice::automatic)
          .hasMessage("unknown layers 'quick' (auto, fast, dl4j)");
    } finally {
      System.clearProperty(LayerChoice.PROPERTY);
    }
  }

  @Test
  void autoBuildsTheFastLayersForEveryBackboneOnTheCpuBackend() {
    for (Backbone backbone : Backbone.values()) {
      assertThat(LayerChoice.of(network(backbone, 3, 32, LayerChoice.AUTO).getConfiguration()))
          .as(backbone.label())
          .isEqualTo(LayerChoice.FAST);
    }
  }
}
