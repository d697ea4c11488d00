package org.ebvspark.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.LayerChoice;
import org.ebvspark.model.nn.Networks;
import org.ebvspark.model.nn.Recipe;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One switch, measured inside one JVM: two copies of a network (fast layers, FC head, batch 128,
 * random inputs), built one with a system property as given and one with it as the JVM has it, each
 * on its own thread (its own workspaces), 5 untimed steps each, then timed in alternation (A B A B
 * ...). Two networks in one process see the same machine at nearly the same moments, so a change of
 * a few percent shows where separate processes scatter by 10-20% (bench/README.md). Arguments: NET
 * (cnn-small, resnet32) ROUNDS STEPS PROPERTY=VALUE. Prints the milliseconds per step of each round
 * and the median of the per-round ratios B / A, where B is the network built with PROPERTY=VALUE.
 */
public final class PropertyAb {
  private static final int BATCH = 128;

  private PropertyAb() {}

  /** A network and its minibatch, on a thread of its own. */
  private static final class Side implements AutoCloseable {
    private final ExecutorService thread = Executors.newSingleThreadExecutor();
    private ComputationGraph net;
    private DataSet data;

    Side(Backbone backbone, int channels, int size, String property, String value)
        throws Exception {
      thread
          .submit(
              () -> {
                String before = property == null ? null : System.getProperty(property);
                if (property != null) {
                  System.setProperty(property, value);
                }
                try {
                  net =
                      Networks.create(
                          backbone,
                          Head.fc(10, 0.1),
                          Recipe.reference(1, BATCH, 42),
                          new Networks.ImageShape(channels, size, size),
                          100,
                          LayerChoice.FAST);
                } finally {
                  if (property != null && before == null) {
                    System.clearProperty(property);
                  } else if (property != null) {
                    System.setProperty(property, before);
                  }
                }
                INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, channels, size, size);
                INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, 1);
                for (int i = 0; i < BATCH; i++) {
                  y.putScalar(i, 0, i % 10);
                }
                data = new DataSet(x, y);
                for (int i = 0; i < 5; i++) {
                  net.fit(data);
                }
                return null;
              })
          .get();
    }

    double millisPerStep(int steps) throws Exception {
      return thread
          .submit(
              () -> {
                long start = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                  net.fit(data);
                }
                return (System.nanoTime() - start) / 1e6 / steps;
              })
          .get();
    }

    @Override
    public void close() {
      thread.shutdownNow();
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 4 || !args[3].contains("=")) {
      throw new IllegalArgumentException("NET ROUNDS STEPS PROPERTY=VALUE");
    }
    Backbone backbone = Backbone.fromLabel(args[0]);
    boolean small = backbone == Backbone.CNN_SMALL;
    int channels = small ? 1 : 3;
    int size = small ? 28 : 32;
    int rounds = Integer.parseInt(args[1]);
    int steps = Integer.parseInt(args[2]);
    String property = args[3].substring(0, args[3].indexOf('='));
    String value = args[3].substring(args[3].indexOf('=') + 1);
    List<Double> a = new ArrayList<>();
    List<Double> b = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    try (Side as = new Side(backbone, channels, size, null, null);
        Side bs = new Side(backbone, channels, size, property, value)) {
      for (int r = 0; r < rounds; r++) {
        a.add(as.millisPerStep(steps));
        b.add(bs.millisPerStep(steps));
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
    System.exit(0);
  }

  private static String format(List<Double> v) {
    return v.stream().map(d -> String.format(Locale.ROOT, "%.3f", d)).toList().toString();
  }
}
