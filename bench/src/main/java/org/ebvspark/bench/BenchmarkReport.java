package org.ebvspark.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One benchmark's section of docs/BENCHMARKS.md, between markers, so that each benchmark rewrites
 * only its own part. Every line printed here also goes to stdout as the run goes.
 */
final class BenchmarkReport {
  private final String name;
  private final List<String> lines = new ArrayList<>();

  BenchmarkReport(String name) {
    this.name = name;
  }

  void line(String format, Object... args) {
    String text = String.format(Locale.ROOT, format, args);
    System.out.println(text);
    System.out.flush();
    lines.add(text);
  }

  void raw(String text) {
    lines.add(text);
  }

  /** Replaces this benchmark's section of {@code file}, adding it at the end if absent. */
  void writeInto(Path file) throws IOException {
    String begin = "<!-- " + name + ":begin -->";
    String end = "<!-- " + name + ":end -->";
    String section = begin + "\n" + String.join("\n", lines) + "\n" + end;
    String doc =
        Files.exists(file)
            ? Files.readString(file, StandardCharsets.UTF_8)
            : "# Benchmarks\n\nEach section is written by the benchmark it names; see bench/README.md.\n";
    int b = doc.indexOf(begin);
    int e = doc.indexOf(end);
    String updated =
        b >= 0 && e > b
            ? doc.substring(0, b) + section + doc.substring(e + end.length())
            : doc.stripTrailing() + "\n\n" + section + "\n";
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, updated, StandardCharsets.UTF_8);
    Files.move(
        tmp,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
