package org.ebvspark.jobs;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a task's ND4J work on the GPU Spark assigned to it ({@code spark.task.resource.gpu.amount}
 * with a discovery script), instead of device 0. Every task that creates ND4J arrays calls it
 * first: generation, training rounds and evaluation. On the CPU backend binding does nothing (said
 * once in the executor's log); the assigned address is still returned, so tasks can report what
 * Spark gave them.
 */
public final class GpuBinding {
  private static final Logger LOG = LoggerFactory.getLogger(GpuBinding.class);
  private static final AtomicBoolean SAID = new AtomicBoolean();

  private GpuBinding() {}

  /** The device this task was given, bound to the calling thread; -1 if none. */
  public static int bindCurrentTask() {
    TaskContext task = TaskContext.get();
    if (task == null) {
      return -1;
    }
    Map<String, ResourceInformation> resources = task.resourcesJMap();
    ResourceInformation gpu = resources.get("gpu");
    if (gpu == null || gpu.addresses().length == 0) {
      return -1;
    }
    int device = Integer.parseInt(gpu.addresses()[0]);
    if (Nd4j.getBackend().getClass().getSimpleName().toLowerCase().contains("cuda")) {
      Nd4j.getAffinityManager().unsafeSetDevice(device);
    } else if (SAID.compareAndSet(false, true)) {
      LOG.info(
          "Spark assigned GPU {} to this task, but ND4J runs its CPU backend here: nothing to bind",
          device);
    }
    return device;
  }
}
