package org.ebvspark.model.ebv;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.model.io.AtomicOutput;
import org.ebvspark.model.io.Locations;
import org.ebvspark.model.io.OwnedOutput;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * NumPy's .npy format (format versions 1.0 to 3.0), for 2-d float arrays, so that a NumPy or
 * PyTorch user can {@code np.load} the same matrix. Writes '&lt;f4' in C order; reads '&lt;f4',
 * '&gt;f4', '&lt;f8' and '&gt;f8' in C order, converting to float32.
 */
public final class NpyFormat {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private NpyFormat() {}

  /** Writes W as a float32 .npy file, atomically. */
  public static void write(INDArray w, String location, boolean overwrite, Configuration conf)
      throws IOException {
    String dict =
        "{'descr': '<f4', 'fortran_order': False, 'shape': ("
            + w.rows()
            + ", "
            + w.columns()
            + "), }";
    int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
    int padding = (64 - unpadded % 64) % 64;
    String header = dict + " ".repeat(padding) + "\n";
    ByteBuffer prefix = ByteBuffer.allocate(MAGIC.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    prefix.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
    try (AtomicOutput out =
        AtomicOutput.create(location, OwnedOutput.Kind.NPY_FILE, overwrite, conf)) {
      out.write(prefix.array());
      out.write(header.getBytes(StandardCharsets.US_ASCII));
      try {
        EbvFile.forEachChunk(w, (bytes, length) -> out.write(bytes, 0, length));
      } catch (java.io.UncheckedIOException e) {
        throw e.getCause();
      }
      out.commit();
    }
  }

  /** Reads a 2-d float .npy file into a float32 matrix. */
  public static INDArray read(String location, Configuration conf) throws IOException {
    long fileLength = Locations.length(location, conf);
    try (DataInputStream in = new DataInputStream(Locations.open(location, conf))) {
      byte[] magic = new byte[MAGIC.length];
      in.readFully(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException(location + ": not a .npy file (bad magic)");
      }
      int major = in.readUnsignedByte();
      in.readUnsignedByte();
      long headerLength;
      byte[] lengthBytes = new byte[major == 1 ? 2 : 4];
      in.readFully(lengthBytes);
      ByteBuffer lb = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN);
      if (major == 1) {
        headerLength = lb.getShort() & 0xFFFF;
      } else if (major == 2 || major == 3) {
        headerLength = lb.getInt() & 0xFFFFFFFFL;
      } else {
        throw new IOException(location + ": .npy format version " + major + " is not supported");
      }
      if (headerLength > 1 << 20) {
        throw new IOException(location + ": .npy header of " + headerLength + " bytes");
      }
      byte[] headerBytes = new byte[(int) headerLength];
      in.readFully(headerBytes);
      String header = new String(headerBytes, StandardCharsets.UTF_8);
      String descr = group(DESCR, header, location, "descr");
      if (group(FORTRAN, header, location, "fortran_order").equals("True")) {
        throw new IOException(
            location + ": Fortran-order arrays are not supported (save with C order)");
      }
      long[] shape =
          Arrays.stream(group(SHAPE, header, location, "shape").split(","))
              .map(String::trim)
              .filter(x -> !x.isEmpty())
              .mapToLong(Long::parseLong)
              .toArray();
      if (shape.length != 2 || shape[0] < 1 || shape[1] < 1) {
        throw new IOException(
            location + ": expected a 2-d array (N, d), got shape " + Arrays.toString(shape));
      }
      int width;
      ByteOrder order;
      switch (descr) {
        case "<f4" -> {
          width = 4;
          order = ByteOrder.LITTLE_ENDIAN;
        }
        case ">f4" -> {
          width = 4;
          order = ByteOrder.BIG_ENDIAN;
        }
        case "<f8" -> {
          width = 8;
          order = ByteOrder.LITTLE_ENDIAN;
        }
        case ">f8" -> {
          width = 8;
          order = ByteOrder.BIG_ENDIAN;
        }
        default ->
            throw new IOException(
                location + ": dtype '" + descr + "' is not supported (float32 or float64 only)");
      }
      long n = shape[0];
      int d = Math.toIntExact(shape[1]);
      long dataOffset = MAGIC.length + 2 + lengthBytes.length + headerLength;
      long expected = dataOffset + n * d * width;
      if (fileLength < expected) {
        throw new IOException(
            String.format(
                "%s: truncated: %d bytes, expected %d for shape (%d, %d) %s",
                location, fileLength, expected, n, d, descr));
      }
      INDArray w = Nd4j.createUninitialized(DataType.FLOAT, n, d);
      HostRows rows = HostRows.of(w);
      float[] row = new float[d];
      byte[] bytes = new byte[d * width];
      for (long r = 0; r < n; r++) {
        try {
          in.readFully(bytes);
        } catch (EOFException e) {
          throw new IOException(location + ": truncated inside the data at row " + r, e);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(order);
        for (int k = 0; k < d; k++) {
          row[k] = width == 4 ? b.getFloat() : (float) b.getDouble();
        }
        rows.putRows(r, 1, row, 0);
      }
      rows.markWritten();
      return w;
    } catch (EOFException e) {
      throw new IOException(location + ": truncated inside the .npy header", e);
    }
  }

  private static String group(Pattern p, String header, String location, String key)
      throws IOException {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new IOException(location + ": .npy header has no '" + key + "': " + header.trim());
    }
    return m.group(1);
  }
}
