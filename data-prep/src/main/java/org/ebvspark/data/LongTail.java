package org.ebvspark.data;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.xxhash64;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.ebvspark.data.table.ImageTable;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.io.Locations;

/**
 * A long-tailed subset of a table's train split, by the long-tailed CIFAR protocol the EBV paper
 * uses (Cao et al. 2019; Cui et al. 2019): class i of C keeps n_i = floor(n_max r^(-i/(C-1)))
 * images, n_max being the largest class and r the imbalance ratio, so class 0 keeps n_max and class
 * C-1 keeps n_max / r. Which images stay is decided by a hash of (seed, "long-tail", path). Val is
 * unchanged.
 */
public final class LongTail {
  /**
   * Keeps the choice independent of the order {@link org.ebvspark.data.table.ImageTableWriter}
   * stores rows in, a hash of (seed, path) too: ranking by that same hash kept the smallest hashes
   * of every class but the largest, so the stored order ran from all classes to the largest alone,
   * and the trainer's batches (runs of stored rows) ended each epoch on one class.
   */
  private static final String SALT = "long-tail";

  /**
   * The prep-report's {@code input} field that says how rows were chosen; long-tail tables written
   * before it existed are stored in the order described above, and training refuses them.
   */
  public static final String SELECTION = "selection";

  static final String SELECTION_VALUE = "xxhash64(seed, 'long-tail', path)";

  private LongTail() {}

  /**
   * Refuses a table that {@code ebv prepare long-tail} wrote with the choice of rows tied to their
   * stored order (before {@link #SELECTION} was recorded): its batches would end every epoch on the
   * largest class alone. Other tables, and tables without a report, pass.
   */
  public static void requireOrderIndependent(String table, Configuration conf) throws IOException {
    String report = table.replaceAll("/+$", "") + "/" + ImageTable.REPORT_FILE;
    if (!Locations.exists(report, conf)) {
      return;
    }
    JsonNode input;
    try (InputStream in = Locations.open(report, conf)) {
      input = Provenance.json().readTree(in).path("input");
    }
    if ("long-tail".equals(input.path("importer").asText()) && !input.has(SELECTION)) {
      throw new IllegalArgumentException(
          table
              + ": long-tailed table from an older ebv prepare long-tail, its rows stored from all"
              + " classes to the largest alone (batches would end each epoch on one class);"
              + " prepare it again");
    }
  }

  /** Images kept for each class index, given the largest class's count. */
  public static int[] counts(int classes, long nMax, double ratio) {
    int[] n = new int[classes];
    for (int i = 0; i < classes; i++) {
      double exponent = classes == 1 ? 0 : -(double) i / (classes - 1);
      n[i] = (int) Math.floor(nMax * Math.pow(ratio, exponent) + 1e-9);
    }
    return n;
  }

  /** The subset's rows (train cut down, val whole), with a null {@code reason} column. */
  public static Dataset<Row> subset(
      SparkSession spark,
      Dataset<Row> train,
      Dataset<Row> val,
      int classes,
      double ratio,
      long seed) {
    long nMax =
        train
            .groupBy(ImageTable.LABEL)
            .count()
            .agg(org.apache.spark.sql.functions.max("count"))
            .first()
            .getLong(0);
    int[] keep = counts(classes, nMax, ratio);
    List<Row> limits = new ArrayList<>();
    for (int i = 0; i < classes; i++) {
      limits.add(RowFactory.create(i, keep[i]));
    }
    StructType limitSchema =
        new StructType()
            .add("_label", DataTypes.IntegerType, false)
            .add("_keep", DataTypes.IntegerType, false);
    Dataset<Row> limitTable = spark.createDataFrame(limits, limitSchema);
    Dataset<Row> kept =
        train
            .withColumn(
                "_rank",
                row_number()
                    .over(
                        Window.partitionBy(col(ImageTable.LABEL))
                            .orderBy(xxhash64(lit(seed), lit(SALT), col(ImageTable.PATH)))))
            .join(broadcast(limitTable), col(ImageTable.LABEL).equalTo(col("_label")))
            .filter(col("_rank").leq(col("_keep")))
            .drop("_rank", "_label", "_keep");
    return kept.unionByName(val)
        .withColumn(ImageTable.REASON, lit(null).cast(DataTypes.StringType));
  }
}
