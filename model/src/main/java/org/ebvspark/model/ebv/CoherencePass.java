package org.ebvspark.model.ebv;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One full pass over W: the statistics of every row against every row and, optionally, the gradient
 * of every row. The generator's optimizer runs on one machine and calls this once per step; where
 * the pass runs is the implementation's business (one JVM, or Spark executors each taking a block
 * of rows). Both must give the same numbers.
 */
public interface CoherencePass extends AutoCloseable {

  /**
   * @param w N x d, rows of unit length
   * @param threshold pairs with |cos| above it count and pull
   * @param gradient N x d output for 2 S W, or null for statistics only
   */
  BlockStats run(INDArray w, float threshold, PairLoss loss, INDArray gradient);

  /** The certificate of {@code w}: every unordered pair once. */
  default CoherenceStats certify(INDArray w) {
    return CoherenceCertifier.certify(w, rows -> {});
  }

  /** A pass in this JVM, slice by slice. */
  static CoherencePass local(GeneratorSettings settings) {
    BlockKernel kernel = new BlockKernel(settings.sliceRows(), settings.classes(), settings.dim());
    return new CoherencePass() {
      @Override
      public BlockStats run(INDArray w, float threshold, PairLoss loss, INDArray gradient) {
        return kernel.run(w, 0, w.rows(), threshold, loss, gradient);
      }

      @Override
      public void close() {}
    };
  }

  @Override
  void close();
}
