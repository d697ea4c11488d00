package org.ebvspark.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Row;
import org.ebvspark.data.table.ImageTableWriter;
import org.ebvspark.model.io.Locations;
import org.ebvspark.testing.InJvmS3;
import org.ebvspark.testing.LocalSpark;
import org.ebvspark.testing.PlantedImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table prepared to real remote file systems, in-JVM: HDFS (MiniDFSCluster) and S3 (s3proxy
 * through Hadoop's s3a), read back identically, and used as the input of another preparation.
 */
class StorageRoundTripTest {
  private static final String SECRET = "s3cr3t-never-in-reports";
  private static LocalSpark spark;
  private static MiniDFSCluster hdfs;
  private static InJvmS3 s3;
  @TempDir static Path base;

  @BeforeAll
  static void start() throws Exception {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.resolve("hdfs").toString());
    hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    hdfs.waitActive();

    s3 = InJvmS3.start("images", SECRET);
    spark = LocalSpark.start();
    s3.configure(spark.session().sparkContext().hadoopConfiguration());
  }

  @AfterAll
  static void stop() throws Exception {
    spark.close();
    s3.close();
    hdfs.shutdown();
  }

  private static List<Row> rows(String table) {
    return ImageTables.read(spark.session(), table, "train").collectAsList().stream()
        .sorted(Comparator.comparing(r -> r.getString(3)))
        .toList();
  }

  private static ImageTableWriter.Summary prepare(String source, String output) throws Exception {
    return new PrepareImagesJob(
            spark.session(), new ImageTableWriter.Options(output, false, 42, 1 << 20, 1 << 16))
        .imagenet(source, null, 0, 90);
  }

  @Test
  void tablesOnHdfsAndS3ReadBackAsTheLocalOne() throws Exception {
    Path source = base.resolve("imagenet");
    PlantedImages.imagenetTree(source);
    String local = base.resolve("local").toString();
    prepare(source.toString(), local);
    List<Row> expected = rows(local);

    String onHdfs = "hdfs://localhost:" + hdfs.getNameNodePort() + "/tables/imagenet";
    String onS3 = "s3a://images/tables/imagenet";
    for (String remote : List.of(onHdfs, onS3)) {
      ImageTableWriter.Summary s = prepare(source.toString(), remote);
      assertThat(s.rows()).containsEntry("train", 15L);
      List<Row> actual = rows(remote);
      assertThat(actual).hasSize(expected.size());
      for (int i = 0; i < expected.size(); i++) {
        assertThat(actual.get(i).getString(3)).isEqualTo(expected.get(i).getString(3));
        assertThat((byte[]) actual.get(i).get(0)).isEqualTo((byte[]) expected.get(i).get(0));
      }
      Configuration conf = spark.session().sparkContext().hadoopConfiguration();
      assertThat(Locations.exists(remote + "/_SUCCESS", conf)).isTrue();
      String report;
      try (var in = Locations.open(remote + "/prep-report.json", conf)) {
        report = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      assertThat(report).contains(remote).doesNotContain(SECRET);
    }

    // A remote table as the input of another preparation: a long-tailed subset from HDFS to S3.
    var tail =
        new PrepareImagesJob(
                spark.session(),
                new ImageTableWriter.Options(
                    "s3a://images/tables/tail", false, 1, 1 << 20, 1 << 16))
            .longTail(onHdfs, 2);
    assertThat(tail.rows().get("train")).isLessThan(15L).isGreaterThan(0L);
    // Trainers read it row by row: a derived table's nullable columns must not break that.
    Configuration conf = spark.session().sparkContext().hadoopConfiguration();
    assertThat(
            org.ebvspark.data.table.ImageTableReader.readAll(
                "s3a://images/tables/tail", "train", conf))
        .hasSize(tail.rows().get("train").intValue())
        .allSatisfy(r -> assertThat(r.image()).isNotEmpty());
  }
}
