package org.ebvspark.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.ebvspark.model.nn.WarmupCosineSchedule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Training on a standalone cluster whose nodes come and go (deploy/local-cluster, 1-core workers):
 * a worker and its executor killed for good mid-epoch, a worker added mid-run, a driver killed and
 * the run resumed on fewer workers than it was planned for. What is asserted comes from the
 * workers' own records in metrics.jsonl (which executors trained each round, at which iteration and
 * learning rate) and from the files the run wrote.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ElasticClusterIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path root = Path.of("target", "it-elastic-cluster").toAbsolutePath();
  private final Path work = root.resolve("work");
  private LocalCluster cluster;

  @BeforeAll
  void startCluster() throws Exception {
    // Each worker offers one GPU whose address is its own number (worker-3 has "3"), found by a
    // discovery script the way deploy/conf/gpu-discovery.sh finds real ones; no GPU is needed, and
    // what a task reports shows which address Spark gave it.
    Files.createDirectories(root);
    Path discovery = root.resolve("fake-gpu-discovery.sh");
    Files.writeString(
        discovery,
        "#!/bin/sh\n"
            + "# start.sh gives worker-N the local directory STATE/worker-N/local\n"
            + "n=$(basename \"$(dirname \"$SPARK_LOCAL_DIRS\")\")\n"
            + "echo \"{\\\"name\\\": \\\"gpu\\\", \\\"addresses\\\": [\\\"${n#worker-}\\\"]}\"\n");
    discovery.toFile().setExecutable(true);
    cluster =
        LocalCluster.start(
            root,
            3,
            1,
            java.util.Map.of(
                "SPARK_WORKER_OPTS",
                "-Dspark.worker.resource.gpu.amount=1 -Dspark.worker.resource.gpu.discoveryScript="
                    + discovery));
    LocalCluster.Result prepared =
        cluster.run(
            ebv(
                "prepare",
                "synthetic",
                "--classes",
                "6",
                "--per-class",
                "120",
                "--size",
                "16",
                "-o",
                work.resolve("table").toString()),
            "prepare");
    assertThat(prepared.code()).as(prepared.log()).isZero();
    LocalCluster.Result generated =
        cluster.run(
            ebv(
                "generate",
                "-n",
                "6",
                "-d",
                "8",
                "-a",
                "0.2",
                "-o",
                work.resolve("w.ebv").toString()),
            "generate");
    assertThat(generated.code()).as(generated.log()).isZero();
  }

  @AfterAll
  void stopCluster() throws Exception {
    cluster.close();
  }

  private List<String> ebv(String... args) {
    List<String> command = cluster.submitPrefix();
    command.addAll(List.of(args));
    return command;
  }

  /**
   * With one GPU asked for per executor and per task, as ebv-submit --gpus 1 asks, and {@code
   * cores} cores for the application: the count a run is planned for at its start.
   */
  private List<String> ebvOnGpus(int cores, String... args) {
    List<String> command =
        cluster.submitPrefix("--gpus", "1", "--conf", "spark.cores.max=" + cores);
    command.addAll(List.of(args));
    return command;
  }

  /** A run with the default worker count: the executors' task slots, up to {@code cores}. */
  private List<String> train(String name, int epochs, int cores, String... extra) {
    List<String> command =
        ebvOnGpus(
            cores,
            "train",
            "--data",
            work.resolve("table").toString(),
            "--backbone",
            "cnn-small",
            "--head",
            "ebv",
            "--ebv",
            work.resolve("w.ebv").toString(),
            "--run",
            work.resolve(name).toString(),
            "--epochs",
            String.valueOf(epochs),
            "--batch",
            "16",
            "--averaging-frequency",
            "2");
    command.addAll(List.of(extra));
    return command;
  }

  @Test
  @Order(1)
  void eachRoundTrainsOnTheExecutorsAliveAtItsStart() throws Exception {
    Path run = work.resolve("elastic");
    // Long enough (12 epochs of about 8 rounds) for an added worker's executor to start and join
    // after the master's 60 s timeout, also where the training runs fast: under load the executor
    // joined in the 8th epoch. (A 10 s spark.worker.timeout made loaded workers look lost.)
    Process driver = cluster.start(train("elastic", 12, 3), "elastic");
    waitForRound(run, driver, r -> r.path("epoch").asInt() == 1 && r.path("round").asInt() >= 2);
    cluster.killWorker("worker-3");
    int lost =
        waitForRound(run, driver, r -> r.path("workers").asInt() == 2).path("iteration").asInt();
    String added = cluster.addWorker();
    // A standalone master learns that a killed worker is gone only when its heartbeat times out
    // (spark.worker.timeout, 60 s): until then it counts the lost executor's core as the
    // application's, and so starts the added worker's executor only after it.
    waitForRound(
        run,
        driver,
        r ->
            r.path("executors").asInt() == 3
                && r.path("workers").asInt() == 3
                && r.path("iteration").asInt() > lost);
    LocalCluster.Result trained = cluster.finish(driver, "elastic");
    assertThat(trained.code()).as(trained.log()).isZero();

    JsonNode config = JSON.readTree(run.resolve("config.json").toFile());
    assertThat(config.path("workers").asInt()).as("planned workers").isEqualTo(3);
    List<JsonNode> rounds = rounds(run);
    // Planned for 3, trained on 3, then on the 2 left, then on 3 again with the added worker's.
    assertThat(rounds.get(0).path("workers").asInt()).isEqualTo(3);
    assertThat(rounds.get(0).path("executors").asInt()).isEqualTo(3);
    int shrunk = indexOf(rounds, r -> r.path("workers").asInt() == 2);
    assertThat(shrunk).as("a round on the 2 executors left").isPositive();
    assertThat(rounds.get(shrunk).path("executors").asInt()).isEqualTo(2);
    int grown =
        indexOf(
            rounds.subList(shrunk, rounds.size()),
            r -> r.path("workers").asInt() == 3 && r.path("executors").asInt() == 3);
    assertThat(grown)
        .as("a round after %s was added used it (%s)", added, trained.log())
        .isPositive();
    JsonNode regrown = rounds.get(shrunk + grown);
    Set<String> before = executors(rounds.get(0));
    assertThat(executors(regrown)).as("a new executor, on %s", added).isNotEqualTo(before);
    assertThat(rounds.get(rounds.size() - 1).path("workers").asInt()).isEqualTo(3);
    assertScheduleIntact(config, rounds);
    // Every training task ran on the GPU address Spark assigned its executor: three executors on
    // gpu1..gpu3 at first, then the two left, then the added worker's gpu4 among them.
    for (JsonNode r : rounds) {
      assertThat(gpus(r)).as("GPUs of round %s", r).hasSize(r.path("executors").asInt());
    }
    assertThat(gpus(rounds.get(0))).containsExactly("gpu1", "gpu2", "gpu3");
    assertThat(gpus(rounds.get(shrunk))).containsExactly("gpu1", "gpu2");
    assertThat(gpus(regrown)).containsExactly("gpu1", "gpu2", "gpu4");

    LocalCluster.Result evaluated =
        cluster.run(
            ebvOnGpus(
                3, "evaluate", "--run", run.toString(), "--data", work.resolve("table").toString()),
            "evaluate");
    assertThat(evaluated.code()).as(evaluated.log()).isZero();
    JsonNode val = JSON.readTree(run.resolve("report.json").toFile()).at("/evaluations/val");
    // The evaluation's own executors (however many had registered when its tasks ran): each on
    // its own worker's GPU.
    java.util.Map<String, String> gpuOf = new java.util.TreeMap<>();
    val.path("workerDevices")
        .forEach(
            d -> gpuOf.put(d.asText().replaceAll(":.*", ""), d.asText().replaceAll(".*:", "")));
    assertThat(gpuOf).as("executor -> GPU of the evaluation tasks").isNotEmpty();
    assertThat(gpuOf.values()).doesNotHaveDuplicates().isSubsetOf("gpu1", "gpu2", "gpu4");

    JsonNode report = JSON.readTree(run.resolve("report.json").toFile());
    assertThat(report.path("rounds").asInt()).isEqualTo(rounds.size());
    assertThat(run.resolve("_SUCCESS")).exists();
  }

  @Test
  @Order(2)
  void aRunResumedOnFewerWorkersThanPlannedKeepsItsGlobalBatch() throws Exception {
    Path run = work.resolve("resumed");
    Process driver = cluster.start(train("resumed", 3, 3, "--checkpoint-rounds", "2"), "resumed");
    waitForRound(run, driver, r -> r.path("epoch").asInt() == 1 && r.path("round").asInt() >= 5);
    driver.destroyForcibly();
    assertThat(driver.waitFor(1, TimeUnit.MINUTES)).isTrue();
    // The worker added by the first test goes too: 2 slots left for a run planned for 3.
    cluster.killWorker(lastWorker());
    LocalCluster.Result resumed = cluster.run(train("resumed", 3, 2, "--resume"), "resumed-resume");
    assertThat(resumed.code()).as(resumed.log()).isZero();
    assertThat(resumed.log())
        .contains("resuming a run planned for 3 workers with 2 now: its global batch stays 3 x 16");
    JsonNode config = JSON.readTree(run.resolve("config.json").toFile());
    List<JsonNode> rounds = rounds(run);
    assertThat(rounds.get(rounds.size() - 1).path("workers").asInt()).isEqualTo(2);
    assertScheduleIntact(config, rounds);
  }

  /**
   * The workers' records, round after round: every round starts where the last ended and trains the
   * steps the plan gives it, the epochs end at the planned iterations, and the learning rate the
   * executors applied is the schedule's at their iteration.
   */
  private static void assertScheduleIntact(JsonNode config, List<JsonNode> rounds) {
    long perEpoch = config.path("iterationsPerEpoch").asLong();
    int epochs = config.at("/request/recipe/epochs").asInt();
    double peak = config.path("learningRate").asDouble();
    double warmup = config.at("/request/recipe/warmupEpochs").asDouble();
    double start = config.at("/request/recipe/warmupStart").asDouble();
    WarmupCosineSchedule schedule = new WarmupCosineSchedule(peak, warmup, start, epochs, perEpoch);
    int previous = 0;
    for (JsonNode r : rounds) {
      int iteration = r.path("iteration").asInt();
      int steps = iteration - previous;
      assertThat(r.path("workerFirstIteration").asInt()).as("round %s", r).isEqualTo(previous);
      assertThat(steps).as("steps in round %s", r).isBetween(1, 2);
      assertThat(r.path("learningRate").asDouble())
          .as("learning rate of round %s", r)
          .isCloseTo(schedule.valueAt(iteration - 1, 0), within(1e-9));
      previous = iteration;
    }
    assertThat(previous).isEqualTo(epochs * (int) perEpoch);
  }

  private String lastWorker() throws Exception {
    List<String> lines = Files.readAllLines(cluster.state().resolve("pids"));
    return lines.stream()
        .filter(l -> l.startsWith("worker-"))
        .reduce((a, b) -> b)
        .orElseThrow()
        .split(" ")[0];
  }

  /** The distinct GPU addresses a round's tasks reported, as "gpuN". */
  private static Set<String> gpus(JsonNode round) {
    Set<String> out = new TreeSet<>();
    round.path("workerDevices").forEach(d -> out.add(d.asText().replaceAll(".*:", "")));
    return out;
  }

  private static Set<String> executors(JsonNode round) {
    Set<String> out = new TreeSet<>();
    round.path("workerDevices").forEach(d -> out.add(d.asText()));
    return out;
  }

  private static int indexOf(List<JsonNode> rounds, Predicate<JsonNode> which) {
    for (int i = 0; i < rounds.size(); i++) {
      if (which.test(rounds.get(i))) {
        return i;
      }
    }
    return -1;
  }

  private static List<JsonNode> rounds(Path run) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      JsonNode l = JSON.readTree(line);
      if (l.has("round")) {
        out.add(l);
      }
    }
    return out;
  }

  private static JsonNode waitForRound(Path run, Process driver, Predicate<JsonNode> which)
      throws Exception {
    Path metrics = run.resolve("metrics.jsonl");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
    while (System.nanoTime() < deadline) {
      assertThat(driver.isAlive()).as("the training driver").isTrue();
      if (Files.exists(metrics)) {
        for (String line : Files.readAllLines(metrics)) {
          if (line.endsWith("}")) {
            JsonNode record = JSON.readTree(line);
            if (record.has("round") && which.test(record)) {
              return record;
            }
          }
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no such round in " + metrics);
  }
}
