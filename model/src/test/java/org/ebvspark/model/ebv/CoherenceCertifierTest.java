package org.ebvspark.model.ebv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CoherenceCertifierTest {

  @Test
  void matchesTheSlowComputation() {
    int n = 301;
    int d = 13;
    double[][] w = Matrices.randomUnitRows(n, d, 8);
    CoherenceCertifier certifier = new CoherenceCertifier(40, n, d);
    CoherenceAccumulator acc = certifier.accumulate(Matrices.toFloat(w), 0, n);
    CoherenceStats stats = acc.toStats(n, d);

    double[] all = new double[n * (n - 1) / 2];
    int k = 0;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        all[k] = Math.abs(Matrices.dot(w[i], w[j]));
        sum += all[k++];
      }
    }
    Arrays.sort(all);
    assertThat(stats.pairs()).isEqualTo(all.length);
    assertThat(stats.max()).isCloseTo(all[all.length - 1], within(1e-6));
    assertThat(stats.mean()).isCloseTo(sum / all.length, within(1e-6));
    double bin = 1.0 / (1 << 16);
    double exactMedian = all[(int) Math.ceil(0.5 * all.length) - 1];
    assertThat(stats.p50()).isBetween(exactMedian - 1e-6, exactMedian + bin + 1e-6);
    double exactP99 = all[(int) Math.ceil(0.99 * all.length) - 1];
    assertThat(stats.p99()).isBetween(exactP99 - 1e-6, exactP99 + bin + 1e-6);
    assertThat(stats.histogramCounts().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(all.length);
    assertThat(stats.maxNormError()).isLessThan(1e-6);
    assertThat(stats.welchBound()).isCloseTo(Math.sqrt((n - d) / (d * (n - 1.0))), within(1e-12));
  }

  @Test
  void blocksMergeToTheWholeAndRecordNormErrors() {
    int n = 90;
    int d = 7;
    double[][] w = Matrices.randomUnitRows(n, d, 4);
    for (int k = 0; k < d; k++) {
      w[10][k] *= 1.5; // one row off the sphere
    }
    CoherenceCertifier certifier = new CoherenceCertifier(16, n, d);
    var f = Matrices.toFloat(w);
    CoherenceStats whole = certifier.accumulate(f, 0, n).toStats(n, d);
    CoherenceStats merged =
        certifier.accumulate(f, 0, 33).merge(certifier.accumulate(f, 33, n)).toStats(n, d);
    assertThat(merged.max()).isEqualTo(whole.max());
    assertThat(merged.pairs()).isEqualTo(whole.pairs());
    assertThat(merged.mean()).isCloseTo(whole.mean(), within(1e-9));
    assertThat(whole.maxNormError()).isCloseTo(0.5, within(1e-5));
  }
}
