package org.ebvspark.jobs.generate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.ebv.GenerationListener;
import org.ebvspark.model.ebv.StepReport;
import org.ebvspark.model.io.AtomicOutput;
import org.ebvspark.model.io.Locations;

/**
 * One JSON line per step at {@code OUTPUT.metrics.jsonl}: the step's statistics and, on Spark,
 * where its time went. The file is rewritten whole (atomically) every {@code flushSeconds} and at
 * the end, which works on every file system, S3 included, where appending does not. On resume the
 * lines up to the checkpoint's step are kept.
 */
public final class MetricsLog implements GenerationListener {
  private final String location;
  private final Configuration conf;
  private final Supplier<PassTimings> timings;
  private final double flushSeconds;
  private final List<String> lines = new ArrayList<>();
  private long lastFlush = System.nanoTime();

  private MetricsLog(
      String location, Configuration conf, Supplier<PassTimings> timings, double flushSeconds) {
    this.location = location;
    this.conf = conf;
    this.timings = timings;
    this.flushSeconds = flushSeconds;
  }

  /**
   * Opens the log beside {@code output}; with {@code keepThroughStep > 0}, keeps the existing lines
   * of steps up to it (a resumed run).
   */
  public static MetricsLog open(
      String output,
      Configuration conf,
      int keepThroughStep,
      Supplier<PassTimings> timings,
      double flushSeconds)
      throws IOException {
    MetricsLog log = new MetricsLog(output + ".metrics.jsonl", conf, timings, flushSeconds);
    if (keepThroughStep > 0 && Locations.exists(log.location, conf)) {
      try (BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Locations.open(log.location, conf), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (!line.isBlank()
              && Provenance.json().readTree(line).path("step").asInt() <= keepThroughStep) {
            log.lines.add(line);
          }
        }
      }
    }
    return log;
  }

  public String location() {
    return location;
  }

  @Override
  public void onStep(StepReport r) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("step", r.step());
    line.put("max", r.max());
    line.put("best", r.best());
    line.put("pairsAbove", r.pairsAbove());
    line.put("threshold", r.threshold());
    line.put("learningRate", r.learningRate());
    line.put("seconds", r.seconds());
    PassTimings t = timings.get();
    if (t != null) {
      line.put("broadcastSeconds", t.broadcast());
      line.put("fetchSeconds", t.fetch());
      line.put("computeSeconds", t.compute());
      line.put("collectSeconds", t.collect());
      line.put("assembleSeconds", t.assemble());
      line.put("resultBytes", t.resultBytes());
    }
    line.put("time", Provenance.now());
    try {
      lines.add(
          Provenance.json()
              .writer()
              .without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
              .writeValueAsString(line));
      if ((System.nanoTime() - lastFlush) / 1e9 >= flushSeconds) {
        flush();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(location + ": cannot write metrics", e);
    }
  }

  /** {@link #flush}, with I/O failures as unchecked exceptions. */
  public void flushUnchecked() {
    try {
      flush();
    } catch (IOException e) {
      throw new UncheckedIOException(location + ": cannot write metrics", e);
    }
  }

  /** Rewrites the file with every line so far. */
  public void flush() throws IOException {
    try (AtomicOutput out = AtomicOutput.create(location, true, conf)) {
      out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
      out.commit();
    }
    lastFlush = System.nanoTime();
  }
}
