package org.ebvspark.data.batch;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.data.table.ImageTableReader;
import org.ebvspark.data.table.ImageTableReader.ImageRow;

/**
 * Row groups of encoded images held in this JVM, least recently used first out, up to a byte
 * budget: a row group cut into many batches is read once, not once per batch, and a table that fits
 * the budget is read from storage once per job, not once per epoch.
 */
public final class RowGroupCache {
  private static long budget = 1L << 30;
  private static long held;
  private static final Map<String, List<ImageRow>> GROUPS = new LinkedHashMap<>(16, 0.75f, true);

  private RowGroupCache() {}

  /** The byte budget of this JVM's cache (default 1 GiB). */
  public static synchronized void budget(long bytes) {
    budget = bytes;
  }

  /** Rows [first, first + count) of a row group. */
  public static List<ImageRow> rows(BatchPlan.Batch b, Configuration conf) throws IOException {
    String key = b.shard() + "@" + b.start();
    List<ImageRow> group;
    synchronized (RowGroupCache.class) {
      group = GROUPS.get(key);
    }
    if (group == null) {
      group = ImageTableReader.rowGroup(b.shard(), b.start(), b.length(), conf);
      long size = group.stream().mapToLong(r -> r.image().length + 64).sum();
      synchronized (RowGroupCache.class) {
        if (GROUPS.putIfAbsent(key, group) == null) {
          held += size;
          var it = GROUPS.entrySet().iterator();
          while (held > budget && it.hasNext()) {
            var eldest = it.next();
            if (eldest.getKey().equals(key)) {
              break;
            }
            held -= eldest.getValue().stream().mapToLong(r -> r.image().length + 64).sum();
            it.remove();
          }
        }
      }
    }
    if (b.first() + b.count() > group.size()) {
      throw new IOException(
          b.shard()
              + ": the row group at byte "
              + b.start()
              + " has "
              + group.size()
              + " rows, the batch needs "
              + (b.first() + b.count()));
    }
    return group.subList(b.first(), b.first() + b.count());
  }
}
