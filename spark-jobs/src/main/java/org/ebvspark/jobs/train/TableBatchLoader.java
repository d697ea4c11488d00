package org.ebvspark.jobs.train;

import java.io.IOException;
import java.util.concurrent.ForkJoinPool;
import org.ebvspark.data.batch.BatchAssembler;
import org.ebvspark.data.batch.BatchPlan;
import org.ebvspark.data.batch.RowGroupCache;
import org.ebvspark.data.image.AugmentSpec;
import org.ebvspark.data.table.HadoopConf;
import org.ebvspark.data.table.ImageTableReader.ImageRow;
import org.ebvspark.model.nn.EbvBasisCache;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Resolves a batch reference ({@link BatchPlan.Batch}) into a training minibatch on an executor:
 * the rows come from the row group (read once per JVM, {@link RowGroupCache}), and are decoded and
 * augmented for the epoch the reference names. DL4J's parameter averaging calls it for each path a
 * worker trains on. The EBV basis is read by the head itself, once per JVM, through the same Hadoop
 * configuration.
 */
public final class TableBatchLoader implements org.deeplearning4j.core.loader.DataSetLoader {
  private static final long serialVersionUID = 1L;
  private static ForkJoinPool decoders;

  private final AugmentSpec spec;
  private final long seed;
  private final HadoopConf conf;
  private final long cacheBytes;
  private org.apache.spark.util.LongAccumulator loadNanos;

  public TableBatchLoader(AugmentSpec spec, long seed, HadoopConf conf, long cacheBytes) {
    this.spec = spec;
    this.seed = seed;
    this.conf = conf;
    this.cacheBytes = cacheBytes;
  }

  private static synchronized ForkJoinPool decoders() {
    if (decoders == null) {
      decoders = new ForkJoinPool(Runtime.getRuntime().availableProcessors());
    }
    return decoders;
  }

  @Override
  public DataSet load(Source source) throws IOException {
    return load(source.getPath());
  }

  /** The minibatch an encoded batch reference names. */
  public DataSet load(String encoded) throws IOException {
    return loadWithRows(encoded).data();
  }

  /** A minibatch and the rows it was made from (evaluation reports their paths). */
  public record Loaded(DataSet data, java.util.List<ImageRow> rows) {}

  public Loaded loadWithRows(String encoded) throws IOException {
    long t0 = System.nanoTime();
    EbvBasisCache.configure(conf.get());
    RowGroupCache.budget(cacheBytes);
    BatchPlan.Batch batch = BatchPlan.Batch.decode(encoded);
    int epoch = BatchPlan.Batch.epochOf(encoded);
    java.util.List<ImageRow> rows = RowGroupCache.rows(batch, conf.get());
    DataSet data = new BatchAssembler(spec, seed, decoders()).assemble(rows, epoch);
    if (loadNanos != null) {
      loadNanos.add(System.nanoTime() - t0);
    }
    return new Loaded(data, rows);
  }

  /** Counts the nanoseconds executors spend loading batches (reading and decoding). */
  public TableBatchLoader withTimer(org.apache.spark.util.LongAccumulator nanos) {
    TableBatchLoader copy = new TableBatchLoader(spec, seed, conf, cacheBytes);
    copy.loadNanos = nanos;
    return copy;
  }
}
