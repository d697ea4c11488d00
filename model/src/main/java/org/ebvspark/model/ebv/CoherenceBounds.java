package org.ebvspark.model.ebv;

/**
 * Lower bounds on the coherence (the largest pairwise |cos|) of N unit vectors in R^d.
 *
 * <p>No set of N unit vectors in R^d can have every pairwise |cos| below these numbers, so an alpha
 * under them is refused before any work starts.
 *
 * <ul>
 *   <li>Welch (1974): alpha^2 >= (N - d) / (d (N - 1)), for N > d.
 *   <li>Levenstein (1982), real case: alpha^2 >= (3N - d^2 - 2d) / ((d + 2)(N - d)), which is the
 *       sharper one once N > d (d + 1) / 2.
 * </ul>
 */
public final class CoherenceBounds {

  /** A bound with the name of the inequality it comes from, for error messages and reports. */
  public record Bound(String name, double value) {}

  private CoherenceBounds() {}

  /** The Welch bound; 0 when N <= d (an orthonormal set exists). */
  public static double welch(long n, long d) {
    if (n <= d) {
      return 0.0;
    }
    return Math.sqrt((double) (n - d) / ((double) d * (n - 1)));
  }

  /** The real Levenstein bound, or 0 where it does not apply (N <= d(d+1)/2). */
  public static double levenstein(long n, long d) {
    double nd = n;
    double dd = d;
    if (nd <= dd * (dd + 1) / 2) {
      return 0.0;
    }
    double num = 3 * nd - dd * dd - 2 * dd;
    double den = (dd + 2) * (nd - dd);
    return num <= 0 ? 0.0 : Math.sqrt(num / den);
  }

  /** The sharpest of the bounds above. */
  public static Bound lower(long n, long d) {
    double welch = welch(n, d);
    double levenstein = levenstein(n, d);
    return levenstein > welch
        ? new Bound("Levenstein bound", levenstein)
        : new Bound("Welch bound sqrt((N-d)/(d(N-1)))", welch);
  }
}
