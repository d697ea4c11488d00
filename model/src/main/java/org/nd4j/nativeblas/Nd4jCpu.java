package org.nd4j.nativeblas;

/**
 * A bridge that DL4J 1.0.0-M2.1 needs and no longer finds. Its oneDNN layer helpers decide whether
 * oneDNN is available by calling {@code org.nd4j.nativeblas.Nd4jCpu.Environment.getInstance()
 * .isUseMKLDNN()} by reflection, but ND4J M2.1 moved that class to {@code
 * org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu}, so the check always fails and convolutions,
 * batch norm and pooling fall back to im2col loops about 8x slower (bench/README.md). This class
 * answers the old name with the new class's answer. DL4J's Spark and nn modules are deprecated
 * upstream, so the project carries this fix (DESIGN.md). Only the CPU backend built with oneDNN
 * (classifier linux-x86_64-onednn) says yes.
 */
public final class Nd4jCpu {
  private Nd4jCpu() {}

  /** The old Environment, delegating to the moved one. */
  public static final class Environment {
    private static final Environment INSTANCE = new Environment();

    private Environment() {}

    public static Environment getInstance() {
      return INSTANCE;
    }

    /** Whether the loaded ND4J binary uses oneDNN (false on other backends). */
    public boolean isUseMKLDNN() {
      try {
        Class<?> moved =
            Class.forName("org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment");
        Object env = moved.getMethod("getInstance").invoke(null);
        return (Boolean) moved.getMethod("isUseONEDNN").invoke(env);
      } catch (ReflectiveOperationException | LinkageError e) {
        return false;
      }
    }
  }
}
