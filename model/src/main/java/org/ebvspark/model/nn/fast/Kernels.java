package org.ebvspark.model.nn.fast;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Where the fast layers' loops run: one pool per JVM, as wide as the cores ND4J's own operations
 * use, shared by every layer and every training thread of the JVM (so two Spark tasks in one
 * executor share the cores instead of each starting its own threads).
 */
final class Kernels {
  private static final AtomicInteger NAMES = new AtomicInteger();

  private static final ForkJoinPool POOL =
      new ForkJoinPool(threads(), Kernels::daemon, null, false);

  private Kernels() {}

  /** Runs {@code body} for 0..n-1, split across the pool. */
  static void parallel(int n, IntConsumer body) {
    if (n <= 1 || POOL.getParallelism() == 1) {
      for (int i = 0; i < n; i++) {
        body.accept(i);
      }
      return;
    }
    POOL.submit(() -> IntStream.range(0, n).parallel().forEach(body)).join();
  }

  private static final float MASK_SCALE = 0x1p100f;

  /**
   * 1 where a ReLU passes its gradient (its input v is positive), else 0, without a branch: {@code
   * min(max(v * 2^100, 0), 1)} is 1 for every float above 2^-100 and 0 for the rest. The mask is a
   * coin flip per element, and a branch on it cost more than the rest of the loop (measured); this
   * form leaves the loops it is inlined into vectorizable.
   */
  static float reluPasses(float v) {
    return Math.min(Math.max(v * MASK_SCALE, 0f), 1f);
  }

  /** OMP_NUM_THREADS where set (ND4J follows it too), else the cores this JVM may use. */
  static int threads() {
    String omp = System.getenv("OMP_NUM_THREADS");
    if (omp != null && omp.matches("\\d+") && Integer.parseInt(omp) > 0) {
      return Integer.parseInt(omp);
    }
    return Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  private static java.util.concurrent.ForkJoinWorkerThread daemon(ForkJoinPool pool) {
    var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
    t.setDaemon(true);
    t.setName("ebv-fast-layers-" + NAMES.incrementAndGet());
    return t;
  }
}
