package org.ebvspark.jobs.generate;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.ebv.GeneratorCheckpoints;
import org.ebvspark.model.ebv.GeneratorSettings;
import org.ebvspark.model.ebv.GeneratorState;
import org.ebvspark.model.ebv.NpyFormat;
import org.ebvspark.model.io.Locations;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Generator checkpoints beside the output, at {@code OUTPUT.checkpoints/step-NNNNNNNN/}: the
 * settings and counters as {@code state.json}, the current and best W (and Adam's moments in fast
 * mode) as .npy files, then an empty {@code _SUCCESS}. A checkpoint is written under a temporary
 * name and renamed, so a killed driver leaves either a complete checkpoint or none; the newest
 * {@link #RETAINED} complete ones are kept.
 */
public final class CheckpointStore implements GeneratorCheckpoints {
  static final int RETAINED = 2;
  private static final String PREFIX = "step-";
  private static final String SUCCESS = "_SUCCESS";

  /** What state.json holds. */
  record Saved(int format, GeneratorSettings settings, String start, double[] scalars) {}

  private final String location;
  private final Path root;
  private final FileSystem fs;
  private final Configuration conf;
  private final int everySteps;
  private final double everySeconds;
  private long lastSaved = System.nanoTime();

  /**
   * @param everySteps save every this many steps (0: never by count)
   * @param everyMinutes save when this much time passed since the last save (0: never by time)
   */
  public CheckpointStore(String output, Configuration conf, int everySteps, double everyMinutes) {
    this.location = output + ".checkpoints";
    this.root = Locations.path(location);
    this.fs = Locations.fileSystem(root, conf);
    this.conf = conf;
    this.everySteps = everySteps;
    this.everySeconds = everyMinutes * 60;
  }

  public String location() {
    return location;
  }

  @Override
  public void afterStep(GeneratorState state, GeneratorSettings settings) {
    if (due(state)) {
      saveUnchecked(state, settings);
    }
  }

  /** Whether a checkpoint is due after this step (by count or by time). */
  public boolean due(GeneratorState state) {
    boolean byCount = everySteps > 0 && state.step() % everySteps == 0;
    boolean byTime = everySeconds > 0 && (System.nanoTime() - lastSaved) / 1e9 >= everySeconds;
    return byCount || byTime;
  }

  /** {@link #save}, with I/O failures as unchecked exceptions (for the generator's hook). */
  public void saveUnchecked(GeneratorState state, GeneratorSettings settings) {
    try {
      save(state, settings);
    } catch (IOException e) {
      throw new UncheckedIOException(location + ": cannot write a checkpoint", e);
    }
  }

  /** Writes a checkpoint of {@code state}, atomically, and prunes old ones. */
  public void save(GeneratorState state, GeneratorSettings settings) throws IOException {
    String name = String.format(Locale.ROOT, "%s%08d", PREFIX, state.step());
    Path finalDir = new Path(root, name);
    Path tmp = new Path(root, "." + name + ".tmp-" + UUID.randomUUID());
    fs.mkdirs(tmp);
    try {
      array(tmp, "w.npy", state.current());
      array(tmp, "best.npy", state.best());
      if (state.firstMoment() != null) {
        array(tmp, "m.npy", state.firstMoment());
        array(tmp, "v.npy", state.secondMoment());
      }
      Saved saved = new Saved(1, settings, state.startDescription(), state.scalars());
      try (var out = fs.create(new Path(tmp, "state.json"), false)) {
        out.write(Provenance.json().writeValueAsBytes(saved));
      }
      fs.create(new Path(tmp, SUCCESS), false).close();
      if (fs.exists(finalDir)) {
        fs.delete(finalDir, true);
      }
      if (!fs.rename(tmp, finalDir)) {
        throw new IOException(finalDir + ": could not rename the checkpoint into place");
      }
    } finally {
      if (fs.exists(tmp)) {
        fs.delete(tmp, true);
      }
    }
    lastSaved = System.nanoTime();
    List<Path> complete = complete();
    for (int i = 0; i < complete.size() - RETAINED; i++) {
      fs.delete(complete.get(i), true);
    }
  }

  private void array(Path dir, String name, INDArray a) throws IOException {
    NpyFormat.write(a, new Path(dir, name).toString(), false, conf);
  }

  /** Complete checkpoints, oldest first. */
  List<Path> complete() throws IOException {
    if (!fs.exists(root)) {
      return List.of();
    }
    FileStatus[] dirs = fs.listStatus(root, p -> p.getName().startsWith(PREFIX));
    return Arrays.stream(dirs)
        .map(FileStatus::getPath)
        .filter(
            p -> {
              try {
                return fs.exists(new Path(p, SUCCESS));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            })
        .sorted(Comparator.comparing(Path::getName))
        .toList();
  }

  /**
   * The newest complete checkpoint as a state to resume from, or null if there is none. A
   * checkpoint made with other settings is refused: resuming it would not be the same run.
   */
  public GeneratorState latest(GeneratorSettings settings) throws IOException {
    List<Path> complete = complete();
    if (complete.isEmpty()) {
      return null;
    }
    Path dir = complete.get(complete.size() - 1);
    Saved saved;
    try (InputStream in = fs.open(new Path(dir, "state.json"))) {
      saved = Provenance.json().readValue(in, Saved.class);
    }
    if (!saved.settings().equals(settings)) {
      throw new IllegalArgumentException(
          dir
              + ": this checkpoint was made with other settings ("
              + saved.settings()
              + "); resume with the same options, or start afresh without --resume");
    }
    boolean fast = saved.settings().mode() == org.ebvspark.model.ebv.GeneratorMode.FAST;
    return GeneratorState.restore(
        settings,
        saved.start(),
        read(dir, "w.npy"),
        read(dir, "best.npy"),
        fast ? read(dir, "m.npy") : null,
        fast ? read(dir, "v.npy") : null,
        saved.scalars());
  }

  private INDArray read(Path dir, String name) throws IOException {
    return NpyFormat.read(new Path(dir, name).toString(), conf);
  }

  /** Removes every checkpoint (after the output is complete). */
  public void deleteAll() throws IOException {
    if (fs.exists(root)) {
      fs.delete(root, true);
    }
  }
}
