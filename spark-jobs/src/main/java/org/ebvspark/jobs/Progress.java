package org.ebvspark.jobs;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long job that a person can follow: in an interactive terminal a bar with the rate
 * and the time left (progressbar, on stderr); otherwise plain lines that start with the UTC time,
 * at the caller's log points and at least every {@link #INTERVAL_SECONDS}, so that a log file or CI
 * output shows the same facts without control characters. {@code EBV_PROGRESS=bar|lines} forces
 * one.
 */
public abstract class Progress implements AutoCloseable {
  static final double INTERVAL_SECONDS = 30;
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  final String task;
  long total;
  final String unit;

  Progress(String task, long total, String unit) {
    this.task = task;
    this.total = total;
    this.unit = unit;
  }

  /**
   * @param lines where the plain lines go when the output is not a terminal
   */
  public static Progress start(String task, long total, String unit, PrintWriter lines) {
    String forced = System.getenv("EBV_PROGRESS");
    boolean terminal =
        forced == null
            ? System.console() != null && !"dumb".equals(System.getenv("TERM"))
            : forced.equals("bar");
    return terminal ? new Bar(task, total, unit) : new Lines(task, total, unit, lines);
  }

  /**
   * Now {@code done} of the total, with a short message (e.g. the loss).
   *
   * @param log whether the caller wants this point in a plain log (the bar shows every point)
   */
  public abstract void update(long done, String message, boolean log);

  /** A new total, for work whose size is learnt as it goes (Spark stages as they start). */
  public void total(long newTotal) {
    total = newTotal;
  }

  @Override
  public abstract void close();

  /** The bar of an interactive terminal. */
  static final class Bar extends Progress {
    private final ProgressBar bar;

    Bar(String task, long total, String unit) {
      super(task, total, unit);
      bar =
          new ProgressBarBuilder()
              .setTaskName(task)
              .setInitialMax(total)
              .setUnit(" " + unit, 1)
              .setStyle(ProgressBarStyle.ASCII)
              .showSpeed()
              .setUpdateIntervalMillis(500)
              .setConsumer(new ConsoleProgressBarConsumer(System.err))
              .build();
    }

    @Override
    public void total(long newTotal) {
      super.total(newTotal);
      bar.maxHint(newTotal);
    }

    @Override
    public void update(long done, String message, boolean log) {
      bar.stepTo(done);
      bar.setExtraMessage(message == null ? "" : " " + message);
    }

    @Override
    public void close() {
      bar.close();
    }
  }

  /** Timestamped lines for logs. */
  static final class Lines extends Progress {
    private final PrintWriter out;
    private final long start = System.nanoTime();
    private long lastPrinted;
    private long startDone = -1;

    Lines(String task, long total, String unit, PrintWriter out) {
      super(task, total, unit);
      this.out = out;
    }

    @Override
    public void update(long done, String message, boolean log) {
      long now = System.nanoTime();
      if (startDone < 0) {
        startDone = done - 1;
      }
      if (log || (now - lastPrinted) / 1e9 >= INTERVAL_SECONDS) {
        lastPrinted = now;
        out.println(line(done, message, (now - start) / 1e9));
        out.flush();
      }
    }

    String line(long done, String message, double seconds) {
      StringBuilder b = new StringBuilder();
      b.append(TIME.format(Instant.now())).append(' ').append(task).append(' ');
      b.append(done).append('/').append(total);
      b.append(String.format(Locale.ROOT, " (%.0f%%)", 100.0 * done / Math.max(1, total)));
      if (message != null && !message.isEmpty()) {
        b.append("  ").append(message);
      }
      long progressed = done - startDone;
      if (seconds > 0 && progressed > 0 && done < total) {
        double rate = progressed / seconds;
        b.append(
            String.format(
                Locale.ROOT, "  %.2f %s/s, %s left", rate, unit, duration((total - done) / rate)));
      }
      return b.toString();
    }

    @Override
    public void close() {
      out.flush();
    }
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
        : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
  }
}
