package org.ebvspark.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.storage.BlockId;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.ebvspark.data.batch.BatchPlan;
import org.ebvspark.data.table.HadoopConf;
import org.ebvspark.data.table.ImageTable;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.EbvBasisCache;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.Recipe;
import org.ebvspark.testing.LocalSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import scala.collection.JavaConverters;

/**
 * The owned round path on a real local[2] context, checked on what Spark and the executors did: one
 * job a round, the executors' networks kept across rounds, each round's broadcast gone from the
 * block manager, and a round shared among more or fewer workers than planned still the step on the
 * planned global batch.
 */
class OwnedRoundPathTest {
  private static final long SEED = 13;
  @TempDir static Path base;
  static LocalSpark spark;
  static String table;
  static String basis;

  @BeforeAll
  static void start() throws Exception {
    spark = LocalSpark.start();
    table = base.resolve("synthetic").toString();
    TrainFixtures.syntheticTable(spark.session(), table);
    basis = TrainFixtures.basis(base.resolve("w6.ebv").toString(), 6, 8, conf());
  }

  @AfterAll
  static void stop() {
    spark.close();
  }

  private static Configuration conf() {
    return spark.session().sparkContext().hadoopConfiguration();
  }

  private static TrainRequest request(int batch) {
    Recipe recipe = Recipe.reference(1, batch, SEED).withLearningRate(0.1).withWarmupEpochs(0.5);
    return new TrainRequest(
        table,
        "unused",
        Backbone.CNN_SMALL,
        Head.Kind.EBV,
        basis,
        0.07,
        recipe,
        3,
        0,
        0,
        1,
        1,
        false,
        false,
        5,
        org.ebvspark.model.nn.LayerChoice.AUTO);
  }

  /**
   * Bytes of the broadcast blocks the driver's block manager holds now (task binaries included,
   * which Spark's cleaner removes later: a few kilobytes each).
   */
  private static long broadcastBytes() {
    var blocks = SparkEnv.get().blockManager();
    long total = 0;
    for (BlockId id :
        JavaConverters.seqAsJavaList(blocks.getMatchingBlockIds(BlockId::isBroadcast))) {
      var status = blocks.getStatus(id);
      if (status.isDefined()) {
        total += status.get().memSize() + status.get().diskSize();
      }
    }
    return total;
  }

  @Test
  void oneJobARoundAndTheExecutorsKeepTheirNetworks() throws Exception {
    TrainRequest request = request(8);
    TrainingSetup setup = TrainingSetup.resolve(request, conf());
    List<String> refs = BatchPlan.of(table, ImageTable.TRAIN, 8, conf()).epoch(1, SEED, true);
    AtomicInteger jobs = new AtomicInteger();
    SparkListener counter =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart start) {
            jobs.incrementAndGet();
          }
        };
    for (SparkStepper.RoundPath path : SparkStepper.RoundPath.values()) {
      ComputationGraph net = setup.newNetwork(10);
      int builtBefore = WorkerNetworks.built();
      spark.context().sc().addSparkListener(counter);
      try (RoundStepper stepper =
          SparkStepper.on(spark.context(), new SparkStepper.Options(2, 1L << 28, false, path), 2)
              .start(net, setup, SEED)) {
        long bytesBefore = broadcastBytes();
        long paramBytes = 4 * net.numParams();
        for (int round = 0; round < 4; round++) {
          jobs.set(0);
          RoundStepper.Round r = stepper.fit(refs.subList(4 * round, 4 * round + 4), 2 * round, 0);
          waitForListeners();
          stepper.network().getConfiguration().setIterationCount(2 * round + 2);
          assertThat(r.steps()).hasSize(4);
          assertThat(r.extras().get("roundPath")).isEqualTo(path.label());
          if (path == SparkStepper.RoundPath.OWNED) {
            assertThat(jobs.get()).as("Spark jobs in owned round %d", round).isEqualTo(1);
            assertThat(r.extras().get("workers")).isEqualTo(2);
            // From the second round on both tasks found the network an earlier round built.
            assertThat(r.extras().get("networksReused")).isEqualTo(round == 0 ? 0 : 2);
            assertThat(r.extras().get("workerDevices")).isEqualTo(List.of("driver:cpu"));
            // The round's broadcast (parameters and updater state, at least the parameters' bytes)
            // is gone from the block manager once the round ends.
            // Destroying is asynchronous in Spark: allow the block manager a moment.
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (broadcastBytes() - bytesBefore >= paramBytes / 4
                && System.nanoTime() < deadline) {
              Thread.sleep(20);
            }
            assertThat(broadcastBytes() - bytesBefore)
                .as("broadcast bytes left after round %d (parameters: %d bytes)", round, paramBytes)
                .isLessThan(paramBytes / 4);
          } else {
            // DL4J's path: a count job before the fitting job, every round.
            assertThat(jobs.get()).as("Spark jobs in a DL4J round").isGreaterThanOrEqualTo(2);
          }
        }
      } finally {
        spark.context().sc().removeSparkListener(counter);
      }
      if (path == SparkStepper.RoundPath.OWNED) {
        // Two task slots in this JVM: two networks built for the run, reused for every round.
        assertThat(WorkerNetworks.built() - builtBefore).isEqualTo(2);
      }
    }
  }

  private static void waitForListeners() throws InterruptedException {
    // The listener bus delivers asynchronously; a job start is posted before the job runs.
    Thread.sleep(50);
  }

  /**
   * A round planned for {@code planned} workers but run on the 2 slots of local[2], averaged after
   * every step, is one machine stepping on each step's whole global batch: the planned number of
   * references, merged (a dense network: no batch norm or dropout, whose statistics and masks
   * depend on how a batch is cut).
   */
  @Test
  void aRoundOnMoreOrFewerWorkersThanPlannedStepsOnThePlannedGlobalBatch() throws Exception {
    TrainRequest request = request(8);
    TrainingSetup setup = TrainingSetup.resolve(request, conf());
    TableBatchLoader loader =
        new TableBatchLoader(setup.trainSpec(), SEED, new HadoopConf(conf()), 1L << 28);
    List<String> full = new ArrayList<>();
    for (String path : BatchPlan.of(table, ImageTable.TRAIN, 8, conf()).epoch(1, SEED, true)) {
      if (BatchPlan.Batch.decode(path).count() == 8 && full.size() < 12) {
        full.add(path);
      }
    }
    EbvBasisCache.configure(conf());
    for (int planned : new int[] {3, 1}) {
      int steps = 3;
      ComputationGraph single = TrainingParityTest.denseEbvNetwork(setup.head(), steps);
      ComputationGraph distributed = single.clone();
      for (int step = 0; step < steps; step++) {
        List<DataSet> parts = new ArrayList<>();
        for (String ref : full.subList(planned * step, planned * step + planned)) {
          parts.add(loader.load(ref));
        }
        single.fit(DataSet.merge(parts));
      }
      try (RoundStepper stepper =
          SparkStepper.on(spark.context(), new SparkStepper.Options(0, 1L << 28), 1)
              .start(distributed, setup, SEED, planned)) {
        for (int step = 0; step < steps; step++) {
          RoundStepper.Round r =
              stepper.fit(full.subList(planned * step, planned * step + planned), step, 0);
          stepper.network().getConfiguration().setIterationCount(step + 1);
          assertThat(r.extras().get("workers")).as("planned %d", planned).isEqualTo(2);
          assertThat(r.extras().get("plannedWorkers")).isEqualTo(planned);
          assertThat(r.steps()).extracting(WorkerStep::iteration).containsOnly(step);
        }
        assertClose(stepper.network().params(), single.params(), "parameters, planned " + planned);
        assertClose(
            stepper.network().getUpdater().getStateViewArray(),
            single.getUpdater().getStateViewArray(),
            "updater state, planned " + planned);
        assertThat(
                stepper
                    .network()
                    .params()
                    .equalsWithEps(
                        TrainingParityTest.denseEbvNetwork(setup.head(), steps).params(), 1e-3))
            .isFalse();
      }
    }
  }

  private static void assertClose(INDArray actual, INDArray expected, String what) {
    assertThat(actual.equalsWithEps(expected, 1e-5))
        .as("%s: max |difference| %s", what, actual.sub(expected).amaxNumber())
        .isTrue();
  }
}
