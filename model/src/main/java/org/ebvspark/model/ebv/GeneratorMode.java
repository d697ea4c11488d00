package org.ebvspark.model.ebv;

/** How the basis is generated. */
public enum GeneratorMode {
  /**
   * The paper's Algorithm 1 as the reference code runs it: Gaussian start, rows renormalized every
   * step, loss sum ReLU(|W_slice W^T| - I - alpha), plain SGD.
   */
  FAITHFUL,
  /**
   * An exact orthonormal set when N <= d; otherwise a start from mutually unbiased bases where one
   * fits, refined by Adam on a squared hinge whose threshold follows the current maximum.
   */
  FAST;

  /** The name used on the command line and in files. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
