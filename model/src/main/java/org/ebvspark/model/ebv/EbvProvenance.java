package org.ebvspark.model.ebv;

import java.util.Map;

/**
 * The JSON record inside every EBV file: where the basis came from, how it was generated, its
 * certificate, and the software that made it.
 *
 * @param source "generated", or "imported from LOCATION (sha256 HEX)"
 * @param generator the resolved generator settings and outcome, null for imported bases
 * @param coherence the certificate, null if the basis was written without one
 * @param software versions of the stack
 * @param createdAt ISO-8601 UTC
 */
public record EbvProvenance(
    String source,
    GeneratorInfo generator,
    CoherenceStats coherence,
    Map<String, String> software,
    String createdAt) {

  /**
   * The resolved configuration and outcome of a generation run.
   *
   * @param executor where the passes ran: "local" or a Spark master
   */
  public record GeneratorInfo(
      String mode,
      long seed,
      double alpha,
      double alphaTolerance,
      double learningRate,
      int sliceRows,
      int maxSteps,
      int patience,
      String start,
      int steps,
      String stopReason,
      String message,
      double seconds,
      String executor) {

    public static GeneratorInfo of(GenerationResult result, String executor) {
      GeneratorSettings s = result.settings();
      return new GeneratorInfo(
          s.mode().label(),
          s.seed(),
          s.alpha(),
          GeneratorSettings.ALPHA_TOLERANCE,
          s.learningRate(),
          s.sliceRows(),
          s.maxSteps(),
          s.patience(),
          result.start(),
          result.steps(),
          result.reason().name().toLowerCase(java.util.Locale.ROOT),
          result.message(),
          Math.round(result.seconds() * 1000) / 1000.0,
          executor);
    }
  }
}
