package org.ebvspark.jobs.train;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.ebvspark.data.batch.BatchPlan;
import org.ebvspark.model.nn.TopKEvaluation;

/**
 * How {@link TrainingLoop} fits one averaging round: in this JVM ({@link LocalStepper}, one worker)
 * or parameter-averaged on Spark executors ({@link SparkStepper}). The loop owns everything else
 * (epochs, schedule position, checkpoints, metrics, validation, the run report), so the two differ
 * only in where minibatches are fitted.
 */
public interface RoundStepper extends AutoCloseable {
  /** Makes a stepper for one run, once the loop has its network and setup. */
  interface Factory {
    /** Workers a run is planned for (1 for this JVM): its global batch is {@code batch x} this. */
    int workers();

    /** Workers alive to train the next round (a cluster's executors come and go). */
    default int workersAlive() {
      return workers();
    }

    /** The Hadoop configuration the run's files are read and written with. */
    Configuration conf();

    /** For config.json and the console: where training runs. */
    String describe();

    /**
     * @param plannedWorkers the workers the run was planned for (a resumed run's own count, which
     *     may differ from {@link #workers()} now)
     */
    RoundStepper start(ComputationGraph network, TrainingSetup setup, long seed, int plannedWorkers)
        throws IOException;

    default RoundStepper start(ComputationGraph network, TrainingSetup setup, long seed)
        throws IOException {
      return start(network, setup, seed, workers());
    }
  }

  /**
   * What the workers did in a round.
   *
   * @param loss the round's training loss (the mean over workers of their last minibatch's)
   * @param steps every minibatch as the fitting network saw it, in no particular order
   * @param extras stepper-specific metrics (broadcast time and bytes, data time)
   */
  record Round(double loss, List<WorkerStep> steps, Map<String, Object> extras) {}

  /**
   * Fits {@code batches} (encoded {@link BatchPlan.Batch} references, each worker taking its share
   * in order) starting from the network's parameters and updater state, with every worker network
   * positioned at {@code iteration} and {@code epoch}. Afterwards {@link #network()} holds the
   * (averaged) result.
   */
  Round fit(List<String> batches, int iteration, int epoch) throws IOException;

  /** The driver-side network: the one checkpointed, evaluated and saved. */
  ComputationGraph network();

  /** Top-1/top-5 of the current network on every batch of {@code plan}. */
  TopKEvaluation evaluate(BatchPlan plan, int classes) throws IOException;

  @Override
  void close();
}
