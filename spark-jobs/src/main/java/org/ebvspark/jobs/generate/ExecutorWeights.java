package org.ebvspark.jobs.generate;

import org.apache.spark.broadcast.Broadcast;
import org.ebvspark.model.ebv.RowChunks;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * W on an executor: built once per JVM from a step's broadcast and shared by every task of that
 * step in the JVM, so an executor holds one off-heap copy of W (plus the broadcast's heap copy,
 * which the sparse gradient reads), however many tasks it runs.
 */
final class ExecutorWeights {
  private static long broadcastId = -1;
  private static INDArray matrix;

  private ExecutorWeights() {}

  /** W for {@code broadcast}, built by the first task of the JVM that asks. */
  static synchronized INDArray get(Broadcast<RowChunks> broadcast) {
    if (broadcast.id() != broadcastId) {
      matrix = null; // let the previous step's W go before building this one
      matrix = broadcast.value().toMatrix();
      broadcastId = broadcast.id();
    }
    return matrix;
  }
}
