package org.ebvspark.model.nn;

import java.io.Serializable;
import org.ebvspark.model.ebv.HostRows;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Top-1 and top-5 accuracy, mean loss and per-class counts from logits and class-index labels
 * ({@code [minibatch, 1]}, which DL4J's Evaluation does not take). Mergeable, so partitions and
 * executors evaluate separately; memory is two counters per class, never an N x N matrix. A label
 * is in the top k when fewer than k other logits are at least its own: a tie counts against the
 * prediction, so a broken model whose logits are all equal scores 0, not 1 (DESIGN.md, invariant
 * 8). A NaN logit is an error, never a prediction.
 */
public final class TopKEvaluation implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final SparseSoftmaxCrossEntropy CROSS_ENTROPY = new SparseSoftmaxCrossEntropy(0);

  private final int classes;
  private final long[] perClassTotal;
  private final long[] perClassCorrect;
  private long total;
  private long top1;
  private long top5;
  private double lossSum;

  public TopKEvaluation(int classes) {
    this.classes = classes;
    this.perClassTotal = new long[classes];
    this.perClassCorrect = new long[classes];
  }

  /** Adds a batch: logits [mb, N], labels [mb, 1]. */
  public void add(INDArray logits, INDArray labels) {
    if (logits.columns() != classes) {
      throw new IllegalArgumentException(
          "logits have " + logits.columns() + " classes, the evaluation " + classes);
    }
    INDArray loss =
        CROSS_ENTROPY.computeScoreArray(
            labels,
            logits,
            org.nd4j.linalg.activations.Activation.IDENTITY.getActivationFunction(),
            null);
    lossSum += loss.sumNumber().doubleValue();
    INDArray floats =
        logits.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT
            ? (logits.isView() || logits.ordering() != 'c' ? logits.dup('c') : logits)
            : logits.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
    HostRows rows = HostRows.of(floats);
    float[] row = new float[classes];
    for (long i = 0; i < floats.rows(); i++) {
      int y = (int) labels.getDouble(i);
      rows.getRows(i, 1, row, 0);
      float own = row[y];
      int greater = 0;
      for (int k = 0; k < classes; k++) {
        float v = row[k];
        if (Float.isNaN(v)) {
          throw new IllegalStateException(
              "logit of class " + k + " is NaN: the model diverged or its basis is broken");
        }
        greater += v > own || (v == own && k != y) ? 1 : 0;
      }
      total++;
      perClassTotal[y]++;
      if (greater == 0) {
        top1++;
        perClassCorrect[y]++;
      }
      if (greater < 5) {
        top5++;
      }
    }
  }

  /** Adds another evaluation's counts to this one. */
  public TopKEvaluation merge(TopKEvaluation other) {
    if (other.classes != classes) {
      throw new IllegalArgumentException("cannot merge evaluations of different class counts");
    }
    total += other.total;
    top1 += other.top1;
    top5 += other.top5;
    lossSum += other.lossSum;
    for (int c = 0; c < classes; c++) {
      perClassTotal[c] += other.perClassTotal[c];
      perClassCorrect[c] += other.perClassCorrect[c];
    }
    return this;
  }

  public long total() {
    return total;
  }

  public double top1() {
    return total == 0 ? Double.NaN : (double) top1 / total;
  }

  public double top5() {
    return total == 0 ? Double.NaN : (double) top5 / total;
  }

  /** Mean cross-entropy (no label smoothing). */
  public double loss() {
    return total == 0 ? Double.NaN : lossSum / total;
  }

  public long[] perClassTotal() {
    return perClassTotal.clone();
  }

  public long[] perClassCorrect() {
    return perClassCorrect.clone();
  }

  /** Mean of the per-class accuracies over classes that have examples. */
  public double meanClassAccuracy() {
    double sum = 0;
    int present = 0;
    for (int c = 0; c < classes; c++) {
      if (perClassTotal[c] > 0) {
        sum += (double) perClassCorrect[c] / perClassTotal[c];
        present++;
      }
    }
    return present == 0 ? Double.NaN : sum / present;
  }
}
