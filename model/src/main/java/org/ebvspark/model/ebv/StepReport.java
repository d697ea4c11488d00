package org.ebvspark.model.ebv;

/**
 * One pass of the generator, for progress lines and metrics.
 *
 * @param step the pass, from 1
 * @param max the largest off-diagonal |cos| of W at this pass
 * @param best the lowest max so far
 * @param pairsAbove unordered pairs with |cos| above the threshold
 * @param threshold the threshold of this pass's loss
 * @param learningRate the step size in use
 * @param seconds wall time of this pass
 */
public record StepReport(
    int step,
    double max,
    double best,
    long pairsAbove,
    double threshold,
    double learningRate,
    double seconds) {}
