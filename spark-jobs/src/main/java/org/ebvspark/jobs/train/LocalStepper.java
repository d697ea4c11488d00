package org.ebvspark.jobs.train;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.ebvspark.data.batch.BatchPlan;
import org.ebvspark.data.table.HadoopConf;
import org.ebvspark.model.nn.TopKEvaluation;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A round fitted in this JVM, one worker: the reference the Spark stepper is tested against and the
 * fastest path for small experiments. Its minibatches go through the code a Spark worker runs
 * ({@link WorkerFit}: the same loader, {@link WorkerStateHook}, prefetch and {@code fit}).
 */
final class LocalStepper implements RoundStepper {
  private final ComputationGraph net;
  private final WorkerStateHook hook;
  private final TableBatchLoader trainLoader;
  private final TableBatchLoader evalLoader;

  private LocalStepper(
      ComputationGraph net, TrainingSetup setup, long seed, Configuration conf, long memoryBytes) {
    this.net = net;
    this.hook = new WorkerStateHook(seed, new CollectionAccumulator<>());
    HadoopConf hadoop = new HadoopConf(conf);
    trainLoader = new TableBatchLoader(setup.trainSpec(), seed, hadoop, memoryBytes);
    evalLoader = new TableBatchLoader(setup.evalSpec(), seed, hadoop, memoryBytes);
  }

  /**
   * @param memoryBytes encoded row groups held in memory
   */
  static RoundStepper.Factory in(Configuration conf, long memoryBytes) {
    return new RoundStepper.Factory() {
      @Override
      public int workers() {
        return 1;
      }

      @Override
      public Configuration conf() {
        return conf;
      }

      @Override
      public String describe() {
        return "local";
      }

      @Override
      public RoundStepper start(
          ComputationGraph network, TrainingSetup setup, long seed, int plannedWorkers) {
        return new LocalStepper(network, setup, seed, conf, memoryBytes);
      }
    };
  }

  @Override
  public Round fit(List<String> batches, int iteration, int epoch) throws IOException {
    hook.startRound(iteration, epoch);
    List<List<String>> steps = batches.stream().map(List::of).toList();
    WorkerFit.Outcome done = WorkerFit.fit(net, hook, trainLoader, steps);
    Map<String, Object> extras = new LinkedHashMap<>();
    extras.put("dataWaitSeconds", done.waitSeconds());
    extras.put("computeSeconds", done.computeSeconds());
    return new Round(done.score(), List.copyOf(hook.steps().value()), extras);
  }

  @Override
  public ComputationGraph network() {
    return net;
  }

  @Override
  public TopKEvaluation evaluate(BatchPlan plan, int classes) throws IOException {
    TopKEvaluation eval = new TopKEvaluation(classes);
    for (String batch : plan.epoch(0, 0, false)) {
      DataSet ds = evalLoader.load(batch);
      eval.add(net.outputSingle(false, ds.getFeatures()), ds.getLabels());
    }
    return eval;
  }

  @Override
  public void close() {}
}
