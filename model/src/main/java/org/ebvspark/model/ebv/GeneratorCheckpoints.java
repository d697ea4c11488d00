package org.ebvspark.model.ebv;

/** Where a run saves its state as it goes, so that a killed run can resume. */
@FunctionalInterface
public interface GeneratorCheckpoints {
  GeneratorCheckpoints NONE = (state, settings) -> {};

  /** Called after every pass; implementations decide whether to write. */
  void afterStep(GeneratorState state, GeneratorSettings settings);
}
