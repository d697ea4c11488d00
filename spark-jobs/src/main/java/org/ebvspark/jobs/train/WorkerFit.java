package org.ebvspark.jobs.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.util.ComputationGraphUtil;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * A worker's share of a round, fitted minibatch by minibatch: the same code in this JVM ({@link
 * LocalStepper}) and in an executor's round task ({@link RoundTask}), so what the tests check of
 * one is what the other does. The next minibatch is read and decoded on a background thread while
 * the network fits the current one; each minibatch goes through {@link WorkerStateHook} (schedule
 * position, dropout seed, fused update, step record) exactly as it did under DL4J's worker.
 */
final class WorkerFit {
  /** Background loaders, shared by the tasks of a JVM (one minibatch ahead per task). */
  private static final ExecutorService PREFETCH =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "ebv-prefetch");
            t.setDaemon(true);
            return t;
          });

  /**
   * What a share's fitting took.
   *
   * @param waitSeconds time the network waited for data (loading not hidden by the prefetch)
   * @param computeSeconds time in {@code fit}, the hook included
   * @param loadSeconds time spent loading, hidden or not
   */
  record Outcome(double score, double waitSeconds, double computeSeconds, double loadSeconds) {}

  private WorkerFit() {}

  /**
   * Fits each step of {@code steps} (its references' rows merged into one minibatch) on {@code
   * net}, whose position {@code hook} has been given by {@link WorkerStateHook#startRound}.
   */
  static Outcome fit(
      ComputationGraph net, WorkerStateHook hook, TableBatchLoader loader, List<List<String>> steps)
      throws IOException {
    double waiting = 0;
    double computing = 0;
    long[] loading = new long[1];
    Future<DataSet> next = PREFETCH.submit(() -> load(loader, steps.get(0), loading));
    for (int i = 0; i < steps.size(); i++) {
      long t0 = System.nanoTime();
      DataSet ds = get(next);
      if (i + 1 < steps.size()) {
        List<String> following = steps.get(i + 1);
        next = PREFETCH.submit(() -> load(loader, following, loading));
      }
      long t1 = System.nanoTime();
      MultiDataSet minibatch = ComputationGraphUtil.toMultiDataSet(ds);
      hook.preUpdate(minibatch, net);
      net.fit(minibatch);
      hook.postUpdate(minibatch, net);
      waiting += (t1 - t0) / 1e9;
      computing += (System.nanoTime() - t1) / 1e9;
    }
    double loaded;
    synchronized (loading) {
      loaded = loading[0] / 1e9;
    }
    return new Outcome(net.score(), waiting, computing, loaded);
  }

  /** One step's minibatch: its references' rows, in order. */
  private static DataSet load(TableBatchLoader loader, List<String> references, long[] nanos)
      throws IOException {
    long t0 = System.nanoTime();
    DataSet ds;
    if (references.size() == 1) {
      ds = loader.load(references.get(0));
    } else {
      List<DataSet> parts = new ArrayList<>();
      for (String ref : references) {
        parts.add(loader.load(ref));
      }
      ds = DataSet.merge(parts);
    }
    synchronized (nanos) {
      nanos[0] += System.nanoTime() - t0;
    }
    return ds;
  }

  private static DataSet get(Future<DataSet> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      throw e.getCause() instanceof RuntimeException r
          ? r
          : new IllegalStateException(e.getCause());
    }
  }
}
