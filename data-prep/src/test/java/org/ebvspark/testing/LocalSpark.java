package org.ebvspark.testing;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/** One quiet local[2] Spark session for a test class (loopback driver, no UI), stopped after it. */
public final class LocalSpark implements AutoCloseable {
  private final SparkSession session;

  private LocalSpark(SparkSession session) {
    this.session = session;
  }

  public static LocalSpark start() {
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    SparkSession session =
        SparkSession.builder()
            .master("local[2]")
            .appName("ebv-test")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.driver.maxResultSize", "0")
            .getOrCreate();
    return new LocalSpark(session);
  }

  public SparkSession session() {
    return session;
  }

  public JavaSparkContext context() {
    return JavaSparkContext.fromSparkContext(session.sparkContext());
  }

  @Override
  public void close() {
    try {
      session.stop();
    } finally {
      SparkSession.clearActiveSession();
      SparkSession.clearDefaultSession();
    }
  }
}
