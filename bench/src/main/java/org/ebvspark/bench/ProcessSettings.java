package org.ebvspark.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The table of bench/run-process-settings.sh: the step times and minor page faults of the processes
 * it started ({@link OneDnnProfile}'s {@code train}) under each malloc and OpenMP setting.
 * Arguments: the log (a {@code SETTING net label} line before each process's output) and the
 * rounds.
 */
public final class ProcessSettings {
  private static final Path DOC = Path.of("docs/BENCHMARKS.md");

  private ProcessSettings() {}

  /** The kernel's transparent huge page mode, the bracketed word of its sysfs file. */
  private static String transparentHugePages() {
    try {
      String modes = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\[(\\w+)]").matcher(modes);
      return m.find() ? m.group(1) : modes.strip();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  /** One process's step: milliseconds and minor page faults per step. */
  private record Sample(double ms, long faults) {}

  public static void main(String[] args) throws Exception {
    Path log = Path.of(args[0]);
    int rounds = Integer.parseInt(args[1]);
    // net -> setting -> the processes, in the order they ran
    Map<String, Map<String, List<Sample>>> runs = new LinkedHashMap<>();
    String net = null;
    String setting = null;
    long faults = -1;
    for (String line : Files.readAllLines(log)) {
      if (line.startsWith("SETTING ")) {
        String[] f = line.split(" ", 3);
        net = f[1];
        setting = f[2];
      } else if (line.startsWith("FAULTS ")) {
        faults = Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
      } else if (line.startsWith("MARK end ")) {
        double ms = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        runs.computeIfAbsent(net, k -> new LinkedHashMap<>())
            .computeIfAbsent(setting, k -> new ArrayList<>())
            .add(new Sample(ms, faults));
      }
    }
    BenchmarkReport report = new BenchmarkReport("process-settings");
    report.raw("## A training JVM's malloc and OpenMP settings (issue 10)");
    report.raw("");
    report.line(
        "Machine: %s. Command: `bench/run-process-settings.sh %d` (%s). Each process trains one"
            + " network (fast layers, FC head, batch 128, random inputs, 2 threads): %d untimed"
            + " steps, then 8 timed. Default malloc = glibc's own; huge-page malloc ="
            + " `GLIBC_TUNABLES=glibc.malloc.hugetlb=1` (glibc 2.35+ asks for transparent huge"
            + " pages on the memory it maps; the kernel's THP mode here: %s). Default wait ="
            + " OpenMP's own; passive = `OMP_WAIT_POLICY=PASSIVE OPENBLAS_THREAD_TIMEOUT=4`. %d"
            + " rounds, each running every setting once in this order; per process ms per step and"
            + " minor page faults per step, in the order they ran.",
        MachineInfo.describe(),
        rounds,
        java.time.LocalDate.now(),
        OneDnnProfile.WARMUP,
        transparentHugePages(),
        rounds);
    report.raw("");
    report.raw(
        "| network | setting | median ms per step | ms per step, each process | page faults per"
            + " step, each process |");
    report.raw("|---|---|---|---|---|");
    runs.forEach(
        (n, bySetting) ->
            bySetting.forEach(
                (label, processes) -> {
                  List<Double> ms = processes.stream().map(Sample::ms).toList();
                  report.line(
                      "| %s | %s | %.0f | %s | %s |",
                      n,
                      label,
                      LayerSpeedBenchmark.median(ms),
                      processes.stream()
                          .map(p -> String.format(Locale.ROOT, "%.0f", p.ms()))
                          .toList(),
                      processes.stream().map(p -> Long.toString(p.faults())).toList());
                }));
    report.writeInto(DOC);
  }
}
