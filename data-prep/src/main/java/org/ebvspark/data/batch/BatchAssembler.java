package org.ebvspark.data.batch;

import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import org.ebvspark.data.image.AugmentSpec;
import org.ebvspark.data.image.Augmenter;
import org.ebvspark.data.image.ImageRejectedException;
import org.ebvspark.data.table.ImageTableReader.ImageRow;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Rows of the image table to a minibatch: features {@code [mb, C, H, W]} float32 from the {@link
 * Augmenter} (decoded in parallel) and labels {@code [mb, 1]} class indices. The crop of each row
 * depends only on (seed, epoch, path), not on which batch, thread or executor assembles it. A spec
 * with mixup or cutmix mixes the batch ({@link BatchMixer}) and gives labels {@code [mb, 3]}:
 * class, partner's class, weight; its random numbers come from (seed, epoch, the first row's path).
 */
public final class BatchAssembler {
  private final Augmenter augmenter;
  private final AugmentSpec spec;
  private final long seed;
  private final ForkJoinPool pool;

  /**
   * @param pool the threads that decode (shared; not owned)
   */
  public BatchAssembler(AugmentSpec spec, long seed, ForkJoinPool pool) {
    this.augmenter = new Augmenter(spec);
    this.spec = spec;
    this.seed = seed;
    this.pool = pool;
  }

  public AugmentSpec spec() {
    return spec;
  }

  public DataSet assemble(List<ImageRow> rows, int epoch) {
    int n = rows.size();
    int length = spec.tensorLength();
    float[] features = new float[n * length];
    float[] labels = new float[n];
    Runnable work =
        () ->
            IntStream.range(0, n)
                .parallel()
                .forEach(
                    i -> {
                      ImageRow row = rows.get(i);
                      labels[i] = row.label();
                      try {
                        augmenter.apply(
                            row.image(),
                            seed,
                            epoch,
                            Augmenter.rowKey(row.path()),
                            features,
                            i * length);
                      } catch (ImageRejectedException e) {
                        throw new IllegalStateException(row.path() + ": " + e.getMessage(), e);
                      }
                    });
    pool.submit(work).join();
    INDArray y;
    if (spec.mixes() && n > 0) {
      // Not any image's stream: the first row's key, changed by a constant.
      long key = Augmenter.rowKey(rows.get(0).path()) ^ 0x6D69786D69786D69L;
      float[] mixed = BatchMixer.mix(features, labels, n, spec, Augmenter.random(seed, epoch, key));
      y = Nd4j.create(mixed, new long[] {n, BatchMixer.LABEL_COLUMNS}, DataType.FLOAT);
    } else {
      y = Nd4j.create(labels, new long[] {n, 1}, DataType.FLOAT);
    }
    INDArray x =
        Nd4j.create(
            features, new long[] {n, spec.channels(), spec.size(), spec.size()}, DataType.FLOAT);
    return new DataSet(x, y);
  }
}
