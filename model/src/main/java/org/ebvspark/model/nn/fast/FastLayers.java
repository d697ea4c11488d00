package org.ebvspark.model.nn.fast;

import org.nd4j.linalg.factory.Nd4j;

/** Whether this JVM's ND4J backend runs the fast layers' own kernels. */
public final class FastLayers {
  private static final boolean AVAILABLE =
      "CpuBackend".equals(Nd4j.getBackend().getClass().getSimpleName());

  private FastLayers() {}

  /**
   * True on ND4J's CPU backend, whose arrays live in host memory the kernels read in place; false
   * on CUDA, where the layers run DL4J's implementation (and cuDNN through it).
   */
  public static boolean kernelsAvailable() {
    return AVAILABLE;
  }
}
