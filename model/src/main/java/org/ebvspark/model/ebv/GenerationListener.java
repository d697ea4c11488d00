package org.ebvspark.model.ebv;

/** Receives every pass of a generation run (progress lines, metrics files, checkpoints). */
@FunctionalInterface
public interface GenerationListener {
  GenerationListener NONE = report -> {};

  void onStep(StepReport report);
}
