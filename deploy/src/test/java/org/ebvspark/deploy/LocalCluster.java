package org.ebvspark.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.FileUtils;

/**
 * A standalone cluster of separate JVMs started by deploy/local-cluster/start.sh for a test class,
 * with the processes a test starts against it (ebv-submit and its driver), their logs under {@code
 * root/logs}. Workers can be added (add-worker.sh) and killed for good, as nodes come and go.
 */
final class LocalCluster implements AutoCloseable {
  /** A finished command: its exit code and its output. */
  record Result(int code, String log) {}

  private final Path state;
  private final Path logs;
  private final String master;
  private final int uiPort;

  private final java.util.Map<String, String> daemonEnv;

  private LocalCluster(
      Path state, Path logs, String master, int uiPort, java.util.Map<String, String> daemonEnv) {
    this.daemonEnv = daemonEnv;
    this.state = state;
    this.logs = logs;
    this.master = master;
    this.uiPort = uiPort;
  }

  /** Starts {@code workers} workers of {@code cores} cores under {@code root} (cleaned first). */
  static LocalCluster start(Path root, int workers, int cores) throws Exception {
    return start(root, workers, cores, java.util.Map.of());
  }

  /**
   * The same, with {@code daemonEnv} in the environment of the daemons (start.sh and add-worker.sh
   * pass it on), e.g. {@code SPARK_WORKER_OPTS}.
   */
  static LocalCluster start(
      Path root, int workers, int cores, java.util.Map<String, String> daemonEnv) throws Exception {
    Path state = root.resolve("cluster");
    Path logs = root.resolve("logs");
    if (Files.exists(state)) {
      runIn(
          logs,
          state,
          java.util.Map.of(),
          List.of(script("local-cluster/stop.sh"), "--state", state.toString()),
          "stop-old");
    }
    FileUtils.deleteDirectory(root.resolve("work").toFile());
    Files.createDirectories(root.resolve("work"));
    Files.createDirectories(logs);
    int uiPort = freePort();
    Result started =
        runIn(
            logs,
            state,
            daemonEnv,
            List.of(
                script("local-cluster/start.sh"),
                "--workers",
                String.valueOf(workers),
                "--cores",
                String.valueOf(cores),
                "--memory",
                "3g",
                "--port",
                String.valueOf(freePort()),
                "--ui-port",
                String.valueOf(uiPort),
                "--state",
                state.toString()),
            "start");
    assertThat(started.code()).as(started.log()).isZero();
    String master = Files.readString(state.resolve("master-url")).strip();
    assertThat(started.log()).contains(master);
    LocalCluster cluster = new LocalCluster(state, logs, master, uiPort, daemonEnv);
    assertThat(cluster.workerPids())
        .hasSize(workers)
        .allMatch(pid -> ProcessHandle.of(pid).isPresent());
    return cluster;
  }

  String master() {
    return master;
  }

  Path state() {
    return state;
  }

  int masterUiPort() {
    return uiPort;
  }

  /** Adds a worker of one core; returns its name (worker-N). */
  String addWorker() throws Exception {
    Result added =
        runIn(
            logs,
            state,
            daemonEnv,
            List.of(script("local-cluster/add-worker.sh"), "--state", state.toString()),
            "add-worker");
    assertThat(added.code()).as(added.log()).isZero();
    return added.log().strip().lines().reduce((a, b) -> b).orElseThrow();
  }

  /**
   * Kills a worker for good, as a lost node: SIGKILL to its process group, the worker JVM and the
   * executors it launched.
   */
  void killWorker(String name) throws Exception {
    long pid =
        Files.readAllLines(state.resolve("pids")).stream()
            .filter(line -> line.startsWith(name + " "))
            .map(line -> Long.parseLong(line.split(" ")[1]))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no " + name + " in " + state.resolve("pids")));
    List<ProcessHandle> group = new ArrayList<>();
    ProcessHandle.of(pid).ifPresent(group::add);
    ProcessHandle.of(pid).stream().flatMap(ProcessHandle::descendants).forEach(group::add);
    Process kill = new ProcessBuilder("kill", "-KILL", "--", "-" + pid).start();
    assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
    for (ProcessHandle p : group) {
      p.onExit().get(30, TimeUnit.SECONDS);
    }
  }

  /** The worker JVMs started so far (killed ones included), from STATE/pids. */
  List<Long> workerPids() throws IOException {
    Path pids = state.resolve("pids");
    if (!Files.exists(pids)) {
      return List.of();
    }
    return Files.readAllLines(pids).stream()
        .filter(line -> line.startsWith("worker-"))
        .map(line -> Long.parseLong(line.split(" ")[1]))
        .toList();
  }

  /** ebv-submit to this cluster in client mode, with {@code extra} spark-submit options. */
  List<String> submitPrefix(String... extra) {
    List<String> command = new ArrayList<>();
    command.add(script("bin/ebv-submit"));
    command.addAll(
        List.of(
            "--master",
            master,
            "--driver-memory",
            "2g",
            "--executor-memory",
            "2g",
            "--conf",
            "spark.ui.enabled=false",
            // The driver on loopback too: nothing of the cluster leaves this host's 127.0.0.1.
            "--conf",
            "spark.driver.host=127.0.0.1"));
    command.addAll(List.of(extra));
    command.add("--");
    return command;
  }

  Process start(List<String> command, String name) throws IOException {
    return startIn(logs, state, java.util.Map.of(), command, name);
  }

  Result run(List<String> command, String name) throws Exception {
    return runIn(logs, state, java.util.Map.of(), command, name);
  }

  Result finish(Process p, String name) throws Exception {
    return finishIn(logs, p, name);
  }

  @Override
  public void close() throws Exception {
    List<Long> daemons = new ArrayList<>(workerPids());
    Result stopped =
        run(List.of(script("local-cluster/stop.sh"), "--state", state.toString()), "stop");
    assertThat(stopped.code()).as(stopped.log()).isZero();
    for (long pid : daemons) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .as("worker %d after stop.sh", pid)
          .isFalse();
    }
  }

  static String script(String relative) {
    return Path.of(relative).toAbsolutePath().toString();
  }

  private static Process startIn(
      Path logs, Path state, java.util.Map<String, String> env, List<String> command, String name)
      throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(logs.resolve(name + ".log").toFile());
    pb.environment().put("SPARK_HOME", state.resolve("spark-home").toString());
    pb.environment().put("EBV_PROGRESS", "lines");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().remove("EBV_APP_JAR");
    // The executors' values must come from ebv-submit, not from this JVM through the workers.
    pb.environment().remove("OMP_WAIT_POLICY");
    pb.environment().remove("OPENBLAS_THREAD_TIMEOUT");
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    return p;
  }

  private static Result runIn(
      Path logs, Path state, java.util.Map<String, String> env, List<String> command, String name)
      throws Exception {
    return finishIn(logs, startIn(logs, state, env, command, name), name);
  }

  private static Result finishIn(Path logs, Process p, String name) throws Exception {
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).as(name).isTrue();
    return new Result(p.exitValue(), Files.readString(logs.resolve(name + ".log")));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
