package org.ebvspark.jobs.generate;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.ebv.GenerationListener;
import org.ebvspark.model.ebv.StepReport;
import org.ebvspark.model.io.JsonLinesLog;

/**
 * One JSON line per generator step at {@code OUTPUT.metrics.jsonl}: the step's statistics and, on
 * Spark, where its time went. On resume the lines up to the checkpoint's step are kept.
 */
public final class MetricsLog implements GenerationListener {
  private final JsonLinesLog log;
  private final Supplier<PassTimings> timings;

  private MetricsLog(JsonLinesLog log, Supplier<PassTimings> timings) {
    this.log = log;
    this.timings = timings;
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
    JsonLinesLog log =
        JsonLinesLog.open(
            output + ".metrics.jsonl",
            conf,
            flushSeconds,
            keepThroughStep > 0
                ? line -> ((Number) line.getOrDefault("step", 0)).intValue() <= keepThroughStep
                : null);
    return new MetricsLog(log, timings);
  }

  public String location() {
    return log.location();
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
    log.add(line);
  }

  /** Rewrites the file with every line so far. */
  public void flush() {
    log.flush();
  }
}
