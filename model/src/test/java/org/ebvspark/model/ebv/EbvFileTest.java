package org.ebvspark.model.ebv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class EbvFileTest {
  private static final Configuration CONF = new Configuration();
  @TempDir Path dir;

  private static EbvProvenance provenance() {
    return new EbvProvenance(
        "generated", null, null, Map.of("ebvSpark", "test"), "2026-01-01T00:00:00Z");
  }

  private String write(INDArray w, String name) throws IOException {
    String location = dir.resolve(name).toString();
    EbvFile.write(w, 0.2, 0.19, 42, provenance(), location, false, CONF);
    return location;
  }

  @Test
  void roundTripsDataHeaderAndProvenance() throws IOException {
    INDArray w = Matrices.toFloat(Matrices.randomUnitRows(37, 11, 1));
    String location = write(w, "w.ebv");
    EbvBasis read = EbvFile.read(location, CONF);

    assertThat(read.matrix().equalsWithEps(w, 0.0)).isTrue();
    assertThat(read.header().classes()).isEqualTo(37);
    assertThat(read.header().dim()).isEqualTo(11);
    assertThat(read.header().targetAlpha()).isEqualTo(0.2);
    assertThat(read.header().achievedAlpha()).isEqualTo(0.19);
    assertThat(read.header().seed()).isEqualTo(42);
    assertThat(read.header().checksum())
        .hasSize(64)
        .isEqualTo(EbvFile.readHeader(location, CONF).checksum());
    assertThat(read.provenance()).isEqualTo(provenance());
    assertThat(Files.size(dir.resolve("w.ebv")) % 4).isZero();
    assertThat(read.header().dataOffset() % 64).isZero();
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("w.ebv");
    }
  }

  @Test
  void refusesToOverwriteWithoutTheFlag() throws IOException {
    INDArray w = Matrices.toFloat(Matrices.randomUnitRows(5, 3, 1));
    String location = write(w, "w.ebv");
    assertThatThrownBy(() -> EbvFile.write(w, 0.2, 0.2, 1, provenance(), location, false, CONF))
        .isInstanceOf(FileAlreadyExistsException.class)
        .hasMessage(location + ": already exists (use --overwrite to replace it)");
    INDArray other = Matrices.toFloat(Matrices.randomUnitRows(5, 3, 2));
    EbvFile.write(other, 0.2, 0.2, 1, provenance(), location, true, CONF);
    assertThat(EbvFile.read(location, CONF).matrix().equalsWithEps(other, 0.0)).isTrue();
  }

  @Test
  void aFlippedDataByteFailsTheChecksum() throws IOException {
    String location = write(Matrices.toFloat(Matrices.randomUnitRows(20, 8, 1)), "w.ebv");
    try (RandomAccessFile f = new RandomAccessFile(location, "rw")) {
      f.seek(f.length() - 7);
      int b = f.read();
      f.seek(f.length() - 7);
      f.write(b ^ 0x10);
    }
    assertThatThrownBy(() -> EbvFile.read(location, CONF))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(location + ": checksum mismatch")
        .hasMessageEndingWith("(the file is corrupt)");
  }

  @Test
  void aTruncatedFileIsNamedAsTruncated() throws IOException {
    String location = write(Matrices.toFloat(Matrices.randomUnitRows(20, 8, 1)), "w.ebv");
    try (RandomAccessFile f = new RandomAccessFile(location, "rw")) {
      f.setLength(f.length() - 100);
    }
    assertThatThrownBy(() -> EbvFile.read(location, CONF))
        .hasMessageStartingWith(location + ": truncated:")
        .hasMessageContaining("for N = 20, d = 8");
    try (RandomAccessFile f = new RandomAccessFile(location, "rw")) {
      f.setLength(40);
    }
    assertThatThrownBy(() -> EbvFile.read(location, CONF))
        .hasMessageContaining("not an EBV file (40 bytes, shorter than the header)");
  }

  @Test
  void otherFilesAndNewerVersionsAreRefusedByName() throws IOException {
    Path text = dir.resolve("notes.txt");
    Files.writeString(text, "x".repeat(200));
    assertThatThrownBy(() -> EbvFile.read(text.toString(), CONF))
        .hasMessageStartingWith(text + ": not an EBV file (starts with 7878");

    String location = write(Matrices.toFloat(Matrices.randomUnitRows(4, 4, 1)), "w.ebv");
    try (RandomAccessFile f = new RandomAccessFile(location, "rw")) {
      f.seek(8);
      f.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(7).array());
    }
    assertThatThrownBy(() -> EbvFile.read(location, CONF))
        .hasMessage(location + ": EBV format version 7, this reader knows version 1");

    assertThatThrownBy(() -> EbvFile.read(dir.resolve("missing.ebv").toString(), CONF))
        .hasMessage(dir.resolve("missing.ebv") + ": no such file");
  }

  @Test
  void npyRoundTripAndFloat64Import() throws IOException {
    INDArray w = Matrices.toFloat(Matrices.randomUnitRows(9, 5, 3));
    String npy = dir.resolve("w.npy").toString();
    NpyFormat.write(w, npy, false, CONF);
    assertThat(NpyFormat.read(npy, CONF).equalsWithEps(w, 0.0)).isTrue();
    byte[] bytes = Files.readAllBytes(Path.of(npy));
    assertThat(new String(bytes, 1, 5, java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("NUMPY");
    assertThat((10 + (bytes[8] & 0xFF)) % 64).isZero();

    Path f8 = dir.resolve("f8.npy");
    String header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
    header = header + " ".repeat(64 - (10 + header.length() + 1) % 64) + "\n";
    ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 48).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0})
        .putShort((short) header.length());
    b.put(header.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    for (int i = 0; i < 6; i++) {
      b.putDouble(i * 0.5);
    }
    Files.write(f8, b.array());
    INDArray read = NpyFormat.read(f8.toString(), CONF);
    assertThat(read.dataType()).isEqualTo(DataType.FLOAT);
    assertThat(
            read.equalsWithEps(
                Nd4j.createFromArray(new float[][] {{0, 0.5f, 1}, {1.5f, 2, 2.5f}}), 0.0))
        .isTrue();
  }

  @Test
  void npyThatIsNotAMatrixOfFloatsIsRefused() throws IOException {
    Path ints = dir.resolve("ints.npy");
    String header = "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }\n";
    ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 48).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0})
        .putShort((short) header.length());
    b.put(header.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    Files.write(ints, b.array());
    assertThatThrownBy(() -> NpyFormat.read(ints.toString(), CONF))
        .hasMessage(ints + ": dtype '<i8' is not supported (float32 or float64 only)");
  }
}
