package org.ebvspark.model.nn;

import java.util.Locale;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Softmax cross-entropy on logits with class-index labels ({@code [minibatch, 1]}, no one-hot) and
 * label smoothing, the loss of both heads (EBV and FC).
 *
 * <p>With logits z (N classes), label y and smoothing e, the target is q = (1 - e) onehot(y) + e/N
 * and the loss of one example is
 *
 * <pre>
 *   L = -sum_k q_k log softmax(z)_k = logsumexp(z) - (1 - e) z_y - (e / N) sum_k z_k
 * </pre>
 *
 * whose gradient is dL/dz = softmax(z) - q. Defaults follow the EBV reference recipe (e = 0.1); e =
 * 0 is plain cross-entropy. The preceding layer must output logits (identity activation).
 *
 * <p>A mixed batch (mixup or cutmix) has labels {@code [minibatch, 3]}: classes a and b and the
 * weight lambda of a. Its target is q = (1 - e) (lambda onehot(a) + (1 - lambda) onehot(b)) + e/N,
 * so that L = lambda CE_e(a) + (1 - lambda) CE_e(b), with both terms formed from the two logits z_a
 * and z_b; nothing N-wide is made from the labels.
 */
public final class SparseSoftmaxCrossEntropy implements ILossFunction {
  private static final long serialVersionUID = 1L;

  @JsonProperty("labelSmoothing")
  private double labelSmoothing;

  public SparseSoftmaxCrossEntropy() {
    this(0.1);
  }

  public SparseSoftmaxCrossEntropy(@JsonProperty("labelSmoothing") double labelSmoothing) {
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new IllegalArgumentException(
          "label smoothing must be in [0, 1), got " + labelSmoothing);
    }
    this.labelSmoothing = labelSmoothing;
  }

  public double getLabelSmoothing() {
    return labelSmoothing;
  }

  /** Per-example loss and dL/dz, in one pass. */
  private Pair<INDArray, INDArray> lossAndGradient(
      INDArray labels,
      INDArray preOutput,
      IActivation activation,
      INDArray mask,
      boolean gradient) {
    if (!(activation instanceof ActivationIdentity)) {
      throw new IllegalStateException(
          "the layer before the sparse softmax loss must output logits (identity activation), not "
              + activation);
    }
    long mb = preOutput.size(0);
    long n = preOutput.size(1);
    boolean mixed = labels.rank() == 2 && labels.size(1) == 3;
    if (labels.size(0) != mb || (labels.length() != mb && !mixed)) {
      throw new IllegalArgumentException(
          "labels must be class indices ["
              + mb
              + ", 1] (or class, class, weight ["
              + mb
              + ", 3] for a mixed batch), got "
              + java.util.Arrays.toString(labels.shape()));
    }
    INDArray z = preOutput;
    INDArray max = z.max(1);
    INDArray exp = Transforms.exp(z.subColumnVector(max.reshape(mb, 1)), false);
    INDArray sum = exp.sum(1);
    INDArray logSumExp = Transforms.log(sum, true).addi(max);
    INDArray meanZ = z.mean(1);
    double e = labelSmoothing;
    INDArray loss = logSumExp.subi(meanZ.muli(e));
    INDArray grad = gradient ? exp.diviColumnVector(sum.reshape(mb, 1)).subi(e / n) : null;
    for (long i = 0; i < mb; i++) {
      long a = classIndex(mixed ? labels.getDouble(i, 0) : labels.getDouble(i), n);
      double lambda = 1;
      long b = a;
      if (mixed) {
        b = classIndex(labels.getDouble(i, 1), n);
        lambda = labels.getDouble(i, 2);
        if (!(lambda >= 0 && lambda <= 1)) {
          throw new IllegalArgumentException("mixing weight " + lambda + " is not in [0, 1]");
        }
      }
      double target = (1 - e) * (lambda * z.getDouble(i, a) + (1 - lambda) * z.getDouble(i, b));
      loss.putScalar(i, loss.getDouble(i) - target);
      if (grad != null) {
        grad.putScalar(i, a, grad.getDouble(i, a) - (1 - e) * lambda);
        if (lambda != 1) {
          grad.putScalar(i, b, grad.getDouble(i, b) - (1 - e) * (1 - lambda));
        }
      }
    }
    if (mask != null) {
      INDArray m = mask.reshape(mb);
      loss.muli(m);
      if (grad != null) {
        grad.muliColumnVector(m.reshape(mb, 1).castTo(grad.dataType()));
      }
    }
    return new Pair<>(loss.reshape(mb, 1), grad);
  }

  private static long classIndex(double raw, long n) {
    long y = (long) raw;
    if (y != raw || y < 0 || y >= n) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "label %s is not a class index in 0..%d (the head has %d classes)",
              raw,
              n - 1,
              n));
    }
    return y;
  }

  @Override
  public double computeScore(
      INDArray labels, INDArray preOutput, IActivation activation, INDArray mask, boolean average) {
    INDArray loss = lossAndGradient(labels, preOutput, activation, mask, false).getFirst();
    double total = loss.sumNumber().doubleValue();
    return average ? total / preOutput.size(0) : total;
  }

  @Override
  public INDArray computeScoreArray(
      INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
    return lossAndGradient(labels, preOutput, activation, mask, false).getFirst();
  }

  @Override
  public INDArray computeGradient(
      INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
    return lossAndGradient(labels, preOutput, activation, mask, true).getSecond();
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(
      INDArray labels, INDArray preOutput, IActivation activation, INDArray mask, boolean average) {
    Pair<INDArray, INDArray> both = lossAndGradient(labels, preOutput, activation, mask, true);
    double total = both.getFirst().sumNumber().doubleValue();
    return new Pair<>(average ? total / preOutput.size(0) : total, both.getSecond());
  }

  @Override
  public String name() {
    return toString();
  }

  @Override
  public String toString() {
    return "SparseSoftmaxCrossEntropy(labelSmoothing=" + labelSmoothing + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SparseSoftmaxCrossEntropy other && other.labelSmoothing == labelSmoothing;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(labelSmoothing);
  }
}
