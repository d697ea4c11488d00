package org.ebvspark.jobs.train;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.ebvspark.data.PrepareImagesJob;
import org.ebvspark.data.table.ImageTableWriter;
import org.ebvspark.model.ebv.EbvFile;
import org.ebvspark.model.ebv.EbvGenerator;
import org.ebvspark.model.ebv.EbvProvenance;
import org.ebvspark.model.ebv.GeneratorMode;
import org.ebvspark.model.ebv.GeneratorSettings;

/** The small table and bases the trainer tests share. */
final class TrainFixtures {
  private TrainFixtures() {}

  /** Six learnable classes of 16 x 16 images: 40 train and 10 val images each. */
  static void syntheticTable(SparkSession spark, String output) throws Exception {
    new PrepareImagesJob(spark, new ImageTableWriter.Options(output, false, 1, 1 << 20, 1 << 16))
        .synthetic(6, 40, 10, 16);
  }

  /** An N x d basis (fast mode, seed 1) written to {@code location}. */
  static String basis(String location, int n, int d, Configuration conf) throws Exception {
    var g = EbvGenerator.generate(GeneratorSettings.of(n, d, 0.01, GeneratorMode.FAST, 1), r -> {});
    EbvFile.write(
        g.basis(),
        0.01,
        g.achieved(),
        1,
        new EbvProvenance("test", null, null, Map.of(), "now"),
        location,
        false,
        conf);
    return location;
  }
}
