package org.ebvspark.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPU scheduling as ebv-submit sets it up: the discovery script's JSON (from nvidia-smi's indices,
 * with an nvidia-smi planted on the PATH that prints what a two-GPU node prints, and with none),
 * and the settings --gpus hands to spark-submit (a spark-submit that writes down its arguments: no
 * GPU can be scheduled on this machine).
 */
class GpuSchedulingIT {
  @TempDir Path dir;

  private record Run(int code, String out) {}

  private Run run(List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false);
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
    return new Run(p.exitValue(), out + err);
  }

  private Path script(String name, String body) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path f = bin.resolve(name);
    Files.writeString(f, "#!/bin/sh\n" + body);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    return f;
  }

  @Test
  void discoveryScriptListsTheGpusNvidiaSmiReportsAndNoneWithoutIt() throws Exception {
    String discovery = Path.of("conf", "gpu-discovery.sh").toAbsolutePath().toString();
    script("nvidia-smi", "[ \"$1\" = --query-gpu=index ] && printf '0\\n1\\n'\n");
    Run two = run(List.of(discovery), Map.of("PATH", dir.resolve("bin") + ":/usr/bin:/bin"));
    assertThat(two.code()).as(two.out()).isZero();
    JsonNode json = new ObjectMapper().readTree(two.out());
    assertThat(json.path("name").asText()).isEqualTo("gpu");
    assertThat(json.path("addresses").toString()).isEqualTo("[\"0\",\"1\"]");

    Run none = run(List.of(discovery), Map.of("PATH", "/usr/bin:/bin"));
    assertThat(none.code()).as(none.out()).isZero();
    assertThat(new ObjectMapper().readTree(none.out()).path("addresses").size()).isZero();
  }

  @Test
  void gpusOptionAsksSparkForGpusPerExecutorAndOnePerTask() throws Exception {
    Path args = dir.resolve("args.txt");
    script("spark-submit", "for a in \"$@\"; do echo \"$a\"; done > " + args + "\n");
    Path app = Files.writeString(dir.resolve("app.jar"), "not opened");
    Map<String, String> env =
        Map.of(
            "SPARK_HOME", dir.toString(), "EBV_APP_JAR", app.toString(), "PATH", "/usr/bin:/bin");
    String submit = Path.of("bin", "ebv-submit").toAbsolutePath().toString();
    Run r = run(List.of(submit, "--gpus", "2", "--master", "yarn", "--", "inspect", "x"), env);
    assertThat(r.code()).as(r.out()).isZero();
    List<String> passed = Files.readAllLines(args);
    assertThat(passed)
        .contains("spark.executor.resource.gpu.amount=2", "spark.task.resource.gpu.amount=1")
        .contains(
            "spark.executor.resource.gpu.discoveryScript="
                + Path.of("conf", "gpu-discovery.sh").toAbsolutePath())
        .containsSubsequence("--master", "yarn", app.toString(), "inspect", "x");

    Run bad = run(List.of(submit, "--gpus", "0", "--", "inspect", "x"), env);
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.out().strip())
        .isEqualTo("ebv-submit: --gpus needs a count of at least 1, not '0'");
  }
}
