package org.ebvspark.model.ebv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MutuallyUnbiasedBasesTest {

  /** Every pair of the full set: |cos| is exactly 0 or 1/sqrt(D), nothing else. */
  @ParameterizedTest(name = "D = {0}")
  @ValueSource(ints = {4, 16, 64})
  void wholeSetHasOnlyTwoAngles(int dimension) {
    MutuallyUnbiasedBases bases = MutuallyUnbiasedBases.inDimension(dimension);
    int count = (int) MutuallyUnbiasedBases.capacity(dimension);
    double[][] v = vectors(bases, count);
    double unbiased = 1.0 / Math.sqrt(dimension);
    for (int i = 0; i < count; i++) {
      assertThat(Matrices.dot(v[i], v[i])).isCloseTo(1.0, within(1e-6));
      for (int j = i + 1; j < count; j++) {
        double a = Math.abs(Matrices.dot(v[i], v[j]));
        boolean sameBasis = i / dimension == j / dimension;
        assertThat(a)
            .as("vectors %d and %d", i, j)
            .isCloseTo(sameBasis ? 0.0 : unbiased, within(1e-6));
      }
    }
    assertThat(count).isEqualTo(dimension * (dimension / 2 + 1));
  }

  /**
   * D = 4096 is what 100,000 classes use (25 bases). Checking every pair numerically is the
   * certifier's job (a benchmark); here the Kerdock property is checked exactly: Q_u + Q_v has a
   * non-degenerate polar form for every pair among the first 25 bases and for random others.
   */
  @Test
  void kerdockPropertyHoldsInDimension4096() {
    MutuallyUnbiasedBases bases = MutuallyUnbiasedBases.inDimension(4096);
    int m = 12;
    for (int u = 0; u < 25; u++) {
      for (int v = u + 1; v < 25; v++) {
        assertThat(polarRank(bases, u, v, m)).as("bases %d and %d", u, v).isEqualTo(m);
      }
    }
    SplittableRandom random = new SplittableRandom(1);
    for (int trial = 0; trial < 200; trial++) {
      int u = random.nextInt(2048);
      int v = random.nextInt(2048);
      if (u != v) {
        assertThat(polarRank(bases, u, v, m)).as("bases %d and %d", u, v).isEqualTo(m);
      }
    }
  }

  @Test
  void sampledPairsInDimension4096AreUnbiased() {
    MutuallyUnbiasedBases bases = MutuallyUnbiasedBases.inDimension(4096);
    SplittableRandom random = new SplittableRandom(2);
    float[] a = new float[4096];
    float[] b = new float[4096];
    for (int trial = 0; trial < 300; trial++) {
      long i = random.nextLong(100_000);
      long j = random.nextLong(100_000);
      bases.vector(i, a, 0);
      bases.vector(j, b, 0);
      double dot = 0;
      for (int k = 0; k < 4096; k++) {
        dot += (double) a[k] * b[k];
      }
      double expected = i == j ? 1.0 : (i / 4096 == j / 4096 ? 0.0 : 1.0 / 64);
      assertThat(Math.abs(dot)).as("vectors %d and %d", i, j).isCloseTo(expected, within(1e-6));
    }
  }

  @Test
  void refusesDimensionsThatAreNotPowersOfFour() {
    assertThatThrownBy(() -> MutuallyUnbiasedBases.inDimension(128)).hasMessageContaining("4^k");
    assertThat(MutuallyUnbiasedBases.largestDimensionAtMost(100)).isEqualTo(64);
    assertThat(MutuallyUnbiasedBases.largestDimensionAtMost(5000)).isEqualTo(4096);
    assertThat(MutuallyUnbiasedBases.largestDimensionAtMost(3)).isZero();
  }

  /** GF(2) rank of the polar form B(x, y) = Q(x + y) + Q(x) + Q(y) of Q_u + Q_v. */
  private static int polarRank(MutuallyUnbiasedBases bases, int u, int v, int m) {
    int[] qu = bases.quadraticForm(u).clone();
    int[] qv = bases.quadraticForm(v);
    int[] rows = new int[m];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < m; j++) {
        int x = 1 << i;
        int y = 1 << j;
        int q = (qu[x ^ y] ^ qv[x ^ y]) ^ (qu[x] ^ qv[x]) ^ (qu[y] ^ qv[y]);
        rows[i] |= q << j;
      }
    }
    int rank = 0;
    for (int bit = 0; bit < m; bit++) {
      int pivot = -1;
      for (int r = rank; r < m; r++) {
        if ((rows[r] >> bit & 1) != 0) {
          pivot = r;
          break;
        }
      }
      if (pivot < 0) {
        continue;
      }
      int t = rows[pivot];
      rows[pivot] = rows[rank];
      rows[rank] = t;
      for (int r = 0; r < m; r++) {
        if (r != rank && (rows[r] >> bit & 1) != 0) {
          rows[r] ^= rows[rank];
        }
      }
      rank++;
    }
    return rank;
  }

  private static double[][] vectors(MutuallyUnbiasedBases bases, int count) {
    int dimension = bases.dimension();
    float[] buffer = new float[dimension];
    double[][] v = new double[count][dimension];
    for (int i = 0; i < count; i++) {
      bases.vector(i, buffer, 0);
      for (int k = 0; k < dimension; k++) {
        v[i][k] = buffer[k];
      }
    }
    return v;
  }
}
