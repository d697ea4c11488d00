package org.ebvspark.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.ebvspark.model.ebv.EbvBasis;
import org.ebvspark.model.ebv.EbvFile;
import org.ebvspark.model.ebv.EbvGenerator;
import org.ebvspark.model.ebv.GeneratorMode;
import org.ebvspark.model.ebv.GeneratorSettings;
import org.ebvspark.model.io.Locations;
import org.ebvspark.testing.LocalSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator job on a real HDFS (an in-JVM MiniDFSCluster): output, metrics, checkpoints. */
class HdfsGenerationTest {
  private static LocalSpark spark;
  private static MiniDFSCluster hdfs;
  @TempDir static Path base;

  @BeforeAll
  static void start() throws Exception {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.resolve("hdfs").toString());
    hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    hdfs.waitActive();
    spark = LocalSpark.start();
  }

  @AfterAll
  static void stop() {
    spark.close();
    hdfs.shutdown();
  }

  @Test
  void generatesToHdfsAndReadsBackIdentically() throws Exception {
    Configuration conf = hdfs.getConfiguration(0);
    String uri = "hdfs://localhost:" + hdfs.getNameNodePort() + "/bases/w.ebv";
    GeneratorSettings s =
        GeneratorSettings.of(300, 24, 0.5, GeneratorMode.FAITHFUL, 3).withSliceRows(60);
    var request = new GenerateEbvJob.Request(s, uri, false, false, 50, 0, 2);
    GenerateEbvJob.Result result =
        new GenerateEbvJob(request, conf).executeOnSpark(spark.context(), r -> {});

    EbvBasis read = EbvFile.read(uri, conf);
    var local = EbvGenerator.generate(s, r -> {});
    assertThat(read.matrix().equalsWithEps(local.basis(), 1e-5)).isTrue();
    assertThat(read.header().checksum()).isEqualTo(result.header().checksum());
    FileSystem fs = Locations.fileSystem(Locations.path(uri), conf);
    assertThat(fs.exists(Locations.path(uri + ".metrics.jsonl"))).isTrue();
    assertThat(fs.exists(Locations.path(uri + ".checkpoints"))).isFalse();
    // Nothing else was left in the directory: no temporary files.
    assertThat(fs.listStatus(Locations.path(uri).getParent())).hasSize(2);
  }
}
