package org.ebvspark.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/bin/ebv-submit through Spark's own launcher, as on a cluster: a SPARK_HOME whose jars/ are
 * the Spark jars Maven resolved, and a bin/spark-submit that does what Spark's does (ask
 * org.apache.spark.launcher.Main for the java command, then run it; see
 * src/test/resources/spark-submit-over-jars.sh). The application is the shaded jar alone.
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

  private Path fakeSparkHome() throws IOException {
    Path home = dir.resolve("spark");
    Path jars = Files.createDirectories(home.resolve("jars"));
    List<String> classpath =
        List.of(
            Files.readString(Path.of("spark-dist", "target", "spark-dist.classpath"))
                .strip()
                .split(":"));
    for (String jar : classpath) {
      Path source = Path.of(jar);
      Path link = jars.resolve(source.getFileName());
      if (!Files.exists(link)) {
        Files.createSymbolicLink(link, source);
      }
    }
    Files.writeString(home.resolve("RELEASE"), "Spark (jars from Maven, for tests)\n");
    Path bin = Files.createDirectories(home.resolve("bin"));
    Path submit = bin.resolve("spark-submit");
    try (var script = SubmitIT.class.getResourceAsStream("/spark-submit-over-jars.sh")) {
      Files.copy(script, submit);
    }
    Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
    return home;
  }
}
