package org.ebvspark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ebvspark.model.Provenance;

/** Runs a Python script under bench/python and reads the JSON line it prints last. */
final class PythonReference {
  static final String PYTHON = System.getenv().getOrDefault("EBV_BENCH_PYTHON", "/usr/bin/python3");

  private PythonReference() {}

  static boolean available() {
    return Files.isExecutable(Path.of(PYTHON));
  }

  static JsonNode run(Path script, int timeoutSeconds, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(PYTHON, script.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    // The reference runs with its own threading defaults, not the JVM side's tuning.
    pb.environment().remove("OMP_WAIT_POLICY");
    pb.environment().remove("OPENBLAS_THREAD_TIMEOUT");
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(script + ": timed out after " + timeoutSeconds + " s");
    }
    if (p.exitValue() != 0) {
      throw new IOException(script + ": exit " + p.exitValue());
    }
    String text = new String(out, StandardCharsets.UTF_8).strip();
    String last = text.substring(text.lastIndexOf('\n') + 1);
    return Provenance.json().readTree(last);
  }
}
