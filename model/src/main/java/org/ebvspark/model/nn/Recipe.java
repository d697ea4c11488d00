package org.ebvspark.model.nn;

import java.util.Locale;
import org.ebvspark.model.BadOptionException;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * The training recipe, after the EBV reference code: SGD with momentum 0.9, linear warm-up from 1%
 * over 5 epochs then cosine decay, weight decay 2e-5, label smoothing 0.1; AdamW as an option.
 * Saved with every model as part of its resolved configuration.
 *
 * @param optimizer sgd (momentum, Nesterov form: the momentum SGD DL4J provides) or adamw
 * @param learningRate the peak rate
 * @param momentum SGD momentum
 * @param weightDecay decoupled weight decay coefficient (weights, not biases)
 * @param warmupEpochs linear warm-up length
 * @param warmupStart the warm-up's first rate, as a fraction of the peak
 * @param epochs training length (the cosine reaches 0 at its end)
 * @param labelSmoothing the loss's smoothing
 * @param batchSize images per step (per worker on Spark)
 * @param seed the seed of initialization, shuffling and augmentation
 * @param randomErase the probability that a training image gets a random rectangle erased
 *     (torchvision's RandomErasing; the paper's ImageNet recipe uses 0.1), 0 for none
 * @param trivialAugment one TrivialAugment-wide operation per training image (the paper's recipe)
 * @param mixup mixup's alpha (the paper's recipe: 0.2), 0 for none
 * @param cutmix cutmix's alpha (the paper's recipe: 1.0), 0 for none; with mixup, each batch takes
 *     one of the two at random
 */
public record Recipe(
    String optimizer,
    double learningRate,
    double momentum,
    double weightDecay,
    double warmupEpochs,
    double warmupStart,
    int epochs,
    double labelSmoothing,
    int batchSize,
    long seed,
    double randomErase,
    boolean trivialAugment,
    double mixup,
    double cutmix) {

  /** The paper recipe's peak rate, given for a global batch of {@link #PAPER_BATCH}. */
  public static final double PAPER_LEARNING_RATE = 0.5;

  /** The global batch of the paper recipe's learning rate. */
  public static final int PAPER_BATCH = 1024;

  public Recipe {
    if (!optimizer.equals("sgd") && !optimizer.equals("adamw")) {
      throw new BadOptionException("--optimizer must be sgd or adamw, got '" + optimizer + "'");
    }
    if (epochs < 1) {
      throw new BadOptionException("--epochs must be at least 1, got " + epochs);
    }
    if (batchSize < 1) {
      throw new BadOptionException("--batch must be at least 1, got " + batchSize);
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new BadOptionException("--lr must be a positive number, got " + learningRate);
    }
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
      throw new BadOptionException("--weight-decay must not be negative, got " + weightDecay);
    }
    if (!(warmupEpochs >= 0) || Double.isInfinite(warmupEpochs)) {
      throw new BadOptionException("--warmup-epochs must not be negative, got " + warmupEpochs);
    }
    if (!(momentum >= 0 && momentum < 1) || !(warmupStart > 0 && warmupStart <= 1)) {
      throw new BadOptionException(
          "momentum must be in [0, 1) and the warm-up start in (0, 1], got "
              + momentum
              + " and "
              + warmupStart);
    }
    if (!(randomErase >= 0 && randomErase <= 1)) {
      throw new BadOptionException("--random-erase must be in [0, 1], got " + randomErase);
    }
    if (!(mixup >= 0) || !(cutmix >= 0) || Double.isInfinite(mixup + cutmix)) {
      throw new BadOptionException(
          "--mixup and --cutmix must not be negative, got " + mixup + " and " + cutmix);
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new BadOptionException("--label-smoothing must be in [0, 1), got " + labelSmoothing);
    }
  }

  /** The reference recipe for {@code epochs} epochs of batch {@code batchSize}. */
  public static Recipe reference(int epochs, int batchSize, long seed) {
    return new Recipe(
        "sgd",
        0.1 * batchSize / 256.0,
        0.9,
        2e-5,
        5,
        0.01,
        epochs,
        0.1,
        batchSize,
        seed,
        0,
        false,
        0,
        0);
  }

  /**
   * The reference implementation's ImageNet recipe (lr 0.5 at batch 1024, scaled linearly by the
   * trainer, momentum 0.9, weight decay 2e-5, label smoothing 0.1, TrivialAugment-wide, random
   * erasing 0.1, mixup 0.2 and cutmix 1.0) for {@code epochs}; its 5 warm-up epochs are cut to a
   * tenth of a shorter run, as by default.
   */
  public static Recipe paper(int epochs, int batchSize, long seed) {
    return new Recipe(
        "sgd",
        PAPER_LEARNING_RATE,
        0.9,
        2e-5,
        defaultWarmupEpochs(epochs),
        0.01,
        epochs,
        0.1,
        batchSize,
        seed,
        0.1,
        true,
        0.2,
        1.0);
  }

  /**
   * The default warm-up for a run of {@code epochs}: the reference recipe's 5 epochs (for 90), and
   * a tenth of the run when that is shorter, so that a short run reaches its peak rate.
   */
  public static double defaultWarmupEpochs(int epochs) {
    return Math.min(5, epochs / 10.0);
  }

  public Recipe withLearningRate(double value) {
    return new Recipe(
        optimizer,
        value,
        momentum,
        weightDecay,
        warmupEpochs,
        warmupStart,
        epochs,
        labelSmoothing,
        batchSize,
        seed,
        randomErase,
        trivialAugment,
        mixup,
        cutmix);
  }

  public Recipe withEpochs(int value) {
    return new Recipe(
        optimizer,
        learningRate,
        momentum,
        weightDecay,
        warmupEpochs,
        warmupStart,
        value,
        labelSmoothing,
        batchSize,
        seed,
        randomErase,
        trivialAugment,
        mixup,
        cutmix);
  }

  public Recipe withSeed(long value) {
    return new Recipe(
        optimizer,
        learningRate,
        momentum,
        weightDecay,
        warmupEpochs,
        warmupStart,
        epochs,
        labelSmoothing,
        batchSize,
        value,
        randomErase,
        trivialAugment,
        mixup,
        cutmix);
  }

  public Recipe withOptimizer(String value) {
    return new Recipe(
        value,
        learningRate,
        momentum,
        weightDecay,
        warmupEpochs,
        warmupStart,
        epochs,
        labelSmoothing,
        batchSize,
        seed,
        randomErase,
        trivialAugment,
        mixup,
        cutmix);
  }

  public Recipe withWarmupEpochs(double value) {
    return new Recipe(
        optimizer,
        learningRate,
        momentum,
        weightDecay,
        value,
        warmupStart,
        epochs,
        labelSmoothing,
        batchSize,
        seed,
        randomErase,
        trivialAugment,
        mixup,
        cutmix);
  }

  public Recipe withLabelSmoothing(double value) {
    return new Recipe(
        optimizer,
        learningRate,
        momentum,
        weightDecay,
        warmupEpochs,
        warmupStart,
        epochs,
        value,
        batchSize,
        seed,
        randomErase,
        trivialAugment,
        mixup,
        cutmix);
  }

  public Recipe withWeightDecay(double value) {
    return new Recipe(
        optimizer,
        learningRate,
        momentum,
        value,
        warmupEpochs,
        warmupStart,
        epochs,
        labelSmoothing,
        batchSize,
        seed,
        randomErase,
        trivialAugment,
        mixup,
        cutmix);
  }

  public Recipe withRandomErase(double value) {
    return new Recipe(
        optimizer,
        learningRate,
        momentum,
        weightDecay,
        warmupEpochs,
        warmupStart,
        epochs,
        labelSmoothing,
        batchSize,
        seed,
        value,
        trivialAugment,
        mixup,
        cutmix);
  }

  public Recipe withTrivialAugment(boolean value) {
    return new Recipe(
        optimizer,
        learningRate,
        momentum,
        weightDecay,
        warmupEpochs,
        warmupStart,
        epochs,
        labelSmoothing,
        batchSize,
        seed,
        randomErase,
        value,
        mixup,
        cutmix);
  }

  public Recipe withMomentum(double value) {
    return new Recipe(
        optimizer,
        learningRate,
        value,
        weightDecay,
        warmupEpochs,
        warmupStart,
        epochs,
        labelSmoothing,
        batchSize,
        seed,
        randomErase,
        trivialAugment,
        mixup,
        cutmix);
  }

  /** Mixup and cutmix at these alphas (0: off). */
  public Recipe withMixing(double mixupAlpha, double cutmixAlpha) {
    return new Recipe(
        optimizer,
        learningRate,
        momentum,
        weightDecay,
        warmupEpochs,
        warmupStart,
        epochs,
        labelSmoothing,
        batchSize,
        seed,
        randomErase,
        trivialAugment,
        mixupAlpha,
        cutmixAlpha);
  }

  /** The updater with the schedule for {@code iterationsPerEpoch} steps per epoch. */
  public IUpdater updater(long iterationsPerEpoch) {
    WarmupCosineSchedule schedule =
        new WarmupCosineSchedule(
            learningRate, warmupEpochs, warmupStart, epochs, iterationsPerEpoch);
    return switch (optimizer) {
      case "sgd" -> new Nesterovs(schedule, momentum);
      // AdamW = Adam + decoupled weight decay, which the network's WeightDecay provides.
      case "adamw" -> Adam.builder().learningRateSchedule(schedule).build();
      default -> throw new IllegalStateException(optimizer);
    };
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "%s lr %.4g (warm-up %.3g epochs from %.0f%%, cosine to epoch %d), momentum %s, weight"
            + " decay %s, label smoothing %s, random erase %s, TrivialAugment %s, mixup %s, cutmix"
            + " %s, batch %d, seed %d",
        optimizer,
        learningRate,
        warmupEpochs,
        warmupStart * 100,
        epochs,
        momentum,
        weightDecay,
        labelSmoothing,
        randomErase,
        trivialAugment ? "on" : "off",
        mixup,
        cutmix,
        batchSize,
        seed);
  }
}
