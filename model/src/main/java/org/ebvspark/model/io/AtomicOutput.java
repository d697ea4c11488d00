package org.ebvspark.model.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A file that appears all at once: bytes go to a hidden temporary sibling, and {@link #commit}
 * renames it into place. Closing without committing deletes the temporary file, so a failed write
 * leaves nothing that looks complete. An existing target is refused unless {@code overwrite}.
 */
public final class AtomicOutput extends FilterOutputStream {
  private final FileSystem fs;
  private final Path target;
  private final Path temporary;
  private final boolean overwrite;
  private boolean committed;
  private boolean closed;

  private AtomicOutput(FileSystem fs, Path target, Path temporary, boolean overwrite)
      throws IOException {
    super(fs.create(temporary, false, 1 << 20));
    this.fs = fs;
    this.target = target;
    this.temporary = temporary;
    this.overwrite = overwrite;
  }

  /** Starts writing {@code location}; refuses an existing one without {@code overwrite}. */
  public static AtomicOutput create(String location, boolean overwrite, Configuration conf)
      throws IOException {
    Path target = Locations.path(location);
    FileSystem fs = Locations.fileSystem(target, conf);
    refuseExisting(fs, target, location, overwrite);
    Path parent = target.getParent();
    if (parent != null && !fs.exists(parent)) {
      fs.mkdirs(parent);
    }
    Path temporary = new Path(parent, "." + target.getName() + ".tmp-" + UUID.randomUUID());
    return new AtomicOutput(fs, target, temporary, overwrite);
  }

  /**
   * Starts writing a {@code kind} output at {@code location}: with {@code overwrite}, what is there
   * is replaced only when it is a {@code kind} file ({@link OwnedOutput}).
   */
  public static AtomicOutput create(
      String location, OwnedOutput.Kind kind, boolean overwrite, Configuration conf)
      throws IOException {
    OwnedOutput.checkReplaceable(location, kind, overwrite, null, conf);
    return create(location, overwrite, conf);
  }

  /** Refuses an existing location unless the caller said {@code --overwrite}. */
  public static void refuseExisting(FileSystem fs, Path target, String location, boolean overwrite)
      throws IOException {
    if (!overwrite && fs.exists(target)) {
      throw new FileAlreadyExistsException(
          location + ": already exists (use --overwrite to replace it)");
    }
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
  }

  /** Closes the temporary file and renames it to the target. */
  public void commit() throws IOException {
    out.close();
    closed = true;
    if (fs.exists(target)) {
      if (!overwrite) {
        fs.delete(temporary, false);
        throw new FileAlreadyExistsException(target + ": appeared while writing; not replaced");
      }
      if (!fs.delete(target, false)) { // never a folder's contents
        fs.delete(temporary, false);
        throw new IOException(target + ": could not remove the file it replaces");
      }
    }
    if (!fs.rename(temporary, target)) {
      fs.delete(temporary, false);
      throw new IOException(target + ": could not rename the finished file into place");
    }
    committed = true;
  }

  /** Without a commit, discards the temporary file. */
  @Override
  public void close() throws IOException {
    if (committed) {
      return;
    }
    try {
      if (!closed) {
        out.close();
        closed = true;
      }
    } finally {
      fs.delete(temporary, false);
    }
  }

  /** The stream underneath, for callers that want to wrap it. */
  public OutputStream stream() {
    return this;
  }
}
