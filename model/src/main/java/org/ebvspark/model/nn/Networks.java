package org.ebvspark.model.nn;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.ebvspark.model.nn.fast.FusedUpdater;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Backbone + head + recipe, composed by name: the network configuration every trainer builds.
 * Initialization is He (the ReLU variant) for training from scratch.
 */
public final class Networks {
  public static final String INPUT = "input";

  private Networks() {}

  /** The graph configuration, with the layers {@link LayerChoice#automatic()} picks. */
  public static ComputationGraphConfiguration configuration(
      Backbone backbone, Head head, Recipe recipe, ImageShape input, long iterationsPerEpoch) {
    return configuration(
        backbone, head, recipe, input, iterationsPerEpoch, LayerChoice.automatic());
  }

  /**
   * The graph configuration.
   *
   * @param input the image shape (channels, height, width)
   * @param iterationsPerEpoch for the learning-rate schedule
   * @param layers fast or DL4J's batch normalization and ReLU
   */
  public static ComputationGraphConfiguration configuration(
      Backbone backbone,
      Head head,
      Recipe recipe,
      ImageShape input,
      long iterationsPerEpoch,
      LayerChoice layers) {
    NeuralNetConfiguration.Builder base =
        new NeuralNetConfiguration.Builder()
            .seed(recipe.seed())
            .dataType(DataType.FLOAT)
            .updater(recipe.updater(iterationsPerEpoch))
            .weightInit(WeightInit.RELU)
            .convolutionMode(ConvolutionMode.Same)
            .trainingWorkspaceMode(WorkspaceMode.ENABLED)
            .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
            .cacheMode(CacheMode.NONE);
    if (recipe.weightDecay() > 0) {
      base.weightDecay(recipe.weightDecay());
    }
    GraphBuilder g = base.graphBuilder();
    backbone.addTo(
        g, INPUT, InputType.convolutional(input.height(), input.width(), input.channels()), layers);
    head.addTo(g, Backbone.FEATURES, backbone.features());
    return regularizedOnce(g.build());
  }

  /**
   * The configuration with each layer's regularizations listed once. DL4J 1.0.0-M2.1 merges the
   * network-wide regularizations into a layer's list each time it validates the layer, and a
   * graph's layers are validated twice, so every weight carried the weight decay twice and decayed
   * at twice the rate asked for (its update applies each entry of the list).
   */
  static ComputationGraphConfiguration regularizedOnce(ComputationGraphConfiguration conf) {
    for (GraphVertex v : conf.getVertices().values()) {
      if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BaseLayer b) {
        b.setRegularization(once(b.getRegularization()));
        b.setRegularizationBias(once(b.getRegularizationBias()));
      }
    }
    return conf;
  }

  private static <T> List<T> once(List<T> list) {
    return list == null ? null : new ArrayList<>(new LinkedHashSet<>(list));
  }

  /** An initialized network, with the layers {@link LayerChoice#automatic()} picks. */
  public static ComputationGraph create(
      Backbone backbone, Head head, Recipe recipe, ImageShape input, long iterationsPerEpoch) {
    return create(backbone, head, recipe, input, iterationsPerEpoch, LayerChoice.automatic());
  }

  /** An initialized network, with the {@link FusedUpdater} where it applies. */
  public static ComputationGraph create(
      Backbone backbone,
      Head head,
      Recipe recipe,
      ImageShape input,
      long iterationsPerEpoch,
      LayerChoice layers) {
    ComputationGraph net =
        new ComputationGraph(
            configuration(backbone, head, recipe, input, iterationsPerEpoch, layers));
    net.init();
    FusedUpdater.install(net);
    return net;
  }

  /**
   * Image shape, channels first.
   *
   * @param channels 1 or 3
   */
  public record ImageShape(int channels, int height, int width) {}
}
