package org.ebvspark.jobs.generate;

import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Puts a task's ND4J work on the GPU Spark assigned to it ({@code spark.task.resource.gpu.amount}
 * with a discovery script), instead of device 0. On the CPU backend, or when Spark assigned no GPU,
 * it does nothing.
 */
final class GpuBinding {
  private GpuBinding() {}

  /** The device this task was given, bound to the calling thread; -1 if none. */
  static int bindCurrentTask() {
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
    }
    return device;
  }
}
