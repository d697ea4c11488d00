package org.ebvspark.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.linalg.factory.Nd4j;

/** The machine a benchmark ran on, in one line. */
final class MachineInfo {
  private MachineInfo() {}

  static String describe() {
    String cpu = "unknown CPU";
    try {
      cpu =
          Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
              .filter(l -> l.startsWith("model name"))
              .map(l -> l.substring(l.indexOf(':') + 1).strip())
              .findFirst()
              .orElse(cpu);
    } catch (IOException e) {
      // not Linux: keep the placeholder
    }
    long memory = 0;
    try {
      memory =
          Files.readAllLines(Path.of("/proc/meminfo")).stream()
              .filter(l -> l.startsWith("MemTotal"))
              .map(l -> Long.parseLong(l.replaceAll("\\D", "")) / (1024 * 1024))
              .findFirst()
              .orElse(0L);
    } catch (IOException e) {
      // not Linux
    }
    return String.format(
        "%s, %d cores, %d GiB, Java %s, ND4J backend %s",
        cpu,
        Runtime.getRuntime().availableProcessors(),
        memory,
        System.getProperty("java.version"),
        Nd4j.getBackend().getClass().getSimpleName());
  }
}
