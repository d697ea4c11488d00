package org.ebvspark.model.nn;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.model.ebv.EbvBasis;
import org.ebvspark.model.ebv.EbvFile;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The EBV matrices of this JVM, keyed by (location, checksum): each is read once, checked against
 * the checksum the model was built with, and shared by every layer instance and thread (it is never
 * written). This is how W reaches an executor once per job, not once per round.
 */
public final class EbvBasisCache {
  private static final Map<String, INDArray> BASES = new ConcurrentHashMap<>();
  private static volatile Configuration conf = new Configuration();

  private EbvBasisCache() {}

  /** The Hadoop configuration used to read bases (credentials for hdfs://, s3a://). */
  public static void configure(Configuration configuration) {
    conf = configuration;
  }

  /**
   * W as {@code type}, read on first use, outside any workspace (a layer asks from inside DL4J's
   * workspaces, whose arrays do not outlive the iteration).
   *
   * @param classes the N the model was built for
   * @param dim the d the model was built for
   */
  public static INDArray get(
      String location, String checksum, long classes, int dim, DataType type) {
    try (var scope = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      INDArray w = load(location, checksum);
      if (w.rows() != classes || w.columns() != dim) {
        throw new IllegalStateException(
            location
                + ": the basis is "
                + w.rows()
                + " x "
                + w.columns()
                + ", but the model was built for N = "
                + classes
                + ", d = "
                + dim);
      }
      if (w.dataType() == type) {
        return w;
      }
      return BASES.computeIfAbsent(location + "#" + checksum + "#" + type, k -> w.castTo(type));
    }
  }

  private static INDArray load(String location, String checksum) {
    INDArray w =
        BASES.computeIfAbsent(
            location + "#" + checksum,
            key -> {
              try {
                EbvBasis basis = EbvFile.read(location, conf);
                if (!basis.header().checksum().equals(checksum)) {
                  throw new IllegalStateException(
                      location
                          + ": holds the basis with checksum "
                          + basis.header().checksum()
                          + ", but the model was built with "
                          + checksum);
                }
                return basis.matrix();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    return w;
  }

  /** Bases read so far in this JVM (for tests and metrics). */
  public static int loaded() {
    return (int)
        BASES.keySet().stream().filter(k -> k.chars().filter(c -> c == '#').count() == 1).count();
  }
}
