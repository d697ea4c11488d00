package org.ebvspark.jobs.train;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

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
  private record Fixed(String option, Function<RunConfig, Object> value) {}

  private static final List<Fixed> FIXED =
      List.of(
          new Fixed("--data", c -> c.request().table()),
          new Fixed("--backbone", c -> c.request().backbone()),
          new Fixed("--head", c -> c.request().head()),
          new Fixed("--ebv (the basis, by checksum)", c -> c.head().basisChecksum()),
          new Fixed("--tau", c -> c.request().tau()),
          new Fixed("--channels", c -> c.request().channels()),
          new Fixed("--image-size", c -> c.request().imageSize()),
          new Fixed("--max-batches", c -> c.request().maxBatchesPerEpoch()),
          new Fixed("--optimizer", c -> c.request().recipe().optimizer()),
          new Fixed("--lr", RunConfig::learningRateGiven),
          new Fixed("--reference-batch", RunConfig::referenceBatch),
          new Fixed("--weight-decay", c -> c.request().recipe().weightDecay()),
          // --epochs before --warmup-epochs: the default warm-up follows the epochs.
          new Fixed("--epochs", c -> c.request().recipe().epochs()),
          new Fixed("--warmup-epochs", c -> c.request().recipe().warmupEpochs()),
          new Fixed("--label-smoothing", c -> c.request().recipe().labelSmoothing()),
          new Fixed("--random-erase", c -> c.request().recipe().randomErase()),
          new Fixed("--trivial-augment", c -> c.request().recipe().trivialAugment()),
          new Fixed("--mixup", c -> c.request().recipe().mixup()),
          new Fixed("--cutmix", c -> c.request().recipe().cutmix()),
          new Fixed("--batch", c -> c.request().recipe().batchSize()),
          new Fixed("--seed", c -> c.request().recipe().seed()),
          new Fixed("--workers", RunConfig::workers),
          new Fixed("--averaging-frequency", RunConfig::averagingFrequency),
          // The checkpoint's network keeps its layers; a different choice would be ignored.
          new Fixed("--layers", c -> c.request().layers().label()));

  private ResumeCheck() {}

  /** Throws naming the first option whose value differs from the run's. */
  static void requireSame(String run, RunConfig saved, RunConfig now) {
    for (Fixed f : FIXED) {
      Object was = f.value().apply(saved);
      Object is = f.value().apply(now);
      if (!Objects.equals(was, is)) {
        throw new IllegalArgumentException(
            run
                + ": --resume cannot change "
                + f.option()
                + " (the run has "
                + was
                + ", this command "
                + is
                + "); a resumed run keeps its configuration, so start a new run to change it");
      }
    }
  }
}
