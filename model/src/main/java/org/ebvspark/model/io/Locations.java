package org.ebvspark.model.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Every location is a URI (file://, hdfs://, s3a://) or a plain local path, opened through Hadoop's
 * FileSystem. Local files go through the raw local file system, so no .crc files appear beside
 * them. Credentials come from the Hadoop configuration or the environment; messages name only the
 * location's path, never its configuration.
 */
public final class Locations {
  private static final java.util.regex.Pattern HAS_SCHEME =
      java.util.regex.Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");

  private Locations() {}

  /** Whether {@code location} names a scheme (hdfs:, s3a:, file:, ...) rather than a plain path. */
  public static boolean isUri(String location) {
    return HAS_SCHEME.matcher(location).matches();
  }

  /** The Hadoop path of a location; a plain path becomes an absolute file: URI. */
  public static Path path(String location) {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException("empty location");
    }
    if (isUri(location)) {
      refuseCredentials(location, "location", STORAGE_CREDENTIALS);
      return new Path(location);
    }
    // Not File.toURI(): it ends an existing directory's URI with '/', and Path keeps that.
    return new Path("file", null, new java.io.File(location).getAbsoluteFile().getPath());
  }

  private static final java.util.regex.Pattern USER_INFO =
      java.util.regex.Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@?#\\s]*@");

  /** {@code text} with the user-info of every URI in it ({@code KEY:SECRET@}) as {@code ***@}. */
  public static String maskCredentials(String text) {
    return USER_INFO.matcher(text).replaceAll("$1***@");
  }

  /**
   * Refuses a URI with user-info ({@code s3a://KEY:SECRET@bucket/...}, {@code
   * spark://user:pass@host:7077}): Spark and Hadoop print such URIs in logs and errors, so a secret
   * there leaks. The message names the URI with the user-info masked and where credentials belong.
   *
   * @param what "location" or "master URL", for the message
   * @param instead where the credentials belong
   */
  public static void refuseCredentials(String uri, String what, String instead) {
    String masked = maskCredentials(uri);
    if (!masked.equals(uri)) {
      throw new org.ebvspark.model.BadOptionException(
          masked
              + ": a "
              + what
              + " must not carry credentials before '@' (they end up in logs); "
              + instead);
    }
  }

  /** Where storage credentials belong instead of a URI. */
  public static final String STORAGE_CREDENTIALS =
      "set them in the Hadoop configuration instead: fs.s3a.access.key and fs.s3a.secret.key"
          + " (e.g. spark-submit --conf spark.hadoop.fs.s3a.access.key=...), a credential"
          + " provider (hadoop.security.credential.provider.path), or the environment"
          + " (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)";

  /** The SHA-256 of a file's bytes, as 64 hex digits. */
  public static String sha256(String location, Configuration conf) throws IOException {
    java.security.MessageDigest digest;
    try {
      digest = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
    try (InputStream in = new java.security.DigestInputStream(open(location, conf), digest)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return java.util.HexFormat.of().formatHex(digest.digest());
  }

  /** The file system that holds {@code path}. */
  public static FileSystem fileSystem(Path path, Configuration conf) {
    try {
      FileSystem fs = path.getFileSystem(conf);
      return fs instanceof LocalFileSystem local ? local.getRaw() : fs;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reach the file system of " + path, e);
    }
  }

  public static boolean exists(String location, Configuration conf) {
    Path p = path(location);
    try {
      return fileSystem(p, conf).exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(location + ": cannot check whether it exists", e);
    }
  }

  /** Opens a location for reading; a missing file is a one-line error that names it. */
  public static InputStream open(String location, Configuration conf) throws IOException {
    Path p = path(location);
    FileSystem fs = fileSystem(p, conf);
    try {
      if (fs.getFileStatus(p).isDirectory()) {
        throw new IOException(location + ": is a directory, not a file");
      }
      return fs.open(p, 1 << 20);
    } catch (FileNotFoundException e) {
      throw new FileNotFoundException(location + ": no such file");
    }
  }

  /** The length in bytes of the file at {@code location}. */
  public static long length(String location, Configuration conf) throws IOException {
    Path p = path(location);
    try {
      return fileSystem(p, conf).getFileStatus(p).getLen();
    } catch (FileNotFoundException e) {
      throw new FileNotFoundException(location + ": no such file");
    }
  }

  /** The fully qualified URI of {@code location} (file:/abs/path, hdfs://host:port/path, ...). */
  public static String qualified(String location, Configuration conf) {
    Path p = path(location);
    return fileSystem(p, conf).makeQualified(p).toString();
  }

  /**
   * Refuses, before any work, an output this process could not create: the nearest existing folder
   * on the way to {@code location} must take a new file (probed by creating and removing one, which
   * is what tells on every file system, permissions and read-only mounts alike).
   */
  public static void requireWritable(String location, Configuration conf) {
    Path target = path(location);
    FileSystem fs = fileSystem(target, conf);
    Path existing = target;
    try {
      while (existing != null && !fs.exists(existing)) {
        existing = existing.getParent();
      }
      if (existing == null) {
        return; // nothing of the path exists: the file system's root decides on the write
      }
      if (fs.getFileStatus(existing).isFile()) {
        if (existing.equals(target)) {
          return; // replacing a file: whether that is allowed is the caller's decision
        }
        throw new IllegalArgumentException(
            location + ": cannot be created, " + existing + " is a file, not a folder");
      }
      Path probe = new Path(existing, "._ebv-write-probe-" + java.util.UUID.randomUUID());
      fs.create(probe, false).close();
      fs.delete(probe, false);
    } catch (java.io.IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new IllegalArgumentException(
          location
              + ": not writable ("
              + (existing == null ? "" : existing + ": ")
              + String.valueOf(e.getMessage()).lines().findFirst().orElse("")
              + ")",
          e);
    }
  }
}
