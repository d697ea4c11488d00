package org.ebvspark.jobs.train;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.BlockStatus;
import org.apache.spark.storage.BroadcastBlockId;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import scala.Option;

/**
 * DL4J's parameter averaging, with the clean-up DL4J leaves out: the broadcast of parameters and
 * updater state made for each round is destroyed when the round's results are averaged, and the
 * round's persisted results are unpersisted. Without it a long job keeps every round's parameters
 * in driver and executor memory. It also times the broadcast and counts its bytes.
 */
public final class RoundTrainingMaster extends ParameterAveragingTrainingMaster {
  private static final long serialVersionUID = 1L;
  private final transient List<Broadcast<?>> broadcasts = new ArrayList<>();
  private transient double broadcastSeconds;
  private transient long broadcastBytes;
  private transient int destroyed;

  public RoundTrainingMaster(ParameterAveragingTrainingMaster.Builder builder) {
    super(builder);
  }

  @Override
  public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
    long t0 = System.nanoTime();
    ParameterAveragingTrainingWorker worker = super.getWorkerInstance(graph);
    broadcastSeconds += (System.nanoTime() - t0) / 1e9;
    Broadcast<?> b = broadcastOf(worker);
    broadcastBytes += storedBytes(b.id());
    broadcasts.add(b);
    return worker;
  }

  /**
   * The bytes of a broadcast as the driver stores it for executors to fetch: the sum of its torrent
   * pieces (serialized and compressed, as they travel).
   */
  static long storedBytes(long id) {
    BlockManager blocks = SparkEnv.get().blockManager();
    long total = 0;
    for (int piece = 0; ; piece++) {
      Option<BlockStatus> status = blocks.getStatus(new BroadcastBlockId(id, "piece" + piece));
      if (status.isEmpty()) {
        return total;
      }
      total += status.get().memSize() + status.get().diskSize();
    }
  }

  @Override
  protected void processResults(
      SparkDl4jMultiLayer network,
      SparkComputationGraph graph,
      JavaRDD<ParameterAveragingTrainingResult> results,
      int splitNum,
      int totalSplits) {
    try {
      super.processResults(network, graph, results, splitNum, totalSplits);
    } finally {
      results.unpersist(false);
      for (Broadcast<?> b : broadcasts) {
        b.destroy(false);
        destroyed++;
      }
      broadcasts.clear();
    }
  }

  /** Seconds spent creating broadcasts since the last call, then reset. */
  public double takeBroadcastSeconds() {
    double s = broadcastSeconds;
    broadcastSeconds = 0;
    return s;
  }

  /** Bytes broadcast since the last call, then reset. */
  public long takeBroadcastBytes() {
    long b = broadcastBytes;
    broadcastBytes = 0;
    return b;
  }

  /** Broadcasts destroyed so far (one per round). */
  public int destroyedBroadcasts() {
    return destroyed;
  }

  private static Broadcast<?> broadcastOf(ParameterAveragingTrainingWorker worker) {
    try {
      Field f = ParameterAveragingTrainingWorker.class.getDeclaredField("broadcast");
      f.setAccessible(true);
      return (Broadcast<?>) f.get(worker);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "DL4J's worker no longer holds its broadcast where expected", e);
    }
  }
}
