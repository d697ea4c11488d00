package org.ebvspark.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A Spark standalone cluster of separate JVMs on this machine (deploy/local-cluster/start.sh: a
 * master and two one-core workers), and the application jar submitted to it with
 * deploy/bin/ebv-submit, as a user does: the whole path in client mode, then faults that really
 * happen (an executor JVM killed during training, the driver killed mid-epoch and the run resumed),
 * then cluster deploy mode, whose outcome must reach the submitter. What is asserted is read from
 * Spark's event logs, the process table and the files the jobs wrote, never from what they print.
 * The tests share the cluster and run in order: the undisturbed run of the first is the reference
 * of the fault tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int EPOCHS = 4;
  private static final int ROUNDS_PER_EPOCH = 10; // 1,200 images / (32 per worker x 2 workers x 2)

  private final Path root = Path.of("target", "it-local-cluster").toAbsolutePath();
  private final Path work = root.resolve("work");
  private LocalCluster cluster;
  private String master;
  private double undisturbedTop1 = Double.NaN;
  private List<String> killedExecutorEnvironment = List.of();

  private record Result(int code, String log) {
    Result(LocalCluster.Result r) {
      this(r.code(), r.log());
    }
  }

  @BeforeAll
  void startCluster() throws Exception {
    cluster = LocalCluster.start(root, 2, 1);
    master = cluster.master();
  }

  @AfterAll
  void stopCluster() throws Exception {
    cluster.close();
  }

  @Test
  @Order(1)
  void wholePathRunsOnTheClustersExecutors() throws Exception {
    Result prepared =
        submit(
            "prepare",
            "synthetic",
            "--classes",
            "10",
            "--per-class",
            "120",
            "--size",
            "32",
            "--corrupt",
            "0.5",
            "-o",
            work.resolve("table").toString());
    assertThat(prepared.code()).as(prepared.log()).isZero();
    assertThat(work.resolve("table/_SUCCESS")).exists();

    Result generated =
        submit(
            "generate",
            "-n",
            "10",
            "-d",
            "16",
            "-a",
            "0.2",
            "-o",
            work.resolve("basis.ebv").toString());
    assertThat(generated.code()).as(generated.log()).isZero();
    assertThat(Files.size(work.resolve("basis.ebv"))).isGreaterThan(10 * 16 * 4);

    Result trained = train("undisturbed");
    assertThat(trained.code()).as(trained.log()).isZero();
    JsonNode report = JSON.readTree(work.resolve("undisturbed/report.json").toFile());
    undisturbedTop1 = report.path("top1").asDouble();
    assertThat(report.path("workers").asInt()).isEqualTo(2);
    assertThat(undisturbedTop1).as("top-1 of 10 overlapping classes").isGreaterThan(0.5);
    // The rounds were fitted by the two executors of the cluster, never by the driver.
    List<JsonNode> events = eventLog("undisturbed");
    Set<String> executors =
        events.stream()
            .filter(e -> e.path("Event").asText().equals("SparkListenerTaskEnd"))
            .map(e -> e.path("Task Info").path("Executor ID").asText())
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(executors.toString()).isEqualTo("[0, 1]");
    assertThat(
            events.stream()
                .filter(e -> e.path("Event").asText().equals("SparkListenerTaskEnd"))
                .map(e -> e.path("Task Info").path("Host").asText())
                .distinct())
        .containsOnly("127.0.0.1");

    Result evaluated =
        submit(
            "evaluate",
            "--run",
            work.resolve("undisturbed").toString(),
            "--data",
            work.resolve("table").toString(),
            "--report");
    assertThat(evaluated.code()).as(evaluated.log()).isZero();
    // The page's numbers: the model evaluated on the executors scores what training measured.
    JsonNode page = JSON.readTree(work.resolve("undisturbed/report/report-data.json").toFile());
    JsonNode summary = page.path("runs").path(0).path("summary");
    assertThat(summary.path("epochsDone").asInt()).isEqualTo(EPOCHS);
    assertThat(summary.path("images").asInt()).isEqualTo(240);
    assertThat(summary.path("top1").asDouble()).isCloseTo(undisturbedTop1, within(1e-9));
    assertThat(Files.readString(work.resolve("undisturbed/report/index.html")))
        .contains("<svg")
        .contains("undisturbed");
  }

  @Test
  @Order(2)
  void trainingSurvivesAnExecutorKilledMidTask() throws Exception {
    requireReference();
    Path run = work.resolve("executor-killed");
    int uiPort = freePort();
    Process driver =
        start(
            trainCommand(
                "executor-killed",
                List.of(
                    "--conf",
                    "spark.ui.enabled=true",
                    "--conf",
                    "spark.ui.port=" + uiPort,
                    // The status API's executor view written at every event (default: 100 ms).
                    "--conf",
                    "spark.ui.liveUpdate.period=0ms")),
            "executor-killed");
    waitForRound(run, driver, 2, 2);
    // The executor JVM (a child of a worker) that runs a task right now, as the driver's status
    // API says, killed with SIGKILL: its task is lost, not finished.
    Set<String> killed = killExecutorsUntilATaskIsLost(uiPort, driver);
    // Idle OpenMP and BLAS threads sleep in the executors that train
    // (bench/run-process-settings.sh).
    assertThat(killedExecutorEnvironment)
        .contains("OMP_WAIT_POLICY=PASSIVE", "OPENBLAS_THREAD_TIMEOUT=4");

    Result trained = finish(driver, "executor-killed");
    assertThat(trained.code()).as(trained.log()).isZero();
    List<JsonNode> events = eventLog("executor-killed");
    assertThat(
            count(
                events,
                e ->
                    isEvent(e, "SparkListenerExecutorRemoved")
                        && killed.contains(e.path("Executor ID").asText())))
        .as("executors %s removed in the event log", killed)
        .isEqualTo(killed.size());
    assertThat(
            count(
                events,
                e ->
                    isEvent(e, "SparkListenerTaskEnd")
                        && e.path("Task End Reason")
                            .path("Reason")
                            .asText()
                            .equals("ExecutorLostFailure")
                        && killed.contains(e.path("Task Info").path("Executor ID").asText())))
        .as("tasks lost with executors %s", killed)
        .isGreaterThanOrEqualTo(1);
    // The standalone master replaces a killed executor in about 3 s; an executor killed just before
    // the training's last round may outlive the application unreplaced (seen: killed 3.3 s before
    // the end), so only those removed at least 10 s before the end are owed a replacement.
    long end =
        events.stream()
            .filter(e -> isEvent(e, "SparkListenerApplicationEnd"))
            .mapToLong(e -> e.path("Timestamp").asLong())
            .max()
            .orElseThrow();
    List<Long> removals =
        events.stream()
            .filter(
                e ->
                    isEvent(e, "SparkListenerExecutorRemoved")
                        && killed.contains(e.path("Executor ID").asText()))
            .map(e -> e.path("Timestamp").asLong())
            .toList();
    long owed = removals.stream().filter(t -> end - t >= 10_000).count();
    assertThat(owed)
        .as("killed executors removed 10 s or more before the end %s", removals)
        .isPositive();
    assertThat(count(events, e -> isEvent(e, "SparkListenerExecutorAdded")))
        .as(
            "executors registered: two, and a replacement for each killed 10 s or more before the end")
        .isGreaterThanOrEqualTo(2 + owed);
    JsonNode report = JSON.readTree(run.resolve("report.json").toFile());
    assertThat(report.path("rounds").asInt()).isEqualTo(EPOCHS * ROUNDS_PER_EPOCH);
    assertThat(report.path("top1").asDouble()).isCloseTo(undisturbedTop1, within(0.01));
  }

  @Test
  @Order(3)
  void aRunWhoseDriverWasKilledMidEpochResumes() throws Exception {
    requireReference();
    Path run = work.resolve("driver-killed");
    Process driver = startTrain("driver-killed");
    JsonNode last = waitForRound(run, driver, 3, 3);
    // ebv-submit and Spark's launcher exec into the driver: this process is the driver's JVM.
    assertThat(commandLine(driver.toHandle())).contains("SparkSubmit");
    driver.destroyForcibly();
    assertThat(driver.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(driver.exitValue()).isEqualTo(137);
    assertThat(run.resolve("model.zip")).doesNotExist();
    int killedAt = position(last.path("epoch").asInt(), last.path("round").asInt());

    Result resumed = run(trainCommand("driver-killed", "--resume"), "driver-killed-resume");
    assertThat(resumed.code()).as(resumed.log()).isZero();
    Matcher at =
        Pattern.compile("resuming at epoch (\\d+) after round (\\d+)").matcher(resumed.log());
    assertThat(at.find()).as(resumed.log()).isTrue();
    int resumedAt = position(Integer.parseInt(at.group(1)), Integer.parseInt(at.group(2)));
    assertThat(killedAt - resumedAt)
        .as(
            "rounds lost (killed after epoch %d round %d)",
            last.path("epoch").asInt(), last.path("round").asInt())
        .isBetween(0, ROUNDS_PER_EPOCH);
    JsonNode report = JSON.readTree(run.resolve("report.json").toFile());
    assertThat(report.path("segments").asInt()).isEqualTo(2);
    assertThat(report.path("rounds").asInt()).isEqualTo(EPOCHS * ROUNDS_PER_EPOCH);
    assertThat(report.path("top1").asDouble()).isCloseTo(undisturbedTop1, within(0.01));
  }

  @Test
  @Order(4)
  void clusterDeployModeReturnsTheJobsOutcome() throws Exception {
    String basis = work.resolve("cluster-mode.ebv").toString();
    Result ok = submitClusterMode("generate", "-n", "60", "-d", "12", "-a", "0.5", "-o", basis);
    assertThat(ok.code()).as(ok.log()).isZero();
    assertThat(ok.log()).containsPattern("wrote " + Pattern.quote(basis) + ": 60 x 12.*exit 0\\)");
    assertThat(Path.of(basis)).exists();

    // The same output again: the job fails on the worker, and its error and code reach the user.
    Result refused =
        submitClusterMode("generate", "-n", "60", "-d", "12", "-a", "0.5", "-o", basis);
    assertThat(refused.code()).as(refused.log()).isEqualTo(1);
    assertThat(refused.log()).contains("ebv generate: " + basis + ": already exists");
    try (Stream<Path> left = Files.list(work)) {
      assertThat(left.map(Path::toString)).noneMatch(name -> name.contains(".outcome-"));
    }

    // A relative output would land in the driver's directory on a node: refused before submitting.
    Result relative =
        submitClusterMode("generate", "-n", "60", "-d", "12", "-a", "0.5", "-o", "x.ebv");
    assertThat(relative.code()).isEqualTo(2);
    assertThat(relative.log()).contains("x.ebv: a relative path in cluster deploy mode");
  }

  // --- the cluster and the jobs ---

  private void requireReference() {
    assertThat(undisturbedTop1).as("the undisturbed run of the first test").isNotNaN();
  }

  private List<String> submitPrefix(String eventsName, String... extra) throws IOException {
    List<String> options = new ArrayList<>();
    if (eventsName != null) {
      Path events = Files.createDirectories(work.resolve("events-" + eventsName));
      options.addAll(
          List.of(
              "--conf",
              "spark.eventLog.enabled=true",
              "--conf",
              "spark.eventLog.dir=" + events.toUri()));
    }
    options.addAll(List.of(extra));
    return cluster.submitPrefix(options.toArray(String[]::new));
  }

  private Result submit(String... ebv) throws Exception {
    List<String> command = submitPrefix(null);
    command.addAll(List.of(ebv));
    return run(command, ebv[0]);
  }

  private Result submitClusterMode(String... ebv) throws Exception {
    List<String> command = submitPrefix(null, "--deploy-mode", "cluster");
    command.addAll(List.of(ebv));
    return run(command, "cluster-" + ebv[0]);
  }

  private List<String> trainCommand(String name, String... extra) throws IOException {
    return trainCommand(name, List.of(), extra);
  }

  private List<String> trainCommand(String name, List<String> sparkOptions, String... extra)
      throws IOException {
    List<String> command = submitPrefix(name, sparkOptions.toArray(String[]::new));
    command.addAll(
        List.of(
            "train",
            "--data",
            work.resolve("table").toString(),
            "--backbone",
            "cnn-small",
            "--head",
            "ebv",
            "--ebv",
            work.resolve("basis.ebv").toString(),
            "--run",
            work.resolve(name).toString(),
            "--epochs",
            String.valueOf(EPOCHS),
            "--batch",
            "32",
            "--averaging-frequency",
            "2"));
    command.addAll(List.of(extra));
    return command;
  }

  private Result train(String name) throws Exception {
    return run(trainCommand(name), name);
  }

  private Process startTrain(String name) throws IOException {
    return start(trainCommand(name), name);
  }

  private Result finish(Process p, String name) throws Exception {
    return new Result(cluster.finish(p, name));
  }

  /** Waits until the run has logged round {@code round} of epoch {@code epoch}; returns it. */
  private JsonNode waitForRound(Path run, Process driver, int epoch, int round) throws Exception {
    Path metrics = run.resolve("metrics.jsonl");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
    while (System.nanoTime() < deadline) {
      assertThat(driver.isAlive()).as("the training driver before the fault").isTrue();
      if (Files.exists(metrics)) {
        for (String line : Files.readAllLines(metrics)) {
          if (line.endsWith("}")) {
            JsonNode record = JSON.readTree(line);
            if (record.has("round")
                && record.path("epoch").asInt() == epoch
                && record.path("round").asInt() >= round) {
              return record;
            }
          }
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no round " + round + " of epoch " + epoch + " in " + metrics);
  }

  /**
   * Kills an executor that runs a task (see {@link #killAnExecutorRunningATask}), then watches the
   * stages' failed-task counts in the status API: a task that ended between the API's answer and
   * the kill leaves them unchanged, and another executor is killed (at most 4 times).
   */
  private Set<String> killExecutorsUntilATaskIsLost(int uiPort, Process driver) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String api = "http://127.0.0.1:" + uiPort + "/api/v1/applications";
    String app = api + "/" + JSON.readTree(get(http, api)).path(0).path("id").asText();
    Set<String> killed = new java.util.LinkedHashSet<>();
    for (int attempt = 0; attempt < 4; attempt++) {
      long failedBefore = failedTasks(http, app);
      String id = killAnExecutorRunningATask(http, app, driver);
      killed.add(id);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (System.nanoTime() < deadline) {
        if (failedTasks(http, app) > failedBefore) {
          return killed;
        }
        Thread.sleep(100);
      }
    }
    throw new AssertionError("4 executors killed, none while it ran a task: " + killed);
  }

  /** Failed task attempts over all stages, as the driver's status API counts them. */
  private static long failedTasks(HttpClient http, String app) throws Exception {
    long n = 0;
    for (JsonNode stage : JSON.readTree(get(http, app + "/stages"))) {
      n += stage.path("numFailedTasks").asLong();
    }
    return n;
  }

  /** Polls the driver's executor list until one has an active task; kills its JVM. */
  private String killAnExecutorRunningATask(HttpClient http, String app, Process driver)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      assertThat(driver.isAlive()).as("the training driver before the fault").isTrue();
      for (JsonNode executor : JSON.readTree(get(http, app + "/executors"))) {
        String id = executor.path("id").asText();
        if (!id.equals("driver") && executor.path("activeTasks").asInt() > 0) {
          ProcessHandle jvm =
              workerPids().stream()
                  .flatMap(pid -> ProcessHandle.of(pid).stream())
                  .flatMap(ProcessHandle::descendants)
                  .filter(p -> commandLine(p).contains("CoarseGrainedExecutorBackend"))
                  .filter(p -> commandLine(p).contains("--executor-id " + id + " "))
                  .findFirst()
                  .orElseThrow(() -> new AssertionError("no JVM for executor " + id));
          // What ebv-submit's spark.executorEnv settings gave the executor's process.
          killedExecutorEnvironment =
              Arrays.asList(
                  Files.readString(Path.of("/proc", Long.toString(jvm.pid()), "environ"))
                      .split("\0"));
          assertThat(jvm.destroyForcibly()).isTrue();
          jvm.onExit().get(30, TimeUnit.SECONDS);
          return id;
        }
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no executor ran a task within 3 minutes");
  }

  private static String get(HttpClient http, String uri) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(uri)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(uri).isEqualTo(200);
    return r.body();
  }

  private static boolean isEvent(JsonNode e, String name) {
    return e.path("Event").asText().equals(name);
  }

  private static long count(List<JsonNode> events, java.util.function.Predicate<JsonNode> which) {
    return events.stream().filter(which).count();
  }

  private static int position(int epoch, int round) {
    return (epoch - 1) * ROUNDS_PER_EPOCH + round;
  }

  /** The events of the one application whose event log {@code name}'s submission wrote. */
  private List<JsonNode> eventLog(String name) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(work.resolve("events-" + name))) {
      files = s.sorted(Comparator.naturalOrder()).toList();
    }
    assertThat(files).as("event logs of " + name).hasSize(1);
    List<JsonNode> events = new ArrayList<>();
    for (String line : Files.readAllLines(files.get(0))) {
      events.add(JSON.readTree(line));
    }
    return events;
  }

  private List<Long> workerPids() throws IOException {
    return cluster.workerPids();
  }

  private static String commandLine(ProcessHandle p) {
    return p.info().commandLine().orElse("");
  }

  private Process start(List<String> command, String name) throws IOException {
    return cluster.start(command, name);
  }

  private Result run(List<String> command, String name) throws Exception {
    return finish(start(command, name), name);
  }

  private static int freePort() throws IOException {
    return LocalCluster.freePort();
  }
}
