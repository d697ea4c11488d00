package org.ebvspark.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.ebvspark.data.importer.SyntheticImages;
import org.ebvspark.data.table.EncodedImage;
import org.ebvspark.data.table.HadoopConf;
import org.ebvspark.data.table.ImageRows;
import org.ebvspark.data.table.ImageSource;
import org.ebvspark.data.table.ImageTable;

/**
 * The distributed part of preparation: inputs become table rows (with {@code reason}) on the
 * executors, which read the files, decode every image and optionally resize it. What comes back is
 * a Dataset for {@link org.ebvspark.data.table.ImageTableWriter}.
 */
public final class Preparation {
  private Preparation() {}

  /** Files listed by an importer: read, checked and converted on the executors. */
  public static Dataset<Row> fromFiles(
      SparkSession spark, List<ImageSource> sources, int resize, int quality) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    int slices = Math.max(sc.defaultParallelism() * 4, (sources.size() + 999) / 1000);
    JavaRDD<Row> rows =
        sc.parallelize(sources, Math.max(1, Math.min(slices, sources.size())))
            .mapPartitions(
                (Iterator<ImageSource> it) -> {
                  Configuration c = conf.get();
                  List<Row> out = new ArrayList<>();
                  while (it.hasNext()) {
                    out.add(ImageRows.toRow(EncodedImage.read(it.next(), c), resize, quality));
                  }
                  return out.iterator();
                });
    return spark.createDataFrame(rows, ImageRows.withReason());
  }

  /** Images already in memory (Fashion-MNIST): checked and converted on the executors. */
  public static Dataset<Row> fromEncoded(SparkSession spark, List<EncodedImage> images) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int slices = Math.max(sc.defaultParallelism() * 4, images.size() / 5000);
    JavaRDD<Row> rows =
        sc.parallelize(images, Math.max(1, Math.min(slices, images.size())))
            .map(image -> ImageRows.toRow(image, 0, 0));
    return spark.createDataFrame(rows, ImageRows.withReason());
  }

  /** Synthetic images, generated on the executors, a block of classes per task. */
  public static Dataset<Row> synthetic(
      SparkSession spark,
      int classes,
      int perClass,
      int valPerClass,
      int size,
      double corrupt,
      long seed) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int tasks = Math.max(1, Math.min(classes, sc.defaultParallelism() * 4));
    JavaRDD<Row> rows =
        sc.parallelize(IntStream.range(0, classes).boxed().toList(), tasks)
            .flatMap(
                label -> {
                  List<Row> out = new ArrayList<>(perClass + valPerClass);
                  add(out, label, ImageTable.TRAIN, perClass, size, corrupt, seed);
                  add(out, label, ImageTable.VAL, valPerClass, size, corrupt, seed);
                  return out.iterator();
                });
    return spark.createDataFrame(rows, ImageRows.withReason());
  }

  private static void add(
      List<Row> out, int label, String split, int count, int size, double corrupt, long seed) {
    for (int i = 0; i < count; i++) {
      String path = String.format("synthetic:%s/%d/%d", split, label, i);
      out.add(
          RowFactory.create(
              SyntheticImages.png(label, size, seed, split, i, corrupt),
              label,
              Integer.toString(label),
              path,
              split,
              "png",
              size,
              size,
              null));
    }
  }
}
