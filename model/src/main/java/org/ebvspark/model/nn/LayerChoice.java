package org.ebvspark.model.nn;

import java.util.Locale;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.ebvspark.model.BadOptionException;
import org.ebvspark.model.nn.fast.FastBatchNormalization;
import org.ebvspark.model.nn.fast.FastConvolution;
import org.ebvspark.model.nn.fast.FastLayers;

/**
 * Which layers a backbone is built from ({@code ebv train --layers}): {@code fast}, batch
 * normalization fused with the ReLU after it and computed by this project's CPU kernels,
 * convolutions whose backward pass does not redo the forward, and residual ends as one relu(a + b)
 * vertex ({@link FastBatchNormalization}, {@link FastConvolution}, {@link
 * org.ebvspark.model.nn.fast.FastAddRelu}); or {@code dl4j}, DL4J's own {@code BatchNormalization},
 * {@code ConvolutionLayer}, add vertex and {@code ActivationLayer}. Both have the same parameters
 * layer by layer (a ResNet's flat params() are ordered differently) and compute the same function;
 * the choice is recorded in a run's config.json. A saved model keeps the layers it was built with.
 */
public enum LayerChoice {
  /** {@link #automatic()}: decided when the network is built. */
  AUTO,
  FAST,
  DL4J;

  /** The system property that overrides the automatic choice (fast, dl4j). */
  public static final String PROPERTY = "ebv.layers";

  /** fast on ND4J's CPU backend, dl4j elsewhere, unless {@value #PROPERTY} says otherwise. */
  public static LayerChoice automatic() {
    String forced = System.getProperty(PROPERTY);
    if (forced != null && !forced.isBlank()) {
      LayerChoice c = fromLabel(forced);
      if (c != AUTO) {
        return c;
      }
    }
    return FastLayers.kernelsAvailable() ? FAST : DL4J;
  }

  /** This choice, with AUTO decided for this JVM. */
  public LayerChoice resolve() {
    return this == AUTO ? automatic() : this;
  }

  /** What a built configuration uses: FAST if any of its layers is one of the fast ones. */
  public static LayerChoice of(ComputationGraphConfiguration conf) {
    for (GraphVertex v : conf.getVertices().values()) {
      if (v instanceof LayerVertex lv
          && (lv.getLayerConf().getLayer() instanceof FastBatchNormalization
              || lv.getLayerConf().getLayer() instanceof FastConvolution)) {
        return FAST;
      }
    }
    return DL4J;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static LayerChoice fromLabel(String label) {
    for (LayerChoice c : values()) {
      if (c.label().equals(label)) {
        return c;
      }
    }
    throw new BadOptionException("unknown layers '" + label + "' (auto, fast, dl4j)");
  }
}
