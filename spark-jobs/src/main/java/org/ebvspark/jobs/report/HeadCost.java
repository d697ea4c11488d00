package org.ebvspark.jobs.report;

import java.util.LinkedHashMap;
import java.util.Map;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.ModelSummary;
import org.ebvspark.model.nn.Networks;
import org.ebvspark.model.nn.Recipe;

/**
 * What the head costs: trainable parameters and bytes per averaging round of the run's backbone
 * with an EBV head against the same backbone with an N-way FC head, from the configurations alone
 * (no parameters are allocated, so it is cheap at 100,000 classes).
 */
final class HeadCost {
  private HeadCost() {}

  /**
   * @param dim d of the EBV head (0: no EBV head to compare with)
   * @param updaterCopies updater state entries per parameter (1 for SGD with momentum, 2 for Adam)
   */
  static Map<String, Object> compare(
      Backbone backbone, Networks.ImageShape shape, long classes, int dim, int updaterCopies) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("backbone", backbone.label());
    out.put("classes", classes);
    out.put("dim", dim);
    if (dim > 0) {
      out.put(
          "ebv",
          cost(
              backbone,
              shape,
              new Head(Head.Kind.EBV, classes, dim, "-", "-", 0.07, 0),
              updaterCopies));
    }
    out.put("fc", cost(backbone, shape, Head.fc(classes, 0), updaterCopies));
    return out;
  }

  private static Map<String, Object> cost(
      Backbone backbone, Networks.ImageShape shape, Head head, int updaterCopies) {
    ModelSummary s =
        ModelSummary.of(
            Networks.configuration(backbone, head, Recipe.reference(1, 1, 1), shape, 1));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("trainableParameters", s.trainable());
    m.put("bytesPerRound", s.bytesPerRound((long) updaterCopies * s.parameters()));
    return m;
  }
}
