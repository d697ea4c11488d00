package org.ebvspark.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.ebvspark.model.Provenance;

/**
 * What a {@code --resume} may change: nothing that the checkpoint's network, updater schedule or
 * round numbering was built from. The checkpoint holds the backbone and head as trained, the
 * learning-rate schedule inside its updater (peak rate, warm-up, epochs, steps per epoch) and round
 * indices that assume the same batch plan; a resumed run that silently took another {@code --lr} or
 * basis would log one recipe and train another. So a change to any of those is refused, naming the
 * option; options of the run's bookkeeping (evaluation and log intervals, checkpoints kept, memory,
 * master) may change freely.
 */
final class ResumeCheck {
  /** config.json path -> the option that sets it. */
  private static final Map<String, String> FIXED =
      Map.ofEntries(
          Map.entry("/request/table", "--data"),
          Map.entry("/request/backbone", "--backbone"),
          Map.entry("/request/head", "--head"),
          Map.entry("/head/basisChecksum", "--ebv (the basis, by checksum)"),
          Map.entry("/request/tau", "--tau"),
          Map.entry("/request/channels", "--channels"),
          Map.entry("/request/imageSize", "--image-size"),
          Map.entry("/request/maxBatchesPerEpoch", "--max-batches"),
          Map.entry("/request/recipe/optimizer", "--optimizer"),
          Map.entry("/learningRateGiven", "--lr"),
          Map.entry("/referenceBatch", "--reference-batch"),
          Map.entry("/request/recipe/weightDecay", "--weight-decay"),
          Map.entry("/request/recipe/warmupEpochs", "--warmup-epochs"),
          Map.entry("/request/recipe/epochs", "--epochs"),
          Map.entry("/request/recipe/labelSmoothing", "--label-smoothing"),
          Map.entry("/request/recipe/batchSize", "--batch"),
          Map.entry("/request/recipe/seed", "--seed"),
          Map.entry("/workers", "--workers"),
          Map.entry("/averagingFrequency", "--averaging-frequency"));

  private ResumeCheck() {}

  /** Throws naming the first option whose value differs from the run's. */
  static void requireSame(String run, JsonNode saved, Map<String, Object> now) {
    JsonNode current = Provenance.json().valueToTree(now);
    for (var e : new java.util.TreeMap<>(FIXED).entrySet()) {
      JsonNode was = saved.at(e.getKey());
      JsonNode is = current.at(e.getKey());
      if (was.isMissingNode()) {
        continue; // written by an older version that did not record it
      }
      if (!same(was, is)) {
        throw new IllegalArgumentException(
            run
                + ": --resume cannot change "
                + e.getValue()
                + " (the run has "
                + was.asText()
                + ", this command "
                + (is.isMissingNode() || is.isNull() ? "none" : is.asText())
                + "); a resumed run keeps its configuration, so start a new run to change it");
      }
    }
  }

  private static boolean same(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return a.asDouble() == b.asDouble();
    }
    return a.equals(b);
  }
}
