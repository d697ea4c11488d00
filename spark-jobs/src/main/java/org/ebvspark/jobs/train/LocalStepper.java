package org.ebvspark.jobs.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.util.ComputationGraphUtil;
import org.ebvspark.data.batch.BatchPlan;
import org.ebvspark.data.table.HadoopConf;
import org.ebvspark.model.nn.TopKEvaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * A round fitted in this JVM, one worker: the reference the Spark stepper is tested against and the
 * fastest path for small experiments. Each minibatch goes through what a Spark worker does with it
 * (the same loader, {@link WorkerStateHook}, {@code fit(MultiDataSet)}), and the next batch is read
 * and decoded on a background thread while the network fits the current one.
 */
final class LocalStepper implements RoundStepper {
  private final ComputationGraph net;
  private final WorkerStateHook hook;
  private final TableBatchLoader trainLoader;
  private final TableBatchLoader evalLoader;
  private final ExecutorService prefetch =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "ebv-prefetch");
            t.setDaemon(true);
            return t;
          });

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
      public RoundStepper start(ComputationGraph network, TrainingSetup setup, long seed) {
        return new LocalStepper(network, setup, seed, conf, memoryBytes);
      }
    };
  }

  @Override
  public Round fit(List<String> batches, int iteration, int epoch) throws IOException {
    hook.startRound(iteration, epoch);
    double waiting = 0;
    double computing = 0;
    Future<DataSet> next = prefetch.submit(() -> trainLoader.load(batches.get(0)));
    for (int i = 0; i < batches.size(); i++) {
      long t0 = System.nanoTime();
      DataSet ds = get(next);
      if (i + 1 < batches.size()) {
        String following = batches.get(i + 1);
        next = prefetch.submit(() -> trainLoader.load(following));
      }
      long t1 = System.nanoTime();
      MultiDataSet minibatch = ComputationGraphUtil.toMultiDataSet(ds);
      hook.preUpdate(minibatch, net);
      net.fit(minibatch);
      hook.postUpdate(minibatch, net);
      waiting += (t1 - t0) / 1e9;
      computing += (System.nanoTime() - t1) / 1e9;
    }
    Map<String, Object> extras = new LinkedHashMap<>();
    extras.put("dataWaitSeconds", waiting);
    extras.put("computeSeconds", computing);
    return new Round(net.score(), List.copyOf(hook.steps().value()), extras);
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
  public void close() {
    prefetch.shutdownNow();
  }

  private static DataSet get(Future<DataSet> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new IllegalStateException(e.getCause());
    }
  }
}
