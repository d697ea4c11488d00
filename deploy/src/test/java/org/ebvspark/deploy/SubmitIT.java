package org.ebvspark.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/bin/ebv-submit through Spark's own launcher, as on a cluster: a SPARK_HOME whose jars/ are
 * the Spark jars Maven resolved, and a bin/spark-submit that does what Spark's does (ask
 * org.apache.spark.launcher.Main for the java command, then run it; see
 * deploy/local-cluster/bin/spark-class). The application is the shaded jar alone.
 */
class SubmitIT {
  @TempDir Path dir;

  @Test
  void generateRunsFromTheApplicationJarUnderSparkSubmit() throws Exception {
    Path sparkHome = fakeSparkHome();
    String output = dir.resolve("basis.ebv").toString();
    List<String> command =
        List.of(
            Path.of("bin", "ebv-submit").toAbsolutePath().toString(),
            "--master",
            "local[2]",
            "--conf",
            "spark.ui.enabled=false",
            "--driver-memory",
            "2g",
            "--",
            "generate",
            "--classes",
            "500",
            "--dim",
            "24",
            "--alpha",
            "0.4",
            "--mode",
            "faithful",
            "--output",
            output);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("SPARK_HOME", sparkHome.toString());
    Process p = pb.start();
    p.getOutputStream().close();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(log).isZero();
    assertThat(log).contains("wrote " + output).contains("on spark local[2]");
    assertThat(Files.size(Path.of(output))).isGreaterThan(500 * 24 * 4);
  }

  @Test
  void missingEbvCommandIsAUsageError() throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of("bin", "ebv-submit").toAbsolutePath().toString(), "--master", "local")
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(log.strip())
        .isEqualTo("ebv-submit: no ebv command after '--' (see deploy/bin/ebv --help)");
  }

  /**
   * A SPARK_HOME over the build's Spark jars, as deploy/local-cluster/spark-home.sh lays it out.
   */
  private Path fakeSparkHome() throws Exception {
    Path home = dir.resolve("spark");
    Process p =
        new ProcessBuilder(
                Path.of("local-cluster", "spark-home.sh").toAbsolutePath().toString(),
                home.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(log).isZero();
    assertThat(home.resolve("bin/spark-submit")).isExecutable();
    return home;
  }
}
