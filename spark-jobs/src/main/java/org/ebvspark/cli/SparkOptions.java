package org.ebvspark.cli;

import org.apache.spark.sql.SparkSession;
import org.ebvspark.jobs.SparkSessions;
import picocli.CommandLine.Option;

/** The Spark option of every command that runs Spark jobs, declared once (a picocli mixin). */
final class SparkOptions {
  @Option(
      names = "--master",
      description =
          "Spark master URL: local[*], local[N], spark://HOST:PORT, yarn, k8s://... (default:"
              + " spark-submit's, else local[*]).")
  String master;

  /** The session to run in: spark-submit's, or one on {@code --master} (checked first). */
  SparkSession session(String appName) {
    return SparkSessions.getOrCreate(appName, master);
  }
}
