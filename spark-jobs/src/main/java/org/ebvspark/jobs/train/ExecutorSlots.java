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
   * The slots a run starts with, once the cluster has given what it will: as many as the
   * application asked for ({@code spark.executor.instances} x {@code spark.executor.cores}, or
   * standalone's {@code spark.cores.max}), or, where it asked for no number, as many as have
   * registered when none more came for {@code settleSeconds}; in any case what is there after
   * {@code spark.scheduler.maxRegisteredResourcesWaitingTime} (30 s), and at least one, waited for
   * up to {@code waitSeconds}.
   */
  static int awaitStart(SparkContext sc, double settleSeconds, double waitSeconds) {
    int first = awaitAlive(sc, waitSeconds);
    if (sc.isLocal()) {
      return first;
    }
    int expected = expected(sc);
    long deadline =
        System.nanoTime()
            + sc.conf().getTimeAsMs("spark.scheduler.maxRegisteredResourcesWaitingTime", "30s")
                * 1_000_000L;
    int slots = first;
    long changed = System.nanoTime();
    while (System.nanoTime() < deadline) {
      if (expected > 0 ? slots >= expected : System.nanoTime() - changed > settleSeconds * 1e9) {
        break;
      }
      sleep();
      int now = alive(sc);
      if (now != slots) {
        slots = now;
        changed = System.nanoTime();
      }
    }
    return Math.max(1, slots);
  }

  /** The slots the application asked for, 0 where it named no number. */
  private static int expected(SparkContext sc) {
    int taskCpus = sc.conf().getInt("spark.task.cpus", 1);
    if (sc.conf().contains("spark.executor.instances")) {
      return sc.conf().getInt("spark.executor.instances", 0)
          * sc.conf().getInt("spark.executor.cores", 1)
          / taskCpus;
    }
    if (sc.conf().contains("spark.cores.max")) {
      return sc.conf().getInt("spark.cores.max", 0) / taskCpus;
    }
    return 0;
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
      sleep();
    }
    return slots;
  }

  private static void sleep() {
    try {
      Thread.sleep(POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for executors", e);
    }
  }
}
