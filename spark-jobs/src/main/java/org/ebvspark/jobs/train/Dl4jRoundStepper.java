package org.ebvspark.jobs.train;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * A round fitted by DL4J's own parameter averaging ({@code SparkComputationGraph} with {@link
 * RoundTrainingMaster}), kept beside the owned path ({@link OwnedRoundStepper}) to compare with
 * ({@code --round-path dl4j}): each round DL4J counts the round's references in a job of its own,
 * every task rebuilds its worker network from the broadcast configuration, parameters and updater
 * state, and the results are tree-aggregated. Its worker count is fixed for the run.
 */
final class Dl4jRoundStepper implements RoundStepper {
  private final JavaSparkContext sc;
  private final int workers;
  private final SparkComputationGraph sparkNet;
  private final RoundTrainingMaster master;
  private final WorkerStateHook hook;
  private final TableBatchLoader trainLoader;
  private final TableBatchLoader evalLoader;
  private final LongAccumulator loadNanos;
  private final ResultBytesListener resultBytes = new ResultBytesListener();

  Dl4jRoundStepper(
      JavaSparkContext sc,
      int workers,
      int frequency,
      ComputationGraph net,
      TrainingSetup setup,
      long seed,
      SparkStepper.Options options) {
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
    extras.put("roundPath", "dl4j");
    extras.put("workers", partitions);
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
