package org.ebvspark.jobs.train;

import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Rounds fitted by parameter averaging on a Spark context's executors. By default on the project's
 * own round path ({@link OwnedRoundStepper}: one job a round, executor-resident networks, elastic
 * worker count); {@link RoundPath#DL4J} keeps DL4J's ({@link Dl4jRoundStepper}) for comparison.
 */
public final class SparkStepper {
  /** How long a run waits for its first executor on a cluster. */
  static final double EXECUTOR_WAIT_SECONDS = 120;

  /**
   * Where the application asked for no executor count: the run starts once no executor has
   * registered for this long.
   */
  static final double SETTLE_SECONDS = 5;

  /** Which code runs a round. */
  public enum RoundPath {
    OWNED,
    DL4J;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * @param workers the workers the run is planned for, which fixes its global batch; also the most
   *     a round uses (0: the executors' task slots at the start, and every round then uses the
   *     slots alive at its start)
   * @param cacheBytes row-group cache per executor JVM
   * @param shuffleEachRound (DL4J's path only) let DL4J repartition each round's references
   * @param path the round path
   */
  public record Options(int workers, long cacheBytes, boolean shuffleEachRound, RoundPath path) {
    public Options {
      if (path == null) {
        path = RoundPath.OWNED;
      }
    }

    public Options(int workers, long cacheBytes) {
      this(workers, cacheBytes, false, RoundPath.OWNED);
    }
  }

  private SparkStepper() {}

  /** Rounds of {@code averagingFrequency} minibatches on each worker of {@code sc}. */
  public static RoundStepper.Factory on(
      JavaSparkContext sc, Options options, int averagingFrequency) {
    return new RoundStepper.Factory() {
      private int planned;

      @Override
      public int workers() {
        if (planned == 0) {
          planned =
              options.workers() > 0
                  ? options.workers()
                  : ExecutorSlots.awaitStart(sc.sc(), SETTLE_SECONDS, EXECUTOR_WAIT_SECONDS);
        }
        return planned;
      }

      @Override
      public int workersAlive() {
        int alive = ExecutorSlots.alive(sc.sc());
        return options.workers() > 0 ? Math.min(alive, options.workers()) : alive;
      }

      @Override
      public Configuration conf() {
        return sc.hadoopConfiguration();
      }

      @Override
      public String describe() {
        return "spark " + sc.master() + ", " + workers() + " workers";
      }

      @Override
      public RoundStepper start(
          ComputationGraph net, TrainingSetup setup, long seed, int plannedWorkers) {
        return options.path() == RoundPath.DL4J
            ? new Dl4jRoundStepper(
                sc, plannedWorkers, averagingFrequency, net, setup, seed, options)
            : new OwnedRoundStepper(sc, plannedWorkers, net, setup, seed, options);
      }
    };
  }
}
