package org.ebvspark.model.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What {@code --overwrite} may replace: only a previous output of the same command, recognised by
 * what that command writes (DESIGN.md, invariant 7). A file output is recognised by its format's
 * magic bytes, a folder output by the marker file {@value #MARKER} naming its kind. Anything else
 * at the output location (a user's folder, a file of another kind, an input of the same command) is
 * refused with a one-line error, whatever the flag says.
 */
public final class OwnedOutput {
  /** The marker a folder output carries from its creation: one line, the kind's name. */
  public static final String MARKER = "_EBV_OUTPUT";

  /** The kinds of output the commands write. */
  public enum Kind {
    EBV_FILE("an EBV file", new byte[] {(byte) 0x89, 'E', 'B', 'V', '\r', '\n', 0x1a, '\n'}),
    NPY_FILE("a .npy file", new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'}),
    IMAGE_TABLE("an image table written by ebv prepare", null),
    RUN("a run directory written by ebv train", null),
    REPORT("a report written by ebv report", null);

    private final String description;
    private final byte[] magic;

    Kind(String description, byte[] magic) {
      this.description = description;
      this.magic = magic;
    }

    boolean isFolder() {
      return magic == null;
    }

    String markerText() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private OwnedOutput() {}

  /**
   * Refuses {@code location} unless nothing is there, or {@code overwrite} is set and what is there
   * is recognisably a {@code kind} this tool wrote.
   *
   * @param refusal what to add to the "already exists" message (e.g. "or --resume to continue")
   */
  public static void checkReplaceable(
      String location, Kind kind, boolean overwrite, String refusal, Configuration conf)
      throws IOException {
    Path path = Locations.path(location);
    FileSystem fs = Locations.fileSystem(path, conf);
    FileStatus status;
    try {
      status = fs.getFileStatus(path);
    } catch (java.io.FileNotFoundException absent) {
      return;
    }
    if (!overwrite) {
      throw new FileAlreadyExistsException(
          location
              + ": already exists (use --overwrite to replace it"
              + (refusal == null ? "" : ", " + refusal)
              + ")");
    }
    if (!isOwned(fs, status, kind)) {
      throw new IllegalArgumentException(
          location
              + ": is not "
              + kind.description
              + " ("
              + (status.isDirectory()
                  ? kind.isFolder() ? "a folder without the " + MARKER + " marker" : "a folder"
                  : kind.isFolder() ? "a file" : "a file of another format")
              + "); --overwrite replaces only that, so remove or move it yourself");
    }
  }

  /** Whether a replace of {@code location} would remove a {@code kind} this tool wrote. */
  public static boolean isOwned(String location, Kind kind, Configuration conf) {
    Path path = Locations.path(location);
    FileSystem fs = Locations.fileSystem(path, conf);
    try {
      return isOwned(fs, fs.getFileStatus(path), kind);
    } catch (java.io.FileNotFoundException absent) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean isOwned(FileSystem fs, FileStatus status, Kind kind) throws IOException {
    if (kind.isFolder()) {
      if (!status.isDirectory()) {
        return false;
      }
      Path marker = new Path(status.getPath(), MARKER);
      if (!fs.exists(marker)) {
        return false;
      }
      try (InputStream in = fs.open(marker)) {
        String text = new String(in.readNBytes(64), StandardCharsets.UTF_8).trim();
        return text.equals(kind.markerText());
      }
    }
    if (!status.isFile() || status.getLen() < kind.magic.length) {
      return false;
    }
    try (InputStream in = fs.open(status.getPath())) {
      return Arrays.equals(in.readNBytes(kind.magic.length), kind.magic);
    }
  }

  /** Marks {@code folder} as a {@code kind} output (before it is renamed into place). */
  public static void mark(String folder, Kind kind, Configuration conf) throws IOException {
    if (!kind.isFolder()) {
      throw new IllegalArgumentException(kind + " is a file kind: its format is its marker");
    }
    Path path = new Path(Locations.path(folder), MARKER);
    FileSystem fs = Locations.fileSystem(path, conf);
    try (var out = fs.create(path, true)) {
      out.write((kind.markerText() + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * Refuses an output that is, lies inside, or contains one of the command's inputs: writing it (or
   * replacing it) would destroy what the command reads.
   */
  public static void refuseOverlap(String output, Configuration conf, String... inputs) {
    Path out = qualified(output, conf);
    for (String input : inputs) {
      if (input == null) {
        continue;
      }
      Path in = qualified(input, conf);
      String relation =
          out.equals(in)
              ? "is"
              : isUnder(out, in) ? "lies inside" : isUnder(in, out) ? "contains" : null;
      if (relation != null) {
        throw new IllegalArgumentException(
            output
                + ": the output "
                + relation
                + " the input "
                + input
                + "; choose another output");
      }
    }
  }

  private static Path qualified(String location, Configuration conf) {
    return new Path(Locations.qualified(location, conf));
  }

  private static boolean isUnder(Path child, Path ancestor) {
    for (Path p = child.getParent(); p != null; p = p.getParent()) {
      if (p.equals(ancestor)) {
        return true;
      }
    }
    return false;
  }
}
