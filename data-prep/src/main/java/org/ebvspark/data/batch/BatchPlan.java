package org.ebvspark.data.batch;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.ebvspark.data.table.ImageTableReader;

/**
 * The minibatches of a split, as references that executors resolve themselves: a batch is a run of
 * rows inside one Parquet row group (rows were shuffled when the table was written, so a run mixes
 * classes). Only row-group footers are read on the driver; images are read and decoded where the
 * batch is trained. An epoch is the batches in an order drawn from (seed, epoch).
 */
public final class BatchPlan implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One minibatch: rows [first, first + count) of the row group at [start, start + length). */
  public record Batch(String shard, long start, long length, int first, int count) {
    private static final String MARK = "#ebvbatch=";

    /**
     * The batch plus the epoch to augment for, as the shard's URI with a fragment: DL4J trains from
     * strings that must parse as URIs of a real file system (it opens that file system once per
     * task, though the loader reads the rows itself).
     */
    public String encode(int epoch) {
      return new Path(shard).toUri()
          + String.format(
              Locale.ROOT, "%s%d,%d,%d,%d,%d", MARK, epoch, start, length, first, count);
    }

    /** The epoch encoded with a batch. */
    public static int epochOf(String encoded) {
      return Integer.parseInt(fields(encoded)[0]);
    }

    public static Batch decode(String encoded) {
      String[] f = fields(encoded);
      String uri = encoded.substring(0, encoded.lastIndexOf(MARK));
      return new Batch(
          new Path(URI.create(uri)).toString(),
          Long.parseLong(f[1]),
          Long.parseLong(f[2]),
          Integer.parseInt(f[3]),
          Integer.parseInt(f[4]));
    }

    private static String[] fields(String encoded) {
      int mark = encoded.lastIndexOf(MARK);
      String[] f = mark < 0 ? new String[0] : encoded.substring(mark + MARK.length()).split(",");
      if (f.length != 5) {
        throw new IllegalArgumentException("not a batch reference: " + encoded);
      }
      return f;
    }
  }

  private final List<Batch> batches;
  private final long rows;

  private BatchPlan(List<Batch> batches, long rows) {
    this.batches = batches;
    this.rows = rows;
  }

  /**
   * Cuts every row group of the split into batches of {@code batchSize} (the last may be short).
   */
  public static BatchPlan of(String table, String split, int batchSize, Configuration conf)
      throws IOException {
    List<Batch> out = new ArrayList<>();
    long rows = 0;
    for (String shard : ImageTableReader.shards(table, split, conf)) {
      try (ParquetFileReader reader =
          ParquetFileReader.open(HadoopInputFile.fromPath(new Path(shard), conf))) {
        for (BlockMetaData block : reader.getFooter().getBlocks()) {
          int count = (int) block.getRowCount();
          rows += count;
          for (int first = 0; first < count; first += batchSize) {
            out.add(
                new Batch(
                    shard,
                    block.getStartingPos(),
                    block.getCompressedSize(),
                    first,
                    Math.min(batchSize, count - first)));
          }
        }
      }
    }
    return new BatchPlan(out, rows);
  }

  public List<Batch> batches() {
    return batches;
  }

  public long rows() {
    return rows;
  }

  /** The encoded batches of {@code epoch}, shuffled (training) or in stored order (evaluation). */
  public List<String> epoch(int epoch, long seed, boolean shuffle) {
    List<Batch> order = shuffle ? EpochOrder.shuffled(batches, seed, epoch) : batches;
    List<String> out = new ArrayList<>(order.size());
    for (Batch b : order) {
      out.add(b.encode(epoch));
    }
    return out;
  }
}
