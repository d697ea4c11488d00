package org.ebvspark.jobs.train;

import org.ebvspark.model.BadOptionException;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.LayerChoice;
import org.ebvspark.model.nn.Recipe;

/**
 * What to train, resolved: every field is saved in the run's config.json.
 *
 * @param table the image table
 * @param run the run directory
 * @param backbone the feature extractor
 * @param head EBV (with the basis file) or FC
 * @param ebvLocation the EBV file, for the EBV head
 * @param tau the EBV temperature
 * @param recipe optimizer, schedule, batch, seed
 * @param channels 1 (gray) or 3 (color)
 * @param imageSize the network's input side; 0 means 224 for the ImageNet backbones and the table's
 *     own size for the small ones
 * @param maxBatchesPerEpoch cap on batches per epoch, for smoke runs (0: no cap)
 * @param evalEvery evaluate on val every this many epochs (and after the last)
 * @param logEvery metrics line every this many iterations
 * @param overwrite replace an existing run directory
 * @param resume continue from the newest checkpoint in the run directory
 * @param retainCheckpoints how many epoch checkpoints to keep
 * @param layers fast or DL4J's layers, or AUTO (fast on ND4J's CPU backend); a run written before
 *     this choice existed reads back as AUTO
 */
public record TrainRequest(
    String table,
    String run,
    Backbone backbone,
    Head.Kind head,
    String ebvLocation,
    double tau,
    Recipe recipe,
    int channels,
    int imageSize,
    int maxBatchesPerEpoch,
    int evalEvery,
    int logEvery,
    boolean overwrite,
    boolean resume,
    int retainCheckpoints,
    LayerChoice layers) {

  public TrainRequest {
    if (layers == null) {
      layers = LayerChoice.AUTO;
    }
    if (head == Head.Kind.EBV && ebvLocation == null) {
      throw new BadOptionException("--head ebv needs --ebv FILE (ebv generate makes one)");
    }
    if (!(tau > 0) || Double.isInfinite(tau)) {
      throw new BadOptionException("--tau must be a positive number, got " + tau);
    }
    if (imageSize < 0 || maxBatchesPerEpoch < 0) {
      throw new BadOptionException(
          "--image-size and --max-batches must not be negative, got "
              + imageSize
              + " and "
              + maxBatchesPerEpoch);
    }
    if (channels != 1 && channels != 3) {
      throw new BadOptionException("--channels must be 1 or 3, got " + channels);
    }
    if (evalEvery < 1 || logEvery < 1 || retainCheckpoints < 1) {
      throw new BadOptionException(
          "--eval-every, --log-every and --keep-checkpoints must be positive");
    }
  }

  /** The same request with another recipe (the trainer's batch-scaled one). */
  public TrainRequest withRecipe(Recipe value) {
    return new TrainRequest(
        table,
        run,
        backbone,
        head,
        ebvLocation,
        tau,
        value,
        channels,
        imageSize,
        maxBatchesPerEpoch,
        evalEvery,
        logEvery,
        overwrite,
        resume,
        retainCheckpoints,
        layers);
  }
}
