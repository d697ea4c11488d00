package org.ebvspark.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ebvspark.data.table.ImageTable;
import org.ebvspark.model.io.Locations;

/** Reading image tables with Spark. */
public final class ImageTables {
  private ImageTables() {}

  /** Refuses a table that does not exist or was not finished (no _SUCCESS). */
  public static void requireComplete(String table, Configuration conf) throws IOException {
    if (!Locations.exists(table, conf)) {
      throw new FileNotFoundException(table + ": no such image table");
    }
    if (!Locations.exists(table.replaceAll("/+$", "") + "/" + ImageTable.SUCCESS, conf)) {
      throw new IOException(
          table + ": incomplete image table (no " + ImageTable.SUCCESS + "); prepare it again");
    }
  }

  /** One split of a table. */
  public static Dataset<Row> read(SparkSession spark, String table, String split) {
    return spark.read().parquet(ImageTable.splitLocation(table, split));
  }
}
