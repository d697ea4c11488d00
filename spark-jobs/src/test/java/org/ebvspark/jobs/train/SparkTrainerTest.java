package org.ebvspark.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.io.FileUtils;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.ebvspark.data.batch.BatchPlan;
import org.ebvspark.data.table.HadoopConf;
import org.ebvspark.data.table.ImageTable;
import org.ebvspark.jobs.evaluate.EvaluateJob;
import org.ebvspark.jobs.evaluate.SparkEvaluator;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.io.Locations;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.Recipe;
import org.ebvspark.model.nn.TopKEvaluation;
import org.ebvspark.testing.InJvmS3;
import org.ebvspark.testing.LocalSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Parameter-averaged training on a real local[2] Spark context over image tables on the local file
 * system, an in-JVM HDFS and an in-JVM S3 server.
 */
class SparkTrainerTest {
  private static final long SEED = 7;
  @TempDir static Path base;
  static LocalSpark spark;
  static MiniDFSCluster hdfs;
  static InJvmS3 s3;
  static String table;
  static String basis;
  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    Configuration dfs = new Configuration();
    dfs.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.resolve("hdfs").toString());
    hdfs = new MiniDFSCluster.Builder(dfs).numDataNodes(1).build();
    hdfs.waitActive();
    s3 = InJvmS3.start("training", "test-secret");
    spark = LocalSpark.start();
    s3.configure(conf());
    table = base.resolve("synthetic").toString();
    prepare(table);
    basis = TrainFixtures.basis(base.resolve("w6.ebv").toString(), 6, 8, conf());
  }

  @AfterAll
  static void stop() throws Exception {
    spark.close();
    s3.close();
    hdfs.shutdown();
  }

  private static Configuration conf() {
    return spark.session().sparkContext().hadoopConfiguration();
  }

  private static void prepare(String output) throws Exception {
    TrainFixtures.syntheticTable(spark.session(), output);
  }

  private static TrainRequest request(
      String tableLocation, String run, int epochs, int maxBatches, boolean resume) {
    Recipe recipe = Recipe.reference(epochs, 16, SEED).withLearningRate(0.1).withWarmupEpochs(1);
    return new TrainRequest(
        tableLocation,
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
        resume,
        20,
        org.ebvspark.model.nn.LayerChoice.AUTO);
  }

  private static TrainingLoop.Result train(TrainRequest r, int checkpointRounds) throws Exception {
    return TrainingLoop.spark(
            r,
            new TrainingLoop.Rounds(1, checkpointRounds, 0),
            spark.context(),
            2,
            1L << 28,
            new PrintWriter(new StringWriter()))
        .execute();
  }

  @Test
  void learnsTheSyntheticClassesOnTwoWorkersAndWritesACompleteRun() throws Exception {
    Path run = dir.resolve("run");
    TrainingLoop.Result r = train(request(table, run.toString(), 4, 0, false), 0);
    assertThat(r.evaluation().top1()).isGreaterThan(0.8);
    assertThat(r.evaluation().total()).isEqualTo(60);
    // Batches of 16 within row groups; a round is one batch on each of the two workers.
    int perEpoch = roundsPerEpoch();
    assertThat(r.rounds()).isEqualTo(4 * perEpoch);
    for (String f :
        List.of("config.json", "metrics.jsonl", "model.zip", "report.json", "_SUCCESS")) {
      assertThat(run.resolve(f)).as(f).exists();
    }
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      lines.add(Provenance.json().readTree(line));
    }
    List<JsonNode> rounds = lines.stream().filter(l -> l.has("round")).toList();
    assertThat(rounds).hasSize(4 * perEpoch);
    // Every round's broadcast was destroyed when the round ended.
    assertThat(rounds.get(4 * perEpoch - 1).get("broadcastsDestroyed").asInt())
        .isEqualTo(4 * perEpoch);
    // The iteration count (and so the schedule) advances by one per averaged round of F = 1.
    assertThat(rounds.get(4 * perEpoch - 1).get("iteration").asInt()).isEqualTo(4 * perEpoch);
    for (JsonNode l : rounds) {
      assertThat(l.get("imagesPerSecond").asDouble()).isPositive();
      assertThat(l.get("resultBytes").asLong()).isPositive();
      // Parameters and updater state travel out each round: at least the parameters' bytes.
      assertThat(l.get("broadcastBytes").asLong()).isGreaterThan(l.get("paramsBytes").asLong() / 2);
      assertThat(l.get("loss").asDouble()).isFinite();
      // Every minibatch on the executors was updated by the fused update.
      assertThat(l.get("fusedUpdates").asInt())
          .isEqualTo(l.get("workerSteps").asInt())
          .isPositive();
    }
    // Warm-up for the first epoch, then cosine decay to the end.
    assertThat(rounds.get(perEpoch - 1).get("learningRate").asDouble())
        .isGreaterThan(rounds.get(0).get("learningRate").asDouble());
    assertThat(rounds.get(4 * perEpoch - 1).get("learningRate").asDouble())
        .isLessThan(rounds.get(perEpoch).get("learningRate").asDouble());
    assertThat(lines.stream().filter(l -> l.has("valTop1")).count()).isEqualTo(4);
    JsonNode config = Provenance.json().readTree(run.resolve("config.json").toFile());
    assertThat(config.get("workers").asInt()).isEqualTo(2);
    assertThat(config.get("roundsPerEpoch").asInt()).isEqualTo(perEpoch);
    // The automatic choice on the CPU backend: the fast layers, in the record and in the model the
    // executors trained.
    assertThat(config.get("layers").asText()).isEqualTo("fast");
    assertThat(config.get("fastLayers").asText()).startsWith("convolutions and batch norms");
    var model =
        org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
            run.resolve("model.zip").toFile(), false);
    assertThat(model.getLayers())
        .anyMatch(l -> l instanceof org.ebvspark.model.nn.fast.FastBatchNormalizationLayer)
        .anyMatch(l -> l instanceof org.ebvspark.model.nn.fast.FastConvolutionLayer);
  }

  private static int roundsPerEpoch() throws java.io.IOException {
    int batches = BatchPlan.of(table, ImageTable.TRAIN, 16, conf()).batches().size();
    assertThat(batches).isGreaterThanOrEqualTo(15);
    return (batches + 1) / 2;
  }

  @Test
  void aRunResumedFromAMidEpochCheckpointEndsWhereAnUninterruptedOneDoes() throws Exception {
    Path whole = dir.resolve("whole");
    TrainingLoop.Result uninterrupted = train(request(table, whole.toString(), 2, 0, false), 3);
    try (var checkpoints = Files.list(whole.resolve("checkpoints"))) {
      assertThat(checkpoints.map(p -> p.getFileName().toString()).sorted())
          .containsExactly(
              "epoch-0000-round-00003",
              "epoch-0000-round-00006",
              "epoch-0001-round-00000",
              "epoch-0001-round-00003",
              "epoch-0001-round-00006",
              "epoch-0002-round-00000");
    }
    // What a driver killed in round 5 of epoch 2 leaves: checkpoints up to epoch 2, round 3.
    Path killed = dir.resolve("killed");
    FileUtils.copyDirectory(whole.toFile(), killed.toFile());
    for (String c : List.of("epoch-0001-round-00006", "epoch-0002-round-00000")) {
      FileUtils.deleteDirectory(killed.resolve("checkpoints").resolve(c).toFile());
    }
    for (String f : List.of("model.zip", "report.json", "_SUCCESS")) {
      Files.delete(killed.resolve(f));
    }
    JsonNode lastState =
        Provenance.json()
            .readTree(killed.resolve("checkpoints/epoch-0001-round-00003/state.json").toFile());
    TrainingLoop.Result resumed = train(request(table, killed.toString(), 2, 0, true), 3);
    // The report covers the whole run: both segments' rounds and time, not the last one's only.
    assertThat(resumed.rounds()).isEqualTo(2 * roundsPerEpoch());
    JsonNode report = Provenance.json().readTree(killed.resolve("report.json").toFile());
    assertThat(report.get("rounds").asInt()).isEqualTo(2 * roundsPerEpoch());
    assertThat(report.get("segments").asInt()).isEqualTo(2);
    assertThat(report.get("trainSeconds").asDouble())
        .isGreaterThan(lastState.get("elapsedSeconds").asDouble());

    ComputationGraph a =
        ModelSerializer.restoreComputationGraph(whole.resolve("model.zip").toFile());
    ComputationGraph b =
        ModelSerializer.restoreComputationGraph(killed.resolve("model.zip").toFile());
    // Averaging sums in whatever order the tasks finish, so floats may differ in the last bits.
    assertThat(b.params().equalsWithEps(a.params(), 1e-4))
        .as("max |difference| %s", b.params().sub(a.params()).amaxNumber())
        .isTrue();
    assertThat(b.getIterationCount()).isEqualTo(a.getIterationCount());
    assertThat(resumed.evaluation().top1())
        .isCloseTo(uninterrupted.evaluation().top1(), org.assertj.core.data.Offset.offset(0.02));
    // The metrics of the lost rounds were replaced, not duplicated.
    long lines =
        Files.readAllLines(killed.resolve("metrics.jsonl")).stream()
            .filter(l -> l.contains("\"round\""))
            .count();
    assertThat(lines).isEqualTo(2 * roundsPerEpoch());
  }

  @Test
  void trainsFromTablesOnHdfsAndS3IntoRunDirectoriesThere() throws Exception {
    String onHdfs = "hdfs://localhost:" + hdfs.getNameNodePort();
    String onS3 = "s3a://training";
    for (String root : List.of(onHdfs, onS3)) {
      String remoteTable = root + "/tables/synthetic";
      prepare(remoteTable);
      String run = root + "/runs/smoke";
      TrainingLoop.Result r = train(request(remoteTable, run, 1, 4, false), 0);
      assertThat(r.rounds()).as(root).isEqualTo(2);
      assertThat(r.evaluation().total()).as(root).isEqualTo(60);
      for (String f : List.of("config.json", "metrics.jsonl", "model.zip", "report.json")) {
        assertThat(Locations.exists(run + "/" + f, conf())).as(run + "/" + f).isTrue();
      }
      try (InputStream in = Locations.open(run + "/model.zip", conf())) {
        assertThat(ModelSerializer.restoreComputationGraph(in, false).getIterationCount())
            .isEqualTo(2);
      }
    }
  }

  @Test
  void oneWriterPerRunDirectoryOnHdfsAndS3() throws Exception {
    for (String root :
        List.of("hdfs://localhost:" + hdfs.getNameNodePort() + "/locks", "s3a://training/locks")) {
      org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(root + "/run");
      var fs = Locations.fileSystem(dir, conf());
      fs.mkdirs(dir);
      try (RunLock held = RunLock.acquire(fs, dir, root + "/run")) {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> RunLock.acquire(fs, dir, root + "/run"))
            .as(root)
            .hasMessageContaining(root + "/run: locked by another ebv train (host ");
      }
      // Released: the next writer takes it; a lock whose heartbeat stopped is taken over.
      RunLock.acquire(fs, dir, root + "/run").close();
      org.apache.hadoop.fs.Path lock = new org.apache.hadoop.fs.Path(dir, RunLock.FILE);
      try (var out = fs.create(lock, true)) {
        out.write(
            ("{\"host\":\"gone\",\"pid\":1,\"heartbeat\":\""
                    + java.time.Instant.now().minusSeconds(RunLock.STALE_SECONDS + 30)
                    + "\"}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      RunLock.acquire(fs, dir, root + "/run").close();
      assertThat(fs.exists(lock)).as(root).isFalse();
      // A fresh heartbeat from a process of this host that has ended (a killed driver): taken
      // over at once, so --resume need not wait for the heartbeat to go stale.
      Process ended = new ProcessBuilder("true").start();
      ended.waitFor();
      try (var out = fs.create(lock, true)) {
        out.write(
            ("{\"host\":\""
                    + java.net.InetAddress.getLocalHost().getHostName()
                    + "\",\"pid\":"
                    + ended.pid()
                    + ",\"heartbeat\":\""
                    + java.time.Instant.now()
                    + "\"}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      RunLock.acquire(fs, dir, root + "/run").close();
      assertThat(fs.exists(lock)).as(root).isFalse();
    }
  }

  @Test
  void randomErasingIsWhatTheExecutorsLoaderApplies() throws Exception {
    BatchPlan plan = BatchPlan.of(table, ImageTable.TRAIN, 7, conf());
    List<String> paths = plan.epoch(0, 0, true);
    long[] zeros = new long[2];
    double[] probabilities = {0, 1};
    for (int i = 0; i < 2; i++) {
      TrainRequest r = request(table, "unused", 1, 0, false);
      r = r.withRecipe(r.recipe().withRandomErase(probabilities[i]));
      TrainingSetup setup = TrainingSetup.resolve(r, conf());
      assertThat(setup.trainSpec().erase()).isEqualTo(probabilities[i]);
      TableBatchLoader loader =
          new TableBatchLoader(setup.trainSpec(), SEED, new HadoopConf(conf()), 1L << 28);
      // Counted inside the executors: the loader Spark ships is the one that erases.
      zeros[i] =
          spark
              .context()
              .parallelize(paths, 2)
              .map(
                  path -> {
                    float[] x = loader.load(path).getFeatures().data().asFloat();
                    long n = 0;
                    for (float v : x) {
                      n += v == 0f ? 1 : 0;
                    }
                    return n;
                  })
              .reduce(Long::sum);
    }
    // Normalized pixels are never exactly 0 (mean and std 0.5 on 8-bit values): only erasing
    // writes zeros, and at probability 1 every image loses 2-33% of its area.
    assertThat(zeros[0]).isZero();
    assertThat(zeros[1]).isGreaterThan(0);
  }

  @Test
  void thePaperRecipesMixedBatchesAreWhatTheExecutorsTrainOn() throws Exception {
    Path run = dir.resolve("paper");
    TrainRequest plain = request(table, run.toString(), 1, 0, false);
    TrainRequest paper =
        plain.withRecipe(
            plain.recipe().withTrivialAugment(true).withRandomErase(0.1).withMixing(0.2, 1.0));
    TrainingSetup setup = TrainingSetup.resolve(paper, conf());
    assertThat(setup.trainSpec().trivialAugment()).isTrue();
    assertThat(setup.trainSpec().mixes()).isTrue();
    assertThat(setup.evalSpec().mixes()).isFalse();
    TableBatchLoader mixing =
        new TableBatchLoader(setup.trainSpec(), SEED, new HadoopConf(conf()), 1L << 28);
    TableBatchLoader unmixed =
        new TableBatchLoader(
            TrainingSetup.resolve(plain, conf()).trainSpec(),
            SEED,
            new HadoopConf(conf()),
            1L << 28);
    List<String> paths = BatchPlan.of(table, ImageTable.TRAIN, 7, conf()).epoch(0, 0, true);
    // The labels as the executors' loader makes them.
    List<float[]> shipped =
        spark
            .context()
            .parallelize(paths, 2)
            .map(path -> mixing.load(path).getLabels().data().asFloat())
            .collect();
    int weights = 0;
    for (int b = 0; b < paths.size(); b++) {
      float[] classes = unmixed.load(paths.get(b)).getLabels().data().asFloat();
      float[] y = shipped.get(b);
      int n = classes.length;
      assertThat(y).hasSize(3 * n);
      for (int i = 0; i < n; i++) {
        assertThat(y[3 * i]).isEqualTo(classes[i]);
        assertThat(y[3 * i + 1]).isEqualTo(classes[i == 0 ? n - 1 : i - 1]);
        assertThat(y[3 * i + 2]).isEqualTo(y[2]).isBetween(0f, 1f);
      }
      weights += y[2] > 0 && y[2] < 1 ? 1 : 0;
      // A batch mixes the same way wherever it is assembled.
      assertThat(mixing.load(paths.get(b)).getLabels().data().asFloat()).isEqualTo(y);
    }
    assertThat(weights).isPositive();
    TrainingLoop.Result r = train(paper, 0);
    assertThat(r.evaluation().total()).isEqualTo(60);
    JsonNode recipe =
        Provenance.json().readTree(run.resolve("config.json").toFile()).at("/request/recipe");
    assertThat(recipe.get("trivialAugment").asBoolean()).isTrue();
    assertThat(recipe.get("mixup").asDouble()).isEqualTo(0.2);
    assertThat(recipe.get("cutmix").asDouble()).isEqualTo(1.0);
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      JsonNode l = Provenance.json().readTree(line);
      if (l.has("loss")) {
        assertThat(l.get("loss").asDouble()).isFinite().isPositive();
      }
    }
    // A config.json written before these options existed reads back with all of them off.
    var old =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            Provenance.json().readTree(run.resolve("config.json").toFile());
    for (String field : List.of("trivialAugment", "mixup", "cutmix")) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) old.at("/request/recipe")).remove(field);
      ((com.fasterxml.jackson.databind.node.ObjectNode) old.get("trainAugmentation")).remove(field);
    }
    RunConfig before =
        RunConfig.read(
            new java.io.ByteArrayInputStream(Provenance.json().writeValueAsBytes(old)), "old");
    assertThat(before.request().recipe().trivialAugment()).isFalse();
    assertThat(before.request().recipe().mixup()).isZero();
    assertThat(before.trainAugmentation().mixes()).isFalse();
    assertThat(before.trainAugmentation().trivialAugment()).isFalse();
  }

  @Test
  void distributedEvaluationMergesToTheSingleMachineResultAndWritesPredictions() throws Exception {
    Path run = dir.resolve("eval");
    train(request(table, run.toString(), 1, 0, false), 0);
    ComputationGraph net =
        ModelSerializer.restoreComputationGraph(run.resolve("model.zip").toFile());
    TrainingSetup setup = TrainingSetup.resolve(request(table, "unused", 1, 0, false), conf());
    TableBatchLoader loader =
        new TableBatchLoader(setup.evalSpec(), 0, new HadoopConf(conf()), 1L << 28);
    BatchPlan plan = BatchPlan.of(table, ImageTable.VAL, 7, conf());

    TopKEvaluation local = new TopKEvaluation(6);
    for (String path : plan.epoch(0, 0, false)) {
      DataSet ds = loader.load(path);
      local.add(net.outputSingle(false, ds.getFeatures()), ds.getLabels());
    }
    SparkEvaluator.Result merged =
        SparkEvaluator.evaluate(spark.context(), net, plan, loader, 6, 3, null);
    TopKEvaluation e = merged.evaluation();
    assertThat(e.total()).isEqualTo(60);
    assertThat(e.perClassTotal()).containsOnly(10L);
    assertThat(e.perClassCorrect()).isEqualTo(local.perClassCorrect());
    assertThat(e.top1()).isEqualTo(local.top1());
    assertThat(e.top5()).isEqualTo(local.top5());
    assertThat(e.loss()).isCloseTo(local.loss(), org.assertj.core.data.Offset.offset(1e-6));

    EvaluateJob.Result job =
        new EvaluateJob(spark.session(), run.toString(), table, "val", 7).execute();
    assertThat(job.evaluation().top1()).isEqualTo(local.top1());
    JsonNode report = Provenance.json().readTree(run.resolve("report.json").toFile());
    JsonNode val = report.get("evaluations").get("val");
    assertThat(val.get("images").asLong()).isEqualTo(60);
    assertThat(val.get("top1").asDouble()).isEqualTo(local.top1());
    assertThat(val.get("trainableParameters").asLong()).isPositive();
    Dataset<Row> predictions = spark.session().read().parquet(job.predictions());
    assertThat(predictions.count()).isEqualTo(60);
    assertThat(predictions.select("path").distinct().count()).isEqualTo(60);
    long topIsLabel = predictions.filter("top5[0] = label").count();
    assertThat(topIsLabel).isEqualTo(Math.round(local.top1() * 60));
    long labelInTop5 = predictions.filter("array_contains(top5, label)").count();
    assertThat(labelInTop5).isEqualTo(Math.round(local.top5() * 60));
  }
}
