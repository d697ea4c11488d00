package org.ebvspark.jobs.train;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.RepartitionStrategy;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.ebvspark.data.batch.BatchPlan;
import org.ebvspark.data.table.HadoopConf;
import org.ebvspark.data.table.ImageTable;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.io.JsonLinesLog;
import org.ebvspark.model.nn.TopKEvaluation;
import org.ebvspark.model.nn.WarmupCosineSchedule;

/**
 * Parameter-averaged training on Spark (DL4J's {@code SparkComputationGraph} with {@link
 * RoundTrainingMaster}). The driver cuts each epoch into rounds of {@code workers x
 * averagingFrequency} batch references; in a round every worker trains {@code averagingFrequency}
 * minibatches that it reads and decodes itself, then parameters and updater state are averaged.
 * Nothing decoded is written anywhere, and no round re-reads more than its own batches. The EBV
 * basis reaches each executor JVM once (the head reads it by location and checksum).
 *
 * <p>Checkpoints (model, updater state, epoch and round) go to the run directory every {@code
 * checkpointRounds} rounds and at each epoch's end; {@code --resume} continues after the last one,
 * skipping the rounds it covers, with the schedule where it was (it follows the iteration count).
 */
public final class SparkTrainer {
  /**
   * @param workers parallel workers (0: the context's default parallelism)
   * @param averagingFrequency minibatches each worker trains between averagings
   * @param checkpointRounds checkpoint every this many rounds (0: at epoch ends only)
   * @param cacheBytes row-group cache per executor JVM
   */
  public record Options(
      int workers, int averagingFrequency, int checkpointRounds, long cacheBytes) {}

  /** What the run produced. */
  public record Result(
      int epochs,
      TopKEvaluation evaluation,
      double seconds,
      Double secondsToTop1Of90,
      String run,
      int rounds,
      int broadcastsDestroyed) {}

  private final TrainRequest request;
  private final Options options;
  private final JavaSparkContext sc;
  private final PrintWriter progress;

  public SparkTrainer(
      TrainRequest request, Options options, JavaSparkContext sc, PrintWriter progress) {
    this.request = request;
    this.options = options;
    this.sc = sc;
    this.progress = progress;
  }

  public Result execute() throws IOException {
    Configuration conf = sc.hadoopConfiguration();
    TrainingSetup setup = TrainingSetup.resolve(request, conf);
    RunDirectory run = new RunDirectory(request.run(), conf);
    run.prepare(request.overwrite(), request.resume());
    int workers = options.workers() > 0 ? options.workers() : sc.defaultParallelism();
    int batch = request.recipe().batchSize();
    int frequency = options.averagingFrequency();
    long seed = request.recipe().seed();
    BatchPlan plan = BatchPlan.of(request.table(), ImageTable.TRAIN, batch, conf);
    BatchPlan valPlan =
        setup.valRows() > 0 ? BatchPlan.of(request.table(), ImageTable.VAL, batch, conf) : null;
    int roundSize = workers * frequency;
    int roundsPerEpoch = (plan.batches().size() + roundSize - 1) / roundSize;
    if (request.maxBatchesPerEpoch() > 0) {
      roundsPerEpoch =
          Math.min(roundsPerEpoch, Math.max(1, request.maxBatchesPerEpoch() / roundSize));
    }
    long itersPerEpoch = (long) roundsPerEpoch * frequency;

    ComputationGraph net;
    int startEpoch = 1;
    int skipRounds = 0;
    var latest = request.resume() ? run.latest() : null;
    String executor = "spark " + sc.master() + ", " + workers + " workers";
    if (latest != null) {
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
      net = setup.newNetwork(itersPerEpoch);
      Map<String, Object> config = setup.describe(itersPerEpoch, executor);
      config.put("workers", workers);
      config.put("averagingFrequency", frequency);
      config.put("roundsPerEpoch", roundsPerEpoch);
      run.writeJson(RunDirectory.CONFIG, config);
    }
    WarmupCosineSchedule schedule =
        new WarmupCosineSchedule(
            request.recipe().learningRate(),
            request.recipe().warmupEpochs(),
            request.recipe().warmupStart(),
            request.recipe().epochs(),
            itersPerEpoch);
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

    RoundTrainingMaster master =
        new RoundTrainingMaster(
            new ParameterAveragingTrainingMaster.Builder(workers, batch)
                .batchSizePerWorker(batch)
                .averagingFrequency(frequency)
                .saveUpdater(true)
                .workerPrefetchNumBatches(1)
                .repartionData(Repartition.Always)
                .repartitionStrategy(RepartitionStrategy.Balanced)
                .rngSeed(seed));
    master.addHook(new SeededMinibatchHook(seed));
    SparkComputationGraph sparkNet = new SparkComputationGraph(sc, net, master);
    LongAccumulator loadNanos = sc.sc().longAccumulator("ebv batch loading ns");
    HadoopConf hadoop = new HadoopConf(conf);
    TableBatchLoader trainLoader =
        new TableBatchLoader(setup.trainSpec(), seed, hadoop, options.cacheBytes())
            .withTimer(loadNanos);
    TableBatchLoader evalLoader =
        new TableBatchLoader(setup.evalSpec(), seed, hadoop, options.cacheBytes());
    ResultBytesListener resultBytes = new ResultBytesListener();
    sc.sc().addSparkListener(resultBytes);

    long started = System.nanoTime();
    Double timeTo90 = null;
    TopKEvaluation last = null;
    int rounds = 0;
    try {
      for (int epoch = startEpoch; epoch <= request.recipe().epochs(); epoch++) {
        long epochStart = System.nanoTime();
        List<String> paths = plan.epoch(epoch, seed, true);
        int firstRound = epoch == startEpoch ? skipRounds : 0;
        for (int round = firstRound; round < roundsPerEpoch; round++) {
          List<String> roundPaths =
              paths.subList(round * roundSize, Math.min(paths.size(), (round + 1) * roundSize));
          sc.setJobGroup(
              "ebv-train",
              String.format(
                  Locale.ROOT,
                  "ebv train %s: epoch %d, round %d of %d",
                  request.run(),
                  epoch,
                  round + 1,
                  roundsPerEpoch),
              false);
          long t0 = System.nanoTime();
          loadNanos.reset();
          sparkNet.fitPaths(
              sc.parallelize(roundPaths, Math.min(workers, roundPaths.size())), trainLoader);
          double seconds = (System.nanoTime() - t0) / 1e9;
          rounds++;
          int iteration = sparkNet.getNetwork().getIterationCount();
          long images = (long) roundPaths.size() * batch;
          double broadcast = master.takeBroadcastSeconds();
          double data = loadNanos.value() / 1e9 / Math.max(1, Math.min(workers, roundPaths.size()));
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("epoch", epoch);
          line.put("round", round + 1);
          line.put("iteration", iteration);
          line.put("loss", sparkNet.getScore());
          line.put("learningRate", schedule.valueAt(Math.max(0, iteration - 1), epoch));
          line.put("imagesPerSecond", images / seconds);
          line.put("roundSeconds", seconds);
          line.put("broadcastSeconds", broadcast);
          line.put("broadcastBytes", master.takeBroadcastBytes());
          line.put("dataSecondsPerWorker", data);
          line.put("fitAndAverageSeconds", Math.max(0, seconds - broadcast - data));
          line.put("resultBytes", resultBytes.take());
          line.put("paramsBytes", 4L * sparkNet.getNetwork().numParams());
          line.put("time", Provenance.now());
          metrics.add(line);
          if ((round + 1) % Math.max(1, request.logEvery()) == 0 || round == 0) {
            progress.printf(
                Locale.ROOT,
                "epoch %d  round %d/%d  iteration %d  loss %.4f  lr %.4g  %.1f images/s%n",
                epoch,
                round + 1,
                roundsPerEpoch,
                iteration,
                sparkNet.getScore(),
                schedule.valueAt(Math.max(0, iteration - 1), epoch),
                images / seconds);
            progress.flush();
          }
          if (options.checkpointRounds() > 0
              && (round + 1) % options.checkpointRounds() == 0
              && round + 1 < roundsPerEpoch) {
            metrics.flush();
            run.checkpoint(
                sparkNet.getNetwork(),
                new RunDirectory.CheckpointState(
                    epoch - 1, round + 1, iteration, seed, Provenance.now()),
                request.retainCheckpoints());
          }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("epoch", epoch);
        summary.put("iteration", sparkNet.getNetwork().getIterationCount());
        summary.put("epochSeconds", (System.nanoTime() - epochStart) / 1e9);
        boolean evaluate =
            valPlan != null
                && (epoch % request.evalEvery() == 0 || epoch == request.recipe().epochs());
        if (evaluate) {
          sc.setJobGroup(
              "ebv-evaluate", "ebv train " + request.run() + ": evaluate epoch " + epoch, false);
          SparkEvaluator.Result r =
              SparkEvaluator.evaluate(
                  sc,
                  sparkNet.getNetwork(),
                  valPlan,
                  evalLoader,
                  setup.classes().size(),
                  workers,
                  null);
          last = r.evaluation();
          summary.put("valTop1", last.top1());
          summary.put("valTop5", last.top5());
          summary.put("valLoss", last.loss());
          if (timeTo90 == null && last.top1() >= 0.90) {
            timeTo90 = (System.nanoTime() - started) / 1e9;
          }
        }
        summary.put("elapsedSeconds", (System.nanoTime() - started) / 1e9);
        summary.put("broadcastsDestroyed", master.destroyedBroadcasts());
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
            sparkNet.getNetwork(),
            new RunDirectory.CheckpointState(
                epoch, 0, sparkNet.getNetwork().getIterationCount(), seed, Provenance.now()),
            request.retainCheckpoints());
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      Map<String, Object> extras = new LinkedHashMap<>();
      extras.put("rounds", rounds);
      extras.put("executor", executor);
      run.finish(sparkNet.getNetwork(), last, seconds, timeTo90, extras);
      return new Result(
          request.recipe().epochs(),
          last,
          seconds,
          timeTo90,
          run.location(),
          rounds,
          master.destroyedBroadcasts());
    } finally {
      sc.sc().removeSparkListener(resultBytes);
      sc.clearJobGroup();
    }
  }
}
