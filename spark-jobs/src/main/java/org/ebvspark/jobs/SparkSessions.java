package org.ebvspark.jobs;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The SparkSession a command runs in. Under spark-submit the master and configuration come from
 * spark-submit and are left alone; run from the ebv launcher, the session uses {@code --master}
 * (default local[*]) with the options Spark needs on Java 17.
 */
public final class SparkSessions {
  /** Spark on Java 17 (../shared/STACK.md): also for executors started on other machines. */
  public static final String JAVA17_OPTIONS =
      "--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED"
          + " --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED"
          + " --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED"
          + " --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED"
          + " --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED"
          + " --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED"
          + " --add-opens=java.base/sun.security.action=ALL-UNNAMED"
          + " --add-opens=java.base/sun.util.calendar=ALL-UNNAMED";

  /**
   * The ND4J options executors start with: the same backend build and DL4J helpers as the driver
   * (taken from the driver's own system properties).
   */
  public static String nd4jOptions() {
    StringBuilder out = new StringBuilder();
    for (String key :
        new String[] {
          "org.bytedeco.javacpp.platform.extension",
          "org.eclipse.deeplearning4j.helpers.disable",
          "org.deeplearning4j.spark.time.TimeSource"
        }) {
      String value = System.getProperty(key);
      if (value != null) {
        out.append(" -D").append(key).append('=').append(value);
      }
    }
    return out.toString();
  }

  private SparkSessions() {}

  /**
   * The running session if there is one (spark-submit, tests), else a new one.
   *
   * @param master the --master flag, or null to keep spark-submit's (default local[*])
   */
  public static SparkSession getOrCreate(String appName, String master) {
    SparkConf conf = new SparkConf();
    if (master != null) {
      requireMasterUrl(master);
      conf.setMaster(master);
    } else if (!conf.contains("spark.master")) {
      conf.setMaster("local[*]");
    }
    conf.setIfMissing("spark.app.name", appName);
    conf.setIfMissing("spark.executor.extraJavaOptions", JAVA17_OPTIONS + nd4jOptions());
    // Each generator step collects the gradient (N x d floats); Spark's default cap is 1 GiB.
    conf.setIfMissing("spark.driver.maxResultSize", "0");
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    // A training round's results (each worker's parameters and updater state) come back in the
    // task's status message up to Spark's RPC limit, instead of through a block fetch per task
    // (docs/BENCHMARKS.md, round-path).
    conf.setIfMissing("spark.task.maxDirectResultSize", "128m");
    return SparkSession.builder().config(conf).getOrCreate();
  }

  private static final java.util.regex.Pattern MASTER =
      java.util.regex.Pattern.compile(
          "local(\\[(\\*|\\d+)(,\\d+)?])?|local-cluster\\[\\d+,\\d+,\\d+]|yarn"
              + "|(spark|k8s|mesos)://\\S+");

  /** Refuses a --master that Spark would reject only after starting (with a long trace). */
  public static void requireMasterUrl(String master) {
    org.ebvspark.model.io.Locations.refuseCredentials(
        master,
        "master URL",
        "a Spark master takes a shared secret instead (spark.authenticate=true and"
            + " spark.authenticate.secret, given with spark-submit --conf or in"
            + " spark-defaults.conf)");
    if (!MASTER.matcher(master).matches()) {
      throw new org.ebvspark.model.BadOptionException(
          "--master '"
              + master
              + "' is not a Spark master URL (local[*], local[N], spark://HOST:PORT, yarn,"
              + " k8s://https://HOST:PORT)");
    }
  }
}
