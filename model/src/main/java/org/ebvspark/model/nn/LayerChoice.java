package org.ebvspark.model.nn;

import java.util.Locale;
import org.ebvspark.model.BadOptionException;
import org.ebvspark.model.nn.fast.FastLayers;

/**
 * Which layers a backbone is built from: {@code fast}, batch normalization fused with the ReLU
 * after it and computed by this project's CPU kernels ({@link
 * org.ebvspark.model.nn.fast.FastBatchNormalization}); or {@code dl4j}, DL4J's own {@code
 * BatchNormalization} and {@code ActivationLayer}. Both have the same parameters in the same order
 * and compute the same function; the choice is recorded in a run's config.json. A saved model keeps
 * the layers it was built with.
 */
public enum LayerChoice {
  FAST,
  DL4J;

  /** The system property that overrides the automatic choice (fast, dl4j). */
  public static final String PROPERTY = "ebv.layers";

  /** fast on ND4J's CPU backend, dl4j elsewhere, unless {@value #PROPERTY} says otherwise. */
  public static LayerChoice automatic() {
    String forced = System.getProperty(PROPERTY);
    if (forced != null && !forced.isBlank() && !forced.equals("auto")) {
      return fromLabel(forced);
    }
    return FastLayers.kernelsAvailable() ? FAST : DL4J;
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
