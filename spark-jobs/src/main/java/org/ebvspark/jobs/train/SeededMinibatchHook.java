package org.ebvspark.jobs.train;

import java.util.Arrays;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeds the training thread's random generator (dropout) before each minibatch from the run's seed,
 * the iteration and the minibatch's content. Spark task threads otherwise carry generator state
 * from whatever ran on them before, so a resumed run would draw other dropout masks than the run it
 * continues; with this, the masks depend only on what is trained, not on the worker it lands on.
 */
final class SeededMinibatchHook implements TrainingHook {
  private static final long serialVersionUID = 1L;
  private final long seed;

  SeededMinibatchHook(long seed) {
    this.seed = seed;
  }

  @Override
  public void preUpdate(MultiDataSet minibatch, Model model) {
    long iteration = model instanceof ComputationGraph g ? g.getIterationCount() : 0;
    Nd4j.getRandom().setSeed(mix(seed, iteration, fingerprint(minibatch.getLabels(0))));
  }

  @Override
  public void preUpdate(DataSet minibatch, Model model) {
    Nd4j.getRandom().setSeed(mix(seed, 0, fingerprint(minibatch.getLabels())));
  }

  @Override
  public void postUpdate(DataSet minibatch, Model model) {}

  @Override
  public void postUpdate(MultiDataSet minibatch, Model model) {}

  private static long fingerprint(INDArray labels) {
    return Arrays.hashCode(labels.toFloatVector());
  }

  private static long mix(long a, long b, long c) {
    long h = a * 0x9E3779B97F4A7C15L + b;
    h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + c;
    return h ^ (h >>> 29);
  }
}
