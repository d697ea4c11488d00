package org.ebvspark.jobs.train;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Bytes the driver received as task results (Spark's own task metrics): for an averaging round,
 * what the workers sent back, parameters and updater state included.
 */
public final class ResultBytesListener extends SparkListener {
  private final AtomicLong bytes = new AtomicLong();

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if (end.taskMetrics() != null) {
      bytes.addAndGet(end.taskMetrics().resultSize());
    }
  }

  /** Bytes since the last call, then reset. */
  public long take() {
    return bytes.getAndSet(0);
  }
}
