package org.ebvspark.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.FileUtils;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The application jar in YARN cluster deploy mode, as a user submits it: an in-JVM YARN
 * (MiniYARNCluster: a resource manager and a node manager that launches containers as processes)
 * and HDFS (MiniDFSCluster), their configuration in a HADOOP_CONF_DIR, and deploy/bin/ebv-submit
 * --master yarn --deploy-mode cluster over a SPARK_HOME made by deploy/local-cluster/spark-home.sh.
 * The driver runs in the application master's container; its output is on HDFS and its outcome
 * reaches the submitter.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class YarnClusterIT {
  private final Path root = Path.of("target", "it-yarn").toAbsolutePath();
  private MiniDFSCluster hdfs;
  private MiniYARNCluster yarn;
  private Path confDir;

  private record Result(int code, String log) {}

  @BeforeAll
  void startYarnAndHdfs() throws Exception {
    FileUtils.deleteDirectory(root.toFile());
    Files.createDirectories(root);
    Configuration conf = new YarnConfiguration();
    conf.set("hadoop.tmp.dir", root.resolve("hadoop-tmp").toString());
    // The FIFO scheduler needs no queue configuration (the capacity scheduler's file is absent).
    conf.set(
        YarnConfiguration.RM_SCHEDULER,
        "org.apache.hadoop.yarn.server.resourcemanager.scheduler.fifo.FifoScheduler");
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
    conf.setInt(YarnConfiguration.NM_PMEM_MB, 8192);
    conf.setInt(YarnConfiguration.NM_VCORES, 4);
    conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
    conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    // Shared machines run with full disks; the node manager would mark its directories bad.
    conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 99.9f);
    hdfs = new MiniDFSCluster.Builder(conf, root.resolve("hdfs").toFile()).numDataNodes(1).build();
    conf.set("fs.defaultFS", hdfs.getURI().toString());
    yarn = new MiniYARNCluster("ebv-yarn-it", 1, 1, 1);
    yarn.init(conf);
    yarn.start();
    // The live configuration (the resource manager's real ports) is what clients read.
    confDir = Files.createDirectories(root.resolve("hadoop-conf"));
    Configuration live = new Configuration(yarn.getConfig());
    live.set("fs.defaultFS", hdfs.getURI().toString());
    // MiniDFSCluster's rack mapping class lives in its test jar, not in a client's Hadoop.
    live.unset("net.topology.node.switch.mapping.impl");
    for (String file : List.of("core-site.xml", "yarn-site.xml", "hdfs-site.xml")) {
      try (OutputStream out = Files.newOutputStream(confDir.resolve(file))) {
        live.writeXml(out);
      }
    }
  }

  @AfterAll
  void stop() {
    if (yarn != null) {
      yarn.stop();
    }
    if (hdfs != null) {
      hdfs.shutdown();
    }
  }

  @Test
  void clusterModeJobRunsInYarnAndItsOutcomeReachesTheSubmitter() throws Exception {
    Path sparkHome = sparkHome();

    String basis = hdfs.getURI() + "/ebv/yarn-basis.ebv";
    Result ok = submit(sparkHome, "generate", "-n", "60", "-d", "12", "-a", "0.5", "-o", basis);
    assertThat(ok.code()).as(ok.log()).isZero();
    assertThat(ok.log()).contains("wrote " + basis + ": 60 x 12").contains("exit 0)");
    FileSystem fs = FileSystem.get(hdfs.getURI(), new Configuration(yarn.getConfig()));
    assertThat(fs.getFileStatus(new org.apache.hadoop.fs.Path(basis)).getLen())
        .isGreaterThan(60 * 12 * 4);
    // The application really ran in YARN: it is on the resource manager's books as finished.
    assertThat(yarn.getResourceManager().getRMContext().getRMApps().values())
        .anyMatch(app -> app.getFinalApplicationStatus().toString().equals("SUCCEEDED"));

    Result refused =
        submit(sparkHome, "generate", "-n", "60", "-d", "12", "-a", "0.5", "-o", basis);
    assertThat(refused.code()).as(refused.log()).isEqualTo(1);
    assertThat(refused.log()).contains("ebv generate: " + basis + ": already exists");
    // A failed command is not run again by YARN: one attempt (ebv-submit sets maxAppAttempts).
    var failed =
        yarn.getResourceManager().getRMContext().getRMApps().values().stream()
            .filter(app -> app.getFinalApplicationStatus().toString().equals("FAILED"))
            .toList();
    assertThat(failed).hasSize(1);
    assertThat(failed.get(0).getAppAttempts()).hasSize(1);
  }

  @Test
  void trainingRunsOnYarnExecutorsFromAndIntoHdfs() throws Exception {
    Path sparkHome = sparkHome();
    String base = hdfs.getURI() + "/ebv/train";
    Result prepared =
        submit(
            sparkHome,
            "prepare",
            "synthetic",
            "--classes",
            "4",
            "--per-class",
            "40",
            "--size",
            "16",
            "-o",
            base + "/table");
    assertThat(prepared.code()).as(prepared.log()).isZero();
    Result generated =
        submit(sparkHome, "generate", "-n", "4", "-d", "8", "-a", "0.2", "-o", base + "/w.ebv");
    assertThat(generated.code()).as(generated.log()).isZero();
    Result trained =
        submit(
            sparkHome,
            "train",
            "--data",
            base + "/table",
            "--backbone",
            "cnn-small",
            "--head",
            "ebv",
            "--ebv",
            base + "/w.ebv",
            "--run",
            base + "/run",
            "--epochs",
            "2",
            "--batch",
            "16",
            "--averaging-frequency",
            "2");
    assertThat(trained.code()).as(trained.log()).isZero();
    assertThat(trained.log()).contains("trained 2 epochs").contains("exit 0)");

    // What the YARN executor did, from the files the run wrote on HDFS.
    FileSystem fs = FileSystem.get(hdfs.getURI(), new Configuration(yarn.getConfig()));
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(base + "/run/_SUCCESS"))).isTrue();
    List<com.fasterxml.jackson.databind.JsonNode> rounds = new ArrayList<>();
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    try (var in = fs.open(new org.apache.hadoop.fs.Path(base + "/run/metrics.jsonl"))) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        var l = json.readTree(line);
        if (l.has("round")) {
          rounds.add(l);
        }
      }
    }
    assertThat(rounds).isNotEmpty();
    for (var r : rounds) {
      assertThat(r.path("roundPath").asText()).isEqualTo("owned");
      assertThat(r.path("workers").asInt()).isEqualTo(1);
      // Trained in a YARN container's executor (YARN numbers them from 1), not in the driver.
      assertThat(r.path("workerDevices").toString()).matches("\\[\"[1-9][0-9]*:cpu\"]");
      assertThat(r.path("loss").asDouble()).isFinite();
    }
    assertThat(rounds.get(rounds.size() - 1).path("networksReused").asInt()).isEqualTo(1);
  }

  /** A SPARK_HOME laid out by deploy/local-cluster/spark-home.sh (once per class). */
  private Path sparkHome() throws Exception {
    Path sparkHome = root.resolve("spark-home");
    if (!Files.exists(sparkHome.resolve("bin"))) {
      Result home =
          run(
              List.of(
                  Path.of("local-cluster", "spark-home.sh").toAbsolutePath().toString(),
                  sparkHome.toString()),
              "spark-home");
      assertThat(home.code()).as(home.log()).isZero();
    }
    return sparkHome;
  }

  private Result submit(Path sparkHome, String... ebv) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of("bin", "ebv-submit").toAbsolutePath().toString());
    command.addAll(
        List.of(
            "--master",
            "yarn",
            "--deploy-mode",
            "cluster",
            "--driver-memory",
            "1g",
            "--executor-memory",
            "1g",
            "--num-executors",
            "1",
            "--conf",
            "spark.ui.enabled=false",
            "--"));
    command.addAll(List.of(ebv));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("SPARK_HOME", sparkHome.toString());
    pb.environment().put("HADOOP_CONF_DIR", confDir.toString());
    return finish(pb, "submit-" + System.nanoTime());
  }

  private Result run(List<String> command, String name) throws Exception {
    return finish(new ProcessBuilder(command), name);
  }

  private Result finish(ProcessBuilder pb, String name) throws Exception {
    Path log = root.resolve(name + ".log");
    Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    p.getOutputStream().close();
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).as(name).isTrue();
    return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }
}
