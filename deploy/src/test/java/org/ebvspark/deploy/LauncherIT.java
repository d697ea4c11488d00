package org.ebvspark.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs deploy/bin/ebv as a user would: a separate process, from the built project. */
class LauncherIT {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run ebv(String... args) throws IOException, InterruptedException {
    return ebv(Map.of(), args);
  }

  static Run ebv(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of("bin", "ebv").toAbsolutePath().toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("EBV_HEAP", "2g");
    // What the launcher sets must not come from the JVM running the tests.
    pb.environment().remove("OMP_WAIT_POLICY");
    pb.environment().remove("OPENBLAS_THREAD_TIMEOUT");
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    var out = p.getInputStream().readAllBytes();
    var err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    return new Run(
        p.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void generateAndInspectThroughTheLauncher() throws Exception {
    String output = dir.resolve("basis.ebv").toString();
    Run gen =
        ebv(
            "generate",
            "--classes",
            "1000",
            "--dim",
            "100",
            "--alpha",
            "0.122",
            "--output",
            output);
    assertThat(gen.code()).as(gen.err()).isZero();
    assertThat(gen.out()).contains("reached alpha").contains("wrote " + output);

    Run inspect = ebv("inspect", output);
    assertThat(inspect.code()).as(inspect.err()).isZero();
    assertThat(inspect.out()).contains("N = 1000, d = 100").contains("(verified)");
    assertThat(Files.size(Path.of(output))).isGreaterThan(400_000);
  }

  /**
   * The environment the launcher starts the JVM with, seen by a {@code java} planted first on the
   * PATH that prints it: idle OpenMP and BLAS threads sleep for every command (training steps were
   * faster so, bench/run-process-settings.sh), and a user's own setting is kept.
   */
  @Test
  void everyCommandsJvmLetsIdleOpenMpThreadsSleep() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path java = bin.resolve("java");
    Files.writeString(
        java,
        "#!/bin/sh\necho \"OMP_WAIT_POLICY=$OMP_WAIT_POLICY\"\n"
            + "echo \"OPENBLAS_THREAD_TIMEOUT=$OPENBLAS_THREAD_TIMEOUT\"\necho \"$@\"\n");
    assertThat(java.toFile().setExecutable(true)).isTrue();
    Map<String, String> path = Map.of("PATH", bin + ":" + System.getenv("PATH"));
    for (String command : List.of("train", "evaluate", "generate")) {
      Run run = ebv(path, command, "--help");
      assertThat(run.code()).as(run.err()).isZero();
      assertThat(run.out().lines())
          .as(command)
          .contains("OMP_WAIT_POLICY=PASSIVE", "OPENBLAS_THREAD_TIMEOUT=4")
          .anyMatch(l -> l.endsWith("org.ebvspark.cli.EbvCli " + command + " --help"));
    }
    Map<String, String> own = new HashMap<>(path);
    own.put("OMP_WAIT_POLICY", "ACTIVE");
    Run run = ebv(own, "train", "--help");
    assertThat(run.out().lines()).contains("OMP_WAIT_POLICY=ACTIVE");
  }

  @Test
  void badInputIsOneLineAndANonZeroExit() throws Exception {
    Run run =
        ebv(
            "generate",
            "--classes",
            "1",
            "--dim",
            "8",
            "--alpha",
            "0.5",
            "--output",
            dir.resolve("x.ebv").toString());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err().strip()).isEqualTo("ebv generate: classes N must be at least 2, got 1");
    assertThat(run.out()).isEmpty();
    Run version = ebv("--version");
    assertThat(version.code()).isZero();
    assertThat(version.out().strip()).matches("ebv \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
  }
}
