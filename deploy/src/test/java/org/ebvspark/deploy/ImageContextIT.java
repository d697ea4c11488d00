package org.ebvspark.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container images' build context, made from this build's outputs by
 * deploy/k8s/image-context.sh: every file the Dockerfiles copy from the context is in it (no engine
 * runs here to build them, so this is what keeps them from naming outputs that do not exist), and a
 * CUDA context is refused for an application jar without ND4J's CUDA backend.
 */
class ImageContextIT {
  @TempDir Path dir;

  private record Run(int code, String out) {}

  private static Run run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    return new Run(p.exitValue(), out);
  }

  @Test
  void everyFileTheDockerfilesCopyIsInTheContext() throws Exception {
    Path context = dir.resolve("context");
    String script = Path.of("k8s", "image-context.sh").toAbsolutePath().toString();
    Run made = run(script, context.toString());
    assertThat(made.code()).as(made.out()).isZero();
    assertThat(Files.size(context.resolve("ebv-spark-app.jar")))
        .isEqualTo(Files.size(Path.of("target", "ebv-spark-app.jar")));
    try (var jars = Files.list(context.resolve("jars"))) {
      assertThat(jars.map(p -> p.getFileName().toString()))
          .anyMatch(n -> n.startsWith("hadoop-aws-3.3.4"))
          .anyMatch(n -> n.startsWith("aws-java-sdk-bundle-"));
    }
    assertThat(Files.readString(context.resolve("conf/java-options")))
        .contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED")
        .contains("platform.extension=-onednn");

    for (String dockerfile : List.of("Dockerfile.cpu", "Dockerfile.cuda")) {
      List<String> sources = copiedFromContext(Path.of("k8s", dockerfile));
      assertThat(sources).as(dockerfile).isNotEmpty();
      for (String source : sources) {
        assertThat(context.resolve(source)).as(dockerfile + " copies " + source).exists();
      }
    }

    // The CPU jar is not a CUDA build: --cuda names the fix instead of making a useless image.
    Run cuda = run(script, "--cuda", dir.resolve("cuda").toString());
    assertThat(cuda.code()).isEqualTo(1);
    assertThat(cuda.out()).contains("has no ND4J CUDA backend; build it with mvn -Pcuda");
    assertThat(dir.resolve("cuda")).doesNotExist();
  }

  /** The sources of the COPY instructions that read the build context (not another stage). */
  private static List<String> copiedFromContext(Path dockerfile) throws Exception {
    List<String> sources = new ArrayList<>();
    for (String line : Files.readAllLines(dockerfile)) {
      String[] words = line.strip().split("\\s+");
      if (words[0].equals("COPY") && Arrays.stream(words).noneMatch(w -> w.startsWith("--from"))) {
        sources.addAll(Arrays.asList(words).subList(1, words.length - 1));
      }
    }
    return sources;
  }
}
