package org.ebvspark.jobs.train;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.RepartitionStrategy;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.ebvspark.data.batch.BatchPlan;
import org.ebvspark.data.table.HadoopConf;
import org.ebvspark.jobs.evaluate.SparkEvaluator;
import org.ebvspark.model.nn.TopKEvaluation;

/**
 * A round fitted by parameter averaging on Spark (DL4J's {@code SparkComputationGraph} with {@link
 * RoundTrainingMaster}): each of the round's tasks reads and decodes its own batches, trains them
 * from the broadcast parameters and updater state, and the driver averages the results. Nothing
 * decoded is written anywhere. The EBV basis reaches each executor JVM once (the head reads it by
 * location and checksum).
 */
public final class SparkStepper implements RoundStepper {
  /**
   * @param workers parallel workers (0: the context's default parallelism)
   * @param cacheBytes row-group cache per executor JVM
   * @param shuffleEachRound let DL4J repartition each round's references (a shuffle) instead of
   *     taking the round's slices as they are parallelized, one balanced slice per worker; the
   *     default (false) saves a shuffle stage per round (docs/BENCHMARKS.md, training-rounds)
   */
  public record Options(int workers, long cacheBytes, boolean shuffleEachRound) {
    public Options(int workers, long cacheBytes) {
      this(workers, cacheBytes, false);
    }
  }

  private final JavaSparkContext sc;
  private final int workers;
  private final SparkComputationGraph sparkNet;
  private final RoundTrainingMaster master;
  private final WorkerStateHook hook;
  private final TableBatchLoader trainLoader;
  private final TableBatchLoader evalLoader;
  private final LongAccumulator loadNanos;
  private final ResultBytesListener resultBytes = new ResultBytesListener();

  private SparkStepper(
      JavaSparkContext sc,
      int workers,
      int frequency,
      ComputationGraph net,
      TrainingSetup setup,
      long seed,
      Options options) {
    this.sc = sc;
    this.workers = workers;
    int batch = setup.request().recipe().batchSize();
    master =
        new RoundTrainingMaster(
            new ParameterAveragingTrainingMaster.Builder(workers, batch)
                .batchSizePerWorker(batch)
                .averagingFrequency(frequency)
                .saveUpdater(true)
                .workerPrefetchNumBatches(1)
                .repartionData(options.shuffleEachRound() ? Repartition.Always : Repartition.Never)
                .repartitionStrategy(RepartitionStrategy.Balanced)
                .rngSeed(seed));
    CollectionAccumulator<WorkerStep> steps = sc.sc().collectionAccumulator("ebv worker steps");
    hook = new WorkerStateHook(seed, steps);
    master.addHook(hook);
    sparkNet = new SparkComputationGraph(sc, net, master);
    loadNanos = sc.sc().longAccumulator("ebv batch loading ns");
    HadoopConf hadoop = new HadoopConf(sc.hadoopConfiguration());
    trainLoader =
        new TableBatchLoader(setup.trainSpec(), seed, hadoop, options.cacheBytes())
            .withTimer(loadNanos);
    evalLoader = new TableBatchLoader(setup.evalSpec(), seed, hadoop, options.cacheBytes());
    sc.sc().addSparkListener(resultBytes);
  }

  /** Rounds of {@code averagingFrequency} minibatches on each worker of {@code sc}. */
  public static RoundStepper.Factory on(
      JavaSparkContext sc, Options options, int averagingFrequency) {
    int workers = options.workers() > 0 ? options.workers() : sc.defaultParallelism();
    return new RoundStepper.Factory() {
      @Override
      public int workers() {
        return workers;
      }

      @Override
      public Configuration conf() {
        return sc.hadoopConfiguration();
      }

      @Override
      public String describe() {
        return "spark " + sc.master() + ", " + workers + " workers";
      }

      @Override
      public RoundStepper start(ComputationGraph net, TrainingSetup setup, long seed) {
        return new SparkStepper(sc, workers, averagingFrequency, net, setup, seed, options);
      }
    };
  }

  @Override
  public Round fit(List<String> batches, int iteration, int epoch) {
    hook.startRound(iteration, epoch);
    loadNanos.reset();
    long t0 = System.nanoTime();
    int partitions = Math.min(workers, batches.size());
    sparkNet.fitPaths(sc.parallelize(batches, partitions), trainLoader);
    double seconds = (System.nanoTime() - t0) / 1e9;
    double broadcast = master.takeBroadcastSeconds();
    List<WorkerStep> steps = List.copyOf(hook.steps().value());
    double fit = steps.stream().mapToDouble(WorkerStep::fitSeconds).sum() / Math.max(1, partitions);
    Map<String, Object> extras = new LinkedHashMap<>();
    extras.put("broadcastSeconds", broadcast);
    extras.put("broadcastBytes", master.takeBroadcastBytes());
    extras.put("dataSecondsPerWorker", loadNanos.value() / 1e9 / Math.max(1, partitions));
    extras.put("fitSecondsPerWorker", fit);
    // Everything a round spends besides fitting: broadcast, task start, data, averaging.
    extras.put("outsideFitSeconds", Math.max(0, seconds - fit));
    extras.put("resultBytes", resultBytes.take());
    extras.put("broadcastsDestroyed", master.destroyedBroadcasts());
    return new Round(sparkNet.getScore(), steps, extras);
  }

  @Override
  public ComputationGraph network() {
    return sparkNet.getNetwork();
  }

  @Override
  public TopKEvaluation evaluate(BatchPlan plan, int classes) throws IOException {
    return SparkEvaluator.evaluate(sc, network(), plan, evalLoader, classes, workers, null)
        .evaluation();
  }

  @Override
  public void close() {
    sc.sc().removeSparkListener(resultBytes);
  }
}
