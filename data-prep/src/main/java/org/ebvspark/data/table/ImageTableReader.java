package org.ebvspark.data.table;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.ebvspark.model.io.Locations;

/**
 * Reads an image table's shards without Spark, one row group at a time (what the single-machine
 * trainer and the training tasks on executors use): only the columns training needs are decoded.
 */
public final class ImageTableReader {
  /** What training reads of a row. */
  public record ImageRow(byte[] image, int label, String path) implements java.io.Serializable {}

  private ImageTableReader() {}

  /** The Parquet files of one split, in name order. */
  public static List<String> shards(String table, String split, Configuration conf)
      throws IOException {
    Path dir = Locations.path(ImageTable.splitLocation(table, split));
    FileSystem fs = Locations.fileSystem(dir, conf);
    if (!fs.exists(dir)) {
      throw new java.io.FileNotFoundException(table + ": no " + split + " split");
    }
    FileStatus[] files = fs.listStatus(dir, p -> p.getName().endsWith(".parquet"));
    Arrays.sort(files, Comparator.comparing(f -> f.getPath().getName()));
    List<String> out = new ArrayList<>();
    for (FileStatus f : files) {
      out.add(f.getPath().toString());
    }
    return out;
  }

  /** Rows in a shard, from its footer. */
  public static long rows(String shard, Configuration conf) throws IOException {
    try (ParquetFileReader reader =
        ParquetFileReader.open(HadoopInputFile.fromPath(new Path(shard), conf))) {
      return reader.getFooter().getBlocks().stream().mapToLong(BlockMetaData::getRowCount).sum();
    }
  }

  /**
   * The image, label and path columns as the shard declares them: tables written from files mark
   * them required, tables derived from other tables (long-tail) through Spark's nullable read
   * schema mark them optional, and Parquet's projection must match either exactly.
   */
  private static String projection(String shard, Configuration conf) throws IOException {
    try (ParquetFileReader reader =
        ParquetFileReader.open(HadoopInputFile.fromPath(new Path(shard), conf))) {
      MessageType file = reader.getFooter().getFileMetaData().getSchema();
      return new MessageType(
              file.getName(),
              List.of(
                  file.getType(ImageTable.IMAGE),
                  file.getType(ImageTable.LABEL),
                  file.getType(ImageTable.PATH)))
          .toString();
    }
  }

  /** Rows in a split, from the footers. */
  public static long rows(String table, String split, Configuration conf) throws IOException {
    long total = 0;
    for (String shard : shards(table, split, conf)) {
      total += rows(shard, conf);
    }
    return total;
  }

  /** Streams a shard's rows in stored order. */
  public static void forEach(String shard, Configuration conf, Consumer<ImageRow> action)
      throws IOException {
    Configuration c = new Configuration(conf);
    c.set(ReadSupport.PARQUET_READ_SCHEMA, projection(shard, conf));
    try (ParquetReader<Group> reader =
        ParquetReader.builder(new GroupReadSupport(), new Path(shard)).withConf(c).build()) {
      Group g;
      while ((g = reader.read()) != null) {
        action.accept(row(g));
      }
    }
  }

  /**
   * Every row of the row group whose bytes start at {@code start} (Parquet selects the row group
   * whose midpoint lies in [start, start + length)).
   */
  public static List<ImageRow> rowGroup(String shard, long start, long length, Configuration conf)
      throws IOException {
    Configuration c = new Configuration(conf);
    c.set(ReadSupport.PARQUET_READ_SCHEMA, projection(shard, conf));
    List<ImageRow> rows = new ArrayList<>();
    try (ParquetReader<Group> reader =
        ParquetReader.builder(new GroupReadSupport(), new Path(shard))
            .withConf(c)
            .withFileRange(start, start + length)
            .build()) {
      Group g;
      while ((g = reader.read()) != null) {
        rows.add(row(g));
      }
    }
    return rows;
  }

  private static ImageRow row(Group g) {
    return new ImageRow(
        g.getBinary(ImageTable.IMAGE, 0).getBytes(),
        g.getInteger(ImageTable.LABEL, 0),
        g.getString(ImageTable.PATH, 0));
  }

  /** Every row of a split (for splits that fit in memory). */
  public static List<ImageRow> readAll(String table, String split, Configuration conf)
      throws IOException {
    List<ImageRow> rows = new ArrayList<>();
    for (String shard : shards(table, split, conf)) {
      forEach(shard, conf, rows::add);
    }
    return rows;
  }
}
