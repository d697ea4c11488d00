package org.ebvspark.jobs;

import java.io.PrintWriter;
import java.util.Locale;
import org.ebvspark.model.ebv.GenerationListener;
import org.ebvspark.model.ebv.StepReport;

/**
 * Progress lines for a person watching a long run: the first steps, then one line at least every
 * {@code intervalSeconds}, so a run of a million fast steps does not flood the terminal and a run
 * of slow steps still shows each one.
 */
public final class ProgressPrinter implements GenerationListener {
  private final PrintWriter out;
  private final double intervalSeconds;
  private long lastPrinted;

  public ProgressPrinter(PrintWriter out, double intervalSeconds) {
    this.out = out;
    this.intervalSeconds = intervalSeconds;
  }

  @Override
  public void onStep(StepReport r) {
    long now = System.nanoTime();
    if (r.step() <= 3 || (now - lastPrinted) / 1e9 >= intervalSeconds) {
      lastPrinted = now;
      out.println(line(r));
      out.flush();
    }
  }

  static String line(StepReport r) {
    return String.format(
        Locale.ROOT,
        "step %d  max|cos| %.6f  best %.6f  pairs>t %d  t %.5f  lr %.3g  %.3f s/step",
        r.step(),
        r.max(),
        r.best(),
        r.pairsAbove(),
        r.threshold(),
        r.learningRate(),
        r.seconds());
  }
}
