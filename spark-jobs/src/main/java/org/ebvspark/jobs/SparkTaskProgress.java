package org.ebvspark.jobs;

import java.io.PrintWriter;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/**
 * The progress of a command's Spark work, counted from the scheduler's events: tasks finished of
 * the tasks of the stages submitted so far (the total grows as later stages start), with the stage
 * that is running. Attached for the length of one command.
 */
public final class SparkTaskProgress extends SparkListener implements AutoCloseable {
  private final SparkSession spark;
  private final Progress progress;
  private long total;
  private long done;
  private String stage = "";

  private SparkTaskProgress(SparkSession spark, Progress progress) {
    this.spark = spark;
    this.progress = progress;
  }

  public static SparkTaskProgress attach(SparkSession spark, String task, PrintWriter lines) {
    SparkTaskProgress p =
        new SparkTaskProgress(spark, Progress.start(task + "  tasks", 0, "tasks", lines));
    spark.sparkContext().addSparkListener(p);
    return p;
  }

  @Override
  public synchronized void onStageSubmitted(SparkListenerStageSubmitted submitted) {
    total += submitted.stageInfo().numTasks();
    stage = submitted.stageInfo().name().replaceAll(" at .*", "");
    progress.total(total);
  }

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
    done++;
    progress.update(done, stage, done == 1);
  }

  @Override
  public void close() {
    spark.sparkContext().removeSparkListener(this);
    synchronized (this) {
      if (done > 1) {
        progress.update(done, "done", true);
      }
    }
    progress.close();
  }
}
