package org.ebvspark.data.table;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.xxhash64;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.io.AtomicOutput;
import org.ebvspark.model.io.Locations;
import org.ebvspark.model.io.OwnedOutput;

/**
 * Writes an image table (see {@link ImageTable}) atomically: everything goes to a hidden sibling
 * directory, which is renamed into place before {@code _SUCCESS} is written. Rows of each split are
 * shuffled with the seed (a hash of seed and path orders them, and decides their shard), so a shard
 * read in order yields mixed classes, and the same seed gives the same files.
 */
public final class ImageTableWriter {

  /**
   * @param output the table location
   * @param overwrite replace an existing table
   * @param seed the shuffle seed
   * @param shardBytes target bytes of image data per Parquet file
   * @param rowGroupBytes Parquet row group size: what a reader holds at once
   */
  public record Options(
      String output, boolean overwrite, long seed, long shardBytes, long rowGroupBytes) {}

  /** What was written: rows per split, rejections, and the report's location. */
  public record Summary(
      String output,
      Map<String, Long> rows,
      Map<String, Long> bytes,
      long rejected,
      Map<String, Long> rejectedByReason,
      int classes) {}

  private final SparkSession spark;
  private final Options options;
  private final Configuration conf;

  public ImageTableWriter(SparkSession spark, Options options) {
    this.spark = spark;
    this.options = options;
    this.conf = spark.sparkContext().hadoopConfiguration();
  }

  /**
   * Refuses an existing table before any work, and with {@code overwrite} anything at the output
   * that is not an image table this tool wrote (its {@link OwnedOutput#MARKER}).
   */
  public static void refuseExisting(String output, boolean overwrite, Configuration conf) {
    try {
      OwnedOutput.checkReplaceable(output, OwnedOutput.Kind.IMAGE_TABLE, overwrite, null, conf);
    } catch (IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * The temporary folders an interrupted write of {@code output} left beside it ({@code
   * .NAME.tmp-UUID}, which only this writer makes).
   */
  public static java.util.List<String> leftovers(String output, Configuration conf) {
    Path target = Locations.path(output);
    FileSystem fs = Locations.fileSystem(target, conf);
    Path parent = target.getParent();
    java.util.List<String> out = new java.util.ArrayList<>();
    try {
      if (parent == null || !fs.exists(parent)) {
        return out;
      }
      String prefix = "." + target.getName() + ".tmp-";
      for (var status : fs.listStatus(parent, p -> p.getName().startsWith(prefix))) {
        out.add(status.getPath().toString());
      }
    } catch (IOException e) {
      // Listing is advice only; the write itself reports real problems.
    }
    return out;
  }

  /**
   * Writes the table.
   *
   * @param rows the split table's columns plus {@code reason} (null for good rows)
   * @param provenance what the report records about the input and settings
   */
  public Summary write(Dataset<Row> rows, ClassList classes, Map<String, Object> provenance)
      throws IOException {
    refuseExisting(options.output(), options.overwrite(), conf);
    Path target = Locations.path(options.output());
    FileSystem fs = Locations.fileSystem(target, conf);
    Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
    Dataset<Row> all = rows.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> good = all.filter(col(ImageTable.REASON).isNull()).drop(ImageTable.REASON);
      Dataset<Row> rejected =
          all.filter(col(ImageTable.REASON).isNotNull())
              .select(
                  col(ImageTable.PATH),
                  col(ImageTable.SPLIT),
                  col(ImageTable.CLASS_ID),
                  col(ImageTable.REASON));

      Map<String, Long> rowCounts = new TreeMap<>();
      Map<String, Long> byteCounts = new TreeMap<>();
      Map<String, Map<String, Long>> perClass = new TreeMap<>();
      for (Row r :
          good.groupBy(ImageTable.SPLIT, ImageTable.LABEL)
              .agg(org.apache.spark.sql.functions.count(lit(1)), sum(length(col(ImageTable.IMAGE))))
              .collectAsList()) {
        String split = r.getString(0);
        int label = r.getInt(1);
        rowCounts.merge(split, r.getLong(2), Long::sum);
        byteCounts.merge(split, r.getLong(3), Long::sum);
        perClass.computeIfAbsent(split, s -> new TreeMap<>()).put(classes.id(label), r.getLong(2));
      }
      for (Map.Entry<String, Long> split : byteCounts.entrySet()) {
        int shards =
            (int) Math.max(1, (split.getValue() + options.shardBytes() - 1) / options.shardBytes());
        good.filter(col(ImageTable.SPLIT).equalTo(split.getKey()))
            .withColumn("_order", xxhash64(lit(options.seed()), col(ImageTable.PATH)))
            .repartition(shards, col("_order"))
            .sortWithinPartitions("_order")
            .drop("_order")
            .write()
            .mode(SaveMode.ErrorIfExists)
            .option("compression", "uncompressed") // the images are compressed already
            .option("parquet.block.size", Long.toString(options.rowGroupBytes()))
            .parquet(new Path(tmp, split.getKey()).toString());
      }
      // Reasons without their particulars ("truncated jpeg (123 bytes, ...)" -> "truncated jpeg").
      Map<String, Long> reasons = new TreeMap<>();
      long rejectedCount = 0;
      for (Row r :
          rejected
              .groupBy(
                  regexp_replace(regexp_replace(col(ImageTable.REASON), " \\(.*$", ""), ":.*$", ""))
              .count()
              .collectAsList()) {
        reasons.put(r.getString(0), r.getLong(1));
        rejectedCount += r.getLong(1);
      }
      rejected
          .coalesce(1)
          .write()
          .mode(SaveMode.ErrorIfExists)
          .parquet(new Path(tmp, ImageTable.REJECTED).toString());
      classes.write(new Path(tmp, ImageTable.CLASSES_FILE).toString(), conf);
      OwnedOutput.mark(tmp.toString(), OwnedOutput.Kind.IMAGE_TABLE, conf);

      Map<String, Object> report = new LinkedHashMap<>();
      report.put("table", options.output());
      report.put("classes", classes.size());
      report.put("rows", rowCounts);
      report.put("imageBytes", byteCounts);
      report.put("rejected", rejectedCount);
      report.put("rejectedByReason", reasons);
      report.put("rowsPerClass", perClass);
      report.put("seed", options.seed());
      report.put("shardBytes", options.shardBytes());
      report.put("rowGroupBytes", options.rowGroupBytes());
      report.put("input", provenance);
      report.put("software", Provenance.software());
      report.put("createdAt", Provenance.now());
      try (AtomicOutput out =
          AtomicOutput.create(new Path(tmp, ImageTable.REPORT_FILE).toString(), false, conf)) {
        out.write(Provenance.json().writeValueAsBytes(report));
        out.commit();
      }

      if (fs.exists(target)) {
        refuseExisting(options.output(), true, conf); // still ours, as when the job started
        fs.delete(target, true);
      }
      if (!fs.rename(tmp, target)) {
        throw new IOException(options.output() + ": could not move the finished table into place");
      }
      fs.create(new Path(target, ImageTable.SUCCESS), false).close();
      return new Summary(
          options.output(), rowCounts, byteCounts, rejectedCount, reasons, classes.size());
    } finally {
      all.unpersist();
      if (fs.exists(tmp)) {
        fs.delete(tmp, true);
      }
    }
  }
}
