package org.ebvspark.model.ebv;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The W a run starts from. Random draws come from {@link SplittableRandom} with the run's seed, row
 * by row, so a seed gives the same start on every backend and every machine.
 *
 * @param basis N x d, rows of unit length
 * @param description how it was made, for provenance
 * @param exactCoherence the coherence the construction guarantees, or NaN if none
 */
public record StartingPoint(INDArray basis, String description, double exactCoherence) {

  /** The noise added to a structured start that must still be refined (norm about this). */
  static final double STRUCTURED_NOISE = 0.003;

  private static final int CHUNK_ROWS = 256;

  /** The start each mode uses for these settings. */
  public static StartingPoint forSettings(GeneratorSettings s) {
    if (s.mode() == GeneratorMode.FAITHFUL) {
      return gaussian(s.classes(), s.dim(), s.seed());
    }
    if (s.classes() <= s.dim()) {
      return orthonormal(s.classes(), s.dim(), s.seed());
    }
    int dimension = MutuallyUnbiasedBases.largestDimensionAtMost(s.dim());
    if (dimension > 0
        && (long) (s.dim() / dimension) * MutuallyUnbiasedBases.capacity(dimension)
            >= s.classes()) {
      MutuallyUnbiasedBases bases = MutuallyUnbiasedBases.inDimension(dimension);
      boolean exact = s.alpha() + GeneratorSettings.ALPHA_TOLERANCE >= bases.crossCoherence();
      return structured(s.classes(), s.dim(), bases, exact ? 0.0 : STRUCTURED_NOISE, s.seed());
    }
    return gaussian(s.classes(), s.dim(), s.seed());
  }

  /**
   * The exact construction behind a perturbed structured start (fast mode, alpha below 1/sqrt(D)),
   * or null when the start is not one. Refinement that fails to beat it falls back to it.
   */
  public static StartingPoint unperturbed(GeneratorSettings s) {
    if (s.mode() != GeneratorMode.FAST || s.classes() <= s.dim()) {
      return null;
    }
    int dimension = MutuallyUnbiasedBases.largestDimensionAtMost(s.dim());
    if (dimension == 0
        || (long) (s.dim() / dimension) * MutuallyUnbiasedBases.capacity(dimension) < s.classes()) {
      return null;
    }
    return structured(
        s.classes(), s.dim(), MutuallyUnbiasedBases.inDimension(dimension), 0.0, s.seed());
  }

  /** Rows drawn from N(0, I) and normalized: the reference code's start. */
  public static StartingPoint gaussian(int n, int d, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    INDArray w = Nd4j.createUninitialized(DataType.FLOAT, n, d);
    fill(
        w,
        (row, out, offset) -> {
          for (int k = 0; k < d; k++) {
            out[offset + k] = (float) random.nextGaussian();
          }
        });
    normalizeRows(w);
    return new StartingPoint(w, "gaussian(seed=" + seed + ")", Double.NaN);
  }

  /** N <= d orthonormal rows: Q of the QR factorization of a seeded Gaussian d x N matrix. */
  public static StartingPoint orthonormal(int n, int d, long seed) {
    if (n > d) {
      throw new IllegalArgumentException("an orthonormal set needs N <= d, got " + n + " > " + d);
    }
    INDArray gaussian = gaussian(n, d, seed).basis();
    // Modified Gram-Schmidt in double precision over row blocks: block products use BLAS.
    INDArray q = Orthonormalizer.orthonormalizeRows(gaussian.castTo(DataType.DOUBLE));
    INDArray w = q.castTo(DataType.FLOAT);
    normalizeRows(w);
    return new StartingPoint(w, "orthonormal(qr, seed=" + seed + ")", 0.0);
  }

  /**
   * The first N vectors of the mutually unbiased bases of R^D, in the first D coordinates of R^d;
   * past D (D/2 + 1) vectors, further copies of the set in the next D coordinates (copies lie in
   * orthogonal subspaces, so they add no larger |cos|). With {@code noise > 0}, a seeded
   * perturbation of about that norm lets the optimizer use the coordinates the copies leave free
   * (without it every gradient stays in their span).
   */
  public static StartingPoint structured(
      int n, int d, MutuallyUnbiasedBases bases, double noise, long seed) {
    int dimension = bases.dimension();
    long capacity = MutuallyUnbiasedBases.capacity(dimension);
    if ((long) (d / dimension) * capacity < n) {
      throw new IllegalArgumentException(
          n + " vectors do not fit " + d / dimension + " copies of " + capacity + " in R^" + d);
    }
    INDArray w = Nd4j.createUninitialized(DataType.FLOAT, n, d);
    SplittableRandom random = new SplittableRandom(seed);
    double sigma = noise / Math.sqrt(d);
    fill(
        w,
        (row, out, offset) -> {
          int copy = (int) (row / capacity);
          java.util.Arrays.fill(out, offset, offset + d, 0f);
          bases.vector(row % capacity, out, offset + copy * dimension);
          if (noise > 0) {
            for (int k = 0; k < d; k++) {
              out[offset + k] += (float) (sigma * random.nextGaussian());
            }
          }
        });
    if (noise > 0) {
      normalizeRows(w);
    }
    String description =
        String.format(
            java.util.Locale.ROOT,
            "mutually-unbiased-bases(D=%d%s, |cos|<=1/sqrt(D)=%.6f%s)",
            dimension,
            n > capacity ? ", " + ((n + capacity - 1) / capacity) + " orthogonal copies" : "",
            bases.crossCoherence(),
            noise > 0 ? ", noise=" + noise + ", seed=" + seed : "");
    return new StartingPoint(w, description, noise > 0 ? Double.NaN : bases.crossCoherence());
  }

  /** Scales every row of {@code w} to unit length, in place. */
  public static void normalizeRows(INDArray w) {
    HostRows.normalize(w);
  }

  @FunctionalInterface
  interface RowWriter {
    void write(long row, float[] out, int offset);
  }

  /** Fills W row by row through a host buffer of {@code CHUNK_ROWS} rows. */
  static void fill(INDArray w, RowWriter writer) {
    long n = w.rows();
    int d = w.columns();
    HostRows rows = HostRows.of(w);
    float[] chunk = new float[CHUNK_ROWS * d];
    for (long start = 0; start < n; start += CHUNK_ROWS) {
      int count = (int) Math.min(CHUNK_ROWS, n - start);
      for (int r = 0; r < count; r++) {
        writer.write(start + r, chunk, r * d);
      }
      rows.putRows(start, count, chunk, 0);
    }
    rows.markWritten();
  }
}
