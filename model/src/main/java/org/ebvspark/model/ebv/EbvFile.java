package org.ebvspark.model.ebv;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.io.AtomicOutput;
import org.ebvspark.model.io.Locations;
import org.ebvspark.model.io.OwnedOutput;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The EBV file: a basis W (N x d) with its provenance, readable from any Hadoop location.
 *
 * <p>Layout, all numbers little-endian:
 *
 * <pre>
 * offset  bytes  field
 *      0      8  magic 89 45 42 56 0D 0A 1A 0A ("\x89EBV\r\n\x1a\n": catches text-mode damage)
 *      8      4  format version, uint32 (this reader: 1)
 *     12      4  dtype, uint32 (1 = float32)
 *     16      8  N, int64
 *     24      4  d, int32
 *     28      4  L, uint32: bytes of provenance JSON
 *     32      8  target alpha, float64
 *     40      8  achieved alpha, float64 (largest pairwise |cos| when written)
 *     48      8  generator seed, int64
 *     56     32  SHA-256 of the data section
 *     88      L  provenance, UTF-8 JSON ({@link EbvProvenance})
 *      .      .  zero padding to a multiple of 64
 *   data  N*d*4  W, row-major float32
 * </pre>
 *
 * Writes are atomic (temporary file, then rename). Reads check the magic, version, dtype, shape,
 * length and checksum, and fail with one line naming the file and the problem.
 */
public final class EbvFile {
  static final byte[] MAGIC = {(byte) 0x89, 'E', 'B', 'V', '\r', '\n', 0x1A, '\n'};
  public static final int FORMAT_VERSION = 1;
  static final int DTYPE_FLOAT32 = 1;
  static final int FIXED_HEADER_BYTES = 88;
  private static final int MAX_PROVENANCE_BYTES = 64 << 20;
  private static final int CHUNK_BYTES = 4 << 20;

  private EbvFile() {}

  static long align(long offset) {
    return (offset + 63) / 64 * 64;
  }

  /** SHA-256 of W's rows as they are stored (row-major float32 little-endian). */
  public static byte[] checksum(INDArray w) {
    MessageDigest digest = sha256();
    forEachChunk(w, (bytes, length) -> digest.update(bytes, 0, length));
    return digest.digest();
  }

  /** Writes {@code w} with its provenance to {@code location}, atomically. */
  public static EbvHeader write(
      INDArray w,
      double targetAlpha,
      double achievedAlpha,
      long seed,
      EbvProvenance provenance,
      String location,
      boolean overwrite,
      Configuration conf)
      throws IOException {
    if (w.rank() != 2 || w.dataType() != DataType.FLOAT) {
      throw new IllegalArgumentException(
          "an EBV basis is a float32 matrix, got " + w.shapeInfoToString());
    }
    byte[] json = Provenance.json().writeValueAsBytes(provenance);
    EbvHeader header =
        new EbvHeader(
            FORMAT_VERSION,
            w.rows(),
            (int) w.columns(),
            targetAlpha,
            achievedAlpha,
            seed,
            checksum(w),
            json.length);
    try (AtomicOutput out =
        AtomicOutput.create(location, OwnedOutput.Kind.EBV_FILE, overwrite, conf)) {
      writeHeader(out, header, json);
      try {
        forEachChunk(w, (bytes, length) -> out.write(bytes, 0, length));
      } catch (java.io.UncheckedIOException e) {
        throw e.getCause();
      }
      out.commit();
    }
    return header;
  }

  private static void writeHeader(OutputStream out, EbvHeader h, byte[] json) throws IOException {
    ByteBuffer b = ByteBuffer.allocate((int) h.dataOffset()).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC)
        .putInt(h.formatVersion())
        .putInt(DTYPE_FLOAT32)
        .putLong(h.classes())
        .putInt(h.dim())
        .putInt(json.length)
        .putDouble(h.targetAlpha())
        .putDouble(h.achievedAlpha())
        .putLong(h.seed())
        .put(h.sha256())
        .put(json);
    out.write(b.array());
  }

  /** Reads the header and provenance only. */
  public static EbvHeader readHeader(String location, Configuration conf) throws IOException {
    try (DataInputStream in = new DataInputStream(Locations.open(location, conf))) {
      return readHeader(in, location, Locations.length(location, conf));
    }
  }

  /** Reads and verifies a whole file. */
  public static EbvBasis read(String location, Configuration conf) throws IOException {
    long length = Locations.length(location, conf);
    try (DataInputStream in = new DataInputStream(Locations.open(location, conf))) {
      EbvHeader header = readHeader(in, location, length);
      byte[] json = new byte[header.provenanceLength()];
      in.readFully(json);
      EbvProvenance provenance;
      try {
        provenance = Provenance.json().readValue(json, EbvProvenance.class);
      } catch (IOException e) {
        throw new IOException(location + ": provenance JSON is unreadable: " + e.getMessage(), e);
      }
      in.skipNBytes(header.dataOffset() - FIXED_HEADER_BYTES - header.provenanceLength());
      INDArray w = readData(in, header, location);
      return new EbvBasis(w, header, provenance);
    } catch (EOFException e) {
      throw new IOException(location + ": truncated (ends inside the header)", e);
    }
  }

  private static EbvHeader readHeader(DataInputStream in, String location, long fileLength)
      throws IOException {
    byte[] fixed = new byte[FIXED_HEADER_BYTES];
    try {
      in.readFully(fixed);
    } catch (EOFException e) {
      throw new IOException(
          location + ": not an EBV file (" + fileLength + " bytes, shorter than the header)");
    }
    ByteBuffer b = ByteBuffer.wrap(fixed).order(ByteOrder.LITTLE_ENDIAN);
    byte[] magic = new byte[MAGIC.length];
    b.get(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IOException(
          location + ": not an EBV file (starts with " + HexFormat.of().formatHex(magic) + ")");
    }
    int version = b.getInt();
    if (version != FORMAT_VERSION) {
      throw new IOException(
          location
              + ": EBV format version "
              + Integer.toUnsignedString(version)
              + ", this reader knows version "
              + FORMAT_VERSION);
    }
    int dtype = b.getInt();
    if (dtype != DTYPE_FLOAT32) {
      throw new IOException(location + ": unknown dtype code " + dtype + " (1 = float32)");
    }
    long n = b.getLong();
    int d = b.getInt();
    int provenanceLength = b.getInt();
    if (n < 1 || d < 1) {
      throw new IOException(location + ": corrupt header (N = " + n + ", d = " + d + ")");
    }
    if (provenanceLength < 0 || provenanceLength > MAX_PROVENANCE_BYTES) {
      throw new IOException(
          location + ": corrupt header (provenance length " + provenanceLength + ")");
    }
    double target = b.getDouble();
    double achieved = b.getDouble();
    long seed = b.getLong();
    byte[] sha = new byte[32];
    b.get(sha);
    EbvHeader header = new EbvHeader(version, n, d, target, achieved, seed, sha, provenanceLength);
    long expected = header.dataOffset() + header.dataBytes();
    if (fileLength >= 0 && fileLength < expected) {
      throw new IOException(
          String.format(
              "%s: truncated: %d bytes, expected %d for N = %d, d = %d",
              location, fileLength, expected, n, d));
    }
    if (fileLength > expected) {
      throw new IOException(
          String.format(
              "%s: %d unexpected bytes after the data (expected %d bytes in all)",
              location, fileLength - expected, expected));
    }
    return header;
  }

  private static INDArray readData(DataInputStream in, EbvHeader header, String location)
      throws IOException {
    long n = header.classes();
    int d = header.dim();
    if (n * d > Integer.MAX_VALUE * 4L) {
      throw new IOException(location + ": N x d = " + n * d + " is too large to load");
    }
    INDArray w = Nd4j.createUninitialized(DataType.FLOAT, n, d);
    HostRows rows = HostRows.of(w);
    MessageDigest digest = sha256();
    int chunkRows = chunkRows(d);
    byte[] bytes = new byte[chunkRows * d * Float.BYTES];
    float[] floats = new float[chunkRows * d];
    for (long start = 0; start < n; start += chunkRows) {
      int count = (int) Math.min(chunkRows, n - start);
      int length = count * d * Float.BYTES;
      try {
        in.readFully(bytes, 0, length);
      } catch (EOFException e) {
        throw new IOException(location + ": truncated inside the data at row " + start, e);
      }
      digest.update(bytes, 0, length);
      ByteBuffer.wrap(bytes, 0, length)
          .order(ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer()
          .get(floats, 0, count * d);
      rows.putRows(start, count, floats, 0);
    }
    rows.markWritten();
    byte[] actual = digest.digest();
    if (!Arrays.equals(actual, header.sha256())) {
      throw new IOException(
          location
              + ": checksum mismatch: the data hashes to "
              + HexFormat.of().formatHex(actual)
              + ", the header says "
              + header.checksum()
              + " (the file is corrupt)");
    }
    return w;
  }

  @FunctionalInterface
  interface ChunkSink {
    void accept(byte[] bytes, int length) throws IOException;
  }

  /** Streams W's rows as little-endian float32 bytes, a few MiB at a time. */
  static void forEachChunk(INDArray w, ChunkSink sink) {
    HostRows rows = HostRows.of(w);
    int d = rows.columns();
    int chunkRows = chunkRows(d);
    float[] floats = new float[chunkRows * d];
    ByteBuffer bytes =
        ByteBuffer.allocate(chunkRows * d * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    try {
      for (long start = 0; start < rows.rows(); start += chunkRows) {
        int count = (int) Math.min(chunkRows, rows.rows() - start);
        rows.getRows(start, count, floats, 0);
        bytes.clear();
        bytes.asFloatBuffer().put(floats, 0, count * d);
        sink.accept(bytes.array(), count * d * Float.BYTES);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static int chunkRows(int d) {
    return Math.max(1, CHUNK_BYTES / (d * Float.BYTES));
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads only the provenance record. */
  public static EbvProvenance readProvenance(String location, Configuration conf)
      throws IOException {
    try (InputStream raw = Locations.open(location, conf);
        DataInputStream in = new DataInputStream(raw)) {
      EbvHeader header = readHeader(in, location, Locations.length(location, conf));
      byte[] json = new byte[header.provenanceLength()];
      in.readFully(json);
      return Provenance.json()
          .readValue(new String(json, StandardCharsets.UTF_8), EbvProvenance.class);
    }
  }
}
