package org.ebvspark.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.ebvspark.data.batch.BatchPlan;
import org.ebvspark.data.table.HadoopConf;
import org.ebvspark.data.table.ImageTable;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.EbvBasisCache;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.Networks;
import org.ebvspark.model.nn.Recipe;
import org.ebvspark.model.nn.WarmupCosineSchedule;
import org.ebvspark.testing.LocalSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * Distribution changes nothing it should not (DESIGN.md, invariant 6), asserted on what the workers
 * did: the schedule position recorded inside each executor's fitting network, and the parameters
 * the runs end with.
 */
class TrainingParityTest {
  private static final long SEED = 11;
  @TempDir static Path base;
  static LocalSpark spark;
  static String table;
  static String basis;
  @TempDir Path dir;

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

  /**
   * The full recipe: SGD + Nesterov, weight decay, warm-up then cosine, label smoothing, and the
   * cnn-small backbone's batch norm and dropout.
   */
  private static TrainRequest request(String run, int epochs, int batch, int maxBatches) {
    Recipe recipe =
        Recipe.reference(epochs, batch, SEED)
            .withLearningRate(0.1)
            .withWarmupEpochs(0.5)
            .withWeightDecay(5e-4);
    return new TrainRequest(
        table,
        run,
        Backbone.CNN_SMALL,
        Head.Kind.EBV,
        basis,
        0.07,
        recipe,
        3,
        0,
        maxBatches,
        1,
        1,
        false,
        false,
        5,
        org.ebvspark.model.nn.LayerChoice.AUTO);
  }

  private static PrintWriter quiet() {
    return new PrintWriter(new StringWriter());
  }

  @Test
  void executorsTrainAtTheDriversIterationEpochAndLearningRate() throws Exception {
    // Two workers, two minibatches each per round, two epochs: the positions recorded inside the
    // executors' networks, for every minibatch, are the driver's schedule, across the boundary.
    Path run = dir.resolve("schedule");
    List<TrainingLoop.RoundRecord> rounds = new ArrayList<>();
    TrainRequest request = request(run.toString(), 2, 8, 0);
    TrainingLoop.spark(
            request, new TrainingLoop.Rounds(2, 0, 0), spark.context(), 2, 1L << 28, quiet())
        .observe(rounds::add)
        .execute();

    JsonNode config = Provenance.json().readTree(run.resolve("config.json").toFile());
    long perEpoch = config.get("iterationsPerEpoch").asLong();
    int batches = BatchPlan.of(table, ImageTable.TRAIN, 8, conf()).batches().size();
    assertThat(batches).isGreaterThan(20);
    assertThat(perEpoch).isEqualTo((batches + 1) / 2);
    WarmupCosineSchedule schedule = new WarmupCosineSchedule(0.1, 0.5, 0.01, 2, perEpoch);

    int expectedStart = 0;
    int seenBatches = 0;
    double lowest = Double.MAX_VALUE;
    double highest = 0;
    for (TrainingLoop.RoundRecord r : rounds) {
      int n = r.steps().size();
      seenBatches += n;
      assertThat(r.startIteration())
          .as("round %d of epoch %d", r.round(), r.epoch())
          .isEqualTo(expectedStart);
      TreeSet<Integer> iterations = new TreeSet<>();
      for (WorkerStep s : r.steps()) {
        iterations.add(s.iteration());
        assertThat(s.epoch()).as("epoch count on the executor").isEqualTo(r.epoch() - 1);
        assertThat(s.fusedUpdate()).as("the executor's network had the fused updater").isTrue();
        assertThat(s.learningRate())
            .as("learning rate at iteration %d", s.iteration())
            .isCloseTo(
                schedule.valueAt(s.iteration(), 0), org.assertj.core.data.Offset.offset(1e-9));
        lowest = Math.min(lowest, s.learningRate());
        highest = Math.max(highest, s.learningRate());
      }
      // Each worker starts the round at the driver's iteration and counts its own minibatches.
      int steps = (n + 1) / 2;
      assertThat(iterations).containsExactlyElementsOf(range(expectedStart, steps));
      expectedStart += steps;
    }
    assertThat(seenBatches).isEqualTo(2 * batches);
    assertThat(expectedStart).isEqualTo(2 * perEpoch);
    assertThat(rounds.stream().map(TrainingLoop.RoundRecord::epoch).distinct())
        .containsExactly(1, 2);
    // The schedule really moved: warm-up from 1% of the peak, then cosine towards 0.
    assertThat(lowest).isLessThan(0.01);
    assertThat(highest).isGreaterThan(0.09);

    ComputationGraph model =
        ModelSerializer.restoreComputationGraph(run.resolve("model.zip").toFile());
    assertThat(model.getIterationCount()).isEqualTo(2 * (int) perEpoch);
    assertThat(model.getEpochCount()).isEqualTo(2);
  }

  private static List<Integer> range(int from, int count) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(from + i);
    }
    return out;
  }

  @Test
  void sparkWithOneWorkerAveragingEveryStepIsTheLocalTrainer() throws Exception {
    // Same batches, full recipe, two epochs of six rounds: the Spark stepper on one worker and the
    // one-JVM stepper end with the same parameters and updater state.
    Path local = dir.resolve("local");
    Path onSpark = dir.resolve("spark");
    TrainingLoop.Rounds everyStep = new TrainingLoop.Rounds(1, 0, 0);
    TrainingLoop.local(request(local.toString(), 2, 8, 6), everyStep, conf(), 1L << 28, quiet())
        .execute();
    TrainingLoop.spark(
            request(onSpark.toString(), 2, 8, 6), everyStep, spark.context(), 1, 1L << 28, quiet())
        .execute();

    ComputationGraph a =
        ModelSerializer.restoreComputationGraph(local.resolve("model.zip").toFile(), true);
    ComputationGraph b =
        ModelSerializer.restoreComputationGraph(onSpark.resolve("model.zip").toFile(), true);
    assertThat(b.getIterationCount()).isEqualTo(12).isEqualTo(a.getIterationCount());
    assertClose(b.params(), a.params(), "parameters");
    assertClose(
        b.getUpdater().getStateViewArray(), a.getUpdater().getStateViewArray(), "updater state");
    // And the runs trained: the parameters left their initial values.
    ComputationGraph initial =
        TrainingSetup.resolve(request("unused", 2, 8, 6), conf()).newNetwork(6);
    assertThat(a.params().equalsWithEps(initial.params(), 1e-3)).isFalse();
  }

  private static void assertClose(INDArray actual, INDArray expected, String what) {
    assertThat(actual.equalsWithEps(expected, 1e-5))
        .as("%s: max |difference| %s", what, actual.sub(expected).amaxNumber())
        .isTrue();
  }

  @Test
  void averagingEveryStepOnEqualShardsIsOneMachineOnTheirUnion() throws Exception {
    // DL4J's TestCompareParameterAveragingSparkVsSingleMachine, with the recipe's optimizer: two
    // workers on equal batches averaged after every step equal one machine stepping on the union,
    // because with a mean loss the averaged Nesterov update (momentum state, decoupled weight
    // decay and the scheduled rate are all linear in the gradient) is the update on the union.
    // Batch norm and dropout are left out on purpose: statistics of two half batches are not the
    // statistics of their union, and two workers draw two masks, so no averaging can equal them.
    TrainRequest request = request("unused", 2, 8, 0);
    TrainingSetup setup = TrainingSetup.resolve(request, conf());
    TableBatchLoader loader =
        new TableBatchLoader(setup.trainSpec(), SEED, new HadoopConf(conf()), 1L << 28);
    List<String> full = new ArrayList<>();
    for (String path : BatchPlan.of(table, ImageTable.TRAIN, 8, conf()).epoch(1, SEED, true)) {
      if (BatchPlan.Batch.decode(path).count() == 8 && full.size() < 12) {
        full.add(path);
      }
    }
    assertThat(full).hasSize(12);
    int steps = full.size() / 2;

    ComputationGraph single = denseEbvNetwork(setup.head(), steps);
    ComputationGraph distributed = single.clone();
    EbvBasisCache.configure(conf());
    for (int step = 0; step < steps; step++) {
      single.fit(
          DataSet.merge(
              List.of(loader.load(full.get(2 * step)), loader.load(full.get(2 * step + 1)))));
    }
    List<Double> rates = new ArrayList<>();
    try (RoundStepper stepper =
        SparkStepper.on(spark.context(), new SparkStepper.Options(2, 1L << 28), 1)
            .start(distributed, setup, SEED)) {
      for (int step = 0; step < steps; step++) {
        RoundStepper.Round r = stepper.fit(full.subList(2 * step, 2 * step + 2), step, 0);
        // What the driver does after each round (TrainingLoop): the workers' count is the truth.
        stepper.network().getConfiguration().setIterationCount(step + 1);
        assertThat(r.steps()).extracting(WorkerStep::iteration).containsOnly(step);
        rates.add(r.steps().get(0).learningRate());
      }
      INDArray expected = single.params();
      INDArray actual = stepper.network().params();
      assertClose(actual, expected, "parameters");
      assertClose(
          stepper.network().getUpdater().getStateViewArray(),
          single.getUpdater().getStateViewArray(),
          "updater state");
      assertThat(actual.equalsWithEps(denseEbvNetwork(setup.head(), steps).params(), 1e-3))
          .isFalse();
    }
    // The steps ran through warm-up and into the cosine: six different rates.
    assertThat(rates.stream().distinct()).hasSize(steps);
  }

  /**
   * Input -> dense(32, ReLU) -> EBV head; Nesterov 0.9 with warm-up over the first half and cosine
   * over the second of {@code steps} steps, weight decay 5e-4.
   */
  static ComputationGraph denseEbvNetwork(Head head, int steps) {
    GraphBuilder g =
        new NeuralNetConfiguration.Builder()
            .seed(SEED)
            .dataType(DataType.FLOAT)
            .updater(new Nesterovs(new WarmupCosineSchedule(0.2, 0.5, 0.01, 1, steps), 0.9))
            .weightDecay(5e-4)
            .graphBuilder()
            .addInputs(Networks.INPUT)
            .setInputTypes(InputType.convolutional(16, 16, 3))
            .addLayer(
                "dense",
                new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build(),
                Networks.INPUT);
    head.addTo(g, "dense", 32);
    ComputationGraph net = new ComputationGraph(g.build());
    net.init();
    return net;
  }
}
