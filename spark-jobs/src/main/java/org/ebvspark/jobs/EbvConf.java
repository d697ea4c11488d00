package org.ebvspark.jobs;

import org.apache.spark.SparkConf;

/**
 * ebv settings, resolved once on the driver with this precedence: the command-line flag, then the
 * {@code spark.ebv.*} key in the Spark configuration (spark-defaults.conf, --conf), then the
 * default. Never shipped to executors.
 */
public final class EbvConf {
  /** Tasks per generator step (default: the context's default parallelism). */
  public static final String GENERATE_PARTITIONS = "spark.ebv.generate.partitions";

  /** Generator checkpoint every this many steps (default 0: by time only). */
  public static final String GENERATE_CHECKPOINT_EVERY = "spark.ebv.generate.checkpointEvery";

  /** Generator checkpoint when this many minutes have passed (default 10). */
  public static final String GENERATE_CHECKPOINT_MINUTES = "spark.ebv.generate.checkpointMinutes";

  private final SparkConf conf;

  /**
   * @param conf the Spark configuration, or null when no Spark runs
   */
  public EbvConf(SparkConf conf) {
    this.conf = conf;
  }

  public int intValue(Integer flag, String key, int fallback) {
    if (flag != null) {
      return flag;
    }
    return conf != null && conf.contains(key) ? Integer.parseInt(conf.get(key).trim()) : fallback;
  }

  public double doubleValue(Double flag, String key, double fallback) {
    if (flag != null) {
      return flag;
    }
    return conf != null && conf.contains(key) ? Double.parseDouble(conf.get(key).trim()) : fallback;
  }
}
