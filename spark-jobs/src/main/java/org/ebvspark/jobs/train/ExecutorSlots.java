package org.ebvspark.jobs.train;

import org.apache.spark.SparkContext;
import org.apache.spark.status.api.v1.ExecutorSummary;
import scala.collection.JavaConverters;

/**
 * The task slots of the executors alive now: each executor's cores over {@code spark.task.cpus},
 * from Spark's own status store (what its UI and REST API show), so a round is planned for the
 * executors present at its start, not for those counted when the run began. In local mode the
 * driver is the executor.
 */
final class ExecutorSlots {
  private static final long POLL_MILLIS = 200;

  private ExecutorSlots() {}

  /** Slots alive now (0 while no executor has registered). */
  static int alive(SparkContext sc) {
    if (sc.isLocal()) {
      return sc.defaultParallelism();
    }
    int taskCpus = sc.conf().getInt("spark.task.cpus", 1);
    int slots = 0;
    for (ExecutorSummary e : JavaConverters.seqAsJavaList(sc.statusStore().executorList(true))) {
      if (!"driver".equals(e.id())) {
        slots += e.totalCores() / taskCpus;
      }
    }
    return slots;
  }

  /**
   * Slots alive, waiting up to {@code waitSeconds} for the first executor to register.
   *
   * @throws IllegalStateException naming the master when none came
   */
  static int awaitAlive(SparkContext sc, double waitSeconds) {
    long deadline = System.nanoTime() + (long) (waitSeconds * 1e9);
    int slots;
    while ((slots = alive(sc)) == 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "no executor of "
                + sc.master()
                + " registered within "
                + Math.round(waitSeconds)
                + " s: the cluster gave this application no resources to train on");
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for executors", e);
      }
    }
    return slots;
  }
}
