package org.ebvspark.model.ebv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EbvGeneratorTest {

  @Test
  void faithfulModeReachesAnAttainableAlpha() {
    GeneratorSettings s = GeneratorSettings.of(60, 12, 0.45, GeneratorMode.FAITHFUL, 7);
    List<StepReport> steps = new ArrayList<>();
    GenerationResult r = EbvGenerator.generate(s, steps::add);

    assertThat(r.reason()).isEqualTo(StopReason.REACHED);
    double measured = Matrices.coherence(Matrices.toDouble(r.basis()));
    assertThat(measured).isLessThanOrEqualTo(0.45 + GeneratorSettings.ALPHA_TOLERANCE + 1e-6);
    assertThat(r.achieved()).isCloseTo(measured, org.assertj.core.api.Assertions.within(1e-6));
    assertThat(steps).hasSize(r.steps());
    assertThat(steps.get(0).max()).isGreaterThan(0.45); // it had to work for it
  }

  @Test
  void sameSeedGivesTheSameBasis() {
    GeneratorSettings s = GeneratorSettings.of(60, 12, 0.45, GeneratorMode.FAITHFUL, 99);
    GenerationResult a = EbvGenerator.generate(s, GenerationListener.NONE);
    GenerationResult b = EbvGenerator.generate(s, GenerationListener.NONE);
    GenerationResult c =
        EbvGenerator.generate(
            GeneratorSettings.of(60, 12, 0.45, GeneratorMode.FAITHFUL, 100),
            GenerationListener.NONE);
    assertThat(a.basis().equalsWithEps(b.basis(), 0.0)).isTrue();
    assertThat(a.steps()).isEqualTo(b.steps());
    assertThat(a.basis().equalsWithEps(c.basis(), 1e-3)).isFalse();
  }

  @Test
  void anUnreachableAlphaStopsWithTheBestBasisAndSaysSo() {
    // Just above the Welch bound (0.2604): SGD on the paper's loss cannot get there.
    GeneratorSettings s =
        GeneratorSettings.of(60, 12, 0.27, GeneratorMode.FAITHFUL, 7).withPatience(200);
    List<StepReport> steps = new ArrayList<>();
    GenerationResult r = EbvGenerator.generate(s, steps::add);

    assertThat(r.reason()).isIn(StopReason.STALLED, StopReason.COLLAPSED);
    assertThat(r.reason().reachedAlpha()).isFalse();
    assertThat(r.message()).contains("alpha 0.27 not reached").contains("best max |cos|");
    double measured = Matrices.coherence(Matrices.toDouble(r.basis()));
    double lowestSeen = steps.stream().mapToDouble(StepReport::max).min().orElseThrow();
    assertThat(measured).isLessThanOrEqualTo(steps.get(0).max());
    assertThat(measured).isLessThanOrEqualTo(lowestSeen + 2e-6);
  }

  /**
   * The paper's loss below what it can reach: pairs become parallel and stay so. The run names the
   * pair, stops, and returns the best basis it saw, which is no worse than the start.
   */
  @Test
  void aCollapsingRunIsDetectedAndKeepsItsBest() {
    GeneratorSettings s = GeneratorSettings.of(300, 24, 0.22, GeneratorMode.FAITHFUL, 42);
    List<StepReport> steps = new ArrayList<>();
    GenerationResult r = EbvGenerator.generate(s, steps::add);

    assertThat(r.reason()).isEqualTo(StopReason.COLLAPSED);
    assertThat(r.message()).containsPattern("rows \\d+ and \\d+ became \\(anti\\)parallel");
    assertThat(steps.get(steps.size() - 1).max()).isGreaterThan(0.99);
    double measured = Matrices.coherence(Matrices.toDouble(r.basis()));
    assertThat(measured).isLessThanOrEqualTo(steps.get(0).max()).isLessThan(0.9);
  }

  @Test
  void fastModeGivesAnExactOrthonormalSetWhenNFits() {
    GenerationResult r =
        EbvGenerator.generate(
            GeneratorSettings.of(200, 256, 0.01, GeneratorMode.FAST, 1), GenerationListener.NONE);
    assertThat(r.reason()).isEqualTo(StopReason.EXACT_START);
    assertThat(r.steps()).isZero();
    assertThat(Matrices.coherence(Matrices.toDouble(r.basis()))).isLessThan(1e-5);
    assertThat(r.achieved()).isLessThan(1e-5);
  }

  @Test
  void fastModeUsesUnbiasedBasesWhenTheyMeetAlpha() {
    GenerationResult r =
        EbvGenerator.generate(
            GeneratorSettings.of(140, 20, 0.25, GeneratorMode.FAST, 1), GenerationListener.NONE);
    assertThat(r.reason()).isEqualTo(StopReason.EXACT_START);
    assertThat(r.start()).contains("D=16");
    assertThat(Matrices.coherence(Matrices.toDouble(r.basis()))).isEqualTo(0.25, within());
  }

  /** A refinement that does not beat the exact construction gives the construction back. */
  @Test
  void fastModeNeverEndsAboveItsExactConstruction() {
    GeneratorSettings s =
        GeneratorSettings.of(140, 16, 0.2435, GeneratorMode.FAST, 1).withMaxSteps(5);
    GenerationResult r = EbvGenerator.generate(s, GenerationListener.NONE);
    assertThat(r.reason()).isEqualTo(StopReason.STEP_LIMIT);
    assertThat(r.message()).contains("refinement did not beat the unperturbed start");
    assertThat(Matrices.coherence(Matrices.toDouble(r.basis()))).isEqualTo(0.25, within());
  }

  /** Past D (D/2 + 1) vectors, copies of the set in orthogonal coordinates add no larger |cos|. */
  @Test
  void orthogonalCopiesOfTheBasesHoldMoreVectors() {
    GenerationResult r =
        EbvGenerator.generate(
            GeneratorSettings.of(3000, 128, 0.125, GeneratorMode.FAST, 1), GenerationListener.NONE);
    assertThat(r.reason()).isEqualTo(StopReason.EXACT_START);
    assertThat(r.start()).contains("D=64, 2 orthogonal copies");
    assertThat(Matrices.coherence(Matrices.toDouble(r.basis()))).isEqualTo(0.125, within());
    assertThat(r.certificate().pairs()).isEqualTo(3000L * 2999 / 2);
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.api.Assertions.within(1e-6);
  }

  /** The case: (N = 1000, d = 100) at 0.12, where the official file has 0.135. */
  @Test
  void fastModeBeatsTheOfficialCoherenceAtTheDefaultSetting() {
    GeneratorSettings s = GeneratorSettings.of(1000, 100, 0.12, GeneratorMode.FAST, 42);
    GenerationResult r = EbvGenerator.generate(s, GenerationListener.NONE);
    assertThat(r.reason()).isEqualTo(StopReason.REACHED);
    CoherenceStats stats = CoherenceCertifier.certify(r.basis(), rows -> {});
    assertThat(stats.max()).isLessThanOrEqualTo(0.12 + GeneratorSettings.ALPHA_TOLERANCE);
    assertThat(stats.maxNormError()).isLessThan(1e-5);
  }

  @Test
  void settingsRefuseImpossibleRequestsUpFront() {
    assertThatThrownBy(() -> GeneratorSettings.of(1000, 100, 0.09, GeneratorMode.FAST, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("below the Welch bound")
        .hasMessageContaining("0.094916");
    assertThatThrownBy(() -> GeneratorSettings.of(100, 4, 0.5, GeneratorMode.FAST, 1))
        .hasMessageContaining("Levenstein bound");
    assertThatThrownBy(() -> GeneratorSettings.of(10, 4, 1.0, GeneratorMode.FAST, 1))
        .hasMessage("alpha must be in (0, 1), got 1.0");
    assertThatThrownBy(() -> GeneratorSettings.of(10, 4, 0.0, GeneratorMode.FAST, 1))
        .hasMessage("alpha must be in (0, 1), got 0.0");
    assertThatThrownBy(() -> GeneratorSettings.of(1, 4, 0.5, GeneratorMode.FAST, 1))
        .hasMessage("classes N must be at least 2, got 1");
    assertThatThrownBy(() -> GeneratorSettings.of(10, 0, 0.5, GeneratorMode.FAST, 1))
        .hasMessage("dim d must be at least 1, got 0");
  }
}
