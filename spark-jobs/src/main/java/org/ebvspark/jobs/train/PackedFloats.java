package org.ebvspark.jobs.train;

import java.io.Externalizable;
import java.io.IOException;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A float[] that travels as one block of bytes. Java serialization writes a float[] value by value;
 * a round moves the parameters and updater state of every worker both ways, and the bulk copy makes
 * that serialization several times cheaper (docs/BENCHMARKS.md, round-path).
 */
final class PackedFloats implements Externalizable {
  private static final long serialVersionUID = 1L;
  private float[] values;

  /** For deserialization. */
  public PackedFloats() {}

  PackedFloats(float[] values) {
    this.values = values;
  }

  /** The values, or null for a null array. */
  static PackedFloats of(float[] values) {
    return values == null ? null : new PackedFloats(values);
  }

  float[] get() {
    return values;
  }

  static float[] values(PackedFloats packed) {
    return packed == null ? null : packed.values;
  }

  @Override
  public void writeExternal(ObjectOutput out) throws IOException {
    out.writeInt(values.length);
    ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    out.write(bytes.array());
  }

  @Override
  public void readExternal(ObjectInput in) throws IOException {
    int n = in.readInt();
    byte[] bytes = new byte[4 * n];
    in.readFully(bytes);
    values = new float[n];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
  }
}
