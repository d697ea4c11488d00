package org.ebvspark.model.ebv;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The outcome of a run: the best W it saw (never worse than its start) and how it ended.
 *
 * @param basis N x d, rows of unit length
 * @param settings what was asked, fully resolved
 * @param start how the starting W was made
 * @param steps passes over W
 * @param reason why it stopped
 * @param achieved the largest off-diagonal |cos| of {@code basis}
 * @param message one line for a person: what happened and what it means
 * @param seconds wall time
 * @param certificate the basis's certificate if the run already computed one, else null
 */
public record GenerationResult(
    INDArray basis,
    GeneratorSettings settings,
    String start,
    int steps,
    StopReason reason,
    double achieved,
    String message,
    double seconds,
    CoherenceStats certificate) {}
