package org.ebvspark.model.ebv;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Everything a run needs to continue exactly where it was: the current and the best W, the step
 * counters and, in fast mode, the step size and Adam's moments. A checkpoint is this object on
 * disk; resuming from it gives the same result as a run that never stopped.
 */
public final class GeneratorState {
  /** Passes completed. */
  int step;

  /** How the run's starting W was made, for provenance (kept across resumes). */
  String startDescription;

  final INDArray w;
  final INDArray best;
  double bestMax = Double.POSITIVE_INFINITY;
  int bestStep;
  double startMax = Double.NaN;
  double learningRate;
  int reductions;
  double threshold;

  /** Adam's moments and step count (fast mode only; null otherwise). */
  final INDArray firstMoment;

  final INDArray secondMoment;
  int adamStep;

  GeneratorState(INDArray w, GeneratorSettings settings, String startDescription) {
    this.w = w;
    this.startDescription = startDescription;
    this.best = w.dup();
    this.learningRate = settings.learningRate();
    this.threshold = settings.alpha();
    boolean fast = settings.mode() == GeneratorMode.FAST;
    this.firstMoment = fast ? Nd4j.zerosLike(w) : null;
    this.secondMoment = fast ? Nd4j.zerosLike(w) : null;
  }

  /** Rebuilds a state from its saved parts (see {@link #scalars()} for the order). */
  public static GeneratorState restore(
      GeneratorSettings settings,
      String startDescription,
      INDArray w,
      INDArray best,
      INDArray firstMoment,
      INDArray secondMoment,
      double[] scalars) {
    GeneratorState state = new GeneratorState(w, settings, startDescription);
    state.best.assign(best);
    if (state.firstMoment != null) {
      state.firstMoment.assign(firstMoment);
      state.secondMoment.assign(secondMoment);
    }
    state.step = (int) scalars[0];
    state.bestMax = scalars[1];
    state.bestStep = (int) scalars[2];
    state.startMax = scalars[3];
    state.learningRate = scalars[4];
    state.reductions = (int) scalars[5];
    state.threshold = scalars[6];
    state.adamStep = (int) scalars[7];
    return state;
  }

  /** The counters and step sizes, in the order {@link #restore} reads them. */
  public double[] scalars() {
    return new double[] {
      step, bestMax, bestStep, startMax, learningRate, reductions, threshold, adamStep
    };
  }

  public int step() {
    return step;
  }

  public String startDescription() {
    return startDescription;
  }

  public INDArray current() {
    return w;
  }

  public INDArray best() {
    return best;
  }

  public double bestMax() {
    return bestMax;
  }

  /** Adam's first moment, or null in faithful mode. */
  public INDArray firstMoment() {
    return firstMoment;
  }

  /** Adam's second moment, or null in faithful mode. */
  public INDArray secondMoment() {
    return secondMoment;
  }
}
