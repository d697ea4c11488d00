package org.ebvspark.jobs.train;

import java.util.Arrays;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.util.NetworkUtils;
import org.ebvspark.model.nn.fast.FusedUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What a worker's network must carry into each minibatch, whichever JVM fits it.
 *
 * <ul>
 *   <li>The round's start position. DL4J rebuilds each round's worker network from {@code
 *       ComputationGraphConfiguration.clone()}, which drops {@code iterationCount} and {@code
 *       epochCount} (deeplearning4j-nn 1.0.0-M2.1), so without this every round would restart the
 *       warm-up + cosine schedule at iteration 0. The driver sets the position before each round;
 *       the hook travels with the round's tasks and puts it on each new worker network before its
 *       first minibatch.
 *   <li>Dropout seeds. Task threads carry ND4J generator state from whatever ran on them before;
 *       the generator is seeded from (run seed, iteration, minibatch labels), so masks depend only
 *       on what is trained, and a resumed run draws the masks the uninterrupted one drew.
 *   <li>The {@link FusedUpdater}: DL4J's Spark worker builds its network with DL4J's updater, and a
 *       resumed run's network comes from a checkpoint; both get the fused one before their first
 *       minibatch (same arithmetic, same state array).
 *   <li>A record of each step ({@link WorkerStep}: iteration, epoch, applied learning rate, fit
 *       time), added to an accumulator, so the driver logs what the executors did rather than what
 *       it expects.
 * </ul>
 */
final class WorkerStateHook implements TrainingHook {
  private static final long serialVersionUID = 1L;
  private final long seed;
  private final CollectionAccumulator<WorkerStep> steps;
  private int roundIteration;
  private int roundEpoch;
  private transient Model positioned;
  private transient WorkerStep pending;
  private transient long fitStart;

  /**
   * @param steps receives every step; registered with the SparkContext when the hook travels
   */
  WorkerStateHook(long seed, CollectionAccumulator<WorkerStep> steps) {
    this.seed = seed;
    this.steps = steps;
  }

  /** The position the next round starts at (driver side, before the round's tasks are sent). */
  void startRound(int iteration, int epoch) {
    roundIteration = iteration;
    roundEpoch = epoch;
    positioned = null;
    steps.reset();
  }

  CollectionAccumulator<WorkerStep> steps() {
    return steps;
  }

  @Override
  public void preUpdate(MultiDataSet minibatch, Model model) {
    ComputationGraph graph = (ComputationGraph) model;
    if (positioned != model) {
      ComputationGraphConfiguration conf = graph.getConfiguration();
      conf.setIterationCount(roundIteration);
      conf.setEpochCount(roundEpoch);
      FusedUpdater.install(graph);
      positioned = model;
    }
    int iteration = graph.getIterationCount();
    Nd4j.getRandom().setSeed(mix(seed, iteration, fingerprint(minibatch.getLabels(0))));
    pending =
        new WorkerStep(
            iteration, graph.getEpochCount(), learningRate(graph), FusedUpdater.fused(graph), 0);
    fitStart = System.nanoTime();
  }

  @Override
  public void preUpdate(DataSet minibatch, Model model) {
    throw new UnsupportedOperationException("the trainers fit ComputationGraphs only");
  }

  @Override
  public void postUpdate(DataSet minibatch, Model model) {}

  @Override
  public void postUpdate(MultiDataSet minibatch, Model model) {
    double seconds = (System.nanoTime() - fitStart) / 1e9;
    steps.add(
        new WorkerStep(
            pending.iteration(),
            pending.epoch(),
            pending.learningRate(),
            pending.fusedUpdate(),
            seconds));
    pending = null;
  }

  /** The rate the first trainable layer's updater applies at the network's current position. */
  private static double learningRate(ComputationGraph graph) {
    for (var layer : graph.getLayers()) {
      if (layer.numParams() > 0) {
        Double lr = NetworkUtils.getLearningRate(graph, layer.conf().getLayer().getLayerName());
        if (lr != null) {
          return lr;
        }
      }
    }
    return Double.NaN;
  }

  private static long fingerprint(INDArray labels) {
    // Every element: a mixed batch's labels are [mb, 3] (class, partner's class, weight).
    return Arrays.hashCode(labels.reshape(labels.length()).toFloatVector());
  }

  private static long mix(long a, long b, long c) {
    long h = a * 0x9E3779B97F4A7C15L + b;
    h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + c;
    return h ^ (h >>> 29);
  }
}
