package org.ebvspark.jobs.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.ebvspark.jobs.GpuBinding;
import org.ebvspark.model.ebv.BlockStats;
import org.ebvspark.model.ebv.CoherenceAccumulator;
import org.ebvspark.model.ebv.CoherenceCertifier;
import org.ebvspark.model.ebv.CoherencePass;
import org.ebvspark.model.ebv.CoherenceStats;
import org.ebvspark.model.ebv.GeneratorSettings;
import org.ebvspark.model.ebv.HostRows;
import org.ebvspark.model.ebv.PairLoss;
import org.ebvspark.model.ebv.RowChunks;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A generator pass on Spark executors. Each step broadcasts W once (as float32 row chunks), every
 * task takes a block of rows and computes their statistics and gradient against all of W (the
 * gradient of a row needs only S_block W, so tasks never exchange partial sums), and the driver
 * writes the returned rows into the gradient. The broadcast is destroyed when the step ends:
 * nothing else frees it.
 *
 * <p>Blocks are whole multiples of the slice height and start on slice boundaries, so every matrix
 * product is the one the single-JVM pass computes: the two give the same W.
 */
public final class SparkCoherencePass implements CoherencePass {
  private final JavaSparkContext sc;
  private final GeneratorSettings settings;
  private final int blocks;
  private final long blockRows;
  private final String description;
  private PassTimings last;
  private int passes;

  /**
   * @param partitions how many tasks share a step (normally the executor cores)
   */
  public SparkCoherencePass(JavaSparkContext sc, GeneratorSettings settings, int partitions) {
    this.sc = sc;
    this.settings = settings;
    long n = settings.classes();
    long slices = (n + settings.sliceRows() - 1) / settings.sliceRows();
    long slicesPerBlock = (slices + partitions - 1) / Math.max(1, partitions);
    this.blockRows = slicesPerBlock * settings.sliceRows();
    this.blocks = (int) ((n + blockRows - 1) / blockRows);
    this.description =
        String.format(
            Locale.ROOT,
            "ebv generate N=%d d=%d alpha=%s (%s)",
            settings.classes(),
            settings.dim(),
            settings.alpha(),
            settings.mode().label());
  }

  /** How many tasks a step runs. */
  public int blocks() {
    return blocks;
  }

  /** Where the last pass spent its time. */
  public PassTimings lastTimings() {
    return last;
  }

  @Override
  public BlockStats run(INDArray w, float threshold, PairLoss loss, INDArray gradient) {
    long t0 = System.nanoTime();
    Broadcast<RowChunks> weights = sc.broadcast(RowChunks.of(w));
    long t1 = System.nanoTime();
    try {
      passes++;
      sc.setJobGroup("ebv-generate", description + ": step " + passes, false);
      BlockTask task =
          new BlockTask(
              weights, settings.sliceRows(), blockRows, threshold, loss, gradient != null);
      List<BlockTask.Result> results =
          sc.parallelize(IntStream.range(0, blocks).boxed().toList(), blocks)
              .map(task::run)
              .collect();
      long t2 = System.nanoTime();
      BlockStats stats = BlockStats.EMPTY;
      double fetch = 0;
      double compute = 0;
      long bytes = 0;
      HostRows rows = gradient == null ? null : HostRows.of(gradient);
      for (BlockTask.Result r : results) {
        stats = stats.merge(r.stats());
        fetch = Math.max(fetch, r.fetch());
        compute = Math.max(compute, r.compute());
        if (rows != null) {
          rows.putRows(r.rowStart(), r.gradient().length / w.columns(), r.gradient(), 0);
          bytes += 4L * r.gradient().length;
        }
      }
      if (rows != null) {
        rows.markWritten();
      }
      long t3 = System.nanoTime();
      double job = (t2 - t1) / 1e9;
      last =
          new PassTimings(
              (t1 - t0) / 1e9,
              fetch,
              compute,
              job,
              Math.max(0, job - fetch - compute),
              (t3 - t2) / 1e9,
              bytes);
      return stats;
    } finally {
      sc.clearJobGroup();
      weights.destroy(false);
    }
  }

  /**
   * The certificate, computed by the executors: row slices are dealt round-robin to the tasks (the
   * upper triangle makes early rows costlier), each task merges its slices' histograms, and the
   * driver merges one accumulator per task.
   */
  @Override
  public CoherenceStats certify(INDArray w) {
    Broadcast<RowChunks> weights = sc.broadcast(RowChunks.of(w));
    try {
      sc.setJobGroup("ebv-certify", description + ": certify", false);
      long n = w.rows();
      int d = (int) w.columns();
      int slice = settings.sliceRows();
      int slices = (int) ((n + slice - 1) / slice);
      int tasks = Math.max(1, Math.min(slices, blocks * 4));
      List<Integer> order = new ArrayList<>(slices);
      for (int t = 0; t < tasks; t++) {
        for (int s = t; s < slices; s += tasks) {
          order.add(s);
        }
      }
      CoherenceAccumulator total =
          sc.parallelize(order, tasks)
              .mapPartitions(
                  it -> {
                    GpuBinding.bindCurrentTask();
                    INDArray local = ExecutorWeights.get(weights);
                    CoherenceCertifier certifier = new CoherenceCertifier(slice, n, d);
                    CoherenceAccumulator acc = new CoherenceAccumulator();
                    while (it.hasNext()) {
                      long start = (long) it.next() * slice;
                      acc.merge(certifier.accumulate(local, start, Math.min(n, start + slice)));
                    }
                    return List.of(acc).iterator();
                  })
              .reduce(CoherenceAccumulator::merge);
      return total.toStats(n, d);
    } finally {
      sc.clearJobGroup();
      weights.destroy(false);
    }
  }

  @Override
  public void close() {}
}
