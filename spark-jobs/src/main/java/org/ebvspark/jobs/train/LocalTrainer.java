package org.ebvspark.jobs.train;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.ebvspark.data.batch.BatchAssembler;
import org.ebvspark.data.table.ImageTable;
import org.ebvspark.data.table.ImageTableReader.ImageRow;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.io.JsonLinesLog;
import org.ebvspark.model.nn.TopKEvaluation;
import org.ebvspark.model.nn.WarmupCosineSchedule;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Trains on one JVM: the reference the distributed trainer is compared with, and the fastest path
 * for small experiments. Batches are decoded and augmented on a thread pool one batch ahead of the
 * network; each epoch ends with an evaluation on val (every {@code evalEvery} epochs) and an atomic
 * checkpoint, from which {@code --resume} continues.
 */
public final class LocalTrainer {
  /** What the run produced. */
  public record Result(
      int epochs,
      TopKEvaluation evaluation,
      double seconds,
      Double secondsToTop1Of90,
      String run) {}

  private final TrainRequest request;
  private final Configuration conf;
  private final PrintWriter progress;
  private final long memoryBytes;

  public LocalTrainer(
      TrainRequest request, Configuration conf, PrintWriter progress, long memoryBytes) {
    this.request = request;
    this.conf = conf;
    this.progress = progress;
    this.memoryBytes = memoryBytes;
  }

  public Result execute() throws IOException {
    TrainingSetup setup = TrainingSetup.resolve(request, conf);
    RunDirectory run = new RunDirectory(request.run(), conf);
    run.prepare(request.overwrite(), request.resume());
    int batch = request.recipe().batchSize();
    long itersPerEpoch = setup.iterationsPerEpoch(batch);
    long seed = request.recipe().seed();

    ComputationGraph net;
    int startEpoch = 0;
    var latest = request.resume() ? run.latest() : null;
    if (latest != null) {
      net = latest.getKey();
      startEpoch = latest.getValue().epochs();
      progress.printf(
          Locale.ROOT,
          "resuming after epoch %d (iteration %d)%n",
          startEpoch,
          net.getIterationCount());
    } else {
      net = setup.newNetwork(itersPerEpoch);
      run.writeJson(RunDirectory.CONFIG, setup.describe(itersPerEpoch, "local"));
    }
    WarmupCosineSchedule schedule =
        new WarmupCosineSchedule(
            request.recipe().learningRate(),
            request.recipe().warmupEpochs(),
            request.recipe().warmupStart(),
            request.recipe().epochs(),
            itersPerEpoch);
    final int resumedAt = startEpoch;
    JsonLinesLog metrics =
        JsonLinesLog.open(
            run.file(RunDirectory.METRICS),
            conf,
            30,
            resumedAt > 0
                ? line -> ((Number) line.getOrDefault("epoch", 0)).intValue() <= resumedAt
                : null);

    RowSource train = RowSource.of(request.table(), ImageTable.TRAIN, conf, memoryBytes, seed);
    RowSource val =
        setup.valRows() > 0
            ? RowSource.of(request.table(), ImageTable.VAL, conf, memoryBytes, seed)
            : null;
    ForkJoinPool decoders = new ForkJoinPool(Runtime.getRuntime().availableProcessors());
    ExecutorService prefetch =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "ebv-prefetch");
              t.setDaemon(true);
              return t;
            });
    BatchAssembler trainBatches = new BatchAssembler(setup.trainSpec(), seed, decoders);
    BatchAssembler evalBatches = new BatchAssembler(setup.evalSpec(), seed, decoders);
    long started = System.nanoTime();
    Double timeTo90 = null;
    TopKEvaluation last = null;
    try {
      for (int epoch = startEpoch + 1; epoch <= request.recipe().epochs(); epoch++) {
        long epochStart = System.nanoTime();
        // Dropout draws from ND4J's global generator: seeding it per epoch makes a resumed epoch
        // the epoch an uninterrupted run would have had.
        org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(seed * 1_000_003L + epoch);
        double lossSum = 0;
        long images = 0;
        double waiting = 0;
        double computing = 0;
        long windowImages = 0;
        long windowStart = System.nanoTime();
        Iterator<List<ImageRow>> batches = train.batches(epoch, batch, true);
        int done = 0;
        final int e = epoch;
        Future<DataSet> next =
            batches.hasNext() ? prefetch.submit(assemble(trainBatches, batches.next(), e)) : null;
        while (next != null
            && (request.maxBatchesPerEpoch() == 0 || done < request.maxBatchesPerEpoch())) {
          long t0 = System.nanoTime();
          DataSet ds = get(next);
          boolean more =
              batches.hasNext()
                  && (request.maxBatchesPerEpoch() == 0 || done + 1 < request.maxBatchesPerEpoch());
          next = more ? prefetch.submit(assemble(trainBatches, batches.next(), e)) : null;
          long t1 = System.nanoTime();
          net.fit(ds);
          long t2 = System.nanoTime();
          waiting += (t1 - t0) / 1e9;
          computing += (t2 - t1) / 1e9;
          done++;
          int n = ds.numExamples();
          images += n;
          windowImages += n;
          lossSum += net.score() * n;
          int iteration = net.getIterationCount();
          if (iteration % request.logEvery() == 0) {
            double window = (System.nanoTime() - windowStart) / 1e9;
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("epoch", epoch);
            line.put("iteration", iteration);
            line.put("loss", net.score());
            line.put("learningRate", schedule.valueAt(iteration - 1, epoch));
            line.put("imagesPerSecond", windowImages / window);
            line.put("dataWaitSeconds", waiting);
            line.put("computeSeconds", computing);
            line.put("time", Provenance.now());
            metrics.add(line);
            progress.printf(
                Locale.ROOT,
                "epoch %d  iteration %d  loss %.4f  lr %.4g  %.1f images/s%n",
                epoch,
                iteration,
                net.score(),
                schedule.valueAt(iteration - 1, epoch),
                windowImages / window);
            progress.flush();
            windowImages = 0;
            windowStart = System.nanoTime();
          }
        }
        net.incrementEpochCount();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("epoch", epoch);
        summary.put("iteration", net.getIterationCount());
        summary.put("trainLoss", lossSum / Math.max(1, images));
        summary.put("trainImages", images);
        summary.put("epochSeconds", (System.nanoTime() - epochStart) / 1e9);
        summary.put("dataWaitSeconds", waiting);
        summary.put("computeSeconds", computing);
        boolean evaluate =
            val != null && (epoch % request.evalEvery() == 0 || epoch == request.recipe().epochs());
        if (evaluate) {
          last = evaluate(net, val, evalBatches, setup.classes().size(), batch);
          summary.put("valTop1", last.top1());
          summary.put("valTop5", last.top5());
          summary.put("valLoss", last.loss());
          double elapsed = (System.nanoTime() - started) / 1e9;
          if (timeTo90 == null && last.top1() >= 0.90) {
            timeTo90 = elapsed;
          }
        }
        summary.put("elapsedSeconds", (System.nanoTime() - started) / 1e9);
        summary.put("time", Provenance.now());
        metrics.add(summary);
        metrics.flush();
        progress.printf(
            Locale.ROOT,
            "epoch %d done: train loss %.4f%s, %.1f s%n",
            epoch,
            lossSum / Math.max(1, images),
            evaluate
                ? String.format(
                    Locale.ROOT, ", val top-1 %.4f top-5 %.4f", last.top1(), last.top5())
                : "",
            (System.nanoTime() - epochStart) / 1e9);
        progress.flush();
        run.checkpoint(
            net,
            new RunDirectory.CheckpointState(
                epoch, 0, net.getIterationCount(), seed, Provenance.now()),
            request.retainCheckpoints());
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      run.finish(
          net,
          last,
          seconds,
          timeTo90,
          Map.of(
              "trainableParameters",
              setup.describe(itersPerEpoch, "local").get("trainableParameters")));
      return new Result(request.recipe().epochs(), last, seconds, timeTo90, run.location());
    } finally {
      prefetch.shutdownNow();
      decoders.shutdownNow();
    }
  }

  /** Top-1/top-5 of {@code net} on every row of {@code rows}, in stored order. */
  static TopKEvaluation evaluate(
      ComputationGraph net, RowSource rows, BatchAssembler assembler, int classes, int batch) {
    TopKEvaluation eval = new TopKEvaluation(classes);
    Iterator<List<ImageRow>> it = rows.batches(0, batch, false);
    while (it.hasNext()) {
      DataSet ds = assembler.assemble(it.next(), 0);
      eval.add(net.outputSingle(false, ds.getFeatures()), ds.getLabels());
    }
    return eval;
  }

  private static java.util.concurrent.Callable<DataSet> assemble(
      BatchAssembler assembler, List<ImageRow> rows, int epoch) {
    return () -> assembler.assemble(rows, epoch);
  }

  private static DataSet get(Future<DataSet> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new IllegalStateException(e.getCause());
    }
  }
}
