package org.ebvspark.jobs.train;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.ebvspark.model.Provenance;

/**
 * One writer per run directory (DESIGN.md, invariant 7): a lock file created exclusively, holding
 * its owner (host, process, start) and a heartbeat the owner rewrites every {@link #BEAT_SECONDS}.
 * A lock whose heartbeat is older than {@link #STALE_SECONDS} belongs to a process that died (a
 * killed driver cannot remove it) and is taken over. Works on any Hadoop file system: the heartbeat
 * is in the file's content, not its modification time (which S3 does not let a writer set).
 */
final class RunLock implements AutoCloseable {
  static final String FILE = "_LOCK";
  static final long BEAT_SECONDS = 10;
  static final long STALE_SECONDS = 60;

  private final FileSystem fs;
  private final Path path;
  private final Map<String, Object> owner;
  private final ScheduledExecutorService beats;

  private RunLock(FileSystem fs, Path path, Map<String, Object> owner) {
    this.fs = fs;
    this.path = path;
    this.owner = owner;
    this.beats =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ebv-run-lock");
              t.setDaemon(true);
              return t;
            });
    beats.scheduleWithFixedDelay(this::beat, BEAT_SECONDS, BEAT_SECONDS, TimeUnit.SECONDS);
  }

  /** Takes the lock of {@code dir} (which exists), or refuses naming its live owner. */
  static RunLock acquire(FileSystem fs, Path dir, String location) throws IOException {
    Path path = new Path(dir, FILE);
    Map<String, Object> owner = new LinkedHashMap<>();
    owner.put("host", Provenance.hostName());
    owner.put("pid", ProcessHandle.current().pid());
    owner.put("jvm", ManagementFactory.getRuntimeMXBean().getName());
    owner.put("started", Provenance.now());
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        write(fs, path, owner, false);
        return new RunLock(fs, path, owner);
      } catch (org.apache.hadoop.fs.FileAlreadyExistsException taken) {
        Map<?, ?> held = read(fs, path);
        long age = held == null ? Long.MAX_VALUE : ageSeconds(held);
        if (age <= STALE_SECONDS && !ownerDiedOnThisHost(held)) {
          throw new IOException(
              location
                  + ": locked by another ebv train (host "
                  + held.get("host")
                  + ", pid "
                  + held.get("pid")
                  + ", since "
                  + held.get("started")
                  + ", heartbeat "
                  + age
                  + " s ago); wait for it, or if no such process runs, retry after "
                  + STALE_SECONDS
                  + " s");
        }
        fs.delete(path, false); // stale: its owner died without removing it
      }
    }
    throw new IllegalStateException(location + ": could not take the run lock " + path);
  }

  /**
   * A lock taken on this host by a process that no longer runs (a killed driver) need not wait for
   * its heartbeat to go stale: {@code --resume} right after the kill takes it over.
   */
  private static boolean ownerDiedOnThisHost(Map<?, ?> held) {
    String host = Provenance.hostName();
    if (host.equals("unknown")
        || !host.equals(held.get("host"))
        || !(held.get("pid") instanceof Number pid)) {
      return false;
    }
    return ProcessHandle.of(pid.longValue()).map(p -> !p.isAlive()).orElse(true);
  }

  private void beat() {
    try {
      write(fs, path, owner, true);
    } catch (IOException e) {
      // The next beat tries again; a lock left without beats goes stale, which is safe.
    }
  }

  private static void write(FileSystem fs, Path path, Map<String, Object> owner, boolean replace)
      throws IOException {
    Map<String, Object> content = new LinkedHashMap<>(owner);
    content.put("heartbeat", Instant.now().toString());
    try (var out = fs.create(path, replace)) {
      out.write(Provenance.json().writeValueAsBytes(content));
    } catch (IOException e) {
      // Local and HDFS refuse an exclusive create of an existing file with this exception or a
      // subclass; some file systems wrap it.
      if (!replace
          && fs.exists(path)
          && !(e instanceof org.apache.hadoop.fs.FileAlreadyExistsException)) {
        throw new org.apache.hadoop.fs.FileAlreadyExistsException(path.toString());
      }
      throw e;
    }
  }

  private static Map<?, ?> read(FileSystem fs, Path path) {
    try (InputStream in = fs.open(path)) {
      return Provenance.json().readValue(in, Map.class);
    } catch (IOException | RuntimeException e) {
      return null; // unreadable or half-written: treated as stale
    }
  }

  private static long ageSeconds(Map<?, ?> held) {
    try {
      return Instant.now().getEpochSecond()
          - Instant.parse(String.valueOf(held.get("heartbeat"))).getEpochSecond();
    } catch (RuntimeException e) {
      return Long.MAX_VALUE;
    }
  }

  @Override
  public void close() throws IOException {
    beats.shutdownNow();
    fs.delete(path, false);
  }
}
