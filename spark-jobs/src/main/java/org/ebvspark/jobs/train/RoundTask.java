package org.ebvspark.jobs.train;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.ebvspark.jobs.GpuBinding;
import org.ebvspark.jobs.WorkerId;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One worker's part of an owned round ({@link OwnedRoundStepper}), run as a Spark task: bind the
 * GPU Spark assigned, borrow the executor's resident network for the run ({@link WorkerNetworks}),
 * overwrite its parameters and updater state with the round's broadcast, fit the share ({@link
 * WorkerFit}), and return the new parameters and updater state with what the worker did.
 */
final class RoundTask implements Function<RoundPlan.Share, RoundAverage> {
  private static final long serialVersionUID = 1L;

  /**
   * What every round of a run shares, broadcast once per run.
   *
   * @param run a key unique to this run's stepper (broadcast ids restart with every context)
   */
  record RunSpec(String run, String configurationJson, long seed, TableBatchLoader loader)
      implements Serializable {}

  /**
   * What a round starts from, broadcast each round and destroyed after it.
   *
   * @param imagesPerShare the round's images over its workers: a worker's averaging weight is its
   *     images over this (1 for every worker when the shares are equal)
   */
  record RoundState(
      PackedFloats params,
      PackedFloats updaterState,
      int iteration,
      int epoch,
      double imagesPerShare)
      implements Serializable {}

  /**
   * Where and how long a worker ran, as it measured itself.
   *
   * @param device the GPU address Spark assigned the task (-1: none)
   * @param reused whether the task found the executor's network built by an earlier round
   * @param startMillis when the task's work began, by the wall clock of its host
   * @param endMillis when it had its result ready (before Spark serializes it)
   */
  record WorkerTiming(
      String executor,
      int device,
      boolean reused,
      long images,
      long startMillis,
      long endMillis,
      double taskSeconds,
      double setupSeconds,
      double computeSeconds,
      double waitSeconds,
      double loadSeconds)
      implements Serializable {}

  private final Broadcast<RunSpec> run;
  private final Broadcast<RoundState> round;

  RoundTask(Broadcast<RunSpec> run, Broadcast<RoundState> round) {
    this.run = run;
    this.round = round;
  }

  @Override
  public RoundAverage call(RoundPlan.Share share) throws Exception {
    long startMillis = System.currentTimeMillis();
    long t0 = System.nanoTime();
    int device = GpuBinding.bindCurrentTask();
    RunSpec spec = run.value();
    RoundState state = round.value();
    int before = WorkerNetworks.built();
    ComputationGraph net = WorkerNetworks.borrow(spec.run(), device, spec.configurationJson());
    boolean reused = WorkerNetworks.built() == before;
    try {
      FlatArrays.copyInto(net.params(), PackedFloats.values(state.params()));
      INDArray updater = net.getUpdater(true).getStateViewArray();
      if (updater != null && state.updaterState() != null) {
        FlatArrays.copyInto(updater, PackedFloats.values(state.updaterState()));
      }
      WorkerStateHook hook = new WorkerStateHook(spec.seed(), new CollectionAccumulator<>());
      hook.startRound(state.iteration(), state.epoch());
      long t1 = System.nanoTime();
      WorkerFit.Outcome done = WorkerFit.fit(net, hook, spec.loader(), share.steps());
      INDArray after = net.getUpdater(true).getStateViewArray();
      float[] params = net.params().toFloatVector();
      float[] updaterState = after == null ? null : after.toFloatVector();
      WorkerTiming timing =
          new WorkerTiming(
              WorkerId.executor(),
              device,
              reused,
              share.images(),
              startMillis,
              System.currentTimeMillis(),
              (System.nanoTime() - t0) / 1e9,
              (t1 - t0) / 1e9,
              done.computeSeconds(),
              done.waitSeconds(),
              done.loadSeconds());
      return RoundAverage.of(
          params,
          updaterState,
          share.images() / state.imagesPerShare(),
          done.score(),
          List.copyOf(hook.steps().value()),
          timing);
    } finally {
      WorkerNetworks.release(spec.run(), device, net);
    }
  }
}
