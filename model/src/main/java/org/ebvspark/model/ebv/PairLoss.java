package org.ebvspark.model.ebv;

/**
 * The penalty on one pair (i, j), i != j, with c = w_i . w_j and threshold t.
 *
 * <p>Each loss is written with the weight s(c) = dL/dc it puts on the pair ({@link BlockKernel}
 * inlines s(c) in its scan loops; its tests check the gradient against this class's values). Over a
 * block of rows B, the gradient of the loss summed over all ordered pairs is then dL/dw_i = 2 sum_j
 * s(c_ij) w_j for i in B: every unordered pair appears twice, once from the slice that holds i
 * (through w_i) and once from the slice that holds j (through w_j^T), and both give s(c_ij) w_j for
 * row i. That is the reference implementation's autograd result, written out so that the N x N
 * matrix never exists.
 */
public enum PairLoss {
  /**
   * The paper's loss, as the reference code computes it: ReLU(|c| - t), so s(c) = sign(c) above the
   * threshold and 0 below.
   */
  HINGE {
    @Override
    double value(double absC, double t) {
      return absC - t;
    }
  },
  /**
   * (|c| - t)^2 / 2: the pull on a pair grows with how far it is over the threshold, which lets the
   * fast mode work at a threshold just under the current maximum.
   */
  SQUARED_HINGE {
    @Override
    double value(double absC, double t) {
      double excess = absC - t;
      return 0.5 * excess * excess;
    }
  };

  /** The loss of a pair with |c| > t. */
  abstract double value(double absC, double t);
}
