package org.ebvspark.jobs.train;

import java.io.Serializable;

/**
 * One minibatch as the fitting network saw it, recorded on the JVM that trained it (an executor on
 * Spark): the iteration and epoch the network was at and the learning rate its updater applied at
 * that position of the schedule, whether the {@link org.ebvspark.model.nn.fast.FusedUpdater}
 * updated its parameters, and the seconds its {@code fit} took.
 */
public record WorkerStep(
    int iteration, int epoch, double learningRate, boolean fusedUpdate, double fitSeconds)
    implements Serializable {}
