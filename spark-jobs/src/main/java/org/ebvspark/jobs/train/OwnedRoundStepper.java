package org.ebvspark.jobs.train;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.ebvspark.data.batch.BatchPlan;
import org.ebvspark.data.table.HadoopConf;
import org.ebvspark.jobs.WorkerId;
import org.ebvspark.jobs.evaluate.SparkEvaluator;
import org.ebvspark.model.nn.TopKEvaluation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parameter averaging on the project's own round path, on Spark's primitives: one Spark job a
 * round, no count job, no network rebuilt per round.
 *
 * <ul>
 *   <li>Once per run: a broadcast of the network's configuration, the seed and the batch loader.
 *       Each executor JVM builds its worker networks from it once ({@link WorkerNetworks}) and
 *       keeps them, with their updater, across rounds.
 *   <li>Each round: a broadcast of the flat parameter and updater-state arrays and the schedule
 *       position (destroyed when the round ends); one task per worker share ({@link RoundPlan},
 *       {@link RoundTask}); the results summed by {@code treeAggregate} on the executors and
 *       divided on the driver ({@link RoundAverage}).
 *   <li>Elastic: each round is planned for the task slots alive at its start ({@link
 *       ExecutorSlots}), at most the planned workers when {@code --workers} is given. The global
 *       batch stays what the run was planned with; the per-worker share changes.
 * </ul>
 */
final class OwnedRoundStepper implements RoundStepper {
  private final JavaSparkContext sc;
  private final int planned;
  private final int cap;
  private final ComputationGraph net;
  private final Broadcast<RoundTask.RunSpec> run;
  private final TableBatchLoader evalLoader;
  private final ResultBytesListener resultBytes = new ResultBytesListener();
  private int destroyed;

  OwnedRoundStepper(
      JavaSparkContext sc,
      int planned,
      ComputationGraph net,
      TrainingSetup setup,
      long seed,
      SparkStepper.Options options) {
    this.sc = sc;
    this.planned = planned;
    this.cap = options.workers();
    this.net = net;
    HadoopConf hadoop = new HadoopConf(sc.hadoopConfiguration());
    TableBatchLoader trainLoader =
        new TableBatchLoader(setup.trainSpec(), seed, hadoop, options.cacheBytes());
    evalLoader = new TableBatchLoader(setup.evalSpec(), seed, hadoop, options.cacheBytes());
    run =
        sc.broadcast(
            new RoundTask.RunSpec(
                UUID.randomUUID().toString(), net.getConfiguration().toJson(), seed, trainLoader));
    sc.sc().addSparkListener(resultBytes);
  }

  /** The slots to train the next round on, waiting for an executor when none is alive. */
  private int alive() {
    int slots = ExecutorSlots.alive(sc.sc());
    if (slots == 0) {
      slots = ExecutorSlots.awaitAlive(sc.sc(), SparkStepper.EXECUTOR_WAIT_SECONDS);
    }
    return cap > 0 ? Math.min(slots, cap) : slots;
  }

  @Override
  public Round fit(List<String> batches, int iteration, int epoch) {
    long t0 = System.nanoTime();
    long t0Millis = System.currentTimeMillis();
    List<RoundPlan.Share> shares = RoundPlan.of(batches, planned, alive());
    long images = shares.stream().mapToLong(RoundPlan.Share::images).sum();
    INDArray updater = net.getUpdater(true).getStateViewArray();
    Broadcast<RoundTask.RoundState> state =
        sc.broadcast(
            new RoundTask.RoundState(
                PackedFloats.of(net.params().toFloatVector()),
                updater == null ? null : PackedFloats.of(updater.toFloatVector()),
                iteration,
                epoch,
                (double) images / shares.size()));
    long t1 = System.nanoTime();
    long t1Millis = t0Millis + (t1 - t0) / 1_000_000;
    RoundAverage sum;
    long t2;
    long broadcastBytes;
    try {
      sum =
          sc.parallelize(shares, shares.size())
              .map(new RoundTask(run, state))
              .treeAggregate(new RoundAverage(), RoundAverage::merge, RoundAverage::merge, 2);
      t2 = System.nanoTime();
      broadcastBytes = RoundTrainingMaster.storedBytes(state.id());
    } finally {
      state.destroy(false);
      destroyed++;
    }
    if (sum.isEmpty()) {
      throw new IllegalStateException("a round of " + shares.size() + " workers returned nothing");
    }
    FlatArrays.copyInto(net.params(), sum.params());
    float[] averagedState = sum.updaterState();
    if (updater != null && averagedState != null) {
      FlatArrays.copyInto(updater, averagedState);
    }
    long t3 = System.nanoTime();
    long t2Millis = t0Millis + (t2 - t0) / 1_000_000;
    Map<String, Object> extras = extras(sum, shares, t0, t1, t2, t3, broadcastBytes);
    // The launch split by the tasks' own wall clocks (the same host's in local mode; on a cluster
    // as good as the hosts' clocks agree).
    long firstStart =
        sum.timings().stream().mapToLong(RoundTask.WorkerTiming::startMillis).min().orElse(0);
    long lastEnd =
        sum.timings().stream().mapToLong(RoundTask.WorkerTiming::endMillis).max().orElse(0);
    extras.put("taskStartSeconds", Math.max(0, firstStart - t1Millis) / 1e3);
    extras.put("resultSeconds", Math.max(0, t2Millis - lastEnd) / 1e3);
    return new Round(sum.score(), List.copyOf(sum.steps()), extras);
  }

  private Map<String, Object> extras(
      RoundAverage sum,
      List<RoundPlan.Share> shares,
      long t0,
      long t1,
      long t2,
      long t3,
      long broadcastBytes) {
    int workers = shares.size();
    double fit = sum.steps().stream().mapToDouble(WorkerStep::fitSeconds).sum() / workers;
    double slowestTask = 0;
    double meanTask = 0;
    double setup = 0;
    double load = 0;
    double wait = 0;
    int reused = 0;
    TreeSet<String> executors = new TreeSet<>();
    TreeSet<String> devices = new TreeSet<>();
    for (RoundTask.WorkerTiming t : sum.timings()) {
      slowestTask = Math.max(slowestTask, t.taskSeconds());
      meanTask += t.taskSeconds() / workers;
      setup += t.setupSeconds() / workers;
      load += t.loadSeconds() / workers;
      wait += t.waitSeconds() / workers;
      reused += t.reused() ? 1 : 0;
      executors.add(t.executor());
      devices.add(WorkerId.of(t.executor(), t.device()));
    }
    double round = (t3 - t0) / 1e9;
    Map<String, Object> extras = new LinkedHashMap<>();
    extras.put("roundPath", "owned");
    extras.put("workers", workers);
    extras.put("plannedWorkers", planned);
    extras.put("executors", executors.size());
    extras.put("workerDevices", List.copyOf(devices));
    extras.put("networksReused", reused);
    extras.put("broadcastSeconds", (t1 - t0) / 1e9);
    extras.put("broadcastBytes", broadcastBytes);
    extras.put("dataSecondsPerWorker", load);
    extras.put("dataWaitSecondsPerWorker", wait);
    extras.put("fitSecondsPerWorker", fit);
    // The split of what a round spends besides fitting.
    extras.put("taskSetupSecondsPerWorker", setup);
    extras.put("launchSeconds", Math.max(0, (t2 - t1) / 1e9 - slowestTask));
    // How long the other workers waited for the slowest one.
    extras.put("imbalanceSeconds", slowestTask - meanTask);
    extras.put("averageSeconds", (t3 - t2) / 1e9);
    extras.put("outsideFitSeconds", Math.max(0, round - fit));
    extras.put("resultBytes", resultBytes.take());
    extras.put("broadcastsDestroyed", destroyed);
    return extras;
  }

  @Override
  public ComputationGraph network() {
    return net;
  }

  @Override
  public TopKEvaluation evaluate(BatchPlan plan, int classes) throws IOException {
    return SparkEvaluator.evaluate(sc, net, plan, evalLoader, classes, Math.max(1, alive()), null)
        .evaluation();
  }

  @Override
  public void close() {
    sc.sc().removeSparkListener(resultBytes);
    run.destroy(false);
  }
}
