package org.ebvspark.model.ebv;

import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Generates N equiangular basis vectors in R^d: unit vectors with every pairwise |cos| at most
 * alpha (Shen, Sun, Wei, "Equiangular Basis Vectors", CVPR 2023, arXiv:2303.11637, Algorithm 1).
 *
 * <p>Faithful mode is the reference code's loop: normalize the rows, take the loss sum ReLU(|W_B
 * W^T| - I - alpha) over slices B with the analytic gradient 2 S W (see {@link PairLoss}), stop
 * once max |cos| <= alpha + 1e-4, else W -= lr grad.
 *
 * <p>Fast mode starts from exact constructions (orthonormal when N <= d; mutually unbiased bases
 * when they hold N vectors) and refines with Adam on a squared hinge whose threshold sits 3% under
 * the current maximum, with the gradient projected onto the sphere's tangent space, halving the
 * step on a plateau and returning to the best W.
 *
 * <p>Both modes keep the best W seen and never return one worse than the start; a run that
 * collapses (a pair becomes parallel) or stops improving ends with a message and that best W.
 */
public final class EbvGenerator {
  /** A pair at or above this |cos| has collapsed. */
  static final double COLLAPSE_COSINE = 0.999;

  /** A new best must beat the old one by this much; smaller changes are noise. */
  static final double MIN_IMPROVEMENT = 1e-6;

  /**
   * A run that stops improving while its maximum sits this far above the start's is collapsing:
   * pairs are drifting toward (anti)parallel, as the paper's loss does when alpha is below what it
   * can reach (measured: d = 64, N = 1000, alpha = 0.18).
   */
  static final double DIVERGENCE = 0.05;

  static final double FAST_MARGIN = 0.03;
  static final int FAST_MAX_REDUCTIONS = 8;
  static final double ADAM_BETA1 = 0.9;
  static final double ADAM_BETA2 = 0.999;
  static final double ADAM_EPSILON = 1e-12;

  private EbvGenerator() {}

  /** Generates on this JVM. */
  public static GenerationResult generate(GeneratorSettings settings, GenerationListener listener) {
    try (CoherencePass pass = CoherencePass.local(settings)) {
      return generate(settings, pass, listener, null, GeneratorCheckpoints.NONE);
    }
  }

  /**
   * Generates with passes computed by {@code pass}.
   *
   * @param resume a saved state to continue from, or null to start afresh
   */
  public static GenerationResult generate(
      GeneratorSettings settings,
      CoherencePass pass,
      GenerationListener listener,
      GeneratorState resume,
      GeneratorCheckpoints checkpoints) {
    long started = System.nanoTime();
    GeneratorState state;
    String startDescription;
    if (resume == null) {
      StartingPoint start = StartingPoint.forSettings(settings);
      startDescription = start.description();
      if (start.exactCoherence() <= settings.alpha() + GeneratorSettings.ALPHA_TOLERANCE) {
        // No steps to take: the certificate (every pair once) is the check.
        CoherenceStats certificate = pass.certify(start.basis());
        String message =
            String.format(
                Locale.ROOT,
                "the start meets alpha by construction: max |cos| %.6f (%s)",
                certificate.max(),
                startDescription);
        StopReason reason =
            certificate.max() <= settings.alpha() + GeneratorSettings.ALPHA_TOLERANCE
                ? StopReason.EXACT_START
                : StopReason.STEP_LIMIT;
        return new GenerationResult(
            start.basis(),
            settings,
            startDescription,
            0,
            reason,
            certificate.max(),
            message,
            seconds(started),
            certificate);
      }
      state = new GeneratorState(start.basis(), settings, startDescription);
    } else {
      state = resume;
      startDescription = resume.startDescription + ", resumed at step " + resume.step;
    }
    GenerationResult result =
        new Run(settings, pass, listener, checkpoints, state, startDescription, started).go();
    if (!result.reason().reachedAlpha()) {
      // Refinement of a perturbed exact construction must not end above the construction itself.
      StartingPoint exact = StartingPoint.unperturbed(settings);
      if (exact != null && exact.exactCoherence() < result.achieved()) {
        String message =
            String.format(
                Locale.ROOT,
                "%s; refinement did not beat the unperturbed start (max |cos| %.6f), which is"
                    + " returned instead",
                result.message(),
                exact.exactCoherence());
        return new GenerationResult(
            exact.basis(),
            settings,
            exact.description(),
            result.steps(),
            result.reason(),
            exact.exactCoherence(),
            message,
            seconds(started),
            null);
      }
    }
    return result;
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** One run's loop, with its scratch gradient. */
  private static final class Run {
    private final GeneratorSettings s;
    private final CoherencePass pass;
    private final GenerationListener listener;
    private final GeneratorCheckpoints checkpoints;
    private final GeneratorState state;
    private final String startDescription;
    private final long started;
    private final boolean faithful;
    private final INDArray gradient;

    Run(
        GeneratorSettings s,
        CoherencePass pass,
        GenerationListener listener,
        GeneratorCheckpoints checkpoints,
        GeneratorState state,
        String startDescription,
        long started) {
      this.s = s;
      this.pass = pass;
      this.listener = listener;
      this.checkpoints = checkpoints;
      this.state = state;
      this.startDescription = startDescription;
      this.started = started;
      this.faithful = s.mode() == GeneratorMode.FAITHFUL;
      this.gradient = Nd4j.zerosLike(state.w);
    }

    GenerationResult go() {
      INDArray w = state.w;
      while (true) {
        long passStarted = System.nanoTime();
        if (faithful) {
          StartingPoint.normalizeRows(w);
        }
        PairLoss loss = faithful ? PairLoss.HINGE : PairLoss.SQUARED_HINGE;
        BlockStats stats = pass.run(w, (float) state.threshold, loss, gradient);
        state.step++;
        double max = stats.max();
        if (state.step == 1) {
          state.startMax = max;
        }
        if (max < state.bestMax - MIN_IMPROVEMENT) {
          state.bestMax = max;
          state.best.assign(w);
          state.bestStep = state.step;
        }
        listener.onStep(
            new StepReport(
                state.step,
                max,
                state.bestMax,
                stats.unorderedPairsAbove(),
                state.threshold,
                state.learningRate,
                seconds(passStarted)));

        if (max <= s.alpha() + GeneratorSettings.ALPHA_TOLERANCE) {
          return finish(w, max, StopReason.REACHED, reachedMessage(max));
        }
        if (max >= COLLAPSE_COSINE && state.startMax < COLLAPSE_COSINE) {
          return finish(state.best, state.bestMax, StopReason.COLLAPSED, collapseMessage(stats));
        }
        if (state.step >= s.maxSteps()) {
          return finish(
              state.best,
              state.bestMax,
              StopReason.STEP_LIMIT,
              "step limit " + s.maxSteps() + " reached; " + bestSoFar());
        }
        if (state.step - state.bestStep >= s.patience()) {
          if (max > state.startMax + DIVERGENCE) {
            return finish(state.best, state.bestMax, StopReason.COLLAPSED, divergedMessage(max));
          }
          if (faithful || state.reductions >= FAST_MAX_REDUCTIONS) {
            return finish(state.best, state.bestMax, StopReason.STALLED, stalledMessage());
          }
          reduceStep();
        } else if (faithful) {
          w.subi(gradient.muli(state.learningRate));
        } else {
          adamStep(w);
          state.threshold = Math.max(s.alpha(), max * (1 - FAST_MARGIN));
        }
        checkpoints.afterStep(state, s);
      }
    }

    /** Fast mode's plateau: back to the best W with half the step and fresh moments. */
    private void reduceStep() {
      state.reductions++;
      state.learningRate *= 0.5;
      state.w.assign(state.best);
      state.firstMoment.assign(0);
      state.secondMoment.assign(0);
      state.adamStep = 0;
      state.bestStep = state.step;
      state.threshold = Math.max(s.alpha(), state.bestMax * (1 - FAST_MARGIN));
    }

    /** Adam on the gradient projected onto the tangent space of each row, then renormalize. */
    private void adamStep(INDArray w) {
      INDArray radial = gradient.mul(w).sum(1).reshape(w.rows(), 1);
      gradient.subi(w.mulColumnVector(radial));
      INDArray m = state.firstMoment;
      INDArray v = state.secondMoment;
      m.muli(ADAM_BETA1).addi(gradient.mul(1 - ADAM_BETA1));
      v.muli(ADAM_BETA2).addi(gradient.muli(gradient).muli(1 - ADAM_BETA2));
      state.adamStep++;
      double c1 = 1 - Math.pow(ADAM_BETA1, state.adamStep);
      double c2 = 1 - Math.pow(ADAM_BETA2, state.adamStep);
      INDArray denominator = Transforms.sqrt(v.div(c2), false).addi(ADAM_EPSILON);
      w.subi(m.div(denominator).muli(state.learningRate / c1));
      StartingPoint.normalizeRows(w);
    }

    private GenerationResult finish(
        INDArray basis, double achieved, StopReason reason, String msg) {
      return new GenerationResult(
          basis, s, startDescription, state.step, reason, achieved, msg, seconds(started), null);
    }

    private String reachedMessage(double max) {
      return String.format(
          Locale.ROOT,
          "reached alpha: max |cos| %.6f <= %s + %s after %d steps",
          max,
          s.alpha(),
          GeneratorSettings.ALPHA_TOLERANCE,
          state.step);
    }

    private String bestSoFar() {
      CoherenceBounds.Bound bound = s.lowerBound();
      return String.format(
          Locale.ROOT,
          "best max |cos| %.6f at step %d (alpha %s not reached; %s %.6f)",
          state.bestMax,
          state.bestStep,
          s.alpha(),
          bound.name(),
          bound.value());
    }

    private String stalledMessage() {
      return String.format(
          Locale.ROOT,
          "stalled: no new best in %d steps%s; %s",
          s.patience(),
          faithful ? "" : " after " + state.reductions + " step-size halvings",
          bestSoFar());
    }

    private String divergedMessage(double max) {
      return String.format(
          Locale.ROOT,
          "collapsing: max |cos| rose from %.6f at the start to %.6f at step %d as pairs drift"
              + " toward (anti)parallel, which row normalization cannot undo; %s. Try a larger"
              + " alpha or --mode fast",
          state.startMax,
          max,
          state.step,
          bestSoFar());
    }

    private String collapseMessage(BlockStats stats) {
      return String.format(
          Locale.ROOT,
          "collapsed at step %d: rows %d and %d became (anti)parallel (|cos| %.6f), which row"
              + " normalization cannot undo; %s. Try a larger alpha or --mode fast",
          state.step,
          stats.maxRow(),
          stats.maxColumn(),
          stats.max(),
          bestSoFar());
    }
  }
}
