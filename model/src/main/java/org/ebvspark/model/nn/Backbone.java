package org.ebvspark.model.nn;

import java.util.Locale;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.ebvspark.model.nn.fast.ChannelsOrder;
import org.ebvspark.model.nn.fast.FastAddRelu;
import org.ebvspark.model.nn.fast.FastBatchNormalization;
import org.ebvspark.model.nn.fast.FastConvolution;
import org.ebvspark.model.nn.fast.FastDense;
import org.ebvspark.model.nn.fast.FastLayers;
import org.ebvspark.model.nn.fast.FastMaxPooling;
import org.nd4j.linalg.activations.Activation;

/**
 * The feature extractors, built into a graph up to a vertex named {@link #FEATURES} whose output is
 * a flat feature vector. All use batch normalization, He initialization (set by the recipe) and
 * global average pooling where they pool at the end, so other input sizes work.
 *
 * <ul>
 *   <li>{@code resnet50}, {@code resnet18}: the ImageNet ResNets of He et al. (torchvision layout:
 *       7x7/2 stem, 3x3/2 max pool, bottleneck or basic stages, stride on the 3x3 convolution,
 *       bias-free convolutions), 2048 and 512 features. The zoo model's fixed-size 3x3 max-pool
 *       tail is not used.
 *   <li>{@code resnet32}: the CIFAR ResNet of He et al. (3 stages of 5 basic blocks, 16/32/64
 *       channels), which the EBV paper uses for its long-tailed experiments; 64 features.
 *   <li>{@code cnn-small}: two blocks of two 3x3 convolutions with BN, then 2x2 max pooling, and a
 *       256-unit dense layer with dropout, for 28-32 px data.
 * </ul>
 */
public enum Backbone {
  RESNET50(2048),
  RESNET18(512),
  RESNET32(64),
  CNN_SMALL(256);

  /** The vertex whose output is the feature vector. */
  public static final String FEATURES = "features";

  /** The vertex that turns the NCHW input channels last, in a channels-last backbone. */
  static final String CHANNELS_LAST = "channels_last";

  private final int features;

  Backbone(int features) {
    this.features = features;
  }

  /** The size of the feature vector. */
  public int features() {
    return features;
  }

  /** The command-line name: resnet50, resnet18, resnet32, cnn-small. */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Backbone fromLabel(String label) {
    for (Backbone b : values()) {
      if (b.label().equals(label)) {
        return b;
      }
    }
    throw new org.ebvspark.model.BadOptionException(
        "unknown backbone '" + label + "' (resnet50, resnet18, resnet32, cnn-small)");
  }

  /** Adds the backbone's layers after the graph input {@code input}. */
  public void addTo(GraphBuilder g, String input, InputType inputType, LayerChoice layers) {
    g.addInputs(input).setInputTypes(inputType);
    boolean fast = layers.resolve() == LayerChoice.FAST;
    boolean channelsLast = fast && FastLayers.channelsLast();
    if (channelsLast) {
      g.addVertex(
          CHANNELS_LAST, new PreprocessorVertex(new ChannelsOrder(CNN2DFormat.NHWC)), input);
      input = CHANNELS_LAST;
    }
    Layers l = new Layers(g, fast, channelsLast, input);
    switch (this) {
      case RESNET50 -> imagenetResNet(l, input, new int[] {3, 4, 6, 3}, true);
      case RESNET18 -> imagenetResNet(l, input, new int[] {2, 2, 2, 2}, false);
      case RESNET32 -> cifarResNet(l, input, 5);
      case CNN_SMALL -> cnnSmall(l, input);
    }
  }

  // ------------------------------------------------------------------ builders

  /**
   * The graph being built, how batch normalization and ReLU are built into it, and the images'
   * layout inside: channels last (NHWC) where the fast layers run on oneDNN, else NCHW.
   */
  private record Layers(GraphBuilder g, boolean fast, boolean channelsLast, String input) {
    CNN2DFormat format() {
      return channelsLast ? CNN2DFormat.NHWC : CNN2DFormat.NCHW;
    }

    /** Global average pooling over the image's height and width, wherever its layout has them. */
    GlobalPoolingLayer globalAveragePool() {
      var b = new GlobalPoolingLayer.Builder(PoolingType.AVG);
      return (channelsLast ? b.poolingDimensions(1, 2) : b).build();
    }

    SubsamplingLayer maxPool(int kernel, int stride) {
      var pool =
          new SubsamplingLayer.Builder(PoolingType.MAX)
              .kernelSize(kernel, kernel)
              .stride(stride, stride)
              .dataFormat(format());
      return fast ? new FastMaxPooling(pool) : pool.build();
    }

    /**
     * relu(a + b): DL4J's add vertex NAME and ReLU layer NAME_relu, or one fused vertex NAME.
     * Returns the output's name.
     */
    String addRelu(String name, String a, String b) {
      if (fast) {
        g.addVertex(name, new FastAddRelu(), a, b);
        return name;
      }
      g.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), a, b);
      g.addLayer(
          name + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), name);
      return name + "_relu";
    }

    /**
     * A convolution: DL4J's, or the same with the backward pass that does not redo the forward; the
     * fast one skips the gradient of the images themselves, which nothing reads.
     */
    void conv(String name, String in, ConvolutionLayer.Builder conv) {
      conv.dataFormat(format());
      if (!fast) {
        g.addLayer(name, conv.build(), in);
        return;
      }
      FastConvolution layer = new FastConvolution(conv);
      layer.setInputGradient(!in.equals(input));
      g.addLayer(name, layer, in);
    }

    /**
     * Batch normalization of {@code in}, then ReLU if asked: one fused layer named NAME_bn, or
     * DL4J's NAME_bn and NAME_relu. Returns the output's name.
     */
    String batchNorm(String name, String in, boolean relu) {
      if (fast) {
        FastBatchNormalization bn = new FastBatchNormalization(relu);
        bn.setCnn2DFormat(format()); // read for images only, not for a dense layer's [N, C]
        g.addLayer(name + "_bn", bn, in);
        return name + "_bn";
      }
      g.addLayer(name + "_bn", new BatchNormalization.Builder().build(), in);
      if (!relu) {
        return name + "_bn";
      }
      g.addLayer(
          name + "_relu",
          new ActivationLayer.Builder().activation(Activation.RELU).build(),
          name + "_bn");
      return name + "_relu";
    }
  }

  private static String convBnRelu(
      Layers l, String name, String in, int kernel, int stride, int out, boolean relu) {
    l.conv(
        name,
        in,
        new ConvolutionLayer.Builder(kernel, kernel)
            .stride(stride, stride)
            .nOut(out)
            .hasBias(false)
            .activation(Activation.IDENTITY));
    return l.batchNorm(name, name, relu);
  }

  /** A basic block: two 3x3 convolutions, with a 1x1 projection when the shape changes. */
  private static String basicBlock(
      Layers l, String name, String in, int channels, int stride, boolean project) {
    String a = convBnRelu(l, name + "_a", in, 3, stride, channels, true);
    String b = convBnRelu(l, name + "_b", a, 3, 1, channels, false);
    String shortcut = project ? convBnRelu(l, name + "_down", in, 1, stride, channels, false) : in;
    return l.addRelu(name + "_add", b, shortcut);
  }

  /** A bottleneck block: 1x1, 3x3 (strided), 1x1 (4x channels). */
  private static String bottleneck(
      Layers l, String name, String in, int channels, int stride, boolean project) {
    String a = convBnRelu(l, name + "_a", in, 1, 1, channels, true);
    String b = convBnRelu(l, name + "_b", a, 3, stride, channels, true);
    String c = convBnRelu(l, name + "_c", b, 1, 1, 4 * channels, false);
    String shortcut =
        project ? convBnRelu(l, name + "_down", in, 1, stride, 4 * channels, false) : in;
    return l.addRelu(name + "_add", c, shortcut);
  }

  private static void imagenetResNet(Layers l, String input, int[] blocks, boolean bottleneck) {
    GraphBuilder g = l.g();
    String x = convBnRelu(l, "stem", input, 7, 2, 64, true);
    g.addLayer("stem_pool", l.maxPool(3, 2), x);
    x = "stem_pool";
    int channels = 64;
    int inChannels = 64;
    for (int stage = 0; stage < blocks.length; stage++) {
      for (int block = 0; block < blocks[stage]; block++) {
        int stride = stage > 0 && block == 0 ? 2 : 1;
        int outChannels = bottleneck ? 4 * channels : channels;
        boolean project = block == 0 && (stride != 1 || inChannels != outChannels);
        String name = "s" + (stage + 1) + "b" + (block + 1);
        x =
            bottleneck
                ? bottleneck(l, name, x, channels, stride, project)
                : basicBlock(l, name, x, channels, stride, project);
        inChannels = outChannels;
      }
      channels *= 2;
    }
    g.addLayer(FEATURES, l.globalAveragePool(), x);
  }

  private static void cifarResNet(Layers l, String input, int blocksPerStage) {
    GraphBuilder g = l.g();
    String x = convBnRelu(l, "stem", input, 3, 1, 16, true);
    int channels = 16;
    for (int stage = 0; stage < 3; stage++) {
      for (int block = 0; block < blocksPerStage; block++) {
        int stride = stage > 0 && block == 0 ? 2 : 1;
        boolean project = stage > 0 && block == 0;
        x = basicBlock(l, "s" + (stage + 1) + "b" + (block + 1), x, channels, stride, project);
      }
      channels *= 2;
    }
    g.addLayer(FEATURES, l.globalAveragePool(), x);
  }

  private static void cnnSmall(Layers l, String input) {
    GraphBuilder g = l.g();
    String x = input;
    int channels = 32;
    for (int block = 1; block <= 2; block++) {
      x = convBnRelu(l, "b" + block + "_1", x, 3, 1, channels, true);
      x = convBnRelu(l, "b" + block + "_2", x, 3, 1, channels, true);
      g.addLayer("b" + block + "_pool", l.maxPool(2, 2), x);
      x = "b" + block + "_pool";
      channels *= 2;
    }
    if (l.channelsLast()) {
      // Flattened channels first, so the dense layer's weights mean what DL4J's layers mean.
      g.addVertex("channels_first", new PreprocessorVertex(new ChannelsOrder(CNN2DFormat.NCHW)), x);
      x = "channels_first";
    }
    g.addLayer(
        "dense",
        l.fast()
            ? new FastDense(256, false)
            : new DenseLayer.Builder()
                .nOut(256)
                .hasBias(false)
                .activation(Activation.IDENTITY)
                .build(),
        x);
    String dense = l.batchNorm("dense", "dense", true);
    // DL4J's dropout argument is the probability of keeping a unit.
    g.addLayer(FEATURES, new DropoutLayer.Builder(0.75).build(), dense);
  }
}
