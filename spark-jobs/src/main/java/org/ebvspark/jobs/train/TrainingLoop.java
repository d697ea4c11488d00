package org.ebvspark.jobs.train;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.ebvspark.data.batch.BatchPlan;
import org.ebvspark.data.table.ImageTable;
import org.ebvspark.jobs.Progress;
import org.ebvspark.model.BadOptionException;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.io.JsonLinesLog;
import org.ebvspark.model.io.Locations;
import org.ebvspark.model.nn.Recipe;
import org.ebvspark.model.nn.TopKEvaluation;

/**
 * The one training loop, for one JVM and for Spark alike: epochs of averaging rounds, the schedule
 * position every worker network starts a round at, checkpoints and resume, metrics, validation and
 * the run report. Where a round's minibatches are fitted is the {@link RoundStepper}'s business.
 *
 * <p>Each epoch is the table's batch references ({@link BatchPlan}) in an order drawn from (seed,
 * epoch), cut into rounds of {@code workers x averagingFrequency} batches; in a round every worker
 * fits its share, then parameters and updater state are averaged. {@code --batch} is per worker:
 * the global batch is {@code batch x workers}, and with linear scaling (Goyal et al. 2017,
 * arXiv:1706.02677) the peak learning rate is {@code lr x globalBatch / referenceBatch}, so the
 * same command on 1 or 8 workers trains the same recipe.
 *
 * <p>Checkpoints (model, updater state, epoch, round, iteration) go to the run directory every
 * {@code checkpointRounds} rounds and at each epoch's end; {@code --resume} continues after the
 * newest one, skipping the rounds it covers.
 */
public final class TrainingLoop {
  /**
   * @param averagingFrequency minibatches each worker trains in a round
   * @param checkpointRounds also checkpoint every this many rounds (0: at epoch ends only)
   * @param referenceBatch the global batch {@code --lr} is given for; 0 takes {@code --lr} as the
   *     peak rate whatever the global batch
   */
  public record Rounds(int averagingFrequency, int checkpointRounds, int referenceBatch) {
    public static final int REFERENCE_BATCH = 256;

    public Rounds {
      if (averagingFrequency < 1) {
        throw new BadOptionException(
            "--averaging-frequency must be at least 1, got " + averagingFrequency);
      }
      if (checkpointRounds < 0) {
        throw new BadOptionException(
            "--checkpoint-rounds must not be negative, got " + checkpointRounds);
      }
      if (referenceBatch < 0) {
        throw new BadOptionException(
            "--reference-batch must not be negative, got " + referenceBatch);
      }
    }

    /** The recipe's peak rate for {@code globalBatch}. */
    double learningRate(double lr, int globalBatch) {
      return referenceBatch == 0 ? lr : lr * globalBatch / referenceBatch;
    }
  }

  /** What the run produced. */
  public record Result(
      int epochs,
      TopKEvaluation evaluation,
      double seconds,
      Double secondsToTop1Of90,
      String run,
      int rounds,
      int workers,
      int globalBatch,
      double learningRate) {}

  /** One round as the workers trained it, for observers (tests, benchmarks). */
  public record RoundRecord(int epoch, int round, int startIteration, List<WorkerStep> steps) {}

  private final TrainRequest request;
  private final Rounds rounds;
  private final RoundStepper.Factory stepper;
  private final PrintWriter progress;
  private Consumer<RoundRecord> observer = r -> {};

  public TrainingLoop(
      TrainRequest request, Rounds rounds, RoundStepper.Factory stepper, PrintWriter progress) {
    this.request = request;
    this.rounds = rounds;
    this.stepper = stepper;
    this.progress = progress;
  }

  /** In this JVM, with {@code memoryBytes} of encoded images cached. */
  public static TrainingLoop local(
      TrainRequest request,
      Rounds rounds,
      Configuration conf,
      long memoryBytes,
      PrintWriter progress) {
    return new TrainingLoop(request, rounds, LocalStepper.in(conf, memoryBytes), progress);
  }

  /** On the executors of {@code sc}. */
  public static TrainingLoop spark(
      TrainRequest request,
      Rounds rounds,
      org.apache.spark.api.java.JavaSparkContext sc,
      int workers,
      long cacheBytes,
      PrintWriter progress) {
    return new TrainingLoop(
        request,
        rounds,
        SparkStepper.on(
            sc, new SparkStepper.Options(workers, cacheBytes), rounds.averagingFrequency()),
        progress);
  }

  /** Receives each round's worker steps as they were recorded where they were fitted. */
  public TrainingLoop observe(Consumer<RoundRecord> roundObserver) {
    this.observer = roundObserver;
    return this;
  }

  public Result execute() throws IOException {
    Configuration conf = stepper.conf();
    Locations.requireWritable(request.run(), conf);
    RunDirectory run = new RunDirectory(request.run(), conf);
    run.check(request.overwrite(), request.resume());
    boolean resuming = request.resume() && !run.checkpoints().isEmpty();
    int workers = plannedWorkers(run, resuming);
    int batch = request.recipe().batchSize();
    int globalBatch = batch * workers;
    Recipe recipe =
        request
            .recipe()
            .withLearningRate(rounds.learningRate(request.recipe().learningRate(), globalBatch));
    TrainRequest resolved = request.withRecipe(recipe);
    TrainingSetup setup = TrainingSetup.resolve(resolved, conf);
    int frequency = rounds.averagingFrequency();
    BatchPlan plan = BatchPlan.of(request.table(), ImageTable.TRAIN, batch, conf);
    BatchPlan valPlan =
        setup.valRows() > 0 ? BatchPlan.of(request.table(), ImageTable.VAL, batch, conf) : null;
    int batchesPerEpoch = plan.batches().size();
    if (request.maxBatchesPerEpoch() > 0) {
      batchesPerEpoch = Math.min(batchesPerEpoch, request.maxBatchesPerEpoch());
    }
    Epoch shape = new Epoch(workers, frequency, batchesPerEpoch);
    long itersPerEpoch = shape.iterations();

    // Built before the run directory is touched: a configuration that fails leaves nothing.
    ComputationGraph fresh = resuming ? null : setup.newNetwork(itersPerEpoch);
    try (RunLock lock = run.open(request.overwrite(), request.resume())) {
      return train(run, setup, recipe, fresh, plan, valPlan, shape);
    }
  }

  /**
   * The workers the run is planned for, which fix its global batch and schedule: a resumed run's
   * own, whatever is alive now (each round then shares the global batch among the workers alive),
   * else the stepper's.
   */
  private int plannedWorkers(RunDirectory run, boolean resuming) throws IOException {
    int now = stepper.workers();
    if (!resuming) {
      return now;
    }
    int saved = run.readConfig().workers();
    if (saved > 0 && saved != now) {
      progress.printf(
          Locale.ROOT,
          "resuming a run planned for %d workers with %d now: its global batch stays %d x %d,"
              + " and each round shares it among the workers alive%n",
          saved,
          now,
          saved,
          request.recipe().batchSize());
      return saved;
    }
    return now;
  }

  /**
   * An epoch cut into rounds: {@code batches} references, {@code workers x frequency} a round, the
   * last round possibly short; each worker takes an equal share (one more for some) of a round.
   */
  private record Epoch(int workers, int frequency, int batches) {
    int roundSize() {
      return workers * frequency;
    }

    int rounds() {
      return (batches + roundSize() - 1) / roundSize();
    }

    /** Steps each worker takes in an epoch (the schedule's unit). */
    long iterations() {
      int last = batches - (rounds() - 1) * roundSize();
      return (long) (rounds() - 1) * frequency + (last + workers - 1) / workers;
    }
  }

  private Result train(
      RunDirectory run,
      TrainingSetup setup,
      Recipe recipe,
      ComputationGraph fresh,
      BatchPlan plan,
      BatchPlan valPlan,
      Epoch shape)
      throws IOException {
    Configuration conf = stepper.conf();
    int workers = shape.workers();
    int batch = recipe.batchSize();
    int globalBatch = batch * workers;
    long seed = recipe.seed();
    int roundSize = shape.roundSize();
    int roundsPerEpoch = shape.rounds();
    int batchesPerEpoch = shape.batches();
    ComputationGraph net;
    int startEpoch = 1;
    int skipRounds = 0;
    var latest = fresh == null ? run.latest() : null;
    RunConfig config =
        setup.describe(
            shape.iterations(),
            stepper.describe(),
            workers,
            request.recipe().learningRate(),
            rounds.referenceBatch(),
            shape.frequency(),
            roundsPerEpoch);
    if (latest != null) {
      ResumeCheck.requireSame(run.location(), run.readConfig(), config);
      net = latest.getKey();
      startEpoch = latest.getValue().epochs() + 1;
      skipRounds = latest.getValue().rounds();
      progress.printf(
          Locale.ROOT,
          "resuming at epoch %d after round %d (iteration %d)%n",
          startEpoch,
          skipRounds,
          net.getIterationCount());
    } else {
      net = fresh;
      run.writeJson(RunDirectory.CONFIG, config);
    }
    progress.printf(
        Locale.ROOT,
        "training on %s: global batch %d (%d per worker x %d), peak learning rate %.4g (%s),"
            + " warm-up %.3g of %d epochs, %d rounds of %d batches per epoch%n",
        stepper.describe(),
        globalBatch,
        batch,
        workers,
        recipe.learningRate(),
        rounds.referenceBatch() == 0
            ? "as given"
            : String.format(
                Locale.ROOT,
                "%.4g x %d / %d, linear scaling",
                request.recipe().learningRate(),
                globalBatch,
                rounds.referenceBatch()),
        Math.min(recipe.warmupEpochs(), recipe.epochs()),
        recipe.epochs(),
        roundsPerEpoch,
        roundSize);
    progress.flush();
    final int keptEpochs = startEpoch - 1;
    final int keptRounds = skipRounds;
    JsonLinesLog metrics =
        JsonLinesLog.open(
            run.file(RunDirectory.METRICS),
            conf,
            30,
            latest == null
                ? null
                : line -> {
                  int e = ((Number) line.getOrDefault("epoch", 0)).intValue();
                  Number r = (Number) line.get("round");
                  return e <= keptEpochs
                      || (e == keptEpochs + 1 && r != null && r.intValue() <= keptRounds);
                });

    Totals totals = new Totals(latest == null ? null : latest.getValue());
    Double timeTo90 = null;
    TopKEvaluation last = null;
    try (RoundStepper steps = stepper.start(net, setup, seed, workers)) {
      for (int epoch = startEpoch; epoch <= recipe.epochs(); epoch++) {
        long epochStart = System.nanoTime();
        net = steps.network();
        net.getConfiguration().setEpochCount(epoch - 1);
        List<String> paths = plan.epoch(epoch, seed, true).subList(0, batchesPerEpoch);
        int firstRound = epoch == startEpoch ? skipRounds : 0;
        double lossSum = 0;
        int lossRounds = 0;
        Progress bar =
            Progress.start("epoch " + epoch + "  round", roundsPerEpoch, "rounds", progress);
        for (int round = firstRound; round < roundsPerEpoch; round++) {
          List<String> roundPaths =
              paths.subList(round * roundSize, Math.min(paths.size(), (round + 1) * roundSize));
          int startIteration = steps.network().getIterationCount();
          long t0 = System.nanoTime();
          RoundStepper.Round r = steps.fit(roundPaths, startIteration, epoch - 1);
          double seconds = (System.nanoTime() - t0) / 1e9;
          totals.rounds++;
          net = steps.network();
          WorkerStep newest = newest(r.steps(), startIteration);
          // DL4J's averaging adds the averaging frequency whatever the workers did; the workers'
          // own count is the truth (a short last round trains fewer steps).
          int iteration = newest == null ? startIteration : newest.iteration() + 1;
          net.getConfiguration().setIterationCount(iteration);
          net.getConfiguration().setEpochCount(epoch - 1);
          observer.accept(new RoundRecord(epoch, round + 1, startIteration, r.steps()));
          long images = r.steps().size() * (long) batch;
          lossSum += r.loss();
          lossRounds++;
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("epoch", epoch);
          line.put("round", round + 1);
          line.put("iteration", iteration);
          line.put("loss", r.loss());
          line.put("learningRate", newest == null ? Double.NaN : newest.learningRate());
          line.put("workerSteps", r.steps().size());
          line.put("workerFirstIteration", first(r.steps()));
          // How many of the round's minibatches the workers' networks updated in one pass.
          line.put("fusedUpdates", r.steps().stream().filter(WorkerStep::fusedUpdate).count());
          line.put("imagesPerSecond", images / seconds);
          line.put("roundSeconds", seconds);
          line.putAll(r.extras());
          line.put("paramsBytes", 4L * net.numParams());
          line.put("time", Provenance.now());
          metrics.add(line);
          bar.update(
              round + 1,
              String.format(
                  Locale.ROOT,
                  "iteration %d  loss %.4f  lr %.4g  %.1f images/s",
                  iteration,
                  r.loss(),
                  line.get("learningRate"),
                  images / seconds),
              (round + 1) % Math.max(1, request.logEvery()) == 0
                  || round == firstRound
                  || round + 1 == roundsPerEpoch);
          if (rounds.checkpointRounds() > 0
              && (round + 1) % rounds.checkpointRounds() == 0
              && round + 1 < roundsPerEpoch) {
            metrics.flush();
            run.checkpoint(
                net,
                totals.state(epoch - 1, round + 1, iteration, seed),
                request.retainCheckpoints());
          }
        }
        bar.close();
        net.getConfiguration().setEpochCount(epoch);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("epoch", epoch);
        summary.put("iteration", net.getIterationCount());
        summary.put("trainLoss", lossSum / Math.max(1, lossRounds));
        summary.put("epochSeconds", (System.nanoTime() - epochStart) / 1e9);
        boolean evaluate =
            valPlan != null && (epoch % request.evalEvery() == 0 || epoch == recipe.epochs());
        if (evaluate) {
          last = steps.evaluate(valPlan, setup.classes().size());
          summary.put("valTop1", last.top1());
          summary.put("valTop5", last.top5());
          summary.put("valLoss", last.loss());
          if (timeTo90 == null && last.top1() >= 0.90) {
            timeTo90 = totals.seconds();
          }
        }
        summary.put("elapsedSeconds", totals.seconds());
        summary.put("time", Provenance.now());
        metrics.add(summary);
        metrics.flush();
        progress.printf(
            Locale.ROOT,
            "epoch %d done%s, %.1f s%n",
            epoch,
            evaluate
                ? String.format(
                    Locale.ROOT, ": val top-1 %.4f top-5 %.4f", last.top1(), last.top5())
                : "",
            (System.nanoTime() - epochStart) / 1e9);
        progress.flush();
        run.checkpoint(
            net,
            totals.state(epoch, 0, net.getIterationCount(), seed),
            request.retainCheckpoints());
      }
      net = steps.network();
      double seconds = totals.seconds();
      Map<String, Object> extras = new LinkedHashMap<>();
      extras.put("rounds", totals.rounds);
      extras.put("segments", totals.segment);
      extras.put("executor", stepper.describe());
      extras.put("workers", workers);
      extras.put("globalBatch", globalBatch);
      extras.put("learningRate", recipe.learningRate());
      extras.put("trainableParameters", config.trainableParameters());
      run.finish(net, last, seconds, timeTo90, extras);
      return new Result(
          recipe.epochs(),
          last,
          seconds,
          timeTo90,
          run.location(),
          totals.rounds,
          workers,
          globalBatch,
          recipe.learningRate());
    }
  }

  /**
   * The run's totals over its segments (the first start and each resume), carried in checkpoints so
   * that the report covers the whole run, not the last segment.
   */
  private static final class Totals {
    private final long started;
    private final int segment;
    private int rounds;

    Totals(RunDirectory.CheckpointState resumedFrom) {
      double before = resumedFrom == null ? 0 : resumedFrom.elapsedSeconds();
      started = System.nanoTime() - (long) (before * 1e9);
      rounds = resumedFrom == null ? 0 : resumedFrom.roundsDone();
      segment = resumedFrom == null ? 1 : resumedFrom.segments() + 1;
    }

    double seconds() {
      return (System.nanoTime() - started) / 1e9;
    }

    RunDirectory.CheckpointState state(int epochs, int round, int iteration, long seed) {
      return new RunDirectory.CheckpointState(
          epochs, round, iteration, seed, Provenance.now(), seconds(), rounds, segment);
    }
  }

  private static WorkerStep newest(List<WorkerStep> steps, int floor) {
    WorkerStep best = null;
    for (WorkerStep s : steps) {
      if (s.iteration() >= floor && (best == null || s.iteration() > best.iteration())) {
        best = s;
      }
    }
    return best;
  }

  private static int first(List<WorkerStep> steps) {
    return steps.stream().mapToInt(WorkerStep::iteration).min().orElse(-1);
  }
}
