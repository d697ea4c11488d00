package org.ebvspark.bench;

import java.util.ArrayList;
import java.util.List;
import org.ebvspark.model.ebv.EbvGenerator;
import org.ebvspark.model.ebv.GenerationListener;
import org.ebvspark.model.ebv.GeneratorMode;
import org.ebvspark.model.ebv.GeneratorSettings;
import org.ebvspark.model.ebv.StepReport;

/** Seconds per step of the generator on one JVM, as the median of a fixed number of steps. */
final class GeneratorStepProbe {
  private GeneratorStepProbe() {}

  record Steps(double secondsPerStep, double activeFraction, int steps) {}

  static Steps faithful(int n, int d, double alpha, int sliceRows, int steps) {
    GeneratorSettings s =
        GeneratorSettings.of(n, d, alpha, GeneratorMode.FAITHFUL, 42)
            .withMaxSteps(steps)
            .withPatience(steps + 1);
    if (sliceRows > 0) {
      s = s.withSliceRows(sliceRows);
    }
    List<StepReport> reports = new ArrayList<>();
    GenerationListener listener = reports::add;
    EbvGenerator.generate(s, listener);
    double[] seconds = reports.stream().skip(2).mapToDouble(StepReport::seconds).toArray();
    double active =
        reports.stream()
            .skip(2)
            .mapToDouble(r -> 2.0 * r.pairsAbove() / ((double) n * (n - 1)))
            .average()
            .orElse(0);
    return new Steps(Stopwatch.median(seconds), active, reports.size());
  }

  public static void main(String[] args) {
    int n = Integer.parseInt(args[0]);
    int d = Integer.parseInt(args[1]);
    double alpha = Double.parseDouble(args[2]);
    int slice = Integer.parseInt(args[3]);
    int steps = Integer.parseInt(args[4]);
    System.out.printf("roofline 2000^3: %.1f GFLOP/s%n", Roofline.gflops(2000, 2000, 2000, 5));
    Steps s = faithful(n, d, alpha, slice, steps);
    double flops = 4.0 * n * n * d;
    System.out.printf(
        "N=%d d=%d alpha=%s slice=%d: %.4f s/step, active %.3f, %.1f GFLOP/s (4N^2d)%n",
        n,
        d,
        alpha,
        slice,
        s.secondsPerStep(),
        s.activeFraction(),
        flops / s.secondsPerStep() / 1e9);
  }
}
