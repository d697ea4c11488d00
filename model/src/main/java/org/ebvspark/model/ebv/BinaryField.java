package org.ebvspark.model.ebv;

/**
 * The finite field GF(2^n) for small n, elements as the low n bits of an int (polynomial basis).
 * Only what the mutually-unbiased-bases construction needs: multiplication and the absolute trace.
 */
final class BinaryField {
  private final int degree;
  private final int modulus;
  private final int traceMask;

  private BinaryField(int degree, int modulus) {
    this.degree = degree;
    this.modulus = modulus;
    // The trace is GF(2)-linear, so Tr(z) is the parity of z masked by the traces of the basis.
    int mask = 0;
    for (int k = 0; k < degree; k++) {
      if (slowTrace(1 << k) == 1) {
        mask |= 1 << k;
      }
    }
    this.traceMask = mask;
  }

  /** The field of 2^n elements, built on the smallest irreducible polynomial of degree n. */
  static BinaryField ofDegree(int n) {
    if (n < 1 || n > 24) {
      throw new IllegalArgumentException("GF(2^" + n + ") is outside 1..24");
    }
    for (int p = (1 << n) | 1; p < (1 << (n + 1)); p += 2) {
      if (isIrreducible(p, n)) {
        return new BinaryField(n, p);
      }
    }
    throw new IllegalStateException("no irreducible polynomial of degree " + n);
  }

  int degree() {
    return degree;
  }

  int size() {
    return 1 << degree;
  }

  int multiply(int a, int b) {
    int result = 0;
    int high = 1 << degree;
    while (b != 0) {
      if ((b & 1) != 0) {
        result ^= a;
      }
      b >>>= 1;
      a <<= 1;
      if ((a & high) != 0) {
        a ^= modulus;
      }
    }
    return result;
  }

  /** Tr(z) = z + z^2 + z^4 + ... + z^(2^(n-1)), which lies in GF(2). */
  int trace(int z) {
    return Integer.bitCount(z & traceMask) & 1;
  }

  private int slowTrace(int z) {
    int sum = 0;
    int power = z;
    for (int i = 0; i < degree; i++) {
      sum ^= power;
      power = multiply(power, power);
    }
    return sum;
  }

  private static boolean isIrreducible(int p, int n) {
    for (int q = 2; q < (1 << (n / 2 + 1)); q++) {
      if (polyMod(p, q) == 0) {
        return false;
      }
    }
    return true;
  }

  private static int polyMod(int a, int b) {
    int degB = 31 - Integer.numberOfLeadingZeros(b);
    while (a != 0 && 31 - Integer.numberOfLeadingZeros(a) >= degB) {
      a ^= b << (31 - Integer.numberOfLeadingZeros(a) - degB);
    }
    return a;
  }
}
