package org.ebvspark.jobs.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What a predictions table ({@code ebv evaluate}'s {@code predictions-SPLIT}) says beyond accuracy,
 * aggregated on the executors so that only a few rows reach the driver at any N: the most confused
 * (true, predicted) class pairs, and calibration (expected calibration error over equal-width
 * confidence bins, Guo et al. 2017).
 */
final class PredictionAnalysis {
  /** A true class whose images were taken for another, {@code count} times. */
  record ConfusedPair(int trueClass, int predictedClass, long count, long trueImages) {}

  /** One confidence bin: images whose top-1 confidence lies in [lower, upper). */
  record Bin(double lower, double upper, long images, double meanConfidence, double accuracy) {}

  /**
   * @param confidenceSource "softmax over all classes", or, for tables written before the
   *     confidence column, "softmax over the top five logits" (an upper bound of the real one)
   * @param ece sum over bins of |accuracy - confidence| x share of images
   */
  record Calibration(String confidenceSource, double ece, List<Bin> bins) {}

  record Result(long images, List<ConfusedPair> confused, Calibration calibration) {}

  static final int BINS = 15;

  private PredictionAnalysis() {}

  static Result analyse(SparkSession spark, String predictions, int pairs) {
    Dataset<Row> table = spark.read().parquet(predictions);
    boolean full = Arrays.asList(table.columns()).contains("confidence");
    Dataset<Row> p =
        table.select(
            col("label"),
            col("top5").getItem(0).as("predicted"),
            full
                ? col("confidence").cast("double").as("confidence")
                : expr("1D / aggregate(scores, 0D, (acc, x) -> acc + exp(x - scores[0]))")
                    .as("confidence"));
    p = p.cache();
    try {
      long images = p.count();
      Dataset<Row> totals = p.groupBy("label").agg(count(lit(1)).as("n"));
      List<ConfusedPair> confused = new ArrayList<>();
      for (Row r :
          p.filter(col("label").notEqual(col("predicted")))
              .groupBy("label", "predicted")
              .agg(count(lit(1)).as("count"))
              .join(totals, "label")
              .orderBy(desc("count"), col("label"), col("predicted"))
              .limit(pairs)
              .collectAsList()) {
        confused.add(
            new ConfusedPair(
                r.getInt(r.fieldIndex("label")),
                r.getInt(r.fieldIndex("predicted")),
                r.getLong(r.fieldIndex("count")),
                r.getLong(r.fieldIndex("n"))));
      }
      long[] n = new long[BINS];
      double[] confidence = new double[BINS];
      long[] correct = new long[BINS];
      for (Row r :
          p.select(
                  least(expr("cast(floor(confidence * " + BINS + ") as int)"), lit(BINS - 1))
                      .as("bin"),
                  col("confidence"),
                  when(col("label").equalTo(col("predicted")), 1).otherwise(0).as("correct"))
              .groupBy("bin")
              .agg(count(lit(1)), sum("confidence"), sum("correct"))
              .collectAsList()) {
        int b = Math.max(0, r.getInt(0));
        n[b] += r.getLong(1);
        confidence[b] += r.getDouble(2);
        correct[b] += r.getLong(3);
      }
      List<Bin> bins = new ArrayList<>();
      double ece = 0;
      for (int b = 0; b < BINS; b++) {
        double meanConfidence = n[b] == 0 ? Double.NaN : confidence[b] / n[b];
        double accuracy = n[b] == 0 ? Double.NaN : (double) correct[b] / n[b];
        if (n[b] > 0) {
          ece += Math.abs(accuracy - meanConfidence) * n[b] / images;
        }
        bins.add(
            new Bin((double) b / BINS, (double) (b + 1) / BINS, n[b], meanConfidence, accuracy));
      }
      String source = full ? "softmax over all classes" : "softmax over the top five logits";
      return new Result(images, confused, new Calibration(source, ece, bins));
    } finally {
      p.unpersist();
    }
  }
}
