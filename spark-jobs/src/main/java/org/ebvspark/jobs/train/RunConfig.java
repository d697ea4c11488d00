package org.ebvspark.jobs.train;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.ebvspark.data.image.AugmentSpec;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.Networks;

/**
 * A run's config.json: the resolved request (with the batch-scaled recipe), the head and its basis,
 * the input and augmentation, the data, and the rounds; written once when a run starts, read back
 * by {@code --resume} (to refuse changes, {@link ResumeCheck}) and by {@code ebv evaluate}.
 *
 * @param recipe the recipe in words, for people
 * @param learningRateGiven {@code --lr} as given, before scaling to the global batch
 * @param learningRate the peak rate trained with
 * @param command the command line that started the run (user-info in URIs masked), if known
 * @param layers the layers the network was built with: fast or dl4j (null for a run written before
 *     the choice existed, which used DL4J's)
 * @param fastLayers for fast layers, what ran them in the JVM that started the run (oneDNN's
 *     primitives, or libnd4j and the Java kernels where oneDNN could not load); null otherwise and
 *     for runs written before it was recorded. Executors decide for themselves the same way.
 */
public record RunConfig(
    TrainRequest request,
    String recipe,
    Head head,
    Networks.ImageShape inputShape,
    AugmentSpec trainAugmentation,
    AugmentSpec evalAugmentation,
    int classes,
    long trainRows,
    long valRows,
    long iterationsPerEpoch,
    long trainableParameters,
    long parameters,
    String executor,
    Map<String, String> software,
    String createdAt,
    int workers,
    int batchPerWorker,
    int globalBatch,
    double learningRateGiven,
    int referenceBatch,
    double learningRate,
    int averagingFrequency,
    int roundsPerEpoch,
    String command,
    String layers,
    String fastLayers) {

  /** Reads a config.json; fields a run of an older version did not record stay empty. */
  public static RunConfig read(InputStream in, String location) throws IOException {
    try {
      return Provenance.json()
          .readerFor(RunConfig.class)
          .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .readValue(in);
    } catch (IOException | RuntimeException e) {
      throw new IOException(
          location
              + ": not a readable run configuration ("
              + e.getMessage().lines().findFirst().orElse("")
              + ")",
          e);
    }
  }
}
