package org.ebvspark.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** No wrong number is reported (DESIGN.md, invariant 8): ties and NaN never count as correct. */
class TopKEvaluationTest {
  @Test
  void allEqualLogitsScoreZeroNotOne() {
    // What a basis of identical rows produces: every class gets the same logit.
    TopKEvaluation e = new TopKEvaluation(10);
    e.add(Nd4j.zeros(4, 10), Nd4j.createFromArray(new float[][] {{0}, {3}, {7}, {9}}));
    assertThat(e.top1()).isZero();
    assertThat(e.top5()).isZero();
    assertThat(e.perClassCorrect()).containsOnly(0L);
  }

  @Test
  void aTieForTheTopCountsAgainstAndStrictOrderCountsFor() {
    TopKEvaluation e = new TopKEvaluation(6);
    e.add(
        Nd4j.createFromArray(
            new float[][] {
              {5, 5, 0, 0, 0, 0}, // label 0 tied with class 1: not top-1, but top-5
              {1, 6, 2, 3, 4, 5}, // label 1 strictly highest: top-1
              {6, 5, 4, 3, 2, 1} // label 5 last of six: not top-5
            }),
        Nd4j.createFromArray(new float[][] {{0}, {1}, {5}}));
    assertThat(e.top1()).isEqualTo(1.0 / 3);
    assertThat(e.top5()).isEqualTo(2.0 / 3);
  }

  @Test
  void aNanLogitIsAnError() {
    TopKEvaluation e = new TopKEvaluation(3);
    assertThatThrownBy(
            () ->
                e.add(
                    Nd4j.createFromArray(new float[][] {{1, Float.NaN, 0}}),
                    Nd4j.createFromArray(new float[][] {{0}})))
        .hasMessageContaining("logit of class 1 is NaN");
  }
}
