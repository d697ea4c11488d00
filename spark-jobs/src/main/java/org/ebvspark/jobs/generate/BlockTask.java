package org.ebvspark.jobs.generate;

import java.io.Serializable;
import org.apache.spark.broadcast.Broadcast;
import org.ebvspark.jobs.GpuBinding;
import org.ebvspark.model.ebv.BlockKernel;
import org.ebvspark.model.ebv.BlockStats;
import org.ebvspark.model.ebv.HostRows;
import org.ebvspark.model.ebv.PairLoss;
import org.ebvspark.model.ebv.RowChunks;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One Spark task of a generator step: the statistics and gradient of one block of rows of W. Runs
 * on executors; everything it holds is small (W comes through the broadcast).
 */
final class BlockTask implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What a task sends back: its rows' statistics and gradient. */
  record Result(
      int block, long rowStart, BlockStats stats, float[] gradient, double fetch, double compute)
      implements Serializable {}

  private final Broadcast<RowChunks> weights;
  private final int sliceRows;
  private final long blockRows;
  private final float threshold;
  private final PairLoss loss;
  private final boolean wantGradient;

  BlockTask(
      Broadcast<RowChunks> weights,
      int sliceRows,
      long blockRows,
      float threshold,
      PairLoss loss,
      boolean wantGradient) {
    this.weights = weights;
    this.sliceRows = sliceRows;
    this.blockRows = blockRows;
    this.threshold = threshold;
    this.loss = loss;
    this.wantGradient = wantGradient;
  }

  Result run(int block) {
    GpuBinding.bindCurrentTask();
    long t0 = System.nanoTime();
    INDArray w = ExecutorWeights.get(weights);
    RowChunks heap = weights.value();
    long t1 = System.nanoTime();
    long n = w.rows();
    int d = (int) w.columns();
    long start = block * blockRows;
    long end = Math.min(n, start + blockRows);
    INDArray gradient =
        wantGradient ? Nd4j.createUninitialized(DataType.FLOAT, end - start, d) : null;
    BlockStats stats =
        KernelCache.get(sliceRows, n, d).run(w, heap, start, end, threshold, loss, gradient);
    float[] rows = null;
    if (gradient != null) {
      rows = new float[Math.toIntExact((end - start) * d)];
      HostRows.of(gradient).getRows(0, (int) (end - start), rows, 0);
      gradient.close();
    }
    long t2 = System.nanoTime();
    return new Result(block, start, stats, rows, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
  }

  /** One kernel per executor thread, reused across steps while the shape stays the same. */
  static final class KernelCache {
    private static final ThreadLocal<BlockKernel> KERNEL = new ThreadLocal<>();

    private KernelCache() {}

    static BlockKernel get(int sliceRows, long n, int d) {
      BlockKernel kernel = KERNEL.get();
      if (kernel == null || !kernel.fits(sliceRows, n, d)) {
        kernel = new BlockKernel(sliceRows, n, d);
        KERNEL.set(kernel);
      }
      return kernel;
    }
  }
}
