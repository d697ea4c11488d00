package org.ebvspark.jobs;

import org.apache.spark.SparkEnv;

/** How a task names where it ran in what it reports: its executor and the device it was given. */
public final class WorkerId {
  private WorkerId() {}

  /** "EXECUTOR:gpuN" for a task given GPU N, "EXECUTOR:cpu" otherwise. */
  public static String here(int device) {
    return of(executor(), device);
  }

  public static String of(String executor, int device) {
    return executor + ":" + (device < 0 ? "cpu" : "gpu" + device);
  }

  /** The executor this code runs in ("driver" in the driver and in local mode). */
  public static String executor() {
    return SparkEnv.get() == null ? "driver" : SparkEnv.get().executorId();
  }
}
