package org.ebvspark.jobs.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.data.batch.EpochOrder;
import org.ebvspark.data.table.ImageTableReader;
import org.ebvspark.data.table.ImageTableReader.ImageRow;

/**
 * The rows of one split, batch by batch. A split that fits the memory budget is read once and
 * permuted every epoch; a larger one is streamed shard by shard (shards in a per-epoch order)
 * through a shuffle buffer. Either way an epoch's order depends only on (seed, epoch).
 */
interface RowSource {
  /** The batches of {@code epoch}; {@code shuffle} false keeps the stored order (evaluation). */
  Iterator<List<ImageRow>> batches(int epoch, int batchSize, boolean shuffle);

  static RowSource of(String table, String split, Configuration conf, long memoryBytes, long seed)
      throws IOException {
    List<String> shards = ImageTableReader.shards(table, split, conf);
    long bytes = 0;
    for (String s : shards) {
      bytes += org.ebvspark.model.io.Locations.length(s, conf);
    }
    if (bytes <= memoryBytes) {
      List<ImageRow> rows = ImageTableReader.readAll(table, split, conf);
      return (epoch, batch, shuffle) ->
          (shuffle ? EpochOrder.batches(rows, seed, epoch, batch) : inOrder(rows, batch))
              .iterator();
    }
    return new Streaming(shards, conf, seed, 4096);
  }

  private static List<List<ImageRow>> inOrder(List<ImageRow> rows, int batch) {
    List<List<ImageRow>> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i += batch) {
      out.add(rows.subList(i, Math.min(rows.size(), i + batch)));
    }
    return out;
  }

  /** Shards streamed through a shuffle buffer. */
  final class Streaming implements RowSource {
    private final List<String> shards;
    private final Configuration conf;
    private final long seed;
    private final int buffer;

    Streaming(List<String> shards, Configuration conf, long seed, int buffer) {
      this.shards = shards;
      this.conf = conf;
      this.seed = seed;
      this.buffer = buffer;
    }

    @Override
    public Iterator<List<ImageRow>> batches(int epoch, int batchSize, boolean shuffle) {
      List<String> order = shuffle ? EpochOrder.shuffled(shards, seed, epoch) : shards;
      Random random = new Random(seed * 31 + epoch);
      // A bounded queue filled by a reader thread, so a shard is never held whole.
      java.util.concurrent.BlockingQueue<Object> queue =
          new java.util.concurrent.ArrayBlockingQueue<>(2 * batchSize);
      Object end = new Object();
      Thread reader =
          new Thread(
              () -> {
                List<ImageRow> pool = new ArrayList<>();
                try {
                  for (String shard : order) {
                    ImageTableReader.forEach(
                        shard,
                        conf,
                        row -> {
                          pool.add(row);
                          if (pool.size() >= (shuffle ? buffer : 1)) {
                            put(queue, pool.remove(shuffle ? random.nextInt(pool.size()) : 0));
                          }
                        });
                  }
                  while (!pool.isEmpty()) {
                    put(queue, pool.remove(shuffle ? random.nextInt(pool.size()) : 0));
                  }
                  put(queue, end);
                } catch (IOException | RuntimeException e) {
                  put(queue, e);
                }
              },
              "ebv-shard-reader");
      reader.setDaemon(true);
      reader.start();
      return new Iterator<>() {
        private List<ImageRow> next = fill();

        private List<ImageRow> fill() {
          List<ImageRow> batch = new ArrayList<>(batchSize);
          while (batch.size() < batchSize) {
            Object item;
            try {
              item = queue.take();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException(e);
            }
            if (item == end) {
              queue.offer(end);
              break;
            }
            if (item instanceof IOException e) {
              throw new UncheckedIOException(e);
            }
            if (item instanceof RuntimeException e) {
              throw e;
            }
            batch.add((ImageRow) item);
          }
          return batch.isEmpty() ? null : batch;
        }

        @Override
        public boolean hasNext() {
          return next != null;
        }

        @Override
        public List<ImageRow> next() {
          if (next == null) {
            throw new NoSuchElementException();
          }
          List<ImageRow> current = next;
          next = current.size() < batchSize ? null : fill();
          return current;
        }
      };
    }

    private static void put(java.util.concurrent.BlockingQueue<Object> queue, Object item) {
      try {
        queue.put(item);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
