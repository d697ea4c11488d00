package org.ebvspark.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs deploy/bin/ebv as a user would: a separate process, from the built project. */
class LauncherIT {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run ebv(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of("bin", "ebv").toAbsolutePath().toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("EBV_HEAP", "2g");
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
