package org.ebvspark.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.ebvspark.bench.LayerSpeedBenchmark.Case;
import org.ebvspark.bench.LayerSpeedBenchmark.Dl4jSide;
import org.ebvspark.model.nn.LayerChoice;

/**
 * One switch, measured inside one JVM: two copies of a network of {@code run-speed.sh steps}'s
 * cases (fast layers, FC head, random inputs), built one with a system property as given and one
 * with it as the JVM has it, each on its own thread (its own workspaces), warmed up as there, then
 * timed in alternation (A B A B ...). Two networks in one process see the same machine at nearly
 * the same moments and rounds are cheap, so the median of many rounds shows a change of a few
 * percent that separate processes hide (bench/README.md). Arguments: NET (cnn-small, resnet32,
 * resnet50) ROUNDS STEPS PROPERTY=VALUE. Prints the milliseconds per step of each round and the
 * median of the per-round ratios B / A, where B is the network built with PROPERTY=VALUE.
 */
public final class PropertyAb {
  private PropertyAb() {}

  public static void main(String[] args) throws Exception {
    try {
      run(args);
    } catch (IllegalArgumentException e) {
      System.err.println("run-property-ab.sh: " + e.getMessage());
      System.exit(2);
    }
    System.exit(0);
  }

  private static void run(String[] args) throws Exception {
    if (args.length != 4 || !args[3].contains("=")) {
      throw new IllegalArgumentException("arguments: NET ROUNDS STEPS PROPERTY=VALUE");
    }
    Case named =
        LayerSpeedBenchmark.CASES.stream()
            .filter(c -> c.label().equals(args[0]))
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "unknown network " + args[0] + " (cnn-small, resnet32, resnet50)"));
    int rounds = count("ROUNDS", args[1]);
    int steps = count("STEPS", args[2]);
    Case c =
        new Case(
            named.backbone(),
            named.label(),
            named.channels(),
            named.size(),
            named.batch(),
            named.classes(),
            named.warmup(),
            steps);
    String property = args[3].substring(0, args[3].indexOf('='));
    String value = args[3].substring(args[3].indexOf('=') + 1);
    List<Double> a = new ArrayList<>();
    List<Double> b = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    try (Dl4jSide as = new Dl4jSide(c, LayerChoice.FAST);
        Dl4jSide bs = new Dl4jSide(c, LayerChoice.FAST, property, value)) {
      for (int r = 0; r < rounds; r++) {
        a.add(1000.0 * c.batch() / as.imagesPerSecond());
        b.add(1000.0 * c.batch() / bs.imagesPerSecond());
        ratios.add(b.get(r) / a.get(r));
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%s, %d rounds of %d steps, ms per step%n A (as the JVM has it): %s%n B (%s): %s%n"
            + "B / A per round: %s; median %.3f%n",
        args[0],
        rounds,
        steps,
        format(a),
        args[3],
        format(b),
        format(ratios),
        LayerSpeedBenchmark.median(ratios));
  }

  private static int count(String what, String text) {
    if (!text.matches("[1-9][0-9]{0,5}")) {
      throw new IllegalArgumentException(
          what + " must be a positive whole number, got '" + text + "'");
    }
    return Integer.parseInt(text);
  }

  private static String format(List<Double> v) {
    return v.stream().map(d -> String.format(Locale.ROOT, "%.3f", d)).toList().toString();
  }
}
