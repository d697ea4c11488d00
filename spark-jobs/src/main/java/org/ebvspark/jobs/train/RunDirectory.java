package org.ebvspark.jobs.train;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.ebvspark.data.table.ImageTable;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.io.AtomicOutput;
import org.ebvspark.model.io.Locations;
import org.ebvspark.model.io.OwnedOutput;
import org.ebvspark.model.nn.TopKEvaluation;

/**
 * A training run's directory, on any file system:
 *
 * <pre>
 * RUN/config.json              the resolved request, recipe, head, table identity, versions
 * RUN/metrics.jsonl            per log interval and per epoch: loss, rate, throughput, accuracy
 * RUN/checkpoints/epoch-NNNN-round-RRRRR/  model.zip (parameters, updater state) + state.json
 * RUN/model.zip                the final model
 * RUN/report.json              the final evaluation
 * RUN/_SUCCESS                 written last
 * </pre>
 *
 * Every file is written atomically; a checkpoint directory is renamed into place complete.
 */
public final class RunDirectory {
  public static final String CONFIG = "config.json";
  public static final String METRICS = "metrics.jsonl";
  public static final String MODEL = "model.zip";
  public static final String REPORT = "report.json";
  public static final String SUCCESS = "_SUCCESS";
  private static final String CHECKPOINTS = "checkpoints";

  /**
   * What a checkpoint records besides the model: training resumes at epoch {@code epochs + 1},
   * after skipping the {@code rounds} averaging rounds of that epoch already done. The run's totals
   * so far ({@code elapsedSeconds} of training, {@code roundsDone}, {@code segments}: the first
   * start and each resume) carry over, so the final report covers the whole run.
   */
  public record CheckpointState(
      int epochs,
      int rounds,
      int iteration,
      long seed,
      String savedAt,
      double elapsedSeconds,
      int roundsDone,
      int segments) {}

  private final String location;
  private final Path root;
  private final FileSystem fs;
  private final Configuration conf;

  public RunDirectory(String location, Configuration conf) {
    this.location = location.replaceAll("/+$", "");
    this.root = Locations.path(this.location);
    this.fs = Locations.fileSystem(root, conf);
    this.conf = conf;
  }

  public String location() {
    return location;
  }

  public String file(String name) {
    return location + "/" + name;
  }

  public Configuration conf() {
    return conf;
  }

  /**
   * Checks, changing nothing, that a run may start here: a new location; with {@code overwrite} a
   * run directory this tool wrote (never another folder); with {@code resume} an unfinished run.
   */
  public void check(boolean overwrite, boolean resume) throws IOException {
    if (resume) {
      if (fs.exists(root) && !isRun()) {
        throw new IllegalArgumentException(
            location
                + ": is not a run directory written by ebv train (no "
                + OwnedOutput.MARKER
                + " or config.json); --resume continues only those");
      }
      if (fs.exists(new Path(root, SUCCESS))) {
        throw new IllegalArgumentException(
            location + ": this run already finished (see report.json)");
      }
      return;
    }
    OwnedOutput.checkReplaceable(
        location, OwnedOutput.Kind.RUN, overwrite, "or --resume to continue", conf);
  }

  private boolean isRun() throws IOException {
    return OwnedOutput.isOwned(location, OwnedOutput.Kind.RUN, conf)
        || fs.exists(new Path(root, CONFIG));
  }

  /**
   * Takes the directory for this process ({@link RunLock}: one writer at a time), then, when
   * overwriting, removes the previous run's files, and marks the directory as a run. Call {@link
   * #check} first; close the lock when the run ends.
   */
  RunLock open(boolean overwrite, boolean resume) throws IOException {
    boolean existed = fs.exists(root);
    fs.mkdirs(root);
    RunLock lock = RunLock.acquire(fs, root, location);
    try {
      if (existed && overwrite && !resume) {
        check(true, false); // still a run of ours, now that no one else writes it
        for (FileStatus child : fs.listStatus(root)) {
          if (!child.getPath().getName().equals(RunLock.FILE)) {
            fs.delete(child.getPath(), true);
          }
        }
      }
      OwnedOutput.mark(location, OwnedOutput.Kind.RUN, conf);
      return lock;
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  public void writeJson(String name, Object value) throws IOException {
    try (AtomicOutput out = AtomicOutput.create(file(name), true, conf)) {
      out.write(Provenance.json().writeValueAsBytes(value));
      out.commit();
    }
  }

  /** The run's config.json. */
  public RunConfig readConfig() throws IOException {
    try (InputStream in = fs.open(new Path(root, CONFIG))) {
      return RunConfig.read(in, file(CONFIG));
    }
  }

  public void writeModel(String name, ComputationGraph net, boolean withUpdater)
      throws IOException {
    try (AtomicOutput out = AtomicOutput.create(file(name), true, conf)) {
      ModelSerializer.writeModel(net, out, withUpdater);
      out.commit();
    }
  }

  public void markSuccess() throws IOException {
    fs.create(new Path(root, SUCCESS), true).close();
  }

  /**
   * Ends a run: the final model (with its updater), {@code report.json} (the last validation
   * evaluation, if any, the training time and the trainer's own fields) and the success marker.
   */
  public void finish(
      ComputationGraph net,
      TopKEvaluation last,
      double trainSeconds,
      Double secondsToTop1Of90,
      Map<String, Object> extras)
      throws IOException {
    writeModel(MODEL, net, true);
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("split", ImageTable.VAL);
    if (last != null) {
      report.put("top1", last.top1());
      report.put("top5", last.top5());
      report.put("loss", last.loss());
      report.put("meanClassAccuracy", last.meanClassAccuracy());
      report.put("images", last.total());
      report.put("perClassCorrect", last.perClassCorrect());
      report.put("perClassTotal", last.perClassTotal());
    }
    report.put("trainSeconds", trainSeconds);
    report.put("secondsToTop1Of90", secondsToTop1Of90);
    report.putAll(extras);
    report.put("createdAt", Provenance.now());
    writeJson(REPORT, report);
    markSuccess();
  }

  /** Saves a checkpoint and keeps the newest {@code retain}. */
  public void checkpoint(ComputationGraph net, CheckpointState state, int retain)
      throws IOException {
    Path dir = new Path(root, CHECKPOINTS);
    String name =
        String.format(Locale.ROOT, "epoch-%04d-round-%05d", state.epochs(), state.rounds());
    Path tmp = new Path(dir, "." + name + ".tmp-" + UUID.randomUUID());
    fs.mkdirs(tmp);
    try {
      try (var out = fs.create(new Path(tmp, MODEL), false)) {
        ModelSerializer.writeModel(net, out, true);
      }
      try (var out = fs.create(new Path(tmp, "state.json"), false)) {
        out.write(Provenance.json().writeValueAsBytes(state));
      }
      fs.create(new Path(tmp, SUCCESS), false).close();
      Path target = new Path(dir, name);
      if (fs.exists(target)) {
        fs.delete(target, true);
      }
      if (!fs.rename(tmp, target)) {
        throw new IOException(target + ": could not rename the checkpoint into place");
      }
    } finally {
      if (fs.exists(tmp)) {
        fs.delete(tmp, true);
      }
    }
    List<Path> all = checkpoints();
    for (int i = 0; i < all.size() - retain; i++) {
      fs.delete(all.get(i), true);
    }
  }

  /** Complete checkpoints, oldest first. */
  public List<Path> checkpoints() throws IOException {
    Path dir = new Path(root, CHECKPOINTS);
    if (!fs.exists(dir)) {
      return List.of();
    }
    FileStatus[] entries = fs.listStatus(dir, p -> p.getName().startsWith("epoch-"));
    return Arrays.stream(entries)
        .map(FileStatus::getPath)
        .filter(p -> exists(new Path(p, SUCCESS)))
        .sorted(Comparator.comparing(Path::getName))
        .toList();
  }

  private boolean exists(Path p) {
    try {
      return fs.exists(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The newest checkpoint's model (with its updater) and state, or null. */
  public Map.Entry<ComputationGraph, CheckpointState> latest() throws IOException {
    List<Path> all = checkpoints();
    if (all.isEmpty()) {
      return null;
    }
    Path dir = all.get(all.size() - 1);
    ComputationGraph net;
    try (InputStream in = fs.open(new Path(dir, MODEL))) {
      net = ModelSerializer.restoreComputationGraph(in, true);
    } catch (IOException | RuntimeException e) {
      throw new IOException(
          new Path(dir, MODEL)
              + ": unreadable checkpoint ("
              + e.getMessage()
              + "); delete that checkpoint folder to resume from the one before",
          e);
    }
    CheckpointState state;
    try (InputStream in = fs.open(new Path(dir, "state.json"))) {
      state = Provenance.json().readValue(in, CheckpointState.class);
    }
    return Map.entry(net, state);
  }
}
