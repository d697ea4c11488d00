package org.ebvspark.jobs.train;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The worker networks an executor JVM keeps across a run's rounds: built once from the run's
 * configuration, then lent to one round task at a time, which overwrites their parameters and
 * updater state with the round's broadcast. Keyed by run and device, so concurrent tasks of one JVM
 * each get their own network and a network stays on the GPU it was built on. Only the newest run's
 * networks are kept: a JVM trains one run at a time, and a network is always rebuilt correctly from
 * a broadcast, so dropping one costs time, never results.
 */
final class WorkerNetworks {
  private static final Map<String, Deque<ComputationGraph>> IDLE = new HashMap<>();
  private static String newestRun;
  private static int built;

  private WorkerNetworks() {}

  /** A network of {@code run} on {@code device}, idle or newly built from its configuration. */
  static ComputationGraph borrow(String run, int device, String configurationJson) {
    String key = run + "@" + device;
    synchronized (WorkerNetworks.class) {
      if (!run.equals(newestRun)) {
        IDLE.clear();
        newestRun = run;
      }
      ComputationGraph idle = IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).poll();
      if (idle != null) {
        return idle;
      }
      built++;
    }
    ComputationGraph net =
        new ComputationGraph(ComputationGraphConfiguration.fromJson(configurationJson));
    // Initialized once per JVM and run; every round overwrites parameters and updater state.
    net.init();
    net.getUpdater(true);
    return net;
  }

  /** Gives a network back after its task; kept only while its run is the newest. */
  static void release(String run, int device, ComputationGraph net) {
    synchronized (WorkerNetworks.class) {
      if (run.equals(newestRun)) {
        IDLE.computeIfAbsent(run + "@" + device, k -> new ArrayDeque<>()).push(net);
      }
    }
  }

  /** Networks this JVM has built so far (all runs). */
  static synchronized int built() {
    return built;
  }
}
