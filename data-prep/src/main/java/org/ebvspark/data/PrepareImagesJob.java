package org.ebvspark.data;

import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ebvspark.data.importer.CsvLayout;
import org.ebvspark.data.importer.FashionMnist;
import org.ebvspark.data.importer.ImageFolderLayout;
import org.ebvspark.data.importer.Listing;
import org.ebvspark.data.table.ClassList;
import org.ebvspark.data.table.EncodedImage;
import org.ebvspark.data.table.ImageTable;
import org.ebvspark.data.table.ImageTableWriter;
import org.ebvspark.model.io.Locations;

/**
 * {@code ebv prepare}: the Spark jobs that turn a source (ImageNet folders, a CSV, Fashion-MNIST,
 * synthetic images, or an existing table for a long-tailed subset) into an image table. Each method
 * validates its inputs and the output before any Spark work, labels the Spark job group, and
 * returns what was written.
 */
public final class PrepareImagesJob {
  private final SparkSession spark;
  private final ImageTableWriter.Options options;
  private final Configuration conf;

  public PrepareImagesJob(SparkSession spark, ImageTableWriter.Options options) {
    this.spark = spark;
    this.options = options;
    this.conf = spark.sparkContext().hadoopConfiguration();
  }

  /** ImageNet's folder layout under {@code root}. */
  public ImageTableWriter.Summary imagenet(String root, String valLabels, int resize, int quality)
      throws IOException {
    ImageTableWriter.refuseExisting(options.output(), options.overwrite(), conf);
    Listing listing = ImageFolderLayout.list(root, valLabels, conf);
    Map<String, Object> input = input("imagenet", root);
    input.put("valLabels", valLabels == null ? null : redact(valLabels));
    input.put("resizeShorterSide", resize);
    input.put("jpegQuality", resize > 0 ? quality : null);
    return write(
        "ebv prepare imagenet " + redact(root),
        Preparation.fromFiles(spark, listing.sources(), resize, quality),
        listing.classes(),
        input);
  }

  /** The CSV layout ({@code image_id,label}) of the EBV reference code. */
  public ImageTableWriter.Summary csv(
      String csv, String imagesRoot, String split, Integer classes, int resize, int quality)
      throws IOException {
    ImageTableWriter.refuseExisting(options.output(), options.overwrite(), conf);
    Listing listing = CsvLayout.list(csv, imagesRoot, split, classes, conf);
    Map<String, Object> input = input("csv", csv);
    input.put("imagesRoot", redact(imagesRoot));
    input.put("split", split);
    input.put("resizeShorterSide", resize);
    return write(
        "ebv prepare csv " + redact(csv),
        Preparation.fromFiles(spark, listing.sources(), resize, quality),
        listing.classes(),
        input);
  }

  /** Fashion-MNIST from its IDX files in {@code dir}. */
  public ImageTableWriter.Summary fashionMnist(String dir) throws IOException {
    ImageTableWriter.refuseExisting(options.output(), options.overwrite(), conf);
    List<EncodedImage> images = FashionMnist.read(dir, conf);
    return write(
        "ebv prepare fashion-mnist",
        Preparation.fromEncoded(spark, images),
        FashionMnist.classes(),
        input("fashion-mnist", dir));
  }

  /** Synthetic images: {@code perClass} train and {@code valPerClass} val images per class. */
  public ImageTableWriter.Summary synthetic(int classes, int perClass, int valPerClass, int size)
      throws IOException {
    return synthetic(classes, perClass, valPerClass, size, 0);
  }

  /**
   * @param corrupt the probability that a cell of an image takes a random color (0: none)
   */
  public ImageTableWriter.Summary synthetic(
      int classes, int perClass, int valPerClass, int size, double corrupt) throws IOException {
    if (classes < 1 || perClass < 1 || valPerClass < 0 || size < 4) {
      throw new IllegalArgumentException(
          "synthetic needs classes >= 1, per-class >= 1, val-per-class >= 0 and size >= 4");
    }
    if (!(corrupt >= 0 && corrupt < 1)) {
      throw new org.ebvspark.model.BadOptionException(
          "--corrupt must be in [0, 1), got " + corrupt);
    }
    ImageTableWriter.refuseExisting(options.output(), options.overwrite(), conf);
    Map<String, Object> input = input("synthetic", null);
    input.put("classes", classes);
    input.put("perClass", perClass);
    input.put("valPerClass", valPerClass);
    input.put("size", size);
    input.put("corrupt", corrupt);
    return write(
        "ebv prepare synthetic",
        Preparation.synthetic(spark, classes, perClass, valPerClass, size, corrupt, options.seed()),
        new ClassList(
            java.util.stream.IntStream.range(0, classes).mapToObj(Integer::toString).toList()),
        input);
  }

  /**
   * A long-tailed subset of the train split of {@code table} with imbalance ratio {@code ratio}.
   */
  public ImageTableWriter.Summary longTail(String table, double ratio) throws IOException {
    if (!(ratio >= 1)) {
      throw new IllegalArgumentException("--ratio must be at least 1, got " + ratio);
    }
    ImageTableWriter.refuseExisting(options.output(), options.overwrite(), conf);
    ImageTables.requireComplete(table, conf);
    ClassList classes = ClassList.read(table + "/" + ImageTable.CLASSES_FILE, conf);
    Dataset<Row> train = ImageTables.read(spark, table, ImageTable.TRAIN);
    Dataset<Row> val = ImageTables.read(spark, table, ImageTable.VAL);
    Map<String, Object> input = input("long-tail", table);
    input.put("ratio", ratio);
    input.put(LongTail.SELECTION, LongTail.SELECTION_VALUE);
    return write(
        "ebv prepare long-tail",
        LongTail.subset(spark, train, val, classes.size(), ratio, options.seed()),
        classes,
        input);
  }

  private ImageTableWriter.Summary write(
      String description, Dataset<Row> rows, ClassList classes, Map<String, Object> input)
      throws IOException {
    spark.sparkContext().setJobGroup("ebv-prepare", description, false);
    try {
      return new ImageTableWriter(spark, options).write(rows, classes, input);
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  private static Map<String, Object> input(String importer, String location) {
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("importer", importer);
    input.put("location", location == null ? null : redact(location));
    return input;
  }

  /** A location without user information: credentials never reach logs or reports. */
  static String redact(String location) {
    try {
      URI uri = URI.create(location);
      if (uri.getUserInfo() == null) {
        return location;
      }
      return new URI(
              uri.getScheme(),
              null,
              uri.getHost(),
              uri.getPort(),
              uri.getPath(),
              uri.getQuery(),
              null)
          .toString();
    } catch (IllegalArgumentException | java.net.URISyntaxException e) {
      return location;
    }
  }

  /** Whether {@code location} exists (used by the command line before Spark starts). */
  public static boolean exists(String location, Configuration conf) {
    return Locations.exists(location, conf);
  }
}
