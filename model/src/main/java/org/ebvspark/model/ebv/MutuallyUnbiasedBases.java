package org.ebvspark.model.ebv;

/**
 * D/2 + 1 mutually unbiased orthonormal bases of R^D for D = 4^k: D (D/2 + 1) unit vectors whose
 * pairwise |cos| is 0 (same basis) or exactly 1/sqrt(D) (different bases).
 *
 * <p>The construction is the one behind the Z4-Kerdock codes (Calderbank, Cameron, Kantor, Seidel,
 * "Z4-Kerdock codes, orthogonal spreads, and extremal Euclidean line-sets", 1997). With m = log2(D)
 * and F = GF(2^(m-1)), a point of F_2^m is a pair (x in F, e in F_2). For every u in F the binary
 * quadratic form
 *
 * <pre>
 *   Q_u(x, e) = sum_{i=1}^{(m-2)/2} Tr((u x)^(2^i + 1)) + e Tr(u x)
 * </pre>
 *
 * has a polar form B_u(x, y) = Tr(ux) Tr(uy) + Tr(u^2 x y) (+ the e terms) such that Q_u + Q_v is
 * non-degenerate for u != v (the Kerdock property). The vectors of basis u are v_{u,b}(p) =
 * (-1)^(Q_u(p) + b.p) / sqrt(D) for b in F_2^m; the standard basis is the last one. A character sum
 * of a non-degenerate quadratic form has size 2^(m/2), which gives |cos| = 2^(m/2) / 2^m =
 * 1/sqrt(D) across bases; within a basis the vectors are rows of a signed Hadamard matrix, so they
 * are orthogonal. Tests check both facts numerically.
 */
public final class MutuallyUnbiasedBases {
  private final int dimension;
  private final int log2Dimension;
  private final BinaryField field;
  private final float entry;

  private MutuallyUnbiasedBases(int dimension) {
    this.dimension = dimension;
    this.log2Dimension = Integer.numberOfTrailingZeros(dimension);
    this.field = BinaryField.ofDegree(log2Dimension - 1);
    this.entry = (float) (1.0 / Math.sqrt(dimension));
  }

  /** The set in dimension D, which must be 4^k with k >= 1. */
  public static MutuallyUnbiasedBases inDimension(int dimension) {
    if (dimension < 4
        || Integer.bitCount(dimension) != 1
        || (Integer.numberOfTrailingZeros(dimension) & 1) != 0) {
      throw new IllegalArgumentException(
          "mutually unbiased real bases need a dimension 4^k (4, 16, 64, ...), not " + dimension);
    }
    return new MutuallyUnbiasedBases(dimension);
  }

  /** The largest 4^k (k >= 1) not above d, or 0 if d < 4. */
  public static int largestDimensionAtMost(int d) {
    int dimension = 0;
    for (long candidate = 4; candidate <= d; candidate *= 4) {
      dimension = (int) candidate;
    }
    return dimension;
  }

  /** How many vectors the set in dimension D holds: D (D/2 + 1). */
  public static long capacity(int dimension) {
    return (long) dimension * (dimension / 2 + 1);
  }

  public int dimension() {
    return dimension;
  }

  /** The |cos| between vectors of different bases: 1/sqrt(D). */
  public double crossCoherence() {
    return 1.0 / Math.sqrt(dimension);
  }

  /**
   * Writes vector {@code index} (0 <= index < capacity) into {@code out[offset .. offset + D)}.
   * Vectors are numbered basis by basis: the D/2 Hadamard-type bases first, the standard basis
   * last.
   */
  public void vector(long index, float[] out, int offset) {
    if (index < 0 || index >= capacity(dimension)) {
      throw new IndexOutOfBoundsException("vector " + index + " of " + capacity(dimension));
    }
    int basis = (int) (index / dimension);
    int b = (int) (index % dimension);
    if (basis == dimension / 2) {
      java.util.Arrays.fill(out, offset, offset + dimension, 0f);
      out[offset + b] = 1f;
      return;
    }
    int[] form = quadraticForm(basis);
    for (int p = 0; p < dimension; p++) {
      int sign = form[p] ^ (Integer.bitCount(b & p) & 1);
      out[offset + p] = sign == 0 ? entry : -entry;
    }
  }

  /**
   * The values of Q_u at every point p = (x << 1) | e of F_2^m, for the basis numbered u. Points
   * are computed once per basis; callers that need many vectors of one basis should ask in order.
   */
  int[] quadraticForm(int u) {
    if (cachedBasis == u) {
      return cachedForm;
    }
    int[] form = new int[dimension];
    int half = (log2Dimension - 2) / 2;
    for (int x = 0; x < field.size(); x++) {
      int z = field.multiply(u, x);
      int q = 0;
      int power = z;
      for (int i = 1; i <= half; i++) {
        power = field.multiply(power, power); // z^(2^i)
        q ^= field.trace(field.multiply(power, z));
      }
      int linear = field.trace(z);
      form[x << 1] = q;
      form[(x << 1) | 1] = q ^ linear;
    }
    cachedBasis = u;
    cachedForm = form;
    return form;
  }

  private int cachedBasis = -1;
  private int[] cachedForm;
}
